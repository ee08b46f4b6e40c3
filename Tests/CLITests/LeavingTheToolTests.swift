import Foundation
import Testing

/// `list`'s filters on events, `timeline`, and the shapes reports leave fieldnotes in,
/// through the real binary (CLI.md "Leaving the tool", DESIGN.md section 12).
@Suite("Leaving the tool")
struct LeavingTheToolTests {
    typealias Object = [String: Any]

    /// Three reports: June in Dagestan, a date-time late on 30 June in Crimea, and July in Kyiv.
    func threeReports(_ sandbox: Sandbox) throws -> (june: String, lateJune: String, july: String) {
        let june = try sandbox.add(document: """
            ---
            title: Derbent attack
            tags: [dagestan]
            events:
              - id: e1
                when: 2024-06-23
                place: Derbent, Dagestan
                lat: 42.06
                lon: 48.29
                killed: 9
            ---
            Churches attacked.
            """)
        let lateJune = try sandbox.add(document: """
            ---
            title: Strike on Sevastopol
            tags: [crimea]
            events:
              - id: e1
                when: 2024-06-30T23:30Z
                place: Sévastopol, Crimea
                injured: 124
            ---
            """)
        let july = try sandbox.add(document: """
            ---
            title: Kyiv hospital
            events:
              - id: e1
                when: 2024-07-08T10:40+03:00
                place: Kyiv
              - id: e2
                when: 2024-05-01
                place: Kharkiv
            ---
            """)
        return (june, lateJune, july)
    }

    /// A JSON value as text with sorted keys, to compare two without their keys' order.
    func canonical(_ value: Any?) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    func ids(_ sandbox: Sandbox, _ arguments: [String]) throws -> [String] {
        try #require(try sandbox.json(arguments) as? [Object]).compactMap { $0["id"] as? String }
    }

