import Foundation
import GRDB
import ReportModels

/// A report's state together with what the next local edit needs: the join of its heads'
/// clocks (the new version's parents) and the heads themselves.
public struct StoredReport: Sendable {
    public var report: Report
    public var clock: VectorClock
    public var heads: [Dot]

    public init(report: Report, clock: VectorClock, heads: [Dot]) {
        self.report = report
        self.clock = clock
        self.heads = heads
    }
}

/// One line of `list`: what can be shown without decoding the whole report.
public struct ReportSummary: Sendable, Hashable {
    public var id: ReportID
    public var title: String
    public var status: Status
    public var author: String
    public var tags: [String]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var conflicts: Int
    public var deleted: Bool
}

/// What `list` asks for.
public struct ReportFilter: Sendable {
    public var tag: String?
    public var status: Status?
    public var author: String?
    public var conflictedOnly = false
    /// Deleted reports instead of live ones.
    public var deleted = false
    /// Only reports with an event it matches (`--since`, `--until`, `--place`).
    public var events: EventFilter
    public var limit: Int?

    public init(tag: String? = nil, status: Status? = nil, author: String? = nil, conflictedOnly: Bool = false,
                deleted: Bool = false, events: EventFilter = .everything, limit: Int? = nil) {
        self.tag = tag
        self.status = status
        self.author = author
        self.conflictedOnly = conflictedOnly
        self.deleted = deleted
        self.events = events
        self.limit = limit
    }
}

/// A full-text match.
public struct SearchHit: Sendable, Hashable {
    public var id: ReportID
    public var title: String
    /// Text around the match, with each matched term between ``SearchHit/highlightStart``
    /// and ``SearchHit/highlightEnd``.
    public var snippet: String
    /// bm25: lower is a better match.
    public var rank: Double

    public static let highlightStart = "\u{2}"
    public static let highlightEnd = "\u{3}"
}

/// Counts for `status`.
public struct StoreCounts: Sendable, Hashable {
    public var reports: Int
    public var deletedReports: Int
    public var versions: Int
    public var conflicts: Int
    public var conflictedReports: Int
}

