import Foundation
import GRDB
import ReportModels

/// A snapshot in a shared folder that this store has read through and checked (DESIGN.md §11):
/// every version in it is in the store.
public struct CheckedSnapshot: Hashable, Sendable {
    public var writer: ReplicaID
    /// Its header's writer signature, in hex: one file's.
    public var signature: String
    /// Its frontier line, as in the file.
    public var frontier: String
    /// When this store checked it: the start of its grace period.
    public var firstSeen: Timestamp

    public init(writer: ReplicaID, signature: String, frontier: String, firstSeen: Timestamp) {
        self.writer = writer
        self.signature = signature
        self.frontier = frontier
        self.firstSeen = firstSeen
    }
}

extension Store {
    /// Records that a snapshot was checked: read through, and found to hold every version of
    /// this store's own files it covers (this store's own, by writing it).
    public func recordCheckedSnapshot(folder: FolderID, writer: ReplicaID, signature: String, frontier: String, at time: Timestamp = .now) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO checked_snapshots (folder, writer, signature, frontier, first_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [folder.rawValue, writer.rawValue, signature, frontier, time.description])
        }
    }

    /// The snapshots of a folder this store checked and that were still there at its last look.
    public func checkedSnapshots(in folder: FolderID) throws -> [CheckedSnapshot] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT writer, signature, frontier, first_seen FROM checked_snapshots WHERE folder = ?",
                             arguments: [folder.rawValue]).compactMap { row in
                guard let writer = ReplicaID(row["writer"] as String), let seen = Timestamp(iso8601: row["first_seen"] as String) else { return nil }
                return CheckedSnapshot(writer: writer, signature: row["signature"], frontier: row["frontier"], firstSeen: seen)
            }
        }
    }

    /// Forgets the checked snapshots of a folder that are no longer there (by signature), so
    /// the table holds about one a writer.
    public func forgetCheckedSnapshots(in folder: FolderID, keeping present: Set<String>) throws {
        try database.write { db in
            let known = try String.fetchAll(db, sql: "SELECT signature FROM checked_snapshots WHERE folder = ?", arguments: [folder.rawValue])
            for signature in known where !present.contains(signature) {
                try db.execute(sql: "DELETE FROM checked_snapshots WHERE folder = ? AND signature = ?", arguments: [folder.rawValue, signature])
            }
        }
    }

    /// When this store first found each extent of its own files in a folder deletable.
    public func compactionMarks(in folder: FolderID) throws -> [(through: Int, since: Timestamp)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT through, since FROM compaction_marks WHERE folder = ? ORDER BY through",
                             arguments: [folder.rawValue]).compactMap { row in
                Timestamp(iso8601: row["since"] as String).map { (row["through"] as Int, $0) }
            }
        }
    }

    /// Remembers that this store's own files up to `through` are deletable from now, unless it
    /// knew already; forgets the marks at or below `deleted` (those files are gone).
    public func markCompactable(folder: FolderID, through: Int?, deleted: Int, at time: Timestamp = .now) throws {
        try database.write { db in
            if let through {
                try db.execute(sql: "INSERT INTO compaction_marks (folder, through, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                               arguments: [folder.rawValue, through, time.description])
            }
            try db.execute(sql: "DELETE FROM compaction_marks WHERE folder = ? AND through <= ?", arguments: [folder.rawValue, deleted])
        }
    }
}

extension Store {
    /// The hash of every version this store's own changesets 1…`through` in a folder carry, or
    /// more: every version up to the last of them's export mark that did not come from the
    /// folder (files carry, one after the other, what came after the one before: together, all
    /// of it), and those they carry again. What a snapshot must hold before this store deletes
    /// those files. Nil when the store has no record of them (files from before schema 4).
    /// A cursor: memory stays flat.
    public func forEachVersionHash(carriedThrough through: Int, in folder: FolderID, _ body: (String) throws -> Void) throws -> Bool {
        try database.read { db in
            guard let mark = try Int64.fetchOne(db, sql: "SELECT max(through_seq) FROM written_changesets WHERE folder = ? AND sequence <= ?",
                                                arguments: [folder.rawValue, through])
            else { return false }
            let hashes = try String.fetchCursor(db, sql: """
                SELECT hash FROM versions WHERE seq <= ? AND origin IS NOT ?
                UNION ALL
                SELECT v.hash FROM received_changesets r
                JOIN versions v ON v.seq BETWEEN r.first_seq AND r.last_seq AND v.origin = r.origin
                WHERE r.folder = ? AND r.recarried_in <= ?
                """, arguments: [mark, SyncTarget.folder(id: folder).key, folder.rawValue, through])
            while let hash = try hashes.next() { try body(hash) }
            return true
        }
    }
}

