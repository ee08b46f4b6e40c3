-- fieldnotes store, schema 5: signatures (DESIGN.md §9, README "Trust"). Every version
-- carries its maker's Ed25519 signature, every changeset its writer's, and a store pins each
-- replica's key on first use. This replica's private key is not in the database: it is the
-- file STORE/signing.key, owner-only; upgrading a store makes it and signs this replica's
-- own past versions (OfflineStore `Store.prepareSigning`), which the next sync sends again.

-- Maker signatures, beside the versions they sign (versions are immutable). A version with
-- no row here arrived unsigned, from a replica not yet seen signing.
CREATE TABLE version_signatures (
    seq INTEGER PRIMARY KEY REFERENCES versions (seq),
    signature BLOB NOT NULL CHECK (length(signature) = 64)
) STRICT;

CREATE TRIGGER version_signatures_are_immutable BEFORE UPDATE ON version_signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are immutable');
END;

-- Every key this store knows a replica by, this replica's own included. A replica's current
-- key is the one not replaced; a rotation, signed by the old key and the new, replaces one.
-- Trust: 'tofu' (pinned on first use), 'verified' (fingerprints compared out of band),
-- 'revoked' (refused from then on; versions accepted before stay, and `verify` names them).
CREATE TABLE replica_keys (
    replica_id TEXT NOT NULL,
    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
    analyst TEXT NOT NULL,
    trust TEXT NOT NULL CHECK (trust IN ('tofu', 'verified', 'revoked')),
    first_seen TEXT NOT NULL,
    via TEXT NOT NULL,              -- where it was first seen: a folder's writer, a file, or 'this replica'
    card TEXT,                      -- the identity card it came with (canonical JSON), relayed as it is
    replaced_by BLOB CHECK (replaced_by IS NULL OR length(replaced_by) = 32),
    rotation TEXT,                  -- the canonical JSON of the rotation that replaced it
    PRIMARY KEY (replica_id, public_key)
) STRICT;

CREATE UNIQUE INDEX replica_keys_current ON replica_keys (replica_id) WHERE replaced_by IS NULL;

-- Fingerprints compared out of band for replicas whose key has not arrived yet (`trust
-- REPLICA FINGERPRINT` before the first sync with them): the key is pinned as verified when a
-- card with that fingerprint comes, and a card with another is refused.
CREATE TABLE expected_keys (
    replica_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    added_at TEXT NOT NULL
) STRICT;

-- trust --require-verified: files from replicas whose key is not verified are held back.
ALTER TABLE replica ADD COLUMN require_verified INTEGER NOT NULL DEFAULT 0;

-- Folders whose next changeset from this store carries again, signed, every version this
-- replica made: peers hold them unsigned from before the upgrade, and add the signatures.
ALTER TABLE sync_targets ADD COLUMN resend_signed INTEGER NOT NULL DEFAULT 0;
UPDATE sync_targets SET resend_signed = 1;
