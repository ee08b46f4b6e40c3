import Foundation
import ReportFormats
import ReportModels
import Testing

/// The sample situation report (Tests/Fixtures/flashpoint-sitrep.md), built by hand to match
/// its front matter, with its narrative read from the fixture: the document reader lives in
/// the CLI target.
enum SampleReport {
    static let fixture = FormatChecker.packageRoot.appendingPathComponent("Tests/Fixtures/flashpoint-sitrep.md")
    static let alice = "Alice Marchetti"
    static let bob = "Bob Okafor"
    static let head = "3f2a9c1b-5d4e-4f60-8a7b-9c0d1e2f3a4b:4"

    /// The narrative: what follows the front matter's closing `---`.
    static func narrative() throws -> String {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let closing = try #require(lines.dropFirst().firstIndex(of: "---"))
        return Report.normalizedBody(lines[(closing + 1)...].joined(separator: "\n"))
    }

    static func report() throws -> Report {
        var report = Report(
            id: try #require(ReportID("0b9f6a52-3c1e-4d2a-9e57-4f1c2d3b5a68")),
            title: "Flashpoint: how the Dagestan attacks and the Sevastopol strike could draw the US and Russia into war",
            body: try narrative(),
            status: .review,
            tags: ["north-caucasus", "dagestan", "crimea", "sevastopol", "escalation", "us-russia"],
            credibility: 3,
            sources: [
                Source(id: try #require(ItemID("s1")), ref: "Russian official casualty statements, Dagestan", reliability: .c),
                Source(id: try #require(ItemID("s2")), ref: "Reports of RQ-4B Global Hawk activity over the Black Sea", reliability: .d),
            ],
            events: [
                Event(id: try #require(ItemID("e1")), when: "2024-06-23", place: "Derbent, Dagestan", lat: 42.06, lon: 48.29,
                      summary: "Gunmen fire near the Church of the Intercession and set the Kele-Numaz synagogue on fire; Archpriest Nikolai Kotelnikov killed."),
                Event(id: try #require(ItemID("e2")), when: "2024-06-23", place: "Makhachkala, Dagestan", lat: 42.98, lon: 47.50,
                      summary: "Attacks on a traffic police post and the Cathedral of the Assumption; figures cover both cities, seven of the dead were police officers; two attackers killed, two suspects detained.",
                      killed: 9, injured: 25),
                Event(id: try #require(ItemID("e3")), when: "2024-06-23", place: "Sevastopol, Crimea", lat: 44.62, lon: 33.52,
                      summary: "ATACMS missiles with cluster warheads strike towards a beach; most are intercepted, falling submunitions and debris cause the casualties and fires.",
                      killed: 3, injured: 124),
            ],
            author: alice,
            createdAt: Timestamp(millisecondsSince1970: 1_719_216_000_000),  // 2024-06-24T08:00:00.000Z
            updatedAt: Timestamp(millisecondsSince1970: 1_719_221_400_250)   // 2024-06-24T09:30:00.250Z
        )
        report.normalize()
        try report.validate()
        return report
    }

    static func export() throws -> ReportExport {
        ReportExport(report: try report(), authors: [alice, bob], heads: [try #require(Dot(head))])
    }
}
