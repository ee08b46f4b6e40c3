import Foundation
import ArgumentParser
@testable import fieldnotes
import Testing

/// The command line parsed in-process, as swift-argument-parser's own tests do.
@Suite("Parsing the command line")
struct ParsingTests {
    @Test func subcommandsAndOptionsParse() throws {
        let show = try #require(try Fieldnotes.parseAsRoot(["show", "abcd", "--at", "3f2a:2", "--format", "md"]) as? Fieldnotes.Show)
        #expect(show.id == "abcd")
        #expect(show.at == "3f2a:2")
        #expect(show.format == .md)
        let set = try #require(try Fieldnotes.parseAsRoot(["set", "abcd", "title=x", "tags+=y"]) as? Fieldnotes.SetFields)
        #expect(set.assignments == ["title=x", "tags+=y"])
        let list = try #require(try Fieldnotes.parseAsRoot(["list", "--tag", "crimea", "--conflicted", "--limit", "3", "--json"]) as? Fieldnotes.List)
        #expect(list.filters.tag == "crimea" && list.filters.conflicted && list.limit == 3 && list.output.json)
    }

    @Test func addNeedsATitleOrADocument() {
        #expect(throws: (any Error).self) { try Fieldnotes.parseAsRoot(["add"]) }
        #expect(throws: (any Error).self) { try Fieldnotes.parseAsRoot(["add", "--title", "t", "--body", "b", "--body-file", "f"]) }
        #expect(throws: (any Error).self) { try Fieldnotes.parseAsRoot(["list", "--limit", "0"]) }
    }

    @Test func assignmentsParse() throws {
        #expect(try Assignment("tags+=crimea").operation == .add)
        #expect(try Assignment("tags-=crimea").operation == .remove)
        #expect(try Assignment("title=a=b").value == "a=b")
        #expect(throws: CLIError.self) { try Assignment("status+=final") }
        #expect(throws: CLIError.self) { try Assignment("events.e1.place=x") }
    }
}

@Suite("The store named before the command")
struct StoreBeforeCommandTests {
    @Test func storeBeforeTheCommandIsMovedToIt() throws {
        #expect(Fieldnotes.leadingOptionsMovedToCommand(["--store", "a", "event", "add", "x", "--place", "P"])
            == ["event", "add", "x", "--place", "P", "--store", "a"])
        #expect(Fieldnotes.leadingOptionsMovedToCommand(["--store=a", "add", "--", "-title"]) == ["add", "--store=a", "--", "-title"])
        #expect(Fieldnotes.leadingOptionsMovedToCommand(["list", "--store", "a"]) == ["list", "--store", "a"])
        let command = try Fieldnotes.parseAsRoot(Fieldnotes.leadingOptionsMovedToCommand(["--store", "/tmp/s", "list"]))
        #expect((command as? Fieldnotes.List)?.storeOptions.store == "/tmp/s")
    }

    @Test func colourAndPagerOptionsBeforeTheCommandAreMovedToIt() throws {
        #expect(Fieldnotes.leadingOptionsMovedToCommand(["--no-pager", "--color", "never", "--store=s", "log", "x"])
            == ["log", "x", "--no-pager", "--color", "never", "--store=s"])
        #expect(Fieldnotes.leadingOptionsMovedToCommand(["--color=always", "show", "x", "--", "-y"]) == ["show", "x", "--color=always", "--", "-y"])
        let command = try Fieldnotes.parseAsRoot(Fieldnotes.leadingOptionsMovedToCommand(["--color", "always", "--no-pager", "list"]))
        #expect(Display.options(of: command) == (.always, true))
        #expect(Display.options(of: try Fieldnotes.parseAsRoot(["status"])) == (.auto, false))
    }
}

@Suite("Numbers in the document")
struct DocumentNumberTests {
    @Test func coordinatesArePlainDecimalsThatReadBackTheSame() {
        for number in [-0.0000001, 1.5e-5, 0.000123456789, 42.06, -180.0, 0.0, 12.3456789012345] {
            let text = ReportDocument.plainDecimal(number)
            #expect(!text.contains("e"), "\(text)")
            #expect(Double(text) == number, "\(number) → \(text)")
        }
        #expect(ReportDocument.plainDecimal(-0.0000001) == "-0.0000001")
    }
}