/// A replica that holds compaction of this replica's files back: it has not imported them yet.
public struct CompactionHolder: Hashable, Sendable {
    public var replica: ReplicaID
    /// Its analyst's name, when its replica.json gives one (not in an encrypted folder).
    public var analyst: String?
    /// When it last synced with the folder, by its own clock.
    public var lastSync: Timestamp?

    public init(replica: ReplicaID, analyst: String?, lastSync: Timestamp?) {
        self.replica = replica
        self.analyst = analyst
        self.lastSync = lastSync
    }

    var json: JSONValue {
        var members: JSONObject = ["replica": .string(replica.rawValue)]
        if let analyst { members["name"] = .string(analyst) }
        if let lastSync { members["lastSync"] = .string(lastSync.description) }
        return .object(members)
    }

    init?(json: JSONValue) {
        guard let replica = json["replica"]?.stringValue.flatMap(ReplicaID.init) else { return nil }
        self.init(replica: replica, analyst: json["name"]?.stringValue, lastSync: json["lastSync"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
    }
}

extension Store {
    // MARK: Retirement

    /// `replica retire`: `replica` no longer holds compaction back, until it syncs again.
    public func retire(_ replica: ReplicaID, at time: Timestamp = .now) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO retired_replicas (replica, retired_at) VALUES (?, ?)",
                           arguments: [replica.rawValue, time.description])
        }
    }

    /// Per writer, the digest of the last file of `kind` whose signature this store checked.
    public func verifiedFiles(kind: String) throws -> [String: [UInt8]] {
        try database.read { db in
            var digests: [String: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT writer, digest FROM verified_files WHERE kind = ?", arguments: [kind]) {
                digests[row["writer"]] = [UInt8](row["digest"] as Data)
            }
            return digests
        }
    }

    /// Remembers the digests of files whose signature this store just checked.
    public func recordVerifiedFiles(_ digests: [String: [UInt8]], kind: String) throws {
        guard !digests.isEmpty else { return }
        try database.write { db in
            for (writer, digest) in digests {
                try db.execute(sql: "INSERT OR REPLACE INTO verified_files (writer, kind, digest) VALUES (?, ?, ?)",
                               arguments: [writer, kind, Data(digest)])
            }
        }
    }

    /// The replicas retired on this replica, and when.
    public func retirements() throws -> [ReplicaID: Timestamp] {
        try database.read { db in
            var retired: [ReplicaID: Timestamp] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT replica, retired_at FROM retired_replicas") {
                if let replica = ReplicaID(row["replica"] as String), let time = Timestamp(iso8601: row["retired_at"] as String) {
                    retired[replica] = time
                }
            }
            return retired
        }
    }

    /// The replica this store knows (by a version it made, a key it signs with, or as holding
    /// compaction back) whose id is `text` or starts with it (4 characters or more).
    public func knownReplica(matching text: String) throws -> ReplicaID {
        if let replica = ReplicaID(text.lowercased()), replica.rawValue == text.lowercased() { return replica }
        let prefix = text.lowercased()
        guard prefix.count >= 4, prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw StoreError.unknownReplica(text) }
        let matches = try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT replica_id FROM versions WHERE substr(replica_id, 1, ?) = ?
                UNION SELECT replica_id FROM replica_keys WHERE substr(replica_id, 1, ?) = ?
                """, arguments: [prefix.count, prefix, prefix.count, prefix])
        } + (try compactionHolders().flatMap(\.holders).map(\.replica.rawValue).filter { $0.hasPrefix(prefix) })
        let unique = Set(matches)
        guard let only = unique.first, let replica = ReplicaID(only) else { throw StoreError.unknownReplica(text) }
        guard unique.count == 1 else { throw StoreError.ambiguousReplica(text, candidates: unique.sorted()) }
        return replica
    }

    // MARK: What holds compaction back

    public func setCompactionHolders(_ holders: [CompactionHolder], for folder: FolderID) throws {
        try setList(holders.map(\.json), in: "compaction_held_by", for: folder)
    }

    /// The replicas that held compaction of this replica's files in a folder back at its last sync.
    public func compactionHolders(of folder: FolderID) throws -> [CompactionHolder] {
        try list(in: "compaction_held_by", for: folder).compactMap(CompactionHolder.init(json:))
    }

    /// The folders whose compaction was held back at their last sync, by path.
    public func compactionHolders() throws -> [(path: String, holders: [CompactionHolder])] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT path, compaction_held_by FROM sync_targets WHERE compaction_held_by IS NOT NULL ORDER BY path")
                .compactMap { row in
                    guard let path = row["path"] as String?, let text = row["compaction_held_by"] as String?,
                          case .array(let items)? = try? JSONValue(parsing: Array(text.utf8))
                    else { return nil }
                    return (path, items.compactMap(CompactionHolder.init(json:)))
                }
        }
    }
}
