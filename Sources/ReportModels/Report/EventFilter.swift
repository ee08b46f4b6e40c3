import Foundation

/// Which events a person asks about: `--since`, `--until` (on the time an event happened) and
/// `--place`. `list` keeps the reports with at least one matching event; `timeline` and the
/// event-level formats (GeoJSON, CSV `--events`) show only the matching events.
///
/// An event's time is an interval: a date is its whole day (UTC), a date-time one moment. A
/// bound given as a date is its whole day too, so `--since 2024-06-01 --until 2024-06-30`
/// is all of June, ends included. An event matches when its interval meets the asked one.
public struct EventFilter: Sendable, Hashable {
    /// The first millisecond asked for (inclusive).
    public private(set) var since: Int64?
    /// The millisecond after the last one asked for (exclusive).
    public private(set) var until: Int64?
    /// Part of the place's name, compared without case or diacritics.
    public private(set) var place: String?

    public static let everything = EventFilter()

    private init() {}

    /// Refuses a bound that is not an ISO 8601 date or date-time, and an empty range.
    public init(since: String? = nil, until: String? = nil, place: String? = nil) throws {
        self.since = try since.map { try Self.interval(of: $0, option: "--since").start }
        self.until = try until.map { try Self.interval(of: $0, option: "--until").end }
        let place = place?.trimmingCharacters(in: .whitespaces)
        if let place, place.isEmpty { throw InvalidField(field: "--place", value: "", allowed: "part of a place's name") }
        self.place = place
        if let start = self.since, let end = self.until, start >= end {
            throw InvalidField(field: "--until", value: until ?? "", allowed: "a time after --since \(since ?? "")")
        }
    }

    /// Whether any condition is set: without one, every report and every event matches.
    public var isEverything: Bool { since == nil && until == nil && place == nil }

    public func matches(_ event: Event) -> Bool {
        if let place, event.place.range(of: place, options: [.caseInsensitive, .diacriticInsensitive]) == nil {
            return false
        }
        guard since != nil || until != nil else { return true }
        // An event whose time cannot be read (validation keeps them out) matches no range.
        guard let interval = try? Self.interval(of: event.when, option: "when") else { return false }
        if let since, interval.end <= since { return false }
        if let until, interval.start >= until { return false }
        return true
    }

    /// Whether the report has an event the filter asks about (every report, without conditions).
    public func matches(_ report: Report) -> Bool {
        isEverything || report.events.contains(where: matches)
    }

    /// The report with only the events the filter asks about.
    public func events(of report: Report) -> Report {
        guard !isEverything else { return report }
        var trimmed = report
        trimmed.events.removeAll { !matches($0) }
        return trimmed
    }

    /// A date is `[midnight, next midnight)`; a date-time `[t, t + 1 ms)`. Times without an
    /// offset are UTC, as everywhere in fieldnotes.
    private static func interval(of text: String, option: String) throws -> (start: Int64, end: Int64) {
        guard let parsed = ISODateTime(text), let start = parsed.millisecondsSince1970 else {
            throw InvalidField(field: option, value: text, allowed: "a date (2024-06-23) or date-time (2024-06-23T14:30Z)")
        }
        return (start, start + (parsed.hasTime ? 1 : 86_400_000))
    }
}