@Suite("Layout for an 80-column terminal")
struct LayoutTests {
    @Test func wideCharactersTakeTwoColumns() {
        #expect(Text.columns("Derbent") == 7)
        #expect(Text.columns("日本語") == 6)
        #expect(Text.columns("fire 🔥") == 7)
        #expect(Text.columns("❤️") == 2 && Text.columns("é") == 1)
        #expect(Text.columns("Кримський міст") == 14)
    }

    @Test func aNarrativeIsLaidOutAsMarkdown() {
        let long = String(repeating: "the strike damaged houses ", count: 5)
        let body = "Casualty list:  \nAhmed, 34\\\nIvan, 51\n\n- " + long + "\n  and more\n  - a nested point\n\n"
            + "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted and\n> joined\n\n    let code = kept"
        let lines = Text.wrapNarrative(body).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Hard line breaks (two trailing spaces, a backslash) keep a line.
        #expect(Array(lines.prefix(3)) == ["Casualty list:", "Ahmed, 34", "Ivan, 51"])
        let item = lines.drop { !$0.hasPrefix("- ") }.prefix { !$0.hasPrefix("  - ") }
        #expect(item.count > 1 && item.dropFirst().allSatisfy { $0.hasPrefix("  ") && !$0.hasPrefix("   ") })
        #expect(item.last?.hasSuffix("houses and more") == true, "the item's wrapped source lines are joined")
        #expect(lines.contains("  - a nested point"))
        #expect(lines.allSatisfy { Text.columns($0) <= Text.width })
        #expect(lines.contains("| a | b |") && lines.contains("|---|---|"))
        #expect(lines.contains("> quoted and joined"))
        #expect(lines.last == "    let code = kept")
    }

    @Test func aHardWrappedParagraphIsReflowedNotBrokenRaggedly() throws {
        // The sample's narrative is wrapped at about 90 columns; laid out line by line at 80,
        // "against churches," stood alone on a line.
        let sample = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/flashpoint-sitrep.md"), encoding: .utf8)
        let body = try #require(sample.components(separatedBy: "\n---\n").last)
        let lines = Text.wrapNarrative(body).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(!lines.contains { $0.trimmingCharacters(in: .whitespaces) == "against churches," })
        #expect(Array(lines.prefix(5)) == [
            "## Key points",
            "",
            "- Near-simultaneous attacks in two Dagestani cities on an Orthodox holiday,",
            "  against churches, a synagogue and police, point to planning and outside",
            "  support.",
        ])
        #expect(lines.allSatisfy { Text.columns($0) <= Text.width })
        // A paragraph's lines are filled: every line but its last reaches past 60 columns.
        let assessment = lines.drop { $0 != "## Assessment" }.dropFirst(2)
        #expect(assessment.count >= 4 && assessment.dropLast().allSatisfy { Text.columns($0) > 60 })
    }

    @Test func wrappingAndTruncatingCountColumnsNotCharacters() {
        let title = String(repeating: "達吉斯坦與塞瓦斯托波爾的兩次襲擊", count: 6)
        let wrapped = Text.wrap(title, prefix: "  ", indent: 2).split(separator: "\n")
        #expect(wrapped.count > 1)
        #expect(wrapped.allSatisfy { Text.columns($0) <= Text.width })
        #expect(wrapped.map { $0.trimmingCharacters(in: .whitespaces) }.joined() == title)
        let cut = Text.truncate(title, to: 30)
        #expect(Text.columns(cut) <= 30 && cut.hasSuffix("…"))
        #expect(Text.columns(Text.pad("日本", to: 8)) == 8)
        let link = "https://example.org/" + String(repeating: "a", count: 90)
        #expect(Text.wrap("see " + link).split(separator: "\n").last.map(String.init) == link)
        let prose = String(repeating: "word ", count: 40)
        #expect(Text.wrap(prose).split(separator: "\n").allSatisfy { Text.columns($0) <= Text.width })
    }
}
