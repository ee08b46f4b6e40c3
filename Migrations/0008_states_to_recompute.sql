-- fieldnotes store, schema 8: the merge rules of this version (a value several parents hold
-- was written by the latest of their writers; a delete never hides an edit it had not seen)
-- can give another state than the rules before to a report with several heads. Such states
-- were computed and stored by the store (a report with one head has that version's own
-- snapshot, which no rule changes): they are listed here, and computed again by the engine
-- (`StateUpgrade`), a batch of reports per transaction, each removed from the list with its
-- new state, so an upgrade cut short goes on where it stopped.
CREATE TABLE states_to_recompute (
    report_id TEXT PRIMARY KEY
);

INSERT INTO states_to_recompute (report_id) SELECT id FROM reports WHERE head_seq IS NULL;
