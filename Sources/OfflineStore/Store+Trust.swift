import Foundation
import GRDB
import ReportModels

/// How far a store trusts a key (DESIGN.md §9), like ssh's known_hosts.
public enum KeyTrust: String, Sendable, CaseIterable {
    /// Pinned the first time it was met.
    case tofu
    /// Its fingerprint was compared out of band (`fieldnotes trust REPLICA FINGERPRINT`).
    case verified
    /// Refused from then on (`fieldnotes trust revoke REPLICA`).
    case revoked
}

/// A key this store knows a replica by.
public struct KnownKey: Hashable, Sendable {
    public var replica: ReplicaID
    public var key: ReplicaKey
    public var analyst: String
    public var trust: KeyTrust
    public var firstSeen: Timestamp
    /// Where it was first met: a folder's writer, a file, or "this replica".
    public var via: String
    /// The card it came with (nil for a key only known through a rotation, until its card comes).
    public var card: IdentityCard?
    /// The key a rotation replaced it by; nil for the replica's current key.
    public var replacedBy: ReplicaKey?
    /// The rotation that replaced it.
    public var rotation: KeyRotation?
}

/// Why a trust command was refused; nothing is changed.
public enum TrustError: Error, Equatable, LocalizedError {
    case unknownReplica(String)
    case ambiguousReplica(String, candidates: [String])
    case fingerprintMismatch(replica: ReplicaID, analyst: String, typed: String, pinned: Fingerprint)
    case notAFingerprint(String)
    case ownReplica

    public var errorDescription: String? {
        switch self {
        case .unknownReplica(let prefix):
            "no pinned key belongs to a replica matching '\(prefix)'; `fieldnotes trust` lists them"
        case .ambiguousReplica(let prefix, let candidates):
            "'\(prefix)' matches several replicas: \(candidates.joined(separator: ", ")); type more of the id"
        case .fingerprintMismatch(let replica, let analyst, let typed, let pinned):
            "the fingerprint you typed (\(typed)) is not that of the key pinned for \(analyst) (replica \(replica.short)), which is \(pinned); nothing was changed — compare again with \(analyst) (`fieldnotes id` on their laptop), and if they differ, someone may be writing in their name: `fieldnotes trust revoke \(replica.short)`"
        case .notAFingerprint(let text):
            "'\(text)' is not a fingerprint: 20 letters and digits (A-Z, 2-7) as `fieldnotes id` prints them, e.g. ABCD-EFGH-IJKL-MNOP-QRST"
        case .ownReplica:
            "that is this replica; its key is its own (`fieldnotes id`)"
        }
    }
}

extension Store {
    /// Every key this store knows, by replica and then first seen (this replica's own first).
    public func knownKeys() throws -> [KnownKey] {
        try database.read { db in try Self.fetchKnownKeys(db, replica: nil) }
    }

