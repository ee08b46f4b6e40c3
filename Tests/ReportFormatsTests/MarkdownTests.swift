import Foundation
import ReportFormats
import Testing

@Suite("Markdown narratives")
struct MarkdownTests {
    @Test func theSampleNarrativeIsHeadingsAListAndAParagraph() throws {
        #expect(Markdown.blocks(try SampleReport.narrative()) == [
            .heading(level: 2, text: "Key points"),
            .listItem(marker: "-", depth: 0, lines: [
                "Near-simultaneous attacks in two Dagestani cities on an Orthodox holiday, against churches, a synagogue and police, point to planning and outside support.",
            ]),
            .listItem(marker: "-", depth: 0, lines: [
                "The Sevastopol strike is attributed by Moscow to US targeting data from a Global Hawk drone; if that attribution holds, it is the clearest case yet of direct US involvement.",
            ]),
            .heading(level: 2, text: "Assessment"),
            .paragraph(lines: [
                "Choice of date and of religious and crowded civilian targets suggests an intent to provoke and to maximise the psychological effect. The North Caucasus remains unstable and may need more security forces. Russian retaliation against US assets would be the main escalation path; watch for changes in Black Sea drone patrols and Russian statements naming the US.",
            ]),
        ])
    }

    @Test func wrappedLinesAreJoinedAndHardBreaksKept() {
        #expect(Markdown.blocks("one  \ntwo\\\nthree\n   four\\") == [.paragraph(lines: ["one", "two", "three four\\"])])
        #expect(Markdown.blocks("a\r\nb\rc\n\n\nd") == [.paragraph(lines: ["a b c"]), .paragraph(lines: ["d"])])
        #expect(Markdown.blocks("In\n2024. A year\n- and a point") == [.paragraph(lines: ["In 2024. A year"]), .listItem(marker: "-", depth: 0, lines: ["and a point"])])
        #expect(Markdown.blocks("") == [] && Markdown.blocks("\n  \n") == [])
    }

    @Test func listItemsNestByIndentation() {
        let text = "- a\n  more a\nlazy a\n  - b\n    - c\n  - b2\n- d\n\n  d's second paragraph\n\n1. one\n2) two\n10. ten\n-\n+ plus"
        #expect(Markdown.blocks(text) == [
            .listItem(marker: "-", depth: 0, lines: ["a more a lazy a"]),
            .listItem(marker: "-", depth: 1, lines: ["b"]),
            .listItem(marker: "-", depth: 2, lines: ["c"]),
            .listItem(marker: "-", depth: 1, lines: ["b2"]),
            .listItem(marker: "-", depth: 0, lines: ["d", "", "d's second paragraph"]),
            .listItem(marker: "1.", depth: 0, lines: ["one"]),
            .listItem(marker: "2)", depth: 0, lines: ["two"]),
            .listItem(marker: "10.", depth: 0, lines: ["ten"]),
            .listItem(marker: "-", depth: 0, lines: []),
            .listItem(marker: "+", depth: 0, lines: ["plus"]),
        ])
        let deep = (0..<12).map { String(repeating: "  ", count: $0) + "- level \($0)" }.joined(separator: "\n")
        let depths = Markdown.blocks(deep).compactMap { block -> Int? in
            if case .listItem(_, let depth, _) = block { return depth }
            return nil
        }
        #expect(depths == [0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7], "nesting stops at Markdown.maximumListDepth")
    }

    @Test func codeIsKeptAsWritten() {
        #expect(Markdown.blocks("```swift\nlet a = 1\n\n  # not a heading\n```\nafter") == [
            .code(info: "swift", lines: ["let a = 1", "", "  # not a heading"]), .paragraph(lines: ["after"]),
        ])
        #expect(Markdown.blocks("~~~\nx\n- y") == [.code(info: "", lines: ["x", "- y"])], "an unclosed fence runs to the end")
        #expect(Markdown.blocks("text\n\n    code\n      more\n\n\nnext") == [
            .paragraph(lines: ["text"]), .code(info: "", lines: ["code", "  more"]), .paragraph(lines: ["next"]),
        ])
        #expect(Markdown.blocks("text\n    more") == [.paragraph(lines: ["text more"])], "indentation does not interrupt a paragraph")
    }

    @Test func quotesNestToAFixedDepth() {
        #expect(Markdown.blocks("> a\n> b\n>> c\n\nafter") == [
            .quote([.paragraph(lines: ["a b"]), .quote([.paragraph(lines: ["c"])])]), .paragraph(lines: ["after"]),
        ])
        #expect(Markdown.blocks("> a\nlazy") == [.quote([.paragraph(lines: ["a lazy"])])])
        var block = Markdown.blocks(String(repeating: ">", count: 20) + " deep").first
        var depth = 0
        while case .quote(let inner)? = block {
            depth += 1
            block = inner.first
        }
        #expect(depth == Markdown.maximumQuoteDepth)
        #expect(block == .paragraph(lines: [String(repeating: ">", count: 12) + " deep"]), "deeper marks are text")
    }

    @Test func headingsTablesAndRules() {
        #expect(Markdown.blocks("Title\n===\nSub\n---\n# H1 #\n###### six\n####### seven\n\n***\n- - -\n#hashtag") == [
            .heading(level: 1, text: "Title"), .heading(level: 2, text: "Sub"), .heading(level: 1, text: "H1"),
            .heading(level: 6, text: "six"), .paragraph(lines: ["####### seven"]), .thematicBreak, .thematicBreak,
            .paragraph(lines: ["#hashtag"]),
        ])
        #expect(Markdown.blocks("Casualties:\n| a | b |\n|---|--:|\n| 1 | 2 |\n\nafter") == [
            .paragraph(lines: ["Casualties:"]), .table(lines: ["| a | b |", "|---|--:|", "| 1 | 2 |"]), .paragraph(lines: ["after"]),
        ])
        #expect(Markdown.blocks("  | x |\n  | y |") == [.table(lines: ["| x |", "| y |"])])
    }

    @Test func inlineMarkupBecomesTagsAndEverythingElseText() {
        #expect(Markdown.html("*em* **strong** `a < b` [site](https://example.org) [x](javascript:alert(1)) snake_case_name a * b \\*lit\\* <b>raw</b> &amp;")
            == "<p dir=\"auto\"><em>em</em> <strong>strong</strong> <code>a &lt; b</code> <a href=\"https://example.org\">site</a> x (javascript:alert&#40;1)) snake_case_name a * b *lit* &lt;b&gt;raw&lt;/b&gt; &amp;amp;</p>")
        #expect(Markdown.html("***both*** **unclosed *nested*") == "<p dir=\"auto\"><em><strong>both</strong></em> **unclosed <em>nested</em></p>")
        #expect(Markdown.html("`` a ` b `` _em_ __strong__") == "<p dir=\"auto\"><code>a ` b</code> <em>em</em> <strong>strong</strong></p>")
        #expect(Markdown.html("[a *b*](mailto:x@y.org) [c](relative/path) [d](<x>)")
            == "<p dir=\"auto\"><a href=\"mailto:x&#64;y.org\">a <em>b</em></a> c (relative/path) d (&lt;x&gt;)</p>")
        #expect(Markdown.html("<script>alert(1)</script>") == "<p dir=\"auto\">&lt;script&gt;alert&#40;1)&lt;/script&gt;</p>")
    }

    @Test func blocksBecomeNestedHTML() {
        #expect(Markdown.html("- a\n  - b\n- c") == "<ul>\n<li dir=\"auto\">a\n<ul>\n<li dir=\"auto\">b</li></ul></li>\n<li dir=\"auto\">c</li></ul>")
        #expect(Markdown.html("3. three\n4. four\n- bullet") == "<ol start=\"3\">\n<li dir=\"auto\">three</li>\n<li dir=\"auto\">four</li></ol>\n<ul>\n<li dir=\"auto\">bullet</li></ul>")
        #expect(Markdown.html("- one\n\n  two") == "<ul>\n<li dir=\"auto\"><p>one</p><p>two</p></li></ul>")
        let table = Markdown.html("| a | b \\| c |\n|:-|-:|\n| *x* | 2 |\n| short |")
        #expect(table.contains("<thead><tr><th dir=\"auto\">a</th><th class=\"right\" dir=\"auto\">b | c</th></tr></thead>"))
        #expect(table.contains("<tr><td dir=\"auto\"><em>x</em></td><td class=\"right\" dir=\"auto\">2</td></tr>"))
        #expect(table.contains("<tr><td dir=\"auto\">short</td><td class=\"right\" dir=\"auto\"></td></tr>"))
        #expect(Markdown.html("| no delimiter row |") == "<pre class=\"table\">| no delimiter row |</pre>")
        #expect(Markdown.html("> *q*\n\n---\n\n```\n<b>\n```") == "<blockquote>\n<p dir=\"auto\"><em>q</em></p>\n</blockquote>\n<hr>\n<pre><code>&lt;b&gt;</code></pre>")
        #expect(Markdown.html("one  \ntwo") == "<p dir=\"auto\">one<br>\ntwo</p>")
    }

    /// Inputs that make naive Markdown parsers quadratic, or recurse as deep as the text:
    /// each, 200,000 characters or more, is read in a time proportional to its length.
    @Test(arguments: [
        ("open brackets", String(repeating: "[", count: 200_000)),
        ("links never closed", String(repeating: "[a](", count: 50_000)),
        ("emphasis never closed", String(repeating: "*a ", count: 70_000)),
        ("underscores", String(repeating: "_a_ b_", count: 40_000)),
        ("backtick runs of every length", (1...600).map { String(repeating: "`", count: $0) + "x" }.joined()),
        ("one deep quote", String(repeating: "> ", count: 100_000) + "x"),
        ("many quote lines", String(repeating: "> > > > > > > > > >x\n", count: 10_000)),
        ("deeper and deeper items", (0..<2_000).map { String(repeating: " ", count: $0) + "- x" }.joined(separator: "\n")),
        ("a long paragraph", String(repeating: "word and *more* words  \n", count: 10_000)),
    ])
    func pathologicalInputsTakeLinearTime(name: String, text: String) {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            _ = Markdown.html(text)
        }
        // Generous for a debug build on a busy machine; a quadratic reading takes minutes.
        #expect(elapsed < .seconds(10), "\(name): \(elapsed)")
    }
}
