-- fieldnotes store, schema 1: one replica's reports, every version of them, and a search index.
-- Migrations are append-only: once a file has shipped it is never edited; change the schema
-- with a new numbered file.

-- This replica: one row.
CREATE TABLE replica (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL,               -- replica UUID, lowercase
    analyst TEXT NOT NULL,          -- the analyst's name, written into every local version
    created_at TEXT NOT NULL
) STRICT;

-- Every version of every report, local or imported, append-only.
-- seq is the local insertion order: sync exports what has come since a remembered seq.
CREATE TABLE versions (
    seq INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL,
    replica_id TEXT NOT NULL,       -- the version's dot is (replica_id, counter)
    counter INTEGER NOT NULL,
    hash TEXT NOT NULL,             -- SHA-256 of the canonical encoding, hex
    encoded TEXT NOT NULL,          -- the canonical JSON of the whole version (ReportModels.Version)
    UNIQUE (report_id, replica_id, counter)
) STRICT;

CREATE TRIGGER versions_are_immutable BEFORE UPDATE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are immutable');
END;

CREATE TRIGGER versions_are_append_only BEFORE DELETE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are append-only');
END;

-- The state of each report: a function of its versions, recomputed whenever they change.
-- Its rowid is the rowid of the report's row in reports_search.
CREATE TABLE reports (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    tags TEXT NOT NULL,             -- JSON list, for --tag
    deleted INTEGER NOT NULL,
    conflicts INTEGER NOT NULL,     -- open conflicts
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    clock TEXT NOT NULL,            -- join of the heads' clocks: the parents of the next local edit
    heads TEXT NOT NULL,            -- JSON list of the head versions' dots
    state TEXT NOT NULL             -- canonical JSON of the state (ReportModels.Report)
) STRICT;

CREATE INDEX reports_by_updated_at ON reports (updated_at);

-- Full-text search over what people look for. Written by the application, not by triggers:
-- chunked writes from the application are several times faster than per-row triggers.
CREATE VIRTUAL TABLE reports_search USING fts5 (
    title, body, tags, events, sources,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
