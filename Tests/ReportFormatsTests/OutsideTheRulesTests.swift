import Foundation
import ReportFormats
import ReportModels
import Testing

/// A store only holds reports that pass `Report.validate()`, but the formats are public
/// functions: a report built by hand outside the rules must not crash an export, nor make a
/// document its reader refuses.
@Suite("Reports outside the rules")
struct OutsideTheRulesTests {
    static func reports() throws -> [ReportExport] {
        let replica = try #require(ReplicaID("33333333-3333-4333-8333-333333333333"))
        var odd = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000040")),
                         title: "", body: "\u{0}\u{1B}[31mred\u{7F}\u{85}\r\n\u{2028}end", credibility: 9,
                         author: "\u{1B}]0;title\u{7}", createdAt: Timestamp(millisecondsSince1970: 2_000_000_000_000),
                         updatedAt: Timestamp(millisecondsSince1970: 1_000_000_000_000))
        odd.tags = ["=x", "Upper Case"]
        odd.sources = [Source(id: try #require(ItemID("s1")), ref: "")]
        odd.events = [
            Event(id: try #require(ItemID("e1")), when: "not a date", place: "", lat: .nan, lon: .infinity, summary: "\u{1}", killed: -5),
            Event(id: try #require(ItemID("e2")), when: "2024-13-45", place: "x", lat: 1e300, lon: -1e300, injured: Int.min),
            Event(id: try #require(ItemID("e3")), when: "2024-06-23", place: "ok", lat: -0.0, lon: .leastNonzeroMagnitude),
        ]
        odd.conflicts = [
            Conflict(field: .title, candidates: []),
            Conflict(field: .eventField(try #require(ItemID("e9")), .place),
                     candidates: [Candidate(value: .double(.nan), version: Dot(replica: replica, counter: 1), clock: VectorClock(),
                                            author: "", time: Timestamp(millisecondsSince1970: -1))]),
        ]
        return [ReportExport(report: odd, authors: ["", "\u{0}"], heads: [])]
    }

    @Test func everyFormatStillGivesADocumentItsReaderAccepts() throws {
        let exports = try Self.reports()
        for (kind, document) in [(FormatChecker.Kind.csv, CSVFormat.reports(exports)), (.csv, CSVFormat.events(exports)),
                                 (.geojson, GeoJSONFormat.featureCollection(exports).document),
                                 (.stix, STIXFormat.bundle(exports)), (.html, HTMLFormat.page(exports[0]))] {
            let result = try FormatChecker.check(kind, document)
            let valid = result.isValid
            #expect(valid, "\(kind): \(result.problems)")
        }
        #expect(GeoJSONFormat.featureCollection(exports).withoutCoordinates == 2)
        #expect(!Markdown.blocks(exports[0].report.body).isEmpty)
    }
}