extension Store {
    /// The report named by a full id or a unique prefix of at least 4 characters.
    public func resolveReport(_ text: String) throws -> ReportID {
        let prefix = text.lowercased()
        guard prefix.count >= 4 else { throw StoreError.reportIDTooShort(text) }
        guard prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw StoreError.unknownReport(text) }
        let matches = try database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM reports WHERE id >= ? AND id < ? ORDER BY id LIMIT 6",
                                arguments: [prefix, prefix + "~"])
        }
        guard let first = matches.first else { throw StoreError.unknownReport(text) }
        guard matches.count == 1 else {
            throw StoreError.ambiguousReport(text, candidates: matches.map { String($0.prefix(13)) })
        }
        return ReportID(first)!
    }

    /// The current state of a report (deleted ones too).
    public func stored(_ id: ReportID) throws -> StoredReport {
        try database.read { db in
            guard let stored = try Self.fetchStored(db, id) else { throw StoreError.unknownReport(id.rawValue) }
            return stored
        }
    }

    /// `head`: the version the state may refer to, if the caller has it decoded already.
    static func fetchStored(_ db: Database, _ id: ReportID, head: Version? = nil) throws -> StoredReport? {
        let statement = try db.cachedStatement(sql: """
            SELECT r.state, r.clock, r.heads, r.head_seq, \(head == nil ? "v.encoded" : "NULL") AS head
            FROM reports r LEFT JOIN versions v ON v.seq = r.head_seq WHERE r.id = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [id.rawValue]) else { return nil }
        do {
            // A state stored by reference is the snapshot inside its head version's encoding.
            let report: Report
            if let state = row["state"] as String? {
                report = try Report(json: JSONValue(parsing: state.utf8))
            } else if let head, row["head_seq"] as Int64? != nil {
                report = head.snapshot
            } else {
                guard let head = row["head"] as String?, let snapshot = try JSONValue(parsing: head.utf8)["snapshot"] else {
                    throw ShapeError(path: "state", problem: "the head version it refers to is missing")
                }
                report = try Report(json: snapshot)
            }
            let clock = try VectorClock(json: JSONValue(parsing: (row["clock"] as String).utf8))
            guard case .array(let headValues) = try JSONValue(parsing: (row["heads"] as String).utf8) else {
                throw ShapeError(path: "heads", problem: "expected a list")
            }
            let heads = try headValues.map { value in
                guard let text = value.stringValue, let dot = Dot(text) else { throw ShapeError(path: "heads", problem: "expected dots") }
                return dot
            }
            return StoredReport(report: report, clock: clock, heads: heads)
        } catch {
            throw StoreError.corruptRecord("report \(id): \(error)")
        }
    }

    /// Reports, most recently updated first, as summaries: nothing is decoded, unless the
    /// filter asks about events (then each report the other conditions keep is decoded once).
    public func summaries(_ filter: ReportFilter) throws -> [ReportSummary] {
        let columns = "id, title, status, author, tags, created_at, updated_at, conflicts, deleted"
        guard !filter.events.isEverything else {
            let (sql, arguments) = Self.query(columns, filter)
            return try database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary(from:))
            }
        }
        return try database.read { db in
            try Self.matching(db, filter, columns: columns) { row, _ in try Self.summary(from: row) }
        }
    }

    /// Reports, most recently updated first, in full.
    ///
    /// Cost: one decoded state per report the SQL conditions keep (the event conditions are
    /// checked on the decoded events), up to the limit.
    public func reports(_ filter: ReportFilter) throws -> [StoredReport] {
        try database.read { db in
            try Self.matching(db, filter, columns: "id") { _, stored in stored }
        }
    }

    /// The reports `filter` keeps, in its order, each made into a `T` from its row and its
    /// decoded state. The event conditions are not SQL (a state may live inside its head
    /// version), so the limit is counted here, after them.
    private static func matching<T>(_ db: Database, _ filter: ReportFilter, columns: String,
                                    _ make: (Row, StoredReport) throws -> T) throws -> [T] {
        var unlimited = filter
        unlimited.limit = nil
        let (sql, arguments) = query(columns, unlimited)
        var results: [T] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let id: String = row["id"]
            guard let reportID = ReportID(id), let stored = try fetchStored(db, reportID) else {
                throw StoreError.corruptRecord("report \(id)")
            }
            guard filter.events.matches(stored.report) else { continue }
            results.append(try make(row, stored))
            if let limit = filter.limit, results.count >= limit { break }
        }
        return results
    }

    /// The analysts who wrote each report's versions, the first writer first, each once.
    ///
    /// Cost: reads each version's author (one JSON lookup per version of the reports asked).
    public func authors(of ids: [ReportID]) throws -> [ReportID: [String]] {
        try database.read { db in
            var authors: [ReportID: [String]] = [:]
            let statement = try db.cachedStatement(sql: """
                SELECT json_extract(encoded, '$.author') AS author, MIN(seq) AS first FROM versions
                WHERE report_id = ? GROUP BY author ORDER BY first
                """)
            for id in ids {
                authors[id] = try String?.fetchAll(statement, arguments: [id.rawValue]).compactMap { $0 }
            }
            return authors
        }
    }

    private static func query(_ columns: String, _ filter: ReportFilter) -> (String, StatementArguments) {
        var conditions = ["deleted = ?"]
        var arguments: StatementArguments = [filter.deleted]
        if let tag = filter.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(reports.tags) WHERE value = ?)")
            arguments += [tag]
        }
        if let status = filter.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let author = filter.author {
            conditions.append("author = ? COLLATE NOCASE")
            arguments += [author]
        }
        if filter.conflictedOnly { conditions.append("conflicts > 0") }
        var sql = "SELECT \(columns) FROM reports WHERE \(conditions.joined(separator: " AND ")) ORDER BY updated_at DESC, id"
        if let limit = filter.limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return (sql, arguments)
    }

    static func summary(from row: Row) throws -> ReportSummary {
        guard let id = ReportID(row["id"]), let status = Status(rawValue: row["status"]),
              let createdAt = Timestamp(iso8601: row["created_at"]), let updatedAt = Timestamp(iso8601: row["updated_at"]),
              case .array(let tags) = try? JSONValue(parsing: (row["tags"] as String).utf8)
        else { throw StoreError.corruptRecord("report \(row["id"] as String? ?? "?")") }
        return ReportSummary(id: id, title: row["title"], status: status, author: row["author"],
                             tags: tags.compactMap(\.stringValue), createdAt: createdAt, updatedAt: updatedAt,
                             conflicts: row["conflicts"], deleted: row["deleted"])
    }

    /// Full-text search over title, body, tags, event places and summaries, and source refs;
    /// best match first. Every word must match; a word ending in `*` matches as a prefix.
    /// Deleted reports are not searched.
    public func search(_ query: String, limit: Int) throws -> [SearchHit] {
        let match = Self.matchExpression(for: query)
        guard !match.isEmpty else { return [] }
        return try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.id, r.title, bm25(reports_search, 10.0, 1.0, 5.0, 2.0, 2.0) AS rank,
                       snippet(reports_search, -1, ?, ?, '…', 16) AS snippet
                FROM reports_search JOIN reports r ON r.rowid = reports_search.rowid
                WHERE reports_search MATCH ? AND r.deleted = 0
                ORDER BY rank LIMIT ?
                """, arguments: [SearchHit.highlightStart, SearchHit.highlightEnd, match, limit]
            ).map { row in
                SearchHit(id: ReportID(row["id"])!, title: row["title"], snippet: row["snippet"], rank: row["rank"])
            }
        }
    }

    /// Turns what a person typed into an FTS5 expression that cannot be a syntax error:
    /// each word becomes a quoted term.
    ///
    /// The index holds word stems (porter: "escalation" is kept as "escal"), so a prefix
    /// longer than a stem would find nothing; `word*` also tries the prefix shortened by up
    /// to three letters (not below four), which reaches the stems of its longer words.
    static func matchExpression(for query: String) -> String {
        query.split(whereSeparator: \.isWhitespace).compactMap { word -> String? in
            let isPrefix = word.hasSuffix("*")
            let term = word.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "'" || $0 == "_" }
            guard !term.isEmpty else { return nil }
            guard isPrefix else { return "\"\(term)\"" }
            let shortest = max(min(4, term.count), term.count - 3)
            let prefixes = stride(from: term.count, through: shortest, by: -1).map { "\"\(term.prefix($0))\"*" }
            return prefixes.count == 1 ? prefixes[0] : "(" + prefixes.joined(separator: " OR ") + ")"
        }.joined(separator: " ")
    }

    /// Every version of a report, in the order this replica received them.
    public func versions(of id: ReportID) throws -> [Version] {
        try database.read { db in try Self.fetchVersions(db, id) }
    }

    /// Every version of a report, in arrival order: for commands (`versions(of:)`) and imports
    /// (`ImportTransaction.versions(of:)`) alike.
    static func fetchVersions(_ db: Database, _ id: ReportID) throws -> [Version] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT encoded FROM versions WHERE report_id = ? ORDER BY seq"), arguments: [id.rawValue])
            .map(decodeVersion)
    }

    static func decodeVersion(_ encoded: String) throws -> Version {
        do {
            return try Version(encoded: Array(encoded.utf8))
        } catch {
            throw StoreError.corruptRecord("version: \(error)")
        }
    }

    /// The version of a report named `REPLICA:COUNTER`, where REPLICA may be a unique prefix
    /// of the replica id.
    public func version(of id: ReportID, named text: String) throws -> Version {
        guard let colon = text.lastIndex(of: ":"), let counter = Int(text[text.index(after: colon)...]), counter > 0 else {
            throw StoreError.unknownVersion(report: id, version: text)
        }
        let prefix = text[..<colon].lowercased()
        guard prefix.count >= 4, prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw StoreError.unknownVersion(report: id, version: text)
        }
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT replica_id, encoded FROM versions
                WHERE report_id = ? AND replica_id >= ? AND replica_id < ? AND counter = ? LIMIT 6
                """, arguments: [id.rawValue, prefix, prefix + "~", counter])
        }
        guard let row = rows.first else { throw StoreError.unknownVersion(report: id, version: text) }
        guard rows.count == 1 else {
            throw StoreError.ambiguousVersion(report: id, version: text,
                                              candidates: rows.map { "\(($0["replica_id"] as String).prefix(8)):\(counter)" })
        }
        return try Self.decodeVersion(row["encoded"])
    }

    public func counts() throws -> StoreCounts {
        try database.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM reports WHERE deleted = 0) AS reports,
                       (SELECT count(*) FROM reports WHERE deleted = 1) AS deleted,
                       (SELECT count(*) FROM versions) AS versions,
                       (SELECT coalesce(sum(conflicts), 0) FROM reports) AS conflicts,
                       (SELECT count(*) FROM reports WHERE conflicts > 0) AS conflicted
                """)!
            return StoreCounts(reports: row["reports"], deletedReports: row["deleted"], versions: row["versions"],
                               conflicts: row["conflicts"], conflictedReports: row["conflicted"])
        }
    }
}
