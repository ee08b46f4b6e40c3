-- fieldnotes store, schema 2: what sync needs to remember.

-- Where an imported version came from: 'folder:<folder id>' or 'file' (import by hand).
-- NULL for versions made here. A changeset written to a folder carries every version
-- that did not come from that same folder (so edits are relayed from folder to folder).
ALTER TABLE versions ADD COLUMN origin TEXT;

-- Each place versions are sent to: a shared folder ('folder:<id>') or hand exports
-- ('export'). Versions with seq <= exported_through have been sent there. A folder holding
-- a later changeset of this replica than last_written means another store writes as this
-- replica (a copied store) and is refused.
CREATE TABLE sync_targets (
    target TEXT PRIMARY KEY,
    path TEXT,                      -- the folder's path when last synced
    exported_through INTEGER NOT NULL DEFAULT 0,
    last_written INTEGER NOT NULL DEFAULT 0,  -- the last changeset this store wrote there
    last_sync TEXT
) STRICT;

-- For each shared folder and each replica writing there, the last changeset imported:
-- files are imported in sequence order, and a sync that finds nothing new reads no file.
CREATE TABLE imported_changesets (
    folder TEXT NOT NULL,
    writer TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (folder, writer)
) STRICT;

-- Folders remembered by name, for `fieldnotes sync` with no folder.
CREATE TABLE remotes (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    added_at TEXT NOT NULL
) STRICT;
