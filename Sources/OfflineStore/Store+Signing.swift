import Foundation
import GRDB
import ReportModels

/// This replica's signing key and the keys it knows other replicas by (DESIGN.md §9).
///
/// The private key is the file `STORE/signing.key`, readable by its owner only; the database
/// holds the public keys. Every version this store makes is signed as it is made (the maker
/// signature, beside the version in `version_signatures`), in the transaction that writes it.
extension Store {
    static let signingKeyName = "signing.key"
    private static let signingKeyHeader = "fieldnotes signing key v1"

    /// The signing key file's path.
    public var signingKeyFile: URL { directory.appending(path: Self.signingKeyName) }

    /// Reads the signing key; nil when the file is not there.
    static func readSigningKey(in directory: URL, name: String = signingKeyName) throws -> ReplicaSigningKey? {
        let file = directory.appending(path: name)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let text: String
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            // A key file is two short lines: anything longer is not one.
            text = String(decoding: try handle.read(upToCount: 256) ?? Data(), as: UTF8.self)
        } catch {
            throw StoreError.signingKeyUnreadable(path: file.path, reason: "it cannot be read")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == signingKeyHeader, lines.dropFirst(2).allSatisfy(\.isEmpty),
              let seed = Hex.decode(String(lines[1]), byteCount: 32), let key = ReplicaSigningKey(rawRepresentation: seed)
        else { throw StoreError.signingKeyUnreadable(path: file.path, reason: "it is not a fieldnotes signing key") }
        return key
    }

    /// Writes a new key file, owner-only, atomically: a crash leaves the old state or the new.
    static func writeSigningKey(_ key: ReplicaSigningKey, in directory: URL, name: String = signingKeyName) throws {
        let file = directory.appending(path: name)
        let temporary = directory.appending(path: ".\(name).\(UUID().uuidString).partial")
        let text = "\(signingKeyHeader)\n\(Hex.encode(key.rawRepresentation))\n"
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.cannotCreate(path: directory.path, reason: "the signing key cannot be written")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, file.path) == 0 else { throw StoreError.cannotCreate(path: directory.path, reason: "the signing key cannot be written") }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Gives a store what signing needs, once: run by `create` and by the upgrade to schema 5,
    /// in the transaction that records the replica (or upgrades the schema). Makes the key file
    /// unless one is there (a crash after writing it and before the commit leaves it for the
    /// next try), records this replica's own key as verified, and signs every version this
    /// replica made before it could sign (the next sync sends them again, signed:
    /// `sync_targets.resend_signed`). Idempotent.
    ///
    /// Cost: one signature (~40 µs) per version this replica made; once per store.
    static func prepareSigning(_ db: Database, directory: URL) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, analyst FROM replica") else { return }
        let replica: String = row["id"]
        let analyst: String = row["analyst"]
        let key: ReplicaSigningKey
        if let existing = try readSigningKey(in: directory) {
            key = existing
        } else {
            key = ReplicaSigningKey()
            try writeSigningKey(key, in: directory)
        }
        try db.execute(sql: """
            INSERT INTO replica_keys (replica_id, public_key, analyst, trust, first_seen, via)
            VALUES (?, ?, ?, 'verified', ?, 'this replica')
            ON CONFLICT DO NOTHING
            """, arguments: [replica, Data(key.publicKey.rawRepresentation), analyst, Timestamp.now.description])
        let unsigned = try Row.fetchCursor(db, sql: """
            SELECT v.seq, v.hash FROM versions v LEFT JOIN version_signatures s ON s.seq = v.seq
            WHERE v.replica_id = ? AND s.seq IS NULL
            """, arguments: [replica])
        let insert = try db.cachedStatement(sql: "INSERT INTO version_signatures (seq, signature) VALUES (?, ?)")
        while let row = try unsigned.next() {
            guard let hash = Hex.decode(row["hash"], byteCount: 32) else {
                throw StoreError.corruptRecord("version \(row["seq"] as Int64) has no valid hash")
            }
            let signature = MakerSignature.sign(hash: ContentHash(bytes: hash), with: key)
            try insert.execute(arguments: [row["seq"] as Int64, Data(signature.rawRepresentation)])
        }
    }

    /// The key this store signs with; an error that says what to do when its file is gone.
    func requireSigningKey() throws -> ReplicaSigningKey {
        guard let signingKey else { throw StoreError.signingKeyMissing(path: signingKeyFile.path) }
        return signingKey
    }

    /// The key to sign a changeset with; an error that says what to do when its file is gone.
    public func signingKeyForWriting() throws -> ReplicaSigningKey { try requireSigningKey() }

    /// This replica's public key.
    public var publicKey: ReplicaKey? { signingKey?.publicKey }

    /// Records the maker signature of a version this replica just made.
    static func sign(_ version: Version, seq: Int64, with key: ReplicaSigningKey, _ db: Database) throws {
        let signature = MakerSignature.sign(hash: version.hash, with: key)
        try db.cachedStatement(sql: "INSERT INTO version_signatures (seq, signature) VALUES (?, ?)")
            .execute(arguments: [seq, Data(signature.rawRepresentation)])
    }
}

