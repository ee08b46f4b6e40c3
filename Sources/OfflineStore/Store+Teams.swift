import Foundation
import GRDB
import ReportModels

/// A team key as the store keeps it (DESIGN.md §10): the bytes, and how the key derives from
/// the team's passphrase. What the bytes mean is SyncEngine's `TeamKey`; the store only keeps
/// them (in its own file, owner-only, like everything it holds).
public struct StoredTeamKey: Hashable, Sendable {
    /// 16 bytes, derived from the key.
    public var id: [UInt8]
    /// 32 bytes.
    public var key: [UInt8]
    /// Canonical JSON of the derivation (scrypt's cost and salt).
    public var derivation: String
    /// When `team init` or `team rekey` made it.
    public var createdAt: Timestamp

    public init(id: [UInt8], key: [UInt8], derivation: String, createdAt: Timestamp) {
        self.id = id
        self.key = key
        self.derivation = derivation
        self.createdAt = createdAt
    }
}

/// How this store writes to a folder it encrypts for.
public struct FolderEncryption: Hashable, Sendable {
    /// The id of the team key it encrypts with.
    public var key: [UInt8]
    /// Its first file in the folder that is encrypted.
    public var since: Int
}

extension Store {
    /// Every team key this store holds, oldest first.
    public func teamKeys() throws -> [StoredTeamKey] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM team_keys ORDER BY created_at, key_id").map(Self.teamKey(from:))
        }
    }

    /// The team key with this id, if this store holds it.
    public func teamKey(id: [UInt8]) throws -> StoredTeamKey? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM team_keys WHERE key_id = ?", arguments: [Data(id)]).map(Self.teamKey(from:))
        }
    }

    /// Keeps team keys (one already held is left as it is) and, with `folder`, makes that
    /// folder encrypted by this store with `encryptWith` (the id of one of the keys held)
    /// from its file `since` on — unless it is already, since an earlier file.
    public func addTeamKeys(_ keys: [StoredTeamKey], folder: FolderID? = nil, encryptWith key: [UInt8]? = nil, since: Int = 1) throws {
        try database.write { db in
            for key in keys {
                try db.execute(sql: """
                    INSERT INTO team_keys (key_id, key, derivation, created_at, added_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key_id) DO NOTHING
                    """, arguments: [Data(key.id), Data(key.key), key.derivation, key.createdAt.description, Timestamp.now.description])
            }
            guard let folder, let key else { return }
            try db.execute(sql: """
                INSERT INTO sync_targets (target, team_key, encrypted_since) VALUES (?, ?, ?)
                ON CONFLICT (target) DO UPDATE SET team_key = excluded.team_key,
                    encrypted_since = coalesce(min(encrypted_since, excluded.encrypted_since), excluded.encrypted_since)
                """, arguments: [SyncTarget.folder(id: folder).key, Data(key), since])
        }
    }

    /// How this store writes to `folder`; nil when it writes it in clear.
    public func encryption(of folder: FolderID) throws -> FolderEncryption? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT team_key, encrypted_since FROM sync_targets WHERE target = ? AND team_key IS NOT NULL",
                                             arguments: [SyncTarget.folder(id: folder).key])
            else { return nil }
            return FolderEncryption(key: Array(row["team_key"] as Data), since: row["encrypted_since"] ?? 1)
        }
    }

    /// Per writer of `folder`, the first of its files known to be encrypted.
    public func encryptedWriters(in folder: FolderID) throws -> [ReplicaID: Int] {
        try database.read { db in try ImportTransaction(db: db).encryptedWriters(in: folder) }
    }

    /// Records that each writer encrypts its files in `folder` from its `since` on (keeping
    /// earlier records): their team.json files say so. Writes only what is new, in one
    /// transaction: a sync with nothing new stays a read.
    public func recordEncrypted(_ writers: [ReplicaID: Int], in folder: FolderID) throws {
        let known = try encryptedWriters(in: folder)
        let news = writers.filter { writer, since in known[writer].map { since < $0 } ?? true }
        guard !news.isEmpty else { return }
        try database.write { db in
            let transaction = ImportTransaction(db: db)
            for (writer, since) in news { try transaction.recordEncrypted(writer: writer, in: folder, since: since) }
        }
    }

    static func teamKey(from row: Row) throws -> StoredTeamKey {
        guard let created = Timestamp(iso8601: row["created_at"] as String), (row["key"] as Data).count == 32 else {
            throw StoreError.corruptRecord("a team key")
        }
        return StoredTeamKey(id: Array(row["key_id"] as Data), key: Array(row["key"] as Data), derivation: row["derivation"],
                             createdAt: created)
    }
}

extension ImportTransaction {
    /// The team key with this id, if the store holds it.
    public func teamKey(id: [UInt8]) throws -> StoredTeamKey? {
        try Row.fetchOne(db, sql: "SELECT * FROM team_keys WHERE key_id = ?", arguments: [Data(id)]).map(Store.teamKey(from:))
    }

    public func encryptedWriters(in folder: FolderID) throws -> [ReplicaID: Int] {
        var writers: [ReplicaID: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT writer, since FROM encrypted_writers WHERE folder = ?", arguments: [folder.rawValue]) {
            if let writer = ReplicaID(row["writer"] as String) { writers[writer] = row["since"] }
        }
        return writers
    }

    /// Records that `writer` encrypts its files in `folder` from `since` on, keeping an
    /// earlier record.
    public func recordEncrypted(writer: ReplicaID, in folder: FolderID, since: Int) throws {
        try db.execute(sql: """
            INSERT INTO encrypted_writers (folder, writer, since) VALUES (?, ?, ?)
            ON CONFLICT (folder, writer) DO UPDATE SET since = min(since, excluded.since)
            """, arguments: [folder.rawValue, writer.rawValue, since])
    }
}
