import Foundation
import ReportModels

/// How values of a report are written in every export, so that CSV, GeoJSON and STIX agree.
enum ExportValues {
    /// An event's time as the exports write it: a date-time in UTC
    /// (`2024-06-23T11:30:00.000Z`, from `2024-06-23T14:30+03:00`; one without offset is read
    /// as UTC), a date as the date (a day has no time zone, and midnight would invent a
    /// precision the analyst did not give), anything else as written.
    static func eventTime(_ when: String) -> String {
        Timestamp(iso8601: when)?.description ?? when
    }

    /// When the event happened, to order events: a date counts as its midnight UTC; nil for
    /// what is not a date.
    static func moment(_ when: String) -> Int64? {
        (Timestamp(iso8601: when) ?? Timestamp(iso8601: when + "T00:00Z"))?.millisecondsSince1970
    }

    /// The first and the last event in time (then by `when` as written, then by id); nil for
    /// a report without events. O(events).
    static func firstAndLastEvent(of report: Report) -> (first: Event, last: Event)? {
        func precedes(_ a: Event, _ b: Event) -> Bool {
            (moment(a.when) ?? .max, a.when, a.id) < (moment(b.when) ?? .max, b.when, b.id)
        }
        guard let first = report.events.min(by: precedes), let last = report.events.max(by: precedes) else { return nil }
        return (first, last)
    }

    /// The event's position when it has one that a map can show: both coordinates, finite
    /// and in range (an event may hold only one of them, where two analysts each changed one).
    static func position(of event: Event) -> (lat: Double, lon: Double)? {
        guard let lat = event.lat, let lon = event.lon, lat.isFinite, lon.isFinite,
              (-90...90).contains(lat), (-180...180).contains(lon) else { return nil }
        // -0.0 is written as 0.
        return (lat == 0 ? 0 : lat, lon == 0 ? 0 : lon)
    }

    /// A casualty total over the events that give a figure (nil when none does): exact, even
    /// past `Int.max` (figures are only bounded below).
    static func total(_ figures: [Int?]) -> String? {
        let known = figures.compactMap { $0 }
        guard !known.isEmpty else { return nil }
        var sum = 0
        for figure in known {
            let (next, overflow) = sum.addingReportingOverflow(figure)
            if overflow { return known.reduce(Decimal(0)) { $0 + Decimal($1) }.description }
            sum = next
        }
        return String(sum)
    }

    /// A number of degrees as a plain decimal (`0.00001`, never `1e-05`), exact: the shortest
    /// digits that read back as the same `Double`. Spreadsheets and people read it alike.
    static func plainDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        let shortest = (value == 0 ? 0 : value).description
        guard let exponentIndex = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exponent = Int(shortest[shortest.index(after: exponentIndex)...]) else {
            return shortest.hasSuffix(".0") ? String(shortest.dropLast(2)) : shortest
        }
        var mantissa = String(shortest[..<exponentIndex])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", maxSplits: 1)
        let integerDigits = String(parts.first ?? "0")
        var fractionDigits = parts.count > 1 ? String(parts[1]) : ""
        if fractionDigits == "0" { fractionDigits = "" }
        let digits = integerDigits + fractionDigits
        let point = integerDigits.count + exponent  // where the decimal point goes in `digits`
        var text: String
        if point <= 0 {
            text = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            text = digits + String(repeating: "0", count: point - digits.count)
        } else {
            text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (negative ? "-" : "") + text
    }

    /// The distinct reliabilities of the report's sources, A first.
    static func reliabilities(of report: Report) -> [Reliability] {
        let rated = Set(report.sources.compactMap(\.reliability))
        return Reliability.allCases.filter(rated.contains)
    }

    /// Every analyst the export names: the report's creator, then its versions' authors, each
    /// once, in that order; empty names left out.
    static func analysts(of export: ReportExport) -> [String] {
        var seen = Set<String>()
        return ([export.report.author] + export.authors).filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

extension Reliability {
    /// The Admiralty scale's words for the letter.
    var meaning: String {
        switch self {
        case .a: "completely reliable"
        case .b: "usually reliable"
        case .c: "fairly reliable"
        case .d: "not usually reliable"
        case .e: "unreliable"
        case .f: "reliability cannot be judged"
        }
    }
}

/// Admiralty information credibility in words.
enum Credibility {
    static func meaning(_ value: Int) -> String? {
        switch value {
        case 1: "confirmed by other sources"
        case 2: "probably true"
        case 3: "possibly true"
        case 4: "doubtful"
        case 5: "improbable"
        case 6: "truth cannot be judged"
        default: nil
        }
    }
}
