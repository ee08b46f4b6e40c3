-- fieldnotes store, schema 10: when two candidates of a conflict stood for the same version
-- with different values, the merge put them in an order that could differ from one run to
-- the next; it now orders them by value after version. States the store computed (reports
-- with several heads) that hold conflicts are computed again by the engine (`StateUpgrade`,
-- the list of schema 8), so that every replica stores the same state and `verify` agrees.
INSERT OR IGNORE INTO states_to_recompute (report_id)
    SELECT id FROM reports WHERE head_seq IS NULL AND conflicts > 0;
