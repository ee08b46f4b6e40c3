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
        let key = try requireSigningKey()
        try database.write { db in
            guard try Self.fetchStored(db, draft.id) == nil else {
                throw StoreError.corruptRecord("report \(draft.id) already exists")
            }
            let seq = try Self.insert(version, db)
            try Self.sign(version, seq: seq, with: key, db)
            try Self.saveState(.snapshotOfHead(StoredReport(report: draft, clock: version.clock, heads: [version.dot])),
                               headSeq: seq, replacing: false, db)
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
        let key = try requireSigningKey()
        return try database.write { db in
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
            let seq = try Self.insert(version, db)
            try Self.sign(version, seq: seq, with: key, db)
            try Self.saveState(.snapshotOfHead(StoredReport(report: draft, clock: version.clock, heads: [version.dot])),
                               headSeq: seq, replacing: true, db)
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
        try db.cachedStatement(sql: "INSERT INTO versions (report_id, replica_id, counter, hash, encoded, origin) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [version.reportID.rawValue, version.dot.replica.rawValue, version.dot.counter,
                                 version.hash.hex, version.encoded, origin.column])
        return db.lastInsertedRowID
    }

    /// The columns of a report's row, in the order of `listingColumns`, all derived from its
    /// state (which `verify` checks).
    static func listing(_ stored: StoredReport, clockJSON: String? = nil) -> [DatabaseValue] {
        let report = stored.report
        return [
            report.title.databaseValue, report.status.rawValue.databaseValue, report.author.databaseValue,
            JSONValue.array(report.tags.sorted().map(JSONValue.string)).canonicalString.databaseValue,
            report.deleted.databaseValue, report.conflicts.count.databaseValue, report.createdAt.description.databaseValue,
            report.updatedAt.description.databaseValue, (clockJSON ?? stored.clock.json.canonicalString).databaseValue,
            JSONValue.array(stored.heads.map { .string($0.description) }).canonicalString.databaseValue,
        ]
    }

    static let listingColumns = "title, status, author, tags, deleted, conflicts, created_at, updated_at, clock, heads"

    /// Writes a report's state and its search entry. `headSeq` is the seq of the version a
    /// state prepared as `snapshotOfHead` refers to.
    static func saveState(_ prepared: PreparedState, headSeq: Int64? = nil, replacing: Bool, _ db: Database) throws {
        let rowID = try saveRow(prepared, headSeq: headSeq, db)
        try writeSearchEntries([SearchEntry(rowID: rowID, text: prepared.search, replacing: replacing)], db)
    }

    /// Writes a report's row (not its search entry); returns its rowid.
    static func saveRow(_ prepared: PreparedState, headSeq: Int64?, _ db: Database) throws -> Int64 {
        precondition((prepared.stateJSON == nil) == (headSeq != nil), "a state is stored as JSON or by reference to its head")
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO reports (\(listingColumns), state, head_seq, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status, author = excluded.author,
                tags = excluded.tags, deleted = excluded.deleted, conflicts = excluded.conflicts,
                created_at = excluded.created_at, updated_at = excluded.updated_at, clock = excluded.clock,
                heads = excluded.heads, state = excluded.state, head_seq = excluded.head_seq
            RETURNING rowid
            """)
        let arguments = prepared.listing + [prepared.stateJSON.databaseValue, headSeq.databaseValue, prepared.stored.report.id.rawValue.databaseValue]
        return try Int64.fetchOne(upsert, arguments: StatementArguments(arguments))!
    }

    /// Writes search entries; REPLACE drops a report's old entry, if any, first. An entry
    /// whose text has not changed (a new status, a resolved conflict) is left alone:
    /// re-indexing means tokenizing the old text and the new. Writing entries in chunks
    /// after their rows, rather than one between each row, is several times faster for FTS5
    /// (DESIGN.md §7).
    static func writeSearchEntries(_ entries: [SearchEntry], _ db: Database) throws {
        let current = try db.cachedStatement(sql: "SELECT title, body, tags, events, sources FROM reports_search WHERE rowid = ?")
        let replace = try db.cachedStatement(sql: "INSERT OR REPLACE INTO reports_search (rowid, title, body, tags, events, sources) VALUES (?, ?, ?, ?, ?, ?)")
        for entry in entries {
            let text = entry.text
            if entry.replacing, let row = try Row.fetchOne(current, arguments: [entry.rowID]),
               [row[0], row[1], row[2], row[3], row[4]] as [String?] == [text.title, text.body, text.tags, text.events, text.sources] {
                continue
            }
            try replace.execute(arguments: [entry.rowID, text.title, text.body, text.tags, text.events, text.sources])
        }
    }
}

/// A report's state turned into what its row and search entry hold, ready to be written:
/// imports prepare it on the thread that decodes, so the thread that writes only writes.
public struct PreparedState: Sendable {
    let stored: StoredReport
    let listing: [DatabaseValue]
    /// The state's canonical JSON; nil when it is the snapshot of the report's only head
    /// and is stored as a reference to that version.
    let stateJSON: String?
    let search: SearchText

    /// Any state, stored as its JSON.
    public init(_ stored: StoredReport) {
        self.init(stored, stateJSON: stored.report.json.canonicalString)
    }

    /// A state that is the snapshot of its only head (`stored.heads`), stored by reference
    /// to that version: no second copy, and nothing to encode.
    /// `clockJSON`: the clock's canonical JSON when the caller has it already (a version's
    /// encoding holds its clock's).
    public static func snapshotOfHead(_ stored: StoredReport, clockJSON: String? = nil) -> PreparedState {
        PreparedState(stored, stateJSON: nil, clockJSON: clockJSON)
    }

    private init(_ stored: StoredReport, stateJSON: String?, clockJSON: String? = nil) {
        self.stored = stored
        self.stateJSON = stateJSON
        listing = Store.listing(stored, clockJSON: clockJSON)
        search = SearchText(stored.report)
    }
}

/// A search entry to write: its rowid, its text, and whether the report had one already.
struct SearchEntry {
    var rowID: Int64
    var text: SearchText
    var replacing: Bool
}

/// What the search index holds for a report, column by column.
struct SearchText: Sendable {
    var title: String
    var body: String
    var tags: String
    var events: String
    var sources: String

    /// Bytes of text, all columns.
    var size: Int { [title, body, tags, events, sources].reduce(0) { $0 + $1.utf8.count } }

    init(_ report: Report) {
        title = report.title
        body = report.body
        tags = report.tags.sorted().joined(separator: " ")
        events = report.events.map { "\($0.place): \($0.summary)" }.joined(separator: "\n")
        sources = report.sources.map(\.ref).joined(separator: "\n")
    }
}
