import Foundation
import ReportFormats
import ReportModels
import Testing

@Suite("A printable HTML page")
struct HTMLFormatTests {
    /// Checks the pages with html.parser and the loading rules; records what is wrong.
    static func expectValid(_ pages: [String], seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try FormatChecker.check(.html, pages, sourceLocation: sourceLocation)
        let valid = result.isValid
        #expect(valid, "\(result.problems)\(seed.map { " (seed \($0))" } ?? "")", sourceLocation: sourceLocation)
        for page in pages {
            let lowered = page.lowercased()
            for loader in ["<script", "src=", "<link", "url(", "@import", "<img", "<iframe"] {
                #expect(!lowered.contains(loader), "the page holds \(loader)\(seed.map { " (seed \($0))" } ?? "")", sourceLocation: sourceLocation)
            }
        }
    }

    /// Text as the page must show it: markup characters (and `=`, `(`, `@`) as references;
    /// controls, bidirectional embeddings, overrides and isolates, and noncharacters as `\u{…}`.
    static func escaped(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "=": output += "&#61;"
            case "(": output += "&#40;"
            case "@": output += "&#64;"
            default:
                let value = scalar.value
                let shownEscaped = (value < 0x20 && value != 0x09 && value != 0x0A) || (0x7F...0x9F).contains(value)
                    || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) || (0xFDD0...0xFDEF).contains(value)
                output += shownEscaped ? "\\u{\(String(value, radix: 16, uppercase: true))}" : String(scalar)
            }
        }
        return output
    }

    @Test func theSamplePageHasEverythingAReaderNeeds() throws {
        let sample = try SampleReport.export()
        let page = HTMLFormat.page(sample)
        try Self.expectValid([page])
        #expect(page.hasPrefix("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">"))
        #expect(page.contains("<title>Flashpoint: how the Dagestan attacks and the Sevastopol strike could draw the US and Russia into war</title>"))
        #expect(page.contains("<dt>Status</dt><dd>review</dd>") && page.contains("<dt>Credibility</dt><dd>3 — possibly true</dd>"))
        #expect(page.contains("<span class=\"tag\">dagestan</span>"))
        // The narrative rendered: headings under the title's, the key points a list, each point one paragraph.
        #expect(page.contains("<h3 dir=\"auto\">Key points</h3>"))
        #expect(page.contains("<li dir=\"auto\">Near-simultaneous attacks in two Dagestani cities on an Orthodox holiday, against churches, a synagogue and police, point to planning and outside support.</li>"))
        #expect(page.contains("<td dir=\"auto\">Makhachkala, Dagestan</td><td class=\"nowrap\">42.98, 47.5</td><td class=\"number\" dir=\"auto\">9</td><td class=\"number\" dir=\"auto\">25</td>"))
        #expect(page.contains("<td>C — fairly reliable</td>") && page.contains("<td>D — not usually reliable</td>"))
        #expect(page.contains("Version: <code>\(SampleReport.head)</code>"))
        #expect(page.contains("Written by Alice Marchetti, Bob Okafor."))
        #expect(page.contains("<time datetime=\"2024-06-24T09:30:00.250Z\">2024-06-24 09:30 UTC</time>"))
        #expect(!page.contains("conflict-mark\">") && !page.contains("banner deleted"))
        // Printable: a print stylesheet that drops backgrounds, keeps rows whole and prints link targets.
        #expect(page.contains("@media print") && page.contains("background: none !important"))
        #expect(page.contains("break-inside: avoid") && page.contains("a[href]::after { content: \" <\" attr(href) \">\""))
        #expect(page == HTMLFormat.page(sample), "the same report gives the same bytes")
    }

    @Test func everyTextFromTheReportIsEscaped() throws {
        var report = try SampleReport.report()
        report.title = "</title><script>alert(1)</script>"
        report.body = "<script>alert('x')</script>\n\n[click](javascript:alert(1)) and [site](https://example.org/a?b=1&c=2) <img src=x onerror=alert(1)>\n\n@import url(//evil.example/x.css)"
        report.events[0].place = "<b onmouseover=alert(1)>Derbent</b>"
        report.sources[0] = Source(id: report.sources[0].id, ref: "\"><svg onload=alert(1)>", reliability: .a)
        report.tags = ["x"]
        let page = HTMLFormat.page(ReportExport(report: report, authors: ["<i>Eve</i>"], heads: []))
        try Self.expectValid([page])
        #expect(page.contains("<title>&lt;/title&gt;&lt;script&gt;alert&#40;1)&lt;/script&gt;</title>"))
        #expect(page.contains("<p dir=\"auto\">&lt;script&gt;alert&#40;&#39;x&#39;)&lt;/script&gt;</p>"))
        #expect(page.contains("click (javascript:alert&#40;1))"), "a link that is not http, https or mailto is text")
        #expect(page.contains("<a href=\"https://example.org/a?b&#61;1&amp;c&#61;2\">site</a>"))
        #expect(page.contains(Self.escaped("<b onmouseover=alert(1)>Derbent</b>")))
        #expect(page.contains(Self.escaped("\"><svg onload=alert(1)>")))
        #expect(page.contains("Written by Alice Marchetti, &lt;i&gt;Eve&lt;/i&gt;."))
        #expect(!page.contains("<svg") && !page.contains("<b ") && !page.contains("<i>"))
    }

    @Test func controlAndBidirectionalCharactersAreShownNotObeyed() throws {
        var report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000030")),
                            title: "Invoice \u{202E}fdp.exe\u{1B}[2J", body: "Line\u{7}bell \u{2066}isolated\u{2069}")
        report.events = [Event(id: try #require(ItemID("e1")), when: "2024-06-23", place: "مرحبا \u{202B}x", summary: "a\u{0}b")]
        let page = HTMLFormat.page(ReportExport(report: report, authors: [], heads: []))
        try Self.expectValid([page])
        #expect(page.contains("Invoice \\u{202E}fdp.exe\\u{1B}[2J"))
        #expect(page.contains("Line\\u{7}bell \\u{2066}isolated\\u{2069}") && page.contains("a\\u{0}b"))
        #expect(page.contains("مرحبا \\u{202B}x"), "right-to-left letters stay; the embedding is shown")
    }

    @Test func openConflictsAreShownWithEveryCandidateNeverHidden() throws {
        var report = try SampleReport.report()
        let (alice, bob) = (try #require(ReplicaID("11111111-1111-4111-8111-111111111111")),
                            try #require(ReplicaID("22222222-2222-4222-8222-222222222222")))
        func candidates(_ shown: JSONValue, _ other: JSONValue) -> [Candidate] {
            [Candidate(value: shown, version: Dot(replica: alice, counter: 3), clock: VectorClock([alice: 3]), author: SampleReport.alice,
                       time: Timestamp(millisecondsSince1970: 1_719_221_400_000)),
             Candidate(value: other, version: Dot(replica: bob, counter: 2), clock: VectorClock([bob: 2]), author: SampleReport.bob,
                       time: Timestamp(millisecondsSince1970: 1_719_220_000_000))]
        }
        let e2 = try #require(ItemID("e2"))
        let s1 = try #require(ItemID("s1"))
        report.conflicts = [
            Conflict(field: .body, candidates: candidates(.string(report.body), .string("Bob's <narrative>"))),
            Conflict(field: .credibility, candidates: candidates(.int(3), .int(2))),
            Conflict(field: .deleted, candidates: candidates(.bool(false), .bool(true))),
            Conflict(field: .event(e2), candidates: candidates(.bool(true), .bool(false))),
            Conflict(field: .eventField(e2, .killed), candidates: candidates(.int(9), .null)),
            Conflict(field: .sourceField(s1, .reliability), candidates: candidates(.string("C"), .string("B"))),
            Conflict(field: .title, candidates: candidates(.string(report.title), .string("Flashpoint"))),
        ].sorted { $0.field < $1.field }
        try report.validate()
        let page = HTMLFormat.page(ReportExport(report: report, authors: [SampleReport.alice, SampleReport.bob],
                                                heads: [Dot(replica: alice, counter: 3), Dot(replica: bob, counter: 2)]))
        try Self.expectValid([page])
        #expect(page.contains("7 open conflicts"))
        #expect(page.contains("draw the US and Russia into war <span class=\"conflict-mark\">⚠ conflict</span></h1>"))
        #expect(page.contains("<dd>3 — possibly true <span class=\"conflict-mark\">⚠ conflict</span></dd>"))
        #expect(page.contains("Deleted on one replica while edited on another"))
        #expect(page.contains("The narrative is in conflict"))
        #expect(page.contains("<td class=\"number\" dir=\"auto\">9 <span class=\"conflict-mark\">⚠ conflict</span></td>"))
        #expect(page.contains("<code>e2</code> <span class=\"conflict-mark\">⚠ removed on one replica, edited on another</span>"))
        #expect(page.contains("<td>C — fairly reliable <span class=\"conflict-mark\">⚠ conflict</span></td>"))
        // The section lists every candidate: value, author, version.
        let section = try #require(page.components(separatedBy: "<h2>Open conflicts</h2>").last?.components(separatedBy: "<footer>").first)
        for field in ["body", "credibility", "deleted", "events.e2", "events.e2.killed", "sources.s1.reliability", "title"] {
            #expect(section.contains("<h3><code>\(field)</code>"), "\(field)")
        }
        #expect(section.contains("<pre class=\"candidate\">Bob&#39;s &lt;narrative&gt;</pre>"))
        #expect(section.contains("<td dir=\"auto\">Flashpoint</td>") && section.contains("<td dir=\"auto\">(none)</td>"))
        #expect(section.contains("<td dir=\"auto\">deleted</td>") && section.contains("<td dir=\"auto\">removed</td>"))
        #expect(section.components(separatedBy: "<code>\(alice.rawValue):3</code>").count - 1 == 7)
        #expect(section.components(separatedBy: "<code>\(bob.rawValue):2</code>").count - 1 == 7)
        #expect(section.components(separatedBy: "(shown)").count - 1 == 7, "one shown candidate per conflict")
        #expect(section.contains("<h3><code>events.e2.killed</code> — event e2, Makhachkala, Dagestan</h3>"))
        #expect(page.contains("Head versions, not yet merged: <code>\(alice.rawValue):3</code>, <code>\(bob.rawValue):2</code>"))
    }

    @Test func aDeletedReportSaysSo() throws {
        var report = try SampleReport.report()
        report.deleted = true
        let page = HTMLFormat.page(ReportExport(report: report, authors: [], heads: []))
        try Self.expectValid([page])
        #expect(page.contains("<p class=\"banner deleted\">This report is deleted."))
        #expect(page.contains("Version: unknown"))
    }

    @Test func aRandomizedCorpusGivesWellFormedPagesThatLoadNothing() throws {
        let seed = Corpus.seed()
        print("HTML corpus: seed \(seed) (replay with FIELDNOTES_SEED=\(seed))")
        let corpus = try Corpus.exports(seed: seed, count: 40)
        let pages = corpus.map(HTMLFormat.page)
        try Self.expectValid(pages, seed: seed)
        for (page, export) in zip(pages, corpus) {
            #expect(page.contains("<title>\(Self.escaped(export.report.title))</title>"),
                    "seed \(seed): \(export.report.id)")
            #expect(page.components(separatedBy: "<div class=\"conflict\">").count - 1 == export.report.conflicts.count, "seed \(seed)")
            #expect(page.contains("This report is deleted") == (export.report.deleted && !export.report.conflicts.contains { $0.field == .deleted }),
                    "seed \(seed)")
            for event in export.report.events {
                #expect(page.contains("<code>\(event.id)</code>"), "seed \(seed): event \(event.id) of \(export.report.id)")
            }
        }
    }
}
