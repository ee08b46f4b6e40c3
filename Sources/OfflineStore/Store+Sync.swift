import Foundation
import GRDB
import ReportModels

/// The id by which this store knows a shared folder. Each store has its own for a folder
/// (there is no id all replicas share: see SyncEngine's `SharedFolder`); a UUID.
public struct FolderID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// A new id, for a folder new to this store.
    public init() { rawValue = ReplicaID().rawValue }

    /// An id as written (lowercase UUID); nil for anything else.
    public init?(_ text: String) {
        guard let uuid = ReplicaID(text), uuid.rawValue == text else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
}

/// Where a version came from; sync relays to a folder everything that did not come from it.
public enum VersionOrigin: Hashable, Sendable {
    case local
    case folder(id: FolderID)
    case file

    var column: String? {
        switch self {
        case .local: nil
        case .folder(let id): "folder:\(id)"
        case .file: "file"
        }
    }
}

/// A place versions are sent to.
public enum SyncTarget: Hashable, Sendable {
    case folder(id: FolderID)
    /// `fieldnotes export` by hand.
    case export

    var key: String {
        switch self {
        case .folder(let id): "folder:\(id)"
        case .export: "export"
        }
    }
}

/// A folder remembered by name.
public struct Remote: Hashable, Sendable {
    public var name: String
    public var path: String
    public var lastSync: Timestamp?
    /// Whether this store encrypts what it writes there for a team (README "Encryption").
    public var encrypted = false

    /// Letters, digits, '-', '_' and '.', starting with a letter or digit: not '.' or '..'
    /// either, and no '/', because `sync NAME` takes a remote's name before a path.
    public static func checkName(_ name: String) throws(StoreError) {
        guard let first = name.first, first.isLetter || first.isNumber,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw .invalidRemoteName(name)
        }
    }
}

/// One import, inside one write transaction: everything done through it is committed
/// together with the import's bookkeeping, or not at all.
public final class ImportTransaction {
    let db: Database
    /// Search entries waiting to be written in one chunk: up to 500 of them, or 8 MB of
    /// text, so that memory stays flat when reports are large.
    private var pendingSearch: [SearchEntry] = []
    private var pendingSearchBytes = 0
    static let searchChunk = 500
    static let searchChunkBytes = 8 << 20

    init(db: Database) {
        self.db = db
    }

