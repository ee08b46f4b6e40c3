import Foundation
import ReportFormats
import ReportModels
import Testing

@Suite("CSV for spreadsheets")
struct CSVFormatTests {
    /// The records Python's csv module reads from the document (after the checker accepts it).
    static func parsed(_ document: String, seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
        let result = try FormatChecker.check(.csv, document, sourceLocation: sourceLocation)
        let valid = result.isValid
        #expect(valid, "\(result.problems)\(seed.map { " (seed \($0))" } ?? "")", sourceLocation: sourceLocation)
        let files = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[[String]]],
                                 sourceLocation: sourceLocation)
        return files.first ?? []
    }

    /// What the spreadsheet must show for text from a report: a leading `'` on what it would
    /// run as a formula.
    static func guarded(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    /// A casualty total as a decimal, however large.
    static func total(_ figures: [Int?]) -> String {
        let known = figures.compactMap { $0 }
        return known.isEmpty ? "" : known.reduce(Decimal(0)) { $0 + Decimal($1) }.description
    }

    static func utc(_ when: String) -> String { Timestamp(iso8601: when)?.description ?? when }

    static func expectedReportRow(_ export: ReportExport) -> [String] {
        let report = export.report
        return [
            report.id.rawValue, guarded(report.title), report.status.rawValue, report.credibility.map(String.init) ?? "",
            guarded(report.tags.sorted().joined(separator: "; ")), guarded(export.authors.joined(separator: "; ")),
            report.createdAt.description, report.updatedAt.description, String(report.events.count),
            total(report.events.map(\.killed)), total(report.events.map(\.injured)),
            report.events.first.map { utc($0.when) } ?? "", report.events.last.map { utc($0.when) } ?? "",
            String(report.conflicts.count),
        ]
    }

    /// One row per event; coordinates as Swift writes them, which ``sameRow(_:_:)`` compares
    /// by value (the CSV has them as plain decimals).
    static func expectedEventRows(_ export: ReportExport) -> [[String]] {
        let report = export.report
        let reliabilities = Reliability.allCases.filter { letter in report.sources.contains { $0.reliability == letter } }
        return report.events.map { event in
            [
                report.id.rawValue, guarded(report.title), event.id.rawValue, utc(event.when), guarded(event.place),
                event.lat.map { "\($0)" } ?? "", event.lon.map { "\($0)" } ?? "",
                event.killed.map(String.init) ?? "", event.injured.map(String.init) ?? "", guarded(event.summary),
                report.credibility.map(String.init) ?? "", reliabilities.map(\.rawValue).joined(separator: "; "),
                report.status.rawValue, report.tags.sorted().joined(separator: "; "),
            ]
        }
    }

    /// Equal rows, the coordinates (columns 5 and 6) as the same number written without an
    /// exponent.
    static func sameRow(_ row: [String], _ wanted: [String]) -> Bool {
        guard row.count == wanted.count else { return false }
        return row.indices.allSatisfy { column in
            guard column == 5 || column == 6, row[0] != "reportId" else { return row[column] == wanted[column] }
            if row[column].isEmpty || wanted[column].isEmpty { return row[column] == wanted[column] }
            return !row[column].contains("e") && Double(row[column]) == Double(wanted[column])
        }
    }

    @Test func theSampleReadsBackAsOneRowPerReportAndPerEvent() throws {
        let sample = try SampleReport.export()
        let reports = try Self.parsed(CSVFormat.reports([sample]))
        #expect(reports == [CSVFormat.reportColumns, Self.expectedReportRow(sample)])
        #expect(reports.last?[9] == "12" && reports.last?[10] == "149", "killed and injured are totals")
        #expect(reports.last?[11] == "2024-06-23" && reports.last?[5] == "Alice Marchetti; Bob Okafor")
        let events = try Self.parsed(CSVFormat.events([sample]))
        let expected = [CSVFormat.eventColumns] + Self.expectedEventRows(sample)
        #expect(events.count == expected.count && zip(events, expected).allSatisfy(Self.sameRow))
        #expect(events[1][4] == "Derbent, Dagestan" && events[1][5] == "42.06" && events[1][6] == "48.29")
    }

    @Test func fieldsAreQuotedAsRFC4180Says() throws {
        let report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000001")),
                            title: "He said \"go\", then left", status: .final)
        let document = CSVFormat.reports([ReportExport(report: report, authors: ["Ann, B."], heads: [])])
        let lines = document.components(separatedBy: "\r\n")
        #expect(lines.count == 3 && lines[2].isEmpty, "every record ends in CRLF, the last one too")
        #expect(lines[1].hasPrefix("00000000-0000-4000-8000-000000000001,\"He said \"\"go\"\", then left\",final,,,\"Ann, B.\","))
        var multiline = report
        multiline.events = [Event(id: try #require(ItemID("e1")), when: "2024-06-23", place: "A", summary: "one\ntwo\r\nthree")]
        let events = try Self.parsed(CSVFormat.events([ReportExport(report: multiline, authors: [], heads: [])]))
        #expect(events[1][9] == "one\ntwo\r\nthree")
    }

    @Test func textThatASpreadsheetWouldRunIsGuardedButNumbersAreNot() throws {
        var report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000002")),
                            title: "=cmd|' /C calc'!A0", tags: ["x"], credibility: 2)
        report.events = [Event(id: try #require(ItemID("e1")), when: "2024-06-23", place: "+44 20 7946 0000", lat: -33.86, lon: -151.2,
                               summary: "@SUM(1+1)", killed: 0, injured: 3)]
        let export = ReportExport(report: report, authors: ["-dash", "\tTab"], heads: [])
        let reports = try Self.parsed(CSVFormat.reports([export]))
        #expect(reports[1][1] == "'=cmd|' /C calc'!A0")
        #expect(reports[1][5] == "'-dash; \tTab")
        let events = try Self.parsed(CSVFormat.events([export]))
        #expect(events[1][1] == "'=cmd|' /C calc'!A0" && events[1][4] == "'+44 20 7946 0000" && events[1][9] == "'@SUM(1+1)")
        #expect(events[1][5] == "-33.86" && events[1][6] == "-151.2", "coordinates stay numbers")
        #expect(!CSVFormat.events([export]).contains("'-33"))
    }

    @Test func coordinatesAreWrittenAsPlainDecimalsAndTotalsPastIntMaxExactly() throws {
        var report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000003")), title: "t")
        report.events = [
            Event(id: try #require(ItemID("e1")), when: "2024-06-23", place: "A", lat: 0.0000001, lon: -0.0, killed: Int.max),
            Event(id: try #require(ItemID("e2")), when: "2024-06-24T10:00+02:00", place: "B", lat: 90, lon: -180, killed: Int.max),
        ]
        let export = ReportExport(report: report, authors: [], heads: [])
        let events = try Self.parsed(CSVFormat.events([export]))
        #expect(events[1][5] == "0.0000001" && events[1][6] == "0")
        #expect(events[2][5] == "90" && events[2][6] == "-180")
        #expect(events[2][3] == "2024-06-24T08:00:00.000Z", "a date-time is written in UTC")
        let reports = try Self.parsed(CSVFormat.reports([export]))
        #expect(reports[1][9] == "18446744073709551614")
        #expect(reports[1][11] == "2024-06-23" && reports[1][12] == "2024-06-24T08:00:00.000Z")
    }

    @Test func aRandomizedCorpusReadsBackFieldForField() throws {
        let seed = Corpus.seed()
        print("CSV corpus: seed \(seed) (replay with FIELDNOTES_SEED=\(seed))")
        let corpus = try Corpus.exports(seed: seed, count: 40)
        for export in corpus { try export.report.validate() }
        let reports = try Self.parsed(CSVFormat.reports(corpus), seed: seed)
        #expect(reports == [CSVFormat.reportColumns] + corpus.map(Self.expectedReportRow), "seed \(seed)")
        let events = try Self.parsed(CSVFormat.events(corpus), seed: seed)
        let expected = [CSVFormat.eventColumns] + corpus.flatMap(Self.expectedEventRows)
        #expect(events.count == expected.count, "seed \(seed)")
        for (row, wanted) in zip(events, expected) where !Self.sameRow(row, wanted) {
            Issue.record("seed \(seed): read \(row), wanted \(wanted)")
        }
    }
}