// MARK: - Reading signatures

extension Store {
    /// The maker signature of a version the store holds; nil when it arrived unsigned (or the
    /// store holds no such version).
    public func signature(of report: ReportID, dot: Dot) throws -> Signature? {
        try database.read { db in
            try Data.fetchOne(db, sql: """
                SELECT s.signature FROM versions v JOIN version_signatures s ON s.seq = v.seq
                WHERE v.report_id = ? AND v.replica_id = ? AND v.counter = ?
                """, arguments: [report.rawValue, dot.replica.rawValue, dot.counter])
                .flatMap { Signature(rawRepresentation: Array($0)) }
        }
    }
}

// MARK: - What a changeset carries

extension Store {
    /// Calls `body` with the canonical JSON of each version and its maker signature (nil:
    /// it arrived unsigned), in the order given, reading in batches so that memory stays
    /// bounded.
    public func forEachSignedVersion(_ versions: [PendingVersion], _ body: (String, Signature?) throws -> Void) throws {
        let batchSize = 500
        for start in stride(from: 0, to: versions.count, by: batchSize) {
            let batch = versions[start..<min(start + batchSize, versions.count)]
            let rows = try database.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT v.seq, v.encoded, s.signature FROM versions v LEFT JOIN version_signatures s ON s.seq = v.seq
                    WHERE v.seq IN (\(batch.map { String($0.seq) }.joined(separator: ",")))
                    """)
                return Dictionary(uniqueKeysWithValues: rows.map { row in
                    (row["seq"] as Int64, (row["encoded"] as String, (row["signature"] as Data?).flatMap { Signature(rawRepresentation: Array($0)) }))
                })
            }
            for version in batch {
                guard let (encoded, signature) = rows[version.seq] else { throw StoreError.corruptRecord("version \(version.seq) vanished") }
                try body(encoded, signature)
            }
        }
    }

    /// The replicas that made the versions given (each once, in id order).
    public func makers(of versions: [PendingVersion]) throws -> [ReplicaID] {
        var makers = Set<String>()
        let batchSize = 5_000
        for start in stride(from: 0, to: versions.count, by: batchSize) {
            let batch = versions[start..<min(start + batchSize, versions.count)]
            try database.read { db in
                let ids = try String.fetchAll(db, sql: """
                    SELECT DISTINCT replica_id FROM versions WHERE seq IN (\(batch.map { String($0.seq) }.joined(separator: ",")))
                    """)
                makers.formUnion(ids)
            }
        }
        return makers.compactMap(ReplicaID.init).sorted()
    }

    /// What a changeset carries to say who a replica is: its current card and the rotations
    /// that lead to its key, oldest first — this replica's made now (without a time, so that
    /// a file written again is the same bytes), another's as it arrived. Nil for a replica
    /// never seen signing.
    public func identity(of replica: ReplicaID) throws -> (card: IdentityCard, rotations: [KeyRotation])? {
        let keys = try database.read { db in try Self.fetchKnownKeys(db, replica: replica) }
        guard let current = keys.first(where: { $0.replacedBy == nil }) else { return nil }
        let rotations = keys.compactMap(\.rotation).sorted { $0.time < $1.time }
        if replica == identity.replica {
            let key = try requireSigningKey()
            return (try IdentityCard.make(replica: replica, analyst: identity.analyst, signingKey: key), rotations)
        }
        guard let card = current.card else { return nil }
        return (card, rotations)
    }
}

extension Store {
    /// The versions of a report that arrived unsigned (from replicas not yet signing then).
    public func unsignedVersions(of id: ReportID) throws -> Set<Dot> {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT v.replica_id, v.counter FROM versions v LEFT JOIN version_signatures s ON s.seq = v.seq
                WHERE v.report_id = ? AND s.seq IS NULL
                """, arguments: [id.rawValue])
            return Set(rows.compactMap { row in ReplicaID(row["replica_id"]).map { Dot(replica: $0, counter: row["counter"]) } })
        }
    }
}

