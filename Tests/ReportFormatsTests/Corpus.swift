import Foundation
import ReportFormats
import ReportModels

/// A seeded randomized corpus of reports that a store could hold (each passes
/// `Report.validate()`), full of text that breaks careless exporters: quotes, commas and line
/// breaks, markup and scripts, spreadsheet formulas, right-to-left text and bidirectional
/// overrides, emoji and combining marks, Markdown at its edges, coordinates on the poles and
/// the antimeridian or half given, figures past `Int.max` in total, missing fields, deleted
/// reports and open conflicts.
///
/// `FIELDNOTES_SEED=<n>` replays a corpus; by default each run draws a new seed, which the
/// tests print and put in every failure.
struct Corpus {
    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
    }

    /// `count` exports from `seed`: the same seed gives the same reports.
    static func exports(seed: UInt64, count: Int) throws -> [ReportExport] {
        var corpus = Corpus(generator: SeededGenerator(state: seed))
        return try (0..<count).map { _ in try corpus.export() }
    }

    var generator: SeededGenerator

    // MARK: - Text

    /// One-line fragments (titles, places, references, names): no control characters, as a
    /// line of a report has none.
    static let lineFragments = [
        "Derbent", "Makhachkala, Dagestan", "\"quoted\"", "a, b", "it's", "<script>alert(1)</script>",
        "</title><script>x()</script>", "</style>", "<img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0",
        "+SUM(A1:A2)", "-2+3", "@import url(//evil.example/x.css)", "url(javascript:x)", "&amp; &lt;b&gt;",
        "]]>", "back\\slash", "مرحبا بالعالم", "שלום עולם", "\u{202E}txt.exe", "\u{2066}isolated\u{2069}", "🔥",
        "👩🏽‍⚕️", "達吉斯坦", "e\u{301}te\u{301}", "*star*", "_under_", "`tick`", "[link](javascript:alert(1))",
        "[ok](https://example.org/a?b=1&c=2)", "| pipe |", "# hash", "${x}", "{{x}}", "%s%n", "null", "NaN",
        "1e309", "Севастополь", "\u{200F}rtl mark", "x\u{FEFF}y",
        String(decoding: [0xEF, 0xB7, 0x90], as: UTF8.self),  // U+FDD0, a noncharacter (no Swift literal holds one)
    ]

    /// Lines of a narrative or summary: Markdown at its edges, tabs, hard breaks.
    static let textLines = [
        "- a point", "  continued under it", "1. first", "2) second", "    - deep", "> quoted", ">> twice",
        ">>>>>>>>>>>> very deep", "```", "~~~ swift", "    indented code", "## heading", "Setext", "===", "---",
        "***", "| a | b |", "|---|:--:|", "| 1 | 2 |", "hard break  ", "backslash break\\", "\t=tab first",
        "\tindented by a tab", "", "", "**strong *and em***", "`code with | pipe`", "[[[[", "]]]](((",
        "****", "____", "<b>raw</b> & co", "2024. A year", "-", "* * *", "_x_y_", "a\\*b",
        "![image](https://example.org/i.png)", "<https://example.org>", "\u{202E}reversed",
    ]

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int(generator.next() % UInt64(items.count))]
    }

    mutating func chance(_ percent: UInt64) -> Bool { generator.next() % 100 < percent }

    mutating func number(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    mutating func line(words: ClosedRange<Int> = 1...4) -> String {
        (0..<number(words)).map { _ in chance(70) ? pick(Self.lineFragments) : pick(["Sevastopol", "police", "strike", "2024"]) }
            .joined(separator: " ")
    }

    mutating func text(lines: ClosedRange<Int>) -> String {
        let text = (0..<number(lines)).map { _ in
            chance(60) ? pick(Self.textLines) : line(words: 1...8) + (chance(20) ? "  " : "")
        }.joined(separator: "\n")
        return Report.normalizedBody(text)
    }

    // MARK: - Reports

    mutating func uuid() -> String {
        let hex = (0..<32).map { _ in String(generator.next() % 16, radix: 16) }.joined()
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }

    mutating func analyst() -> String {
        pick(["Alice", "Bob Okafor", "=HYPERLINK(\"http://evil.example\")", "Zoë ⚡", "<b>Carol</b>", "mal\u{202E}lory",
              "O'Brien, Jr.", "@dana", "-minus", "سارا", "李雷"])
    }

    mutating func coordinate(limit: Double) -> Double {
        pick([limit, -limit, 0, -0.0, 1e-7, -1e-7, limit - 1e-9, Double.random(in: -limit...limit, using: &generator)])
    }

    mutating func figure() -> Int? {
        switch generator.next() % 10 {
        case 0, 1, 2: nil
        case 3: Int.max
        case 4: 0
        default: number(0...500)
        }
    }

    mutating func event(_ index: Int) throws -> Event {
        let position: (Double?, Double?)
        switch generator.next() % 10 {
        case 0, 1: position = (nil, nil)
        case 2: position = (coordinate(limit: 90), nil)
        case 3: position = (nil, coordinate(limit: 180))
        default: position = (coordinate(limit: 90), coordinate(limit: 180))
        }
        return Event(
            id: try ItemID(chance(50) ? "e\(index)" : "ev-\(index)_\(number(0...99))").orThrow(),
            when: pick(["2024-06-23", "2024-06-23T14:30Z", "2024-06-23T14:30+03:00", "2024-02-29T23:59:59.999-05:00",
                        "1999-12-31", "2024-06-23T00:00", "2025-01-01T00:00:00.5Z"]),
            place: line(), lat: position.0, lon: position.1,
            summary: chance(20) ? "" : text(lines: 1...4), killed: figure(), injured: figure())
    }

    mutating func time() -> Timestamp {
        Timestamp(millisecondsSince1970: Int64(number(1_577_836_800_000...1_798_761_600_000)))  // 2020 to 2026
    }

    mutating func export() throws -> ReportExport {
        let author = chance(10) ? "" : analyst()
        let createdAt = time()
        var report = Report(
            id: try ReportID(uuid()).orThrow(),
            title: line(),
            body: chance(15) ? "" : text(lines: 1...25),
            status: pick(Status.allCases),
            tags: Set((0..<number(0...4)).map { _ in pick(["dagestan", "crimea", "кавказ", "día", "2024", "a_b", "x-y", "日本"]) }),
            credibility: chance(25) ? nil : number(1...6),
            sources: try (0..<number(0...3)).map { index in
                Source(id: try ItemID("s\(index)").orThrow(), ref: line(), reliability: chance(25) ? nil : pick(Reliability.allCases))
            },
            events: try (0..<number(0...5)).map { try event($0) },
            deleted: chance(10),
            author: author,
            createdAt: createdAt,
            updatedAt: Timestamp(millisecondsSince1970: createdAt.millisecondsSince1970 + Int64(number(0...10_000_000)))
        )
        report.normalize()
        if chance(40) { try addConflicts(to: &report) }
        var authors = author.isEmpty ? [] : [author]
        for _ in 0..<number(0...2) {
            let other = analyst()
            if !authors.contains(other) { authors.append(other) }
        }
        let heads = try (0..<number(1...2)).map { _ in try Dot(replica: ReplicaID(uuid()).orThrow(), counter: number(1...40)) }
        return ReportExport(report: report, authors: authors, heads: heads)
    }

    /// Conflicts as a merge leaves them: the report shows each one's displayed candidate (the
    /// later one, or the one that keeps something in view).
    mutating func addConflicts(to report: inout Report) throws {
        let shownTime = report.updatedAt
        let earlier = Timestamp(millisecondsSince1970: shownTime.millisecondsSince1970 - 1000)
        func candidates(shown: JSONValue, other: JSONValue) throws -> [Candidate] {
            let replicas = try [ReplicaID(uuid()).orThrow(), ReplicaID(uuid()).orThrow()]
            return [
                Candidate(value: shown, version: Dot(replica: replicas[0], counter: number(1...9)),
                          clock: VectorClock([replicas[0]: 1]), author: analyst(), time: shownTime),
                Candidate(value: other, version: Dot(replica: replicas[1], counter: number(1...9)),
                          clock: VectorClock([replicas[1]: 1]), author: chance(10) ? "" : analyst(), time: earlier),
            ]
        }
        var conflicts: [Conflict] = []
        if chance(50) {
            var other = line()
            if other == report.title { other += " (edited)" }
            conflicts.append(Conflict(field: .title, candidates: try candidates(shown: .string(report.title), other: .string(other))))
        }
        if chance(40) {
            conflicts.append(Conflict(field: .body, candidates: try candidates(shown: .string(report.body), other: .string(report.body + "\n\nAn addition <script>x</script>"))))
        }
        if chance(30) {
            let shown: JSONValue = report.credibility.map { .int(Int64($0)) } ?? .null
            let other: JSONValue = report.credibility == 2 ? .int(5) : .int(2)
            conflicts.append(Conflict(field: .credibility, candidates: try candidates(shown: shown, other: other)))
        }
        if chance(30), !report.deleted {
            conflicts.append(Conflict(field: .deleted, candidates: try candidates(shown: .bool(false), other: .bool(true))))
        }
        if let event = report.events.first {
            if chance(50) {
                conflicts.append(Conflict(field: .eventField(event.id, .place),
                                          candidates: try candidates(shown: .string(event.place), other: .string(event.place + " =x"))))
            }
            if chance(30) {
                conflicts.append(Conflict(field: .event(event.id), candidates: try candidates(shown: .bool(true), other: .bool(false))))
            }
        }
        if let source = report.sources.first, chance(40) {
            let shown: JSONValue = source.reliability.map { .string($0.rawValue) } ?? .null
            conflicts.append(Conflict(field: .sourceField(source.id, .reliability),
                                      candidates: try candidates(shown: shown, other: .string(source.reliability == .a ? "F" : "A"))))
        }
        report.conflicts = conflicts.sorted { $0.field < $1.field }
    }
}

struct MissingValue: Error {}

extension Optional {
    /// The value, or a thrown error (a test's generator never force-unwraps).
    func orThrow() throws -> Wrapped {
        guard let value = self else { throw MissingValue() }
        return value
    }
}
