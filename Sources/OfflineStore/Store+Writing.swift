import Foundation
import GRDB
import ReportModels

extension Store {
    /// Records a new report as its first version, written by this replica.
    ///
    /// The author, times and tombstone are set here; the report is normalized and validated,
    /// and nothing is written if it is invalid.
    @discardableResult
    public func create(_ report: Report, at time: Timestamp = .now) throws -> Version {
        var draft = report
        draft.author = identity.analyst
        draft.createdAt = time
        draft.updatedAt = time
        draft.deleted = false
        draft.conflicts = []
        draft.normalize()
        try Self.validate(draft)
        let version = Version(snapshot: draft, after: VectorClock(), replica: identity.replica, author: identity.analyst, time: time)
        try Self.checkSize(version)
        try database.write { db in
            guard try Self.fetchStored(db, draft.id) == nil else {
                throw StoreError.corruptRecord("report \(draft.id) already exists")
            }
            try Self.insert(version, db)
            try Self.saveState(StoredReport(report: draft, clock: version.clock, heads: [version.dot]), db)
        }
        return version
    }

    /// Applies a change to a report's current state and records it as a new version by this
    /// replica, whose parents are all the report's heads.
    ///
    /// Reading the state, changing it and writing the version happen in one write
    /// transaction, so a concurrent fieldnotes process cannot slip a version in between.
    /// Returns nil, writing nothing, when the change leaves the report as it was. Throws,
    /// writing nothing, when the changed report breaks a rule.
    @discardableResult
    public func commitChange(to id: ReportID, at time: Timestamp = .now,
                             _ change: (inout Report) throws -> Void) throws -> Version? {
        try database.write { db in
            guard let stored = try Self.fetchStored(db, id) else { throw StoreError.unknownReport(id.rawValue) }
            var draft = stored.report
            try change(&draft)
            // What a version may not change about its report.
            (draft.id, draft.author, draft.createdAt, draft.updatedAt) =
                (stored.report.id, stored.report.author, stored.report.createdAt, stored.report.updatedAt)
            draft.normalize()
            guard draft != stored.report else { return nil }
            draft.updatedAt = max(time, stored.report.updatedAt)
            try Self.validate(draft)
            let version = Version(snapshot: draft, after: stored.clock, replica: identity.replica,
                                  author: identity.analyst, time: time)
            try Self.checkSize(version)
            try Self.insert(version, db)
            try Self.saveState(StoredReport(report: draft, clock: version.clock, heads: [version.dot]), db)
            return version
        }
    }

    static func validate(_ report: Report) throws {
        do {
            try report.validate()
        } catch {
            throw StoreError.invalid(error)
        }
    }

    /// A version no changeset reader would accept must not be made: it would stop every
    /// later version of this replica from reaching the others.
    static let maximumVersionBytes = 8 * 1_048_576

    static func checkSize(_ version: Version) throws {
        let bytes = version.encoded.utf8.count
        guard bytes <= maximumVersionBytes else { throw StoreError.tooLarge(report: version.reportID, bytes: bytes) }
    }

    /// Appends a version; returns its local sequence number.
    @discardableResult
    static func insert(_ version: Version, origin: VersionOrigin = .local, _ db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO versions (report_id, replica_id, counter, hash, encoded, origin) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [version.reportID.rawValue, version.dot.replica.rawValue, version.dot.counter,
                        version.hash.hex, version.encoded, origin.column])
        return db.lastInsertedRowID
    }

    /// The columns of a report's row, in the order of `listingColumns`, all derived from its
    /// state (which `verify` checks).
    static func listing(_ stored: StoredReport) -> [DatabaseValue] {
        let report = stored.report
        return [
            report.title.databaseValue, report.status.rawValue.databaseValue, report.author.databaseValue,
            JSONValue.array(report.tags.sorted().map(JSONValue.string)).canonicalString.databaseValue,
            report.deleted.databaseValue, report.conflicts.count.databaseValue, report.createdAt.description.databaseValue,
            report.updatedAt.description.databaseValue, stored.clock.json.canonicalString.databaseValue,
            JSONValue.array(stored.heads.map { .string($0.description) }).canonicalString.databaseValue,
        ]
    }

    static let listingColumns = "title, status, author, tags, deleted, conflicts, created_at, updated_at, clock, heads"

    /// Writes a report's state and its search entry.
    static func saveState(_ stored: StoredReport, _ db: Database) throws {
        let report = stored.report
        let columns = StatementArguments(listing(stored) + [report.json.canonicalString.databaseValue])
        let rowID: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT rowid FROM reports WHERE id = ?", arguments: [report.id.rawValue]) {
            rowID = existing
            try db.execute(sql: """
                UPDATE reports SET title = ?, status = ?, author = ?, tags = ?, deleted = ?, conflicts = ?,
                    created_at = ?, updated_at = ?, clock = ?, heads = ?, state = ?
                WHERE rowid = ?
                """, arguments: columns + [rowID])
            try db.execute(sql: "DELETE FROM reports_search WHERE rowid = ?", arguments: [rowID])
        } else {
            try db.execute(sql: """
                INSERT INTO reports (title, status, author, tags, deleted, conflicts, created_at, updated_at,
                    clock, heads, state, id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: columns + [report.id.rawValue])
            rowID = db.lastInsertedRowID
        }
        let text = SearchText(report)
        try db.execute(
            sql: "INSERT INTO reports_search (rowid, title, body, tags, events, sources) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [rowID, text.title, text.body, text.tags, text.events, text.sources])
    }
}

/// What the search index holds for a report, column by column.
struct SearchText {
    var title: String
    var body: String
    var tags: String
    var events: String
    var sources: String

    init(_ report: Report) {
        title = report.title
        body = report.body
        tags = report.tags.sorted().joined(separator: " ")
        events = report.events.map { "\($0.place): \($0.summary)" }.joined(separator: "\n")
        sources = report.sources.map(\.ref).joined(separator: "\n")
    }
}