// MARK: - Rotation

extension Store {
    static let nextSigningKeyName = "signing.key.next"

    /// Moves this replica to a new key, signed by the old one and the new (`fieldnotes id
    /// rotate`): its changesets carry the rotation from then on, and readers that pinned the
    /// old key follow it. Versions already signed keep their signatures.
    ///
    /// Crash-safe: the new key is written beside the old (`signing.key.next`), the rotation
    /// committed, then the file renamed into place; a store opened between the two steps
    /// finishes the rename (or drops a new key the database never recorded).
    @discardableResult
    public func rotateSigningKey(at time: Timestamp = .now) throws -> KeyRotation {
        let old = try requireSigningKey()
        let new = ReplicaSigningKey()
        let rotation = KeyRotation.make(replica: identity.replica, from: old, to: new, time: time)
        let next = directory.appending(path: Self.nextSigningKeyName)
        try Self.writeSigningKey(new, in: directory, name: Self.nextSigningKeyName)
        try database.write { db in
            try db.execute(sql: "UPDATE replica_keys SET replaced_by = ?, rotation = ? WHERE replica_id = ? AND public_key = ?",
                           arguments: [Data(new.publicKey.rawRepresentation), String(decoding: rotation.encoded, as: UTF8.self),
                                       identity.replica.rawValue, Data(old.publicKey.rawRepresentation)])
            try db.execute(sql: """
                INSERT INTO replica_keys (replica_id, public_key, analyst, trust, first_seen, via) VALUES (?, ?, ?, 'verified', ?, 'this replica')
                """, arguments: [identity.replica.rawValue, Data(new.publicKey.rawRepresentation), identity.analyst, time.description])
        }
        guard rename(next.path, signingKeyFile.path) == 0 else {
            throw StoreError.signingKeyUnreadable(path: next.path, reason: "it could not be moved into place; run any fieldnotes command to finish the rotation")
        }
        return rotation
    }

    /// Finishes or drops a rotation cut short (see `rotateSigningKey`), before the key is read.
    static func settleRotation(in directory: URL, _ database: StoreDatabase) throws {
        let next = directory.appending(path: nextSigningKeyName)
        guard FileManager.default.fileExists(atPath: next.path) else { return }
        let key = try readSigningKey(in: directory, name: nextSigningKeyName)
        let recorded = try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM replica_keys k JOIN replica r ON r.id = k.replica_id
                               WHERE k.public_key = ? AND k.replaced_by IS NULL)
                """, arguments: [key.map { Data($0.publicKey.rawRepresentation) } ?? Data()]) ?? false
        }
        if recorded {
            _ = rename(next.path, directory.appending(path: signingKeyName).path)
        } else {
            try? FileManager.default.removeItem(at: next)
        }
    }
}