    @Test func listKeepsReportsWithAnEventInTheRangeOrPlaceAsked() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let (june, lateJune, july) = try threeReports(sandbox)
        // A date bound is its whole day: 30 June ends at midnight, so 23:30 is in June.
        #expect(Set(try ids(sandbox, ["list", "--since", "2024-06-01", "--until", "2024-06-30"])) == [june, lateJune])
        #expect(Set(try ids(sandbox, ["list", "--until", "2024-06-23"])) == [june, july])  // July's report has a May event
        #expect(Set(try ids(sandbox, ["list", "--since", "2024-06-30T23:31Z"])) == [july])
        #expect(Set(try ids(sandbox, ["list", "--since", "2024-07-08T07:40Z", "--until", "2024-07-08T07:40Z"])) == [july])
        // Place: part of the name, without case or accents.
        #expect(try ids(sandbox, ["list", "--place", "dagestan"]) == [june])
        #expect(try ids(sandbox, ["list", "--place", "SEVASTOPOL"]) == [lateJune])
        // One event must meet every event condition: Kharkiv is in May, not June.
        #expect(try ids(sandbox, ["list", "--place", "kharkiv", "--since", "2024-06-01"]).isEmpty)
        // The limit counts reports after the event conditions.
        #expect(try ids(sandbox, ["list", "--since", "2024-06-01", "--limit", "1"]).count == 1)
        // The table shows the same reports.
        let table = try sandbox.ok(["list", "--place", "dagestan"])
        #expect(table.contains("Derbent attack") && !table.contains("Kyiv"))
    }

    @Test func aBadTimeOrAnEmptyRangeIsRefused() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try threeReports(sandbox)
        let month = try sandbox.refused(["list", "--since", "2024-13-01"])
        #expect(month.contains("--since") && month.contains("2024-13-01") && month.contains("date"))
        let backwards = try sandbox.refused(["timeline", "--since", "2024-07-01", "--until", "2024-06-01"])
        #expect(backwards.contains("--until"))
        #expect(try sandbox.refused(["list", "--place", "  "]).contains("--place"))
    }

    @Test func theTimelineListsEveryMatchingEventInTheOrderItHappened() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let (june, lateJune, july) = try threeReports(sandbox)
        let entries = try #require(try sandbox.json(["timeline"]) as? [Object])
        let events = entries.compactMap { $0["event"] as? Object }
        #expect(events.compactMap { $0["place"] as? String } == ["Kharkiv", "Derbent, Dagestan", "Sévastopol, Crimea", "Kyiv"])
        #expect(entries.compactMap { $0["report"] as? String } == [july, june, lateJune, july])
        #expect(entries.compactMap { $0["title"] as? String }.first == "Kyiv hospital")
        #expect(events[1]["killed"] as? Int == 9)

        // The filters choose events, not whole reports: Kharkiv is not in June.
        let juneOnly = try #require(try sandbox.json(["timeline", "--since", "2024-06-01"]) as? [Object])
        #expect(juneOnly.compactMap { ($0["event"] as? Object)?["place"] as? String } == ["Derbent, Dagestan", "Sévastopol, Crimea", "Kyiv"])
        #expect(try #require(try sandbox.json(["timeline", "--tag", "crimea"]) as? [Object]).count == 1)
        #expect(try #require(try sandbox.json(["timeline", "--limit", "2"]) as? [Object]).count == 2)

        // People read a date, a place, the casualties and the report's title, one line each.
        let lines = try sandbox.ok(["timeline"]).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("2024-06-23") && lines[1].contains("Derbent, Dagestan") && lines[1].contains("9 killed")
            && lines[1].contains("Derbent attack") && lines[1].contains(String(june.prefix(8))))
        #expect(lines[2].contains("124 injured"))

        // A narrow terminal gives the title a line of its own; piped, no place is cut.
        let narrow = try sandbox.ok(["timeline"], environment: ["COLUMNS": "40"]).split(separator: "\n").map(String.init)
        #expect(narrow.allSatisfy { $0.count <= 40 }, "\(narrow)")
        #expect(narrow.filter { $0.hasPrefix("  ") && $0.hasSuffix(String(june.prefix(8))) } == ["  Derbent attack  \(june.prefix(8))"], "\(narrow)")
        #expect(narrow.contains("2024-06-23  Derbent, Dagestan  9 killed"), "\(narrow)")
        let longPlace = try sandbox.add(document: "---\ntitle: Far\nevents:\n  - when: 2025-01-01\n    place: \(String(repeating: "Long place name ", count: 4))end\n---\n")
        #expect(try sandbox.ok(["timeline", "--since", "2025-01-01"]).contains("Long place name end  "), "\(longPlace)")

        let none = try sandbox.run(["timeline", "--place", "Atlantis"])
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("No events match"))
    }

    @Test func markdownDocumentsComeOutOneAfterAnotherAndEachReadsBack() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try threeReports(sandbox)
        let sample = try sandbox.addSample()
        let before = try #require(try sandbox.json(["list"]) as? [Object])
        let text = try sandbox.ok(["list", "--format", "md"])
        let separator = "<!-- fieldnotes: next report -->\n"
        let pieces = text.components(separatedBy: separator)
        #expect(pieces.count == 4)
        #expect(pieces.allSatisfy { $0.hasPrefix("---\n") })
        #expect(pieces.first == (try sandbox.ok(["show", sample, "--format", "md"])))

        // Each piece, added to another store, is the same report (newest first, as list).
        let other = sandbox.folder.appending(path: "other")
        try sandbox.initialize(analyst: "bob", at: other)
        for piece in pieces.reversed() {
            try sandbox.ok(["add", "--from", "-", "--store", other.path], stdin: piece)
        }
        let after = try #require(try sandbox.json(["list", "--store", other.path]) as? [Object])
        let fields = ["title", "body", "status", "tags", "credibility", "sources", "events"]
        for (old, new) in zip(before, after) {
            for field in fields {
                #expect(try canonical(old[field]) == canonical(new[field]), "\(field)")
            }
        }
    }
}