    /// The hash of the version with this dot, if the store holds it.
    public func hash(of report: ReportID, dot: Dot) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM versions WHERE report_id = ? AND replica_id = ? AND counter = ?"),
                            arguments: [report.rawValue, dot.replica.rawValue, dot.counter])
    }

    /// Appends a version that came from elsewhere, byte for byte as its maker wrote it (the
    /// bytes its hash covers, relayed untouched); returns its local sequence number.
    @discardableResult
    public func insert(_ version: Version, origin: VersionOrigin) throws -> Int64 {
        try Store.insert(version, origin: origin, db)
    }

    /// Every version of a report, in arrival order, those this import added included.
    public func versions(of report: ReportID) throws -> [Version] {
        try Store.fetchVersions(db, report)
    }

    /// Where each of a report's versions sits in its history, by local sequence, in arrival
    /// order — read without building their snapshots, so that memory holds the history's
    /// shape and not its text (a few hundred bytes a version).
    /// `before`: only the versions that arrived before this local sequence.
    public func versionHeaders(of report: ReportID, before: Int64 = .max) throws -> [(seq: Int64, header: Version.Header)] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, encoded FROM versions WHERE report_id = ? AND seq < ? ORDER BY seq"),
            arguments: [report.rawValue, before])
        var headers: [(seq: Int64, header: Version.Header)] = []
        while let row = try rows.next() {
            let seq: Int64 = row[0]
            do {
                // The encoded text is read in place, not copied out as a String first.
                let header = try row.withUnsafeData(atIndex: 1) { data throws -> Version.Header in
                    try Version.header(encoded: Array(data ?? Data()))
                }
                headers.append((seq, header))
            } catch {
                throw StoreError.corruptRecord("version \(seq) of report \(report): \(error)")
            }
        }
        return headers
    }

    /// The snapshot of the version with this local sequence, and the size of its encoding
    /// (without its clock, which is not part of the snapshot).
    public func snapshot(seq: Int64) throws -> (report: Report, bytes: Int) {
        guard let encoded = try String.fetchOne(db.cachedStatement(sql: "SELECT encoded FROM versions WHERE seq = ?"), arguments: [seq]) else {
            throw StoreError.corruptRecord("version \(seq) vanished")
        }
        do {
            let bytes = Array(encoded.utf8)
            let clock = bytes.firstRange(of: Array(#","clock":"#.utf8)).flatMap { start in
                bytes[start.upperBound...].firstIndex(of: UInt8(ascii: "}")).map { $0 - start.upperBound }
            } ?? 0
            return (try Version.snapshot(encoded: bytes), bytes.count - clock)
        } catch {
            throw StoreError.corruptRecord("version \(seq): \(error)")
        }
    }

    /// A report's state, computed again by this version's merge rules, is no longer waiting.
    public func recomputed(_ report: ReportID) throws {
        try db.execute(sql: "DELETE FROM states_to_recompute WHERE report_id = ?", arguments: [report.rawValue])
    }

    public func stored(_ report: ReportID) throws -> StoredReport? {
        try Store.fetchStored(db, report)
    }

    /// What an import needs to know first about a report it adds to, read from the report's
    /// row without decoding its state: the join of its heads' clocks and how many conflicts
    /// it has open. Nil for a report the store does not hold.
    public func outline(of report: ReportID) throws -> (clock: VectorClock, conflicts: Int)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT clock, conflicts FROM reports WHERE id = ?"),
                                         arguments: [report.rawValue])
        else { return nil }
        do {
            return (try VectorClock(json: JSONValue(parsing: (row["clock"] as String).utf8)), row["conflicts"])
        } catch {
            throw StoreError.corruptRecord("report \(report): \(error)")
        }
    }

    /// Writes a report's state (and its search entry), as computed by the caller.
    /// `headSeq` is the seq of the version a state prepared as `snapshotOfHead` refers to;
    /// `replacing` says whether the store held the report already.
    public func save(_ prepared: PreparedState, headSeq: Int64? = nil, replacing: Bool) throws {
        let rowID = try Store.saveRow(prepared, headSeq: headSeq, db)
        pendingSearch.append(SearchEntry(rowID: rowID, text: prepared.search, replacing: replacing))
        pendingSearchBytes += prepared.search.size
        if pendingSearch.count >= Self.searchChunk || pendingSearchBytes >= Self.searchChunkBytes { try flushSearch() }
    }

    /// Writes the search entries still waiting; `Store.importing` calls it before committing.
    func flushSearch() throws {
        try Store.writeSearchEntries(pendingSearch, db)
        pendingSearch.removeAll(keepingCapacity: true)
        pendingSearchBytes = 0
    }

    public func lastImportedSequence(folder: FolderID, writer: ReplicaID) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT sequence FROM imported_changesets WHERE folder = ? AND writer = ?",
                         arguments: [folder.rawValue, writer.rawValue]) ?? 0
    }

    public func recordImported(folder: FolderID, writer: ReplicaID, sequence: Int) throws {
        try db.execute(sql: """
            INSERT INTO imported_changesets (folder, writer, sequence) VALUES (?, ?, ?)
            ON CONFLICT (folder, writer) DO UPDATE SET sequence = max(sequence, excluded.sequence)
            """, arguments: [folder.rawValue, writer.rawValue, sequence])
    }
}

