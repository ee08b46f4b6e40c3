import Foundation

/// A field report: a situation report with its narrative, the events it covers and the
/// sources behind it, as one replica sees it.
///
/// A report value is both a version's snapshot (the report right after a change) and a
/// record's merged state. Where concurrent edits collided, the field shows one candidate —
/// chosen the same way on every replica — and ``conflicts`` holds all of them until a
/// person decides.
public struct Report: Hashable, Sendable, Identifiable {
    public var id: ReportID
    public var title: String
    /// The narrative, in Markdown; lines end in `\n`, with no trailing newline.
    public var body: String
    public var status: Status
    /// Lowercase words.
    public var tags: Set<String>
    /// Admiralty information credibility, 1 (confirmed) to 6 (cannot be judged).
    public var credibility: Int?
    public var sources: [Source]
    /// Kept in chronological order (then by id), so the order never needs merging.
    public var events: [Event]
    /// A tombstone: the report is hidden from `list` and `search` but keeps its history.
    public var deleted: Bool
    /// The analyst who created the report (read-only).
    public var author: String
    public var createdAt: Timestamp
    /// The wall time of the latest version in this state.
    public var updatedAt: Timestamp
    /// Open conflicts, ordered by field path.
    public var conflicts: [Conflict]

    public init(
        id: ReportID = ReportID(),
        title: String,
        body: String = "",
        status: Status = .draft,
        tags: Set<String> = [],
        credibility: Int? = nil,
        sources: [Source] = [],
        events: [Event] = [],
        deleted: Bool = false,
        author: String = "",
        createdAt: Timestamp = Timestamp(millisecondsSince1970: 0),
        updatedAt: Timestamp = Timestamp(millisecondsSince1970: 0),
        conflicts: [Conflict] = []
    ) {
        self.id = id
        self.title = title
        self.body = body
        self.status = status
        self.tags = tags
        self.credibility = credibility
        self.sources = sources
        self.events = events
        self.deleted = deleted
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.conflicts = conflicts
    }

    /// Puts events in their canonical order, by the moment they happened (a date counts as
    /// its midnight UTC), then as written, then by id; call after changing `events`.
    public mutating func sortEvents() {
        events.sort { ($0.moment, $0.when, $0.id) < ($1.moment, $1.when, $1.id) }
    }

    public func event(_ id: ItemID) -> Event? { events.first { $0.id == id } }
    public func source(_ id: ItemID) -> Source? { sources.first { $0.id == id } }

    public func conflict(at field: FieldPath) -> Conflict? { conflicts.first { $0.field == field } }
    public var isConflicted: Bool { !conflicts.isEmpty }
}

/// Where a report is in its life.
public enum Status: String, CaseIterable, Hashable, Sendable {
    case draft, review, final, archived
}

/// Admiralty source reliability, A (completely reliable) to F (cannot be judged).
public enum Reliability: String, CaseIterable, Hashable, Sendable {
    case a = "A", b = "B", c = "C", d = "D", e = "E", f = "F"
}

/// Something that happened: where, when, and what it cost.
public struct Event: Hashable, Sendable, Identifiable {
    public var id: ItemID
    /// An ISO 8601 date (`2024-06-23`) or date-time (`2024-06-23T14:30Z`), as written.
    public var when: String
    public var place: String
    public var lat: Double?
    public var lon: Double?
    public var summary: String
    public var killed: Int?
    public var injured: Int?

    public init(
        id: ItemID = .random(prefix: "e"), when: String, place: String, lat: Double? = nil, lon: Double? = nil,
        summary: String = "", killed: Int? = nil, injured: Int? = nil
    ) {
        self.id = id
        self.when = when
        self.place = place
        self.lat = lat
        self.lon = lon
        self.summary = summary
        self.killed = killed
        self.injured = injured
    }
}

extension Event {
    /// When it happened, in milliseconds since 1970 (a date counts as its midnight UTC;
    /// Int64.max when `when` is not a date): the order of a timeline.
    public var moment: Int64 { ISODateTime(when)?.millisecondsSince1970 ?? .max }
}

/// Where information came from, and how far it can be trusted.
public struct Source: Hashable, Sendable, Identifiable {
    public var id: ItemID
    public var ref: String
    public var reliability: Reliability?

    public init(id: ItemID = .random(prefix: "s"), ref: String, reliability: Reliability? = nil) {
        self.id = id
        self.ref = ref
        self.reliability = reliability
    }
}

// MARK: - Normal form

extension Report {
    /// Brings the report to its normal form: title trimmed, body in normal form, events in
    /// chronological order, and no conflict left about an event or source that is gone.
    /// Every local change passes through here before it is validated and written.
    public mutating func normalize() {
        title = title.trimmingCharacters(in: .whitespaces)
        body = Self.normalizedBody(body)
        sortEvents()
        let (eventIDs, sourceIDs) = (Set(events.map(\.id)), Set(sources.map(\.id)))
        conflicts.removeAll { conflict in
            switch conflict.field {
            case .event(let id), .eventField(let id, _): !eventIDs.contains(id)
            case .source(let id), .sourceField(let id, _): !sourceIDs.contains(id)
            default: false
            }
        }
    }

    /// Line ends as `\n`, no blank lines at the start, no trailing white space at the end.
    public static func normalizedBody(_ text: String) -> String {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        var body = lines.joined(separator: "\n")
        while let last = body.last, last.isWhitespace { body.removeLast() }
        return body
    }

    /// Sets a field and closes any conflict on it: a value a person chose is a resolution.
    public mutating func assign(_ value: JSONValue, at path: FieldPath) throws(InvalidField) {
        try setValue(value, at: path)
        conflicts.removeAll { $0.field == path }
    }
}
