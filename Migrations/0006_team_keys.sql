-- fieldnotes store, schema 6: encrypted team folders (DESIGN.md §10, README "Encryption").
-- A team's key is derived from its passphrase by scrypt (`team init`, `team join`); the store
-- keeps the key itself, like everything else it holds in clear (the laptop's disk encryption
-- protects it), so that syncing never asks for the passphrase.

-- Every team key this store holds, by its id (derived from the key: a file names the key it
-- needs without revealing it). Files under an older key stay readable after a rekey.
CREATE TABLE team_keys (
    key_id BLOB PRIMARY KEY CHECK (length(key_id) = 16),
    key BLOB NOT NULL CHECK (length(key) = 32),
    derivation TEXT NOT NULL,       -- canonical JSON: {"kdf":"scrypt","logN":17,"p":1,"r":8,"salt":"<hex>"}
    created_at TEXT NOT NULL,       -- when `team init` or `team rekey` made it, as its maker wrote it
    added_at TEXT NOT NULL          -- when this store got it
) STRICT;

-- A folder this store writes encrypted: with this key, from its own file `encrypted_since`
-- on. Kept here as well as in the folder, so that a team.json deleted from the folder does
-- not make this store write in clear again.
ALTER TABLE sync_targets ADD COLUMN team_key BLOB REFERENCES team_keys (key_id);
ALTER TABLE sync_targets ADD COLUMN encrypted_since INTEGER;

-- Writers known to encrypt what they write to a folder (by this store's id of it) from
-- their file `since` on, by their team.json or by an encrypted file of theirs imported:
-- a file of theirs in clear from then on is a downgrade, and is refused.
CREATE TABLE encrypted_writers (
    folder TEXT NOT NULL,
    writer TEXT NOT NULL,
    since INTEGER NOT NULL CHECK (since >= 1),
    PRIMARY KEY (folder, writer)
) STRICT;