    static func fetchKnownKeys(_ db: Database, replica: ReplicaID?) throws -> [KnownKey] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM replica_keys \(replica == nil ? "" : "WHERE replica_id = ?")
            ORDER BY via != 'this replica', replica_id, first_seen
            """, arguments: replica.map { [$0.rawValue] } ?? [])
        return try rows.map { row in
            guard let replica = ReplicaID(row["replica_id"]), let key = ReplicaKey(rawRepresentation: Array(row["public_key"] as Data)),
                  let trust = KeyTrust(rawValue: row["trust"]), let seen = Timestamp(iso8601: row["first_seen"] as String)
            else { throw StoreError.corruptRecord("a pinned key of replica \(row["replica_id"] as String)") }
            return KnownKey(
                replica: replica, key: key, analyst: row["analyst"], trust: trust, firstSeen: seen, via: row["via"],
                card: try (row["card"] as String?).map { try IdentityCard(encoded: Array($0.utf8)) },
                replacedBy: (row["replaced_by"] as Data?).flatMap { ReplicaKey(rawRepresentation: Array($0)) },
                rotation: try (row["rotation"] as String?).map { try KeyRotation(encoded: Array($0.utf8)) })
        }
    }

    /// Marks a replica's current key verified, after its fingerprint was compared out of band;
    /// refused if `typed` is not that key's fingerprint.
    @discardableResult
    public func verifyKey(of replicaPrefix: String, fingerprint typed: String) throws -> KnownKey {
        guard let fingerprint = Fingerprint(typed: typed) else { throw TrustError.notAFingerprint(typed) }
        return try database.write { db in
            let current = try Self.currentKey(db, matching: replicaPrefix)
            guard current.key.fingerprint == fingerprint else {
                throw TrustError.fingerprintMismatch(replica: current.replica, analyst: current.analyst, typed: fingerprint.description,
                                                     pinned: current.key.fingerprint)
            }
            try db.execute(sql: "UPDATE replica_keys SET trust = 'verified' WHERE replica_id = ? AND public_key = ?",
                           arguments: [current.replica.rawValue, Data(current.key.rawRepresentation)])
            var verified = current
            verified.trust = .verified
            return verified
        }
    }

    /// Revokes every key of a replica: its files and versions are refused from then on.
    @discardableResult
    public func revokeKeys(of replicaPrefix: String) throws -> KnownKey {
        try database.write { db in
            let current = try Self.currentKey(db, matching: replicaPrefix)
            try db.execute(sql: "UPDATE replica_keys SET trust = 'revoked' WHERE replica_id = ?", arguments: [current.replica.rawValue])
            var revoked = current
            revoked.trust = .revoked
            return revoked
        }
    }

    /// Whether files from replicas whose key is not verified are held back.
    public var requiresVerifiedKeys: Bool {
        get throws { try database.read { db in try Bool.fetchOne(db, sql: "SELECT require_verified FROM replica") ?? false } }
    }

    public func setRequiresVerifiedKeys(_ on: Bool) throws {
        try database.write { db in try db.execute(sql: "UPDATE replica SET require_verified = ?", arguments: [on]) }
    }

    /// The current key of the one other replica whose id starts with `prefix`.
    private static func currentKey(_ db: Database, matching prefix: String) throws -> KnownKey {
        let lowered = prefix.lowercased()
        guard lowered.count >= 4, lowered.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw TrustError.unknownReplica(prefix) }
        let me = try String.fetchOne(db, sql: "SELECT id FROM replica")
        let replicas = try String.fetchAll(db, sql: "SELECT DISTINCT replica_id FROM replica_keys WHERE replica_id LIKE ? || '%'",
                                           arguments: [lowered])
        guard !replicas.isEmpty else { throw TrustError.unknownReplica(prefix) }
        guard replicas.count == 1, let replica = ReplicaID(replicas[0]) else {
            throw TrustError.ambiguousReplica(prefix, candidates: replicas.map { String($0.prefix(13)) })
        }
        guard replica.rawValue != me else { throw TrustError.ownReplica }
        guard let current = try fetchKnownKeys(db, replica: replica).first(where: { $0.replacedBy == nil }) else {
            throw StoreError.corruptRecord("replica \(replica.short) has keys but no current one")
        }
        return current
    }
}

// MARK: - Keys met while importing

extension ImportTransaction {
    /// Every key the store knows a replica by (none: never met).
    public func knownKeys(of replica: ReplicaID) throws -> [KnownKey] {
        try Store.fetchKnownKeys(db, replica: replica)
    }

    /// The fingerprint expected for a replica not met yet (`trust REPLICA FINGERPRINT`).
    public func expectedFingerprint(of replica: ReplicaID) throws -> Fingerprint? {
        try String.fetchOne(db, sql: "SELECT fingerprint FROM expected_keys WHERE replica_id = ?", arguments: [replica.rawValue])
            .flatMap(Fingerprint.init(typed:))
    }

    public var requiresVerifiedKeys: Bool {
        get throws { try Bool.fetchOne(db, sql: "SELECT require_verified FROM replica") ?? false }
    }

    /// Pins the key of a card met for the first time.
    public func pin(_ card: IdentityCard, trust: KeyTrust, via: String, at time: Timestamp = .now) throws {
        try db.execute(sql: """
            INSERT INTO replica_keys (replica_id, public_key, analyst, trust, first_seen, via, card) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [card.replica.rawValue, Data(card.key.rawRepresentation), card.analyst, trust.rawValue,
                             time.description, via, String(decoding: card.encoded, as: UTF8.self)])
        try db.execute(sql: "DELETE FROM expected_keys WHERE replica_id = ?", arguments: [card.replica.rawValue])
    }

    /// Follows a rotation from a replica's current key (which the caller checked it starts
    /// from): the new key becomes current, with the old one's trust — the old key vouched for it.
    public func follow(_ rotation: KeyRotation, card: IdentityCard?, via: String, at time: Timestamp = .now) throws {
        let old = try Store.fetchKnownKeys(db, replica: rotation.replica).first { $0.key == rotation.oldKey && $0.replacedBy == nil }
        guard let old else { throw StoreError.corruptRecord("a rotation from a key that is not current") }
        try db.execute(sql: "UPDATE replica_keys SET replaced_by = ?, rotation = ? WHERE replica_id = ? AND public_key = ?",
                       arguments: [Data(rotation.newKey.rawRepresentation), String(decoding: rotation.encoded, as: UTF8.self),
                                   rotation.replica.rawValue, Data(rotation.oldKey.rawRepresentation)])
        try db.execute(sql: """
            INSERT INTO replica_keys (replica_id, public_key, analyst, trust, first_seen, via, card) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [rotation.replica.rawValue, Data(rotation.newKey.rawRepresentation), card?.analyst ?? old.analyst,
                             old.trust.rawValue, time.description, via,
                             card.map { String(decoding: $0.encoded, as: UTF8.self) }])
    }

    /// Stores the maker signature of a version just inserted (`seq`), or of one held unsigned
    /// that now arrives signed.
    public func addSignature(_ signature: Signature, seq: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO version_signatures (seq, signature) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [seq, Data(signature.rawRepresentation)])
    }

    /// The local sequence of a version held unsigned; nil when it is signed or not held.
    public func unsignedSeq(of report: ReportID, dot: Dot) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT v.seq FROM versions v LEFT JOIN version_signatures s ON s.seq = v.seq
            WHERE v.report_id = ? AND v.replica_id = ? AND v.counter = ? AND s.seq IS NULL
            """), arguments: [report.rawValue, dot.replica.rawValue, dot.counter])
    }
}

