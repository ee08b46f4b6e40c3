import Foundation
import Testing

/// The sample situation report (`Tests/Fixtures`, copied from shared/samples) through the
/// real binary: every field survives `add --from`, `show --json` and `show --format md`.
@Suite("The sample report, end to end")
struct SampleReportTests {
    typealias Object = [String: Any]

    func report(_ sandbox: Sandbox, _ id: String) throws -> Object {
        try #require(try sandbox.json(["show", id]) as? Object)
    }

    /// What the sample says, field by field, written out independently of the parser.
    func expectSampleFields(_ report: Object, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(report["title"] as? String == "Flashpoint: how the Dagestan attacks and the Sevastopol strike could draw the US and Russia into war", sourceLocation: sourceLocation)
        #expect(report["status"] as? String == "review", sourceLocation: sourceLocation)
        #expect(report["tags"] as? [String] == ["crimea", "dagestan", "escalation", "north-caucasus", "sevastopol", "us-russia"], sourceLocation: sourceLocation)
        #expect(report["credibility"] as? Int == 3, sourceLocation: sourceLocation)
        let sources = try #require(report["sources"] as? [Object])
        #expect(sources.map { $0["id"] as? String } == ["s1", "s2"], sourceLocation: sourceLocation)
        #expect(sources.map { $0["ref"] as? String } == ["Russian official casualty statements, Dagestan", "Reports of RQ-4B Global Hawk activity over the Black Sea"], sourceLocation: sourceLocation)
        #expect(sources.map { $0["reliability"] as? String } == ["C", "D"], sourceLocation: sourceLocation)
        let events = try #require(report["events"] as? [Object])
        #expect(events.map { $0["id"] as? String } == ["e1", "e2", "e3"], sourceLocation: sourceLocation)
        #expect(events.map { $0["when"] as? String } == ["2024-06-23", "2024-06-23", "2024-06-23"], sourceLocation: sourceLocation)
        #expect(events.map { $0["place"] as? String } == ["Derbent, Dagestan", "Makhachkala, Dagestan", "Sevastopol, Crimea"], sourceLocation: sourceLocation)
        #expect(events.map { $0["lat"] as? Double } == [42.06, 42.98, 44.62], sourceLocation: sourceLocation)
        #expect(events.map { $0["lon"] as? Double } == [48.29, 47.5, 33.52], sourceLocation: sourceLocation)
        #expect(events.map { $0["killed"] as? Int } == [nil, 9, 3], sourceLocation: sourceLocation)
        #expect(events.map { $0["injured"] as? Int } == [nil, 25, 124], sourceLocation: sourceLocation)
        #expect(events[0]["killed"] is NSNull, sourceLocation: sourceLocation)
        #expect((events[0]["summary"] as? String)?.hasPrefix("Gunmen fire near the Church of the Intercession") == true, sourceLocation: sourceLocation)
        #expect((events[2]["summary"] as? String)?.hasSuffix("cause the casualties and fires.") == true, sourceLocation: sourceLocation)
        let body = try #require(report["body"] as? String)
        #expect(body.hasPrefix("## Key points\n\n- Near-simultaneous attacks"), sourceLocation: sourceLocation)
        #expect(body.hasSuffix("Russian statements naming the US."), sourceLocation: sourceLocation)
        #expect(body.contains("\n\n## Assessment\n\n"), sourceLocation: sourceLocation)
    }

    @Test func everyFieldRoundTripsThroughShowJSON() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let report = try report(sandbox, id)
        try expectSampleFields(report)
        #expect(report["id"] as? String == id)
        #expect(report["deleted"] as? Bool == false)
        #expect(report["author"] as? String == "alice")
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
        #expect((report["clock"] as? [String: Int])?.values.sorted() == [1])
        try sandbox.verify()
    }

    @Test func showFormatMarkdownReadsBackAsTheSameReport() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let markdown = try sandbox.ok(["show", id, "--format", "md"])
        #expect(markdown.hasPrefix("---\ntitle: \"Flashpoint: how the Dagestan"))
        let copy = try sandbox.add(document: markdown)
        #expect(copy != id)
        try expectSampleFields(try report(sandbox, copy))
        #expect(try sandbox.ok(["show", copy, "--format", "md"]) == markdown)
        // The layout follows the sample's: only the order of tags (a set, shown sorted) and
        // the spelling of one number differ.
        let sample = try String(contentsOf: Sandbox.fixtures.appending(path: "flashpoint-sitrep.md"), encoding: .utf8)
        #expect(markdown == sample
            .replacingOccurrences(of: "47.50", with: "47.5")
            .replacingOccurrences(of: "[north-caucasus, dagestan, crimea, sevastopol, escalation, us-russia]",
                                  with: "[crimea, dagestan, escalation, north-caucasus, sevastopol, us-russia]"))
        try sandbox.verify()
    }

    @Test func thePlainTextReportIsImportedWithItsFirstLineAsTitle() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.ok(["add", "--from", Sandbox.fixtures.appending(path: "flashpoint-sitrep.txt").path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let report = try report(sandbox, id)
        #expect(report["title"] as? String == "top of page")
        let body = try #require(report["body"] as? String)
        #expect(body.hasPrefix("Flashpoint: How Recent Attacks Could Spark a US-Russia War\n\nRecent militant attacks"))
        #expect(body.hasSuffix("bottom of page"))
        #expect(report["status"] as? String == "draft")
        try sandbox.verify()
    }

    @Test func searchFindsBothFormsOfTheReport() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let markdown = try sandbox.addSample()
        let text = try sandbox.ok(["add", "--from", Sandbox.fixtures.appending(path: "flashpoint-sitrep.txt").path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let synagogue = try #require(try sandbox.json(["search", "synagogue"]) as? [Object])
        #expect(Set(synagogue.compactMap { $0["id"] as? String }) == [markdown, text])
        #expect(synagogue.allSatisfy { ($0["snippet"] as? String)?.lowercased().contains("**synagogue**") == true })
        #expect(synagogue.allSatisfy { $0["rank"] is Double && $0["title"] is String })
        let sevastopol = try #require(try sandbox.json(["search", "Sevastopol"]) as? [Object])
        #expect(Set(sevastopol.compactMap { $0["id"] as? String }) == [markdown, text])
        // Places and source references are searched too.
        #expect((try sandbox.json(["search", "Makhachkala"]) as? [Object])?.first?["id"] as? String == markdown)
        #expect((try sandbox.json(["search", "Global", "Hawk"]) as? [Object])?.compactMap { $0["id"] as? String }.contains(markdown) == true)
        let human = try sandbox.ok(["search", "synagogue"])
        #expect(human.contains(String(markdown.prefix(8))))
        try sandbox.verify()
    }

    @Test func theHumanViewFitsAnEightyColumnTerminal() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        for command in [["show", id], ["list"], ["log", id], ["search", "Sevastopol"], ["status"]] {
            let output = try sandbox.ok(command, environment: ["COLUMNS": "80"])
            #expect(!output.isEmpty)
            for line in output.split(separator: "\n") {
                #expect(line.count <= 80, "\(command[0]): \(line)")
            }
        }
    }
}
