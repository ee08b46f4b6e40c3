-- fieldnotes store, schema 7: compaction of shared folders (DESIGN.md §11, README
-- "Compaction"). Stores keep every version; only the folder's files are deleted, each by its
-- own writer, once a snapshot covers them.

-- Snapshots this store has read through and checked (imported: every version in them is
-- here), by the folder, their writer and their header's writer signature, which is one file's
-- (a writer that writes its snapshot again writes another). Only a checked snapshot lets this
-- store delete its own files or its own snapshot. `first_seen`: when this store checked it,
-- the start of its grace period.
CREATE TABLE checked_snapshots (
    folder TEXT NOT NULL,
    writer TEXT NOT NULL,
    signature TEXT NOT NULL,        -- hex
    frontier TEXT NOT NULL,         -- the frontier line: {"frontier":{"<writer>":<sequence>,…}}
    first_seen TEXT NOT NULL,
    PRIMARY KEY (folder, writer, signature)
) STRICT;

-- When this store first found that its own files in a folder up to `through` could go: a
-- checked snapshot covered them and every replica not retired had acknowledged them. They are
-- deleted once that has held for the grace period.
CREATE TABLE compaction_marks (
    folder TEXT NOT NULL,
    through INTEGER NOT NULL CHECK (through >= 1),
    since TEXT NOT NULL,
    PRIMARY KEY (folder, through)
) STRICT;

-- Replicas retired on this replica (`fieldnotes replica retire`): a lost or departed laptop
-- no longer holds compaction back. Written into this replica's replica.json in every folder
-- it syncs; undone, for everyone, by the retired replica's next sync after `retired_at`.
CREATE TABLE retired_replicas (
    replica TEXT PRIMARY KEY,
    retired_at TEXT NOT NULL
) STRICT;

-- The replicas that held compaction of this replica's files back at its last sync of a folder
-- (JSON: [{"replica":…,"name":…,"lastSync":…}]), for `status`; NULL: none.
ALTER TABLE sync_targets ADD COLUMN compaction_held_by TEXT;
