-- fieldnotes store, schema 9: per writer of a shared folder, the SHA-256 of the last
-- replica.json whose signature this store checked. The same bytes again need no second
-- Ed25519 check (a sync that finds nothing new reads every writer's replica.json); whose key
-- signed them is still checked against the pinned one each time.
CREATE TABLE verified_files (
    writer TEXT NOT NULL,
    kind TEXT NOT NULL,
    digest BLOB NOT NULL,
    PRIMARY KEY (writer, kind)
);