/// What `trust REPLICA FINGERPRINT` did.
public enum TrustOutcome: Sendable {
    /// The pinned key matched and is now verified.
    case verified(KnownKey)
    /// The replica is not met yet: its key will be pinned as verified if it has this fingerprint.
    case expected(ReplicaID, Fingerprint)
}

extension Store {
    /// Verifies a replica's pinned key by its fingerprint; for a replica not met yet, named
    /// by its full id, records the fingerprint its key must have.
    public func trust(_ replica: String, fingerprint: String) throws -> TrustOutcome {
        if let full = ReplicaID(replica), try !knownKeys().contains(where: { $0.replica == full }) {
            return .expected(full, try expectFingerprint(fingerprint, of: full))
        }
        return .verified(try verifyKey(of: replica, fingerprint: fingerprint))
    }

    /// Records the fingerprint compared out of band for a replica whose key has not arrived.
    @discardableResult
    public func expectFingerprint(_ typed: String, of replica: ReplicaID) throws -> Fingerprint {
        guard let fingerprint = Fingerprint(typed: typed) else { throw TrustError.notAFingerprint(typed) }
        guard replica != identity.replica else { throw TrustError.ownReplica }
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO expected_keys (replica_id, fingerprint, added_at) VALUES (?, ?, ?)",
                           arguments: [replica.rawValue, fingerprint.description, Timestamp.now.description])
        }
        return fingerprint
    }
}