extension Store {
    /// Runs `body` in one write transaction: it commits if `body` returns, and leaves the
    /// store exactly as it was if `body` throws.
    /// Up to `limit` reports whose stored state the merge rules of an earlier fieldnotes
    /// computed (migration 8), to be computed again (`StateUpgrade`).
    public func statesToRecompute(limit: Int) throws -> [ReportID] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT report_id FROM states_to_recompute ORDER BY report_id LIMIT ?", arguments: [limit])
                .compactMap(ReportID.init)
        }
    }

    public func importing<T>(_ body: (ImportTransaction) throws -> T) throws -> T {
        try database.write { db in
            let transaction = ImportTransaction(db: db)
            let result = try body(transaction)
            try transaction.flushSearch()
            return result
        }
    }

    // MARK: Export

    /// A version due to be sent, by its local sequence (eight bytes: a list of a million
    /// stays small).
    public struct PendingVersion: Sendable, Hashable {
        public var seq: Int64
    }

    /// The versions not yet sent to `target` (all of them with `all`), leaving out those that
    /// came from the target itself, ordered by report and then by arrival; and the store's
    /// latest sequence when they were listed, which is what the target has once they are sent.
    public func pendingVersions(for target: SyncTarget, all: Bool = false) throws -> (versions: [PendingVersion], through: Int64) {
        try database.read { db in
            let mark = all ? 0 : try Self.exportMark(db, target)
            var versions: [PendingVersion] = []
            let seqs = try Int64.fetchCursor(db, sql: """
                SELECT seq FROM versions WHERE seq > ? AND origin IS NOT ? ORDER BY report_id, seq
                """, arguments: [mark, target.key])
            while let seq = try seqs.next() { versions.append(PendingVersion(seq: seq)) }
            let through = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM versions") ?? 0
            return (versions, max(through, mark))
        }
    }

    /// Calls `body` with the canonical JSON of each version, in the order given, reading in
    /// batches so that memory stays bounded.
    public func forEachEncodedVersion(_ versions: [PendingVersion], _ body: (String) throws -> Void) throws {
        let batchSize = 500
        for start in stride(from: 0, to: versions.count, by: batchSize) {
            let batch = versions[start..<min(start + batchSize, versions.count)]
            let encoded = try database.read { db in
                let rows = try Row.fetchAll(db, sql: "SELECT seq, encoded FROM versions WHERE seq IN (\(batch.map { String($0.seq) }.joined(separator: ",")))")
                return Dictionary(uniqueKeysWithValues: rows.map { ($0["seq"] as Int64, $0["encoded"] as String) })
            }
            for version in batch {
                guard let text = encoded[version.seq] else { throw StoreError.corruptRecord("version \(version.seq) vanished") }
                try body(text)
            }
        }
    }

    /// Remembers that versions up to `seq` have been sent to `target`.
    public func markSent(through seq: Int64, to target: SyncTarget, path: String? = nil, at time: Timestamp = .now) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO sync_targets (target, path, exported_through, last_sync) VALUES (?, ?, ?, ?)
                ON CONFLICT (target) DO UPDATE SET
                    exported_through = max(exported_through, excluded.exported_through),
                    path = coalesce(excluded.path, path), last_sync = excluded.last_sync,
                    resend_signed = resend_signed AND excluded.exported_through = 0
                """, arguments: [target.key, path, seq, time.description])
        }
    }

    /// Remembers, before writing it, the sequence number of a changeset this store is about
    /// to write to `target`.
    public func markWriting(sequence: Int, to target: SyncTarget) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO sync_targets (target, last_written) VALUES (?, ?)
                ON CONFLICT (target) DO UPDATE SET last_written = max(last_written, excluded.last_written)
                """, arguments: [target.key, sequence])
        }
    }

    /// The hash of the version with this dot, if the store holds it.
    public func hash(of report: ReportID, dot: Dot) throws -> String? {
        try database.read { try ImportTransaction(db: $0).hash(of: report, dot: dot) }
    }

    /// Where this store last synced with `target`; nil if it never did.
    public func path(of target: SyncTarget) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT path FROM sync_targets WHERE target = ?", arguments: [target.key])
        }
    }

    /// The sequence number of the last changeset this store wrote to `target` (0: none);
    /// nil when this store has never synced with it.
    public func lastWritten(to target: SyncTarget) throws -> Int? {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT last_written FROM sync_targets WHERE target = ?", arguments: [target.key])
        }
    }

    /// What `target` has been sent: every version up to this local sequence — except after the
    /// upgrade that brought signatures, when it is due everything again, signed (0 until the
    /// next send, `resend_signed`).
    static func exportMark(_ db: Database, _ target: SyncTarget) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT CASE WHEN resend_signed THEN 0 ELSE exported_through END FROM sync_targets WHERE target = ?",
                           arguments: [target.key]) ?? 0
    }

    // MARK: Remotes

    public func remotes() throws -> [Remote] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.name, r.path, (SELECT max(t.last_sync) FROM sync_targets t WHERE t.path = r.path) AS last_sync,
                    EXISTS (SELECT 1 FROM sync_targets t WHERE t.path = r.path AND t.team_key IS NOT NULL) AS encrypted
                FROM remotes r ORDER BY r.name
                """).map { row in
                Remote(name: row["name"], path: row["path"], lastSync: (row["last_sync"] as String?).flatMap(Timestamp.init(iso8601:)),
                       encrypted: row["encrypted"])
            }
        }
    }

    public func addRemote(name: String, path: String) throws {
        try Remote.checkName(name)
        try database.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM remotes WHERE name = ?", arguments: [name]) == nil else {
                throw StoreError.remoteExists(name)
            }
            try db.execute(sql: "INSERT INTO remotes (name, path, added_at) VALUES (?, ?, ?)",
                           arguments: [name, path, Timestamp.now.description])
        }
    }

    public func removeRemote(name: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM remotes WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw StoreError.unknownRemote(name) }
        }
    }

    /// Versions that some remote has not been sent yet; with no remotes, versions made or
    /// received here that no sync or export has carried anywhere.
    public func unsyncedVersionCount() throws -> Int {
        try database.read { db in
            let remotes = try String.fetchAll(db, sql: "SELECT path FROM remotes")
            if remotes.isEmpty {
                let mark = try Int64.fetchOne(db, sql: "SELECT max(exported_through) FROM sync_targets") ?? 0
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM versions WHERE seq > ?", arguments: [mark]) ?? 0
            }
            return try Int.fetchOne(db, sql: """
                SELECT count(*) FROM versions v WHERE EXISTS (
                    SELECT 1 FROM remotes r LEFT JOIN sync_targets t ON t.path = r.path
                    WHERE v.seq > coalesce(t.exported_through, 0) AND v.origin IS NOT coalesce(t.target, '')
                )
                """) ?? 0
        }
    }
}
