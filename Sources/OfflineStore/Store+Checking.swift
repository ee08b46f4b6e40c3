import Foundation
import GRDB
import ReportModels

extension Store {
    /// SQLite's own checks of the file and of the search index; empty when all is well.
    public func integrityProblems() throws -> [String] {
        try database.writeWithoutTransaction(Self.integrityProblems)
    }

    private static func integrityProblems(_ db: Database) throws -> [String] {
        var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        // FTS5's integrity check is spelt as an INSERT, so it needs a writable connection;
        // it changes nothing.
        do {
            try db.execute(sql: "INSERT INTO reports_search (reports_search, rank) VALUES ('integrity-check', 1)")
        } catch {
            // SQLite's words, not its statement.
            problems.append("search index: \((error as? DatabaseError)?.message ?? "its check failed")")
        }
        return problems
    }

    /// ``integrityProblems()``, run on a second connection on another thread while `body`
    /// runs on this one: SQLite's checks read the whole file, and so does a check of every
    /// record, so `verify` does both at once on the two cores (WAL lets them read together).
    public func integrityProblems(alongside body: () throws -> Void) throws -> [String] {
        let second = try database.mappingErrors {
            StoreDatabase(queue: try Self.openDatabase(at: directory.appending(path: Self.databaseName)), directory: directory)
        }
        let outcome = IntegrityOutcome()
        let thread = Thread {
            outcome.finish(Result { try second.writeWithoutTransaction(Self.integrityProblems) })
        }
        thread.stackSize = 8 << 20
        thread.start()
        let bodyResult = Result { try body() }
        let problems = outcome.wait()
        if case .failure(let error) = bodyResult, case .damaged? = error as? StoreFault,
           case .success(let found) = problems, !found.isEmpty {
            // A damaged page stopped the check of the records: SQLite's checks say which.
            return found
        }
        try bodyResult.get()
        return try problems.get()
    }
}

/// The result of the integrity checks, handed from their thread to the one that waits.
private final class IntegrityOutcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[String], Error>?

    func finish(_ result: Result<[String], Error>) {
        condition.lock()
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> Result<[String], Error> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}

extension Store {

    /// One record as stored: its state row (nil if missing) and its versions as encoded.
    public struct StoredRecord: Sendable {
        public var id: String
        public var state: Result<StoredReport, Error>?
        public var versions: [StoredVersion]
        /// Whether the row's listing columns and the search entry agree with the state.
        public var derivedDataMatches: Bool
    }

    /// A version row: the columns that index it, and its decoding.
    public struct StoredVersion: Sendable {
        public var reportID: String
        public var replicaID: String
        public var counter: Int
        public var hash: String
        public var decoded: Result<Version, Error>
        /// Its maker signature; nil when it arrived unsigned.
        public var signature: Signature?
    }

    /// Calls `body` with each record that has a state or versions, one at a time, so memory
    /// stays bounded whatever the store's size.
    public func forEachRecord(_ body: (StoredRecord) throws -> Void) throws {
        try database.read { db in
            let ids = try String.fetchCursor(db, sql: "SELECT id FROM reports UNION SELECT report_id FROM versions ORDER BY 1")
            let versionRows = try db.cachedStatement(sql: """
                SELECT v.seq, v.report_id, v.replica_id, v.counter, v.hash, v.encoded, s.signature
                FROM versions v LEFT JOIN version_signatures s ON s.seq = v.seq WHERE v.report_id = ? ORDER BY v.seq
                """)
            let reportRow = try db.cachedStatement(sql: "SELECT head_seq FROM reports WHERE id = ?")
            while let id = try ids.next() {
                var decoded: [Int64: Version] = [:]
                let versions = try Row.fetchAll(versionRows, arguments: [id]).map { row in
                    let version = Result { try Self.decodeVersion(row["encoded"]) }.mapError { Self.boundaryError($0, directory: directory) }
                    if case .success(let good) = version { decoded[row["seq"]] = good }
                    return StoredVersion(reportID: row["report_id"], replicaID: row["replica_id"], counter: row["counter"], hash: row["hash"],
                                         decoded: version,
                                         signature: (row["signature"] as Data?).flatMap { Signature(rawRepresentation: Array($0)) })
                }
                let state = try ReportID(id).flatMap { reportID in
                    try Row.fetchOne(reportRow, arguments: [id]).map { row in
                        // A state by reference is its head's snapshot, decoded just above.
                        Result { try Self.fetchStored(db, reportID, head: (row["head_seq"] as Int64?).flatMap { decoded[$0] })! }
                            .mapError { Self.boundaryError($0, directory: directory) }
                    }
                }
                var derivedDataMatches = true
                if case .success(let stored)? = state {
                    derivedDataMatches = try Self.derivedDataMatches(stored, db)
                }
                try body(StoredRecord(id: id, state: state, versions: versions, derivedDataMatches: derivedDataMatches))
            }
        }
    }
}

extension Store {
    /// Everything replicas that hold the same versions must agree on, record by record: its
    /// versions (dot and hash), state, clock and heads, in canonical form. Equal dumps on two
    /// stores mean they converged (the randomized tests and the team soak compare them).
    public func canonicalDump() throws -> [String] {
        var lines: [String] = []
        try forEachRecord { record in
            let versions = record.versions.map { "\($0.replicaID):\($0.counter)=\($0.hash)" }.sorted()
            let state = try record.state?.get()
            lines.append([record.id, versions.joined(separator: ","), state?.report.json.canonicalString ?? "-",
                          state?.clock.json.canonicalString ?? "-", state?.heads.map(\.description).joined(separator: ",") ?? "-"]
                .joined(separator: "\n"))
        }
        return lines
    }

    /// Whether a report's listing columns and search entry are what its state makes them.
    static func derivedDataMatches(_ stored: StoredReport, _ db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT rowid, \(listingColumns) FROM reports WHERE id = ?"),
                                         arguments: [stored.report.id.rawValue])
        else { return false }
        let columns = (1...listing(stored).count).map { row[$0] as DatabaseValue }
        guard columns == listing(stored) else { return false }
        let text = SearchText(stored.report)
        guard let search = try Row.fetchOne(db.cachedStatement(sql: "SELECT title, body, tags, events, sources FROM reports_search WHERE rowid = ?"),
                                            arguments: [row["rowid"] as Int64])
        else { return false }
        return [search["title"], search["body"], search["tags"], search["events"], search["sources"]] as [String?]
            == [text.title, text.body, text.tags, text.events, text.sources]
    }
}
