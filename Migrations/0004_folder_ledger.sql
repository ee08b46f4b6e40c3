-- fieldnotes store, schema 4: which file in a shared folder carries each version, so that
-- a file that vanishes from the folder (its writer's directory deleted, a backup restored)
-- is replaced: this store's own files are written again as they were, and what it imported
-- from another writer's vanished files it carries again itself (DESIGN.md §5, README "The
-- shared folder"). A folder is now known to each store by an id the store writes in its
-- own directory there, not by a folder.json that every replica shares.

-- Each changeset this store imported from a folder's writer. Its new versions took the local
-- sequences first_seq...last_seq (none when first_seq > last_seq): an import is one write
-- transaction, so no other version takes a sequence in between, and the versions in that range
-- whose origin is `origin` are exactly the file's. `recarried_in`: the changeset of this
-- store's own, in the same folder, that carries them again since this file vanished.
CREATE TABLE received_changesets (
    folder TEXT NOT NULL,           -- this store's id for the folder
    writer TEXT NOT NULL,           -- '' for the files imported before schema 4, as one
    sequence INTEGER NOT NULL,
    origin TEXT NOT NULL,           -- versions.origin of its versions ('folder:<id>')
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    recarried_in INTEGER,
    PRIMARY KEY (folder, writer, sequence)
) STRICT;

-- The files imported before schema 4 are not known one by one: they are one row, so that if
-- any of them vanishes, everything imported from that folder is carried again.
INSERT INTO received_changesets (folder, writer, sequence, origin, first_seq, last_seq)
SELECT DISTINCT i.folder, '', 0, 'folder:' || i.folder, 1, (SELECT coalesce(max(seq), 0) FROM versions)
FROM imported_changesets i;

-- Each changeset this store wrote to a folder. It carried the versions with a local sequence in
-- after_seq < seq <= through_seq that did not come from that folder, and those of the received
-- changesets recarried in it: what a file carries is a function of this row, so a lost file
-- is written again the same. Recorded before the file is written.
CREATE TABLE written_changesets (
    folder TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    after_seq INTEGER NOT NULL,
    through_seq INTEGER NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (folder, sequence)
) STRICT;

-- What the last sync found wrong with a folder that a person should know (files of this
-- replica that vanished, peers that never receive them), shown by `status`: one line each.
ALTER TABLE sync_targets ADD COLUMN notices TEXT;
