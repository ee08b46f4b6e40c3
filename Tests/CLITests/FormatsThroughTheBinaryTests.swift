import Foundation
import ReportModels
import Testing

/// Every shape `list` and `show` write, from the real binary, read by the real reader of that
/// format (`Scripts/check-format`: OASIS's stix2-validator, the geojson package, Python's csv
/// module, html.parser): the sample report, a team's conflicted report, and a seeded corpus.
@Suite("Formats others read, from the binary")
struct FormatsThroughTheBinaryTests {
    typealias Object = [String: Any]

    func object(_ text: String) throws -> Object {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? Object)
    }

    @discardableResult
    func expectValid(_ kind: FormatChecker.Kind, _ document: String, _ context: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> FormatChecker.Result {
        let result = try FormatChecker.check(kind, document, sourceLocation: sourceLocation)
        #expect(result.isValid, "\(kind) \(context): \(result.problems)", sourceLocation: sourceLocation)
        return result
    }

    func records(_ result: FormatChecker.Result) throws -> [[String]] {
        // The checker prints each file's records; one file was checked.
        try #require((try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[[String]]])?.first)
    }

    @Test func theSampleReportMapsAsPointsAndPassesEveryReader() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        _ = try sandbox.add(document: "---\ntitle: Elsewhere\ntags: [kyiv]\nevents:\n  - when: 2024-07-08\n    place: Kyiv\n---\n")

        // `fieldnotes list --tag dagestan --format geojson > events.geojson`
        let map = try sandbox.run(["list", "--tag", "dagestan", "--format", "geojson"])
        #expect(map.status == 0 && map.stderr.isEmpty)
        try expectValid(.geojson, map.stdout)
        let features = try #require(try object(map.stdout)["features"] as? [Object])
        let points = features.compactMap { ($0["geometry"] as? Object)?["coordinates"] as? [Double] }
        #expect(points == [[48.29, 42.06], [47.5, 42.98], [33.52, 44.62]])  // longitude first
        let first = try #require(features.first?["properties"] as? Object)
        #expect(first["reportId"] as? String == id && first["eventId"] as? String == "e1" && first["place"] as? String == "Derbent, Dagestan")

        // The event without coordinates is counted on stderr, not dropped silently.
        let kyiv = try sandbox.run(["list", "--tag", "kyiv", "--format", "geojson"])
        #expect(kyiv.status == 0 && kyiv.stderr == "1 event without coordinates is not on the map\n")
        try expectValid(.geojson, kyiv.stdout)

        let stix = try sandbox.ok(["list", "--format", "stix"])
        try expectValid(.stix, stix)
        let objects = try #require(try object(stix)["objects"] as? [Object])
        let report = try #require(objects.first { $0["type"] as? String == "report" && $0["name"] as? String != "Elsewhere" })
        #expect((report["labels"] as? [String])?.contains("admiralty:credibility=3") == true)
        #expect((report["labels"] as? [String])?.contains("admiralty:reliability=C") == true)
        #expect(objects.filter { $0["type"] as? String == "location" }.count == 3)
        // Exporting again gives the same ids, so MISP and OpenCTI update rather than duplicate.
        #expect(try sandbox.ok(["list", "--format", "stix"]) == stix)

        let rows = try records(try expectValid(.csv, try sandbox.ok(["list", "--format", "csv"])))
        #expect(rows.count == 3 && rows[0].first == "id")
        let sampleRow = try #require(rows.first { $0.first == id })
        #expect(sampleRow.contains("review") && sampleRow.contains("alice") && sampleRow.contains("12") && sampleRow.contains("149"))

        // One row per event, of the events asked for: the sample's three on 23 June.
        let perEvent = try expectValid(.csv, try sandbox.ok(["list", "--format", "csv", "--events", "--until", "2024-06-30"]))
        #expect(try records(perEvent).count == 4)

        let page = try sandbox.ok(["show", String(id.prefix(8)), "--format", "html"])
        try expectValid(.html, page)
        #expect(page.contains("Flashpoint: how the Dagestan attacks") && page.contains("@media print"))
        #expect(!page.contains("<script") && !page.contains("src="))
    }

    @Test func aConflictedReportShowsEveryCandidateOnItsPageAndStaysValidElsewhere() throws {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "title=Alice's <b>title</b>"])
        try team.ok("bob", ["set", team.id, "title=Bob's title"])
        try team.syncAll(["alice", "bob"])
        let page = try team.ok("alice", ["show", team.id, "--format", "html"])
        try expectValid(.html, page)
        #expect(page.contains("&lt;b&gt;title&lt;/b&gt;") && !page.contains("<b>title"))
        #expect(page.contains("Bob&#39;s title") || page.contains("Bob's title"))
        for kind in [FormatChecker.Kind.stix, .geojson, .csv] {
            try expectValid(kind, try team.ok("alice", ["list", "--format", kind.rawValue]))
        }
        // The page of the report as it was first written has neither title.
        let first = try team.ok("alice", ["show", team.id, "--format", "html", "--at", String(try team.replica("alice").prefix(8)) + ":1"])
        try expectValid(.html, first)
        #expect(!first.contains("title&lt;/b&gt;") && !first.contains("Bob&#39;s title") && !first.contains("Bob's title"))
        // Its footer names only the analysts who had written it then.
        #expect(first.contains("alice") && !first.contains("bob"))
        #expect(page.contains("bob"))
    }

    /// Reports made of hostile text (quotes, commas, line breaks, markup, formulas, controls,
    /// right-to-left text, emoji) and extreme coordinates, through `add --from` and out
    /// through every shape.
    @Test func aSeededCorpusPassesEveryReader() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["FIELDNOTES_SEED"] ?? "") ?? UInt64.random(in: 0..<UInt64(UInt32.max))
        let context = "(seed \(seed); FIELDNOTES_SEED=\(seed) replays it)"
        var random = SeededGenerator(state: seed)
        let pieces = ["plain", "comma, here", "\"quoted\"", "line\nbreak", "<script>alert(1)</script>", "=cmd|' /C calc'!A0",
                      "+1", "@sum", "عربى", "emoji 🛰️", "tab\there", "url(http://x.invalid)", "src=x", "a & b", "*em* **strong** `code`"]
        func text() -> String {
            (0..<Int.random(in: 1...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined(separator: " ")
        }
        func quoted(_ text: String) -> String { JSONValue.string(text).canonicalString }
        /// A one-line field (a title, a place, a source): no line breaks or tabs, which are refused.
        func line() -> String { text().replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ") }
        let sandbox = try Sandbox()
        try sandbox.initialize(analyst: "Dana \"D\" O'Neil, jr.")
        for index in 0..<12 {
            var document = ["---", "title: \(quoted("\(index) " + line()))",
                            "status: \(["draft", "review", "final", "archived"].randomElement(using: &random)!)",
                            "tags: [t\(index % 3)]", "credibility: \(Int.random(in: 1...6, using: &random))"]
            let sources = (0..<Int.random(in: 0...2, using: &random)).flatMap { _ in
                ["  - ref: \(quoted(line()))",
                 "    reliability: \(["A", "B", "C", "D", "E", "F"].randomElement(using: &random)!)"]
            }
            if !sources.isEmpty { document += ["sources:"] + sources }
            var events: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                events += ["  - when: 2024-0\(Int.random(in: 1...9, using: &random))-1\(Int.random(in: 0...9, using: &random))",
                           "    place: \(quoted(line()))",
                           "    summary: \(quoted(text()))"]
                if Bool.random(using: &random) {
                    events += ["    lat: \([-90, 90, 0, 42.06].randomElement(using: &random)!)",
                               "    lon: \([-180, 180, 0, -0.5].randomElement(using: &random)!)",
                               "    killed: \(Int.random(in: 0...1000, using: &random))"]
                }
            }
            if !events.isEmpty { document += ["events:"] + events }
            document += ["---", text()]
            _ = try sandbox.add(document: document.joined(separator: "\n") + "\n")
        }
        try expectValid(.stix, try sandbox.ok(["list", "--format", "stix"]), context)
        try expectValid(.geojson, try sandbox.ok(["list", "--format", "geojson"]), context)
        let csv = try expectValid(.csv, try sandbox.ok(["list", "--format", "csv"]), context)
        #expect(try records(csv).count == 13, "\(context)")
        try expectValid(.csv, try sandbox.ok(["list", "--format", "csv", "--events"]), context)
        for summary in try #require(try sandbox.json(["list"]) as? [Object]) {
            let id = try #require(summary["id"] as? String)
            try expectValid(.html, try sandbox.ok(["show", id, "--format", "html"]), context)
        }
    }

    @Test func eventsGoOnlyWithCSV() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let result = try sandbox.run(["list", "--format", "geojson", "--events"])
        #expect(result.status != 0 && result.stderr.contains("--events goes with --format csv"))
    }
}
