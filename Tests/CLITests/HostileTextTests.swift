import Foundation
import OfflineStore
import ReportModels
import SyncEngine
import Testing

/// Text from other replicas and shared folders reaches people escaped: a terminal obeys the
/// control characters it is sent, so none reaches stdout or stderr raw, whatever a command
/// prints. JSON stays exact.
@Suite("Hostile text")
struct HostileTextTests {
    /// Replicas that are not this laptop's, writing what the field rules let through:
    /// bidirectional overrides and isolates in every kind of text, a noncharacter.
    static let mallory = ReplicaID()
    static let trudy = ReplicaID()
    static let rlo = "\u{202E}", isolate = "\u{2066}", popIsolate = "\u{2069}"
    /// U+FDD0 (Swift refuses noncharacters in literals).
    static let noncharacter = String(Unicode.Scalar(0xFDD0 as UInt32)!)

    /// Three versions of one report: mallory makes it, then mallory and trudy each retitle it
    /// without seeing the other (a conflict on the title).
    static func hostileVersions() -> [Version] {
        var report = Report(
            title: "Situation \(rlo)txt.exe", body: "Line one \(isolate)hidden\(popIsolate)\n\tindented \(rlo)reversed\nlast \(noncharacter) line",
            status: .draft, tags: ["hostile"], credibility: 2,
            sources: [Source(id: ItemID("s1")!, ref: "Statement \(rlo)fed", reliability: .c)],
            events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "Der\(rlo)bent", summary: "Summary \(isolate)x\(popIsolate)")])
        report.author = "mal\(rlo)lory"
        let time = Timestamp(millisecondsSince1970: 1_700_000_000_000)
        let first = Version(snapshot: report, after: VectorClock(), replica: mallory, author: "mal\(rlo)lory", time: time)
        report.title = "Mallory's \(rlo)title"
        let second = Version(snapshot: report, after: first.clock, replica: mallory, author: "mal\(rlo)lory", time: time)
        report.title = "Trudy's \(isolate)title"
        let third = Version(snapshot: report, after: first.clock, replica: trudy, author: "tru\(rlo)dy", time: time)
        return [first, second, third]
    }

    static func changeset(_ versions: [Version], at url: URL, writer: ReplicaID = mallory) throws -> String {
        let file = try ChangesetWriter(at: url, writer: writer, sequence: 1, level: 6, signing: nil)
        for version in versions { try file.append(version, signature: nil) }
        _ = try file.finish()
        return url.path
    }

    /// Every byte a terminal would act on, or a scalar that reorders or hides text.
    static func expectNothingRaw(_ output: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let raw = output.unicodeScalars.filter { scalar in
            (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                || (0xFDD0...0xFDEF).contains(scalar.value)
        }
        #expect(raw.isEmpty, "\(what) wrote \(raw.map { String($0.value, radix: 16) })", sourceLocation: sourceLocation)
    }

    @Test func textFromAnotherReplicaIsShownEscapedByEveryCommand() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let file = try Self.changeset(Self.hostileVersions(), at: sandbox.folder.appending(path: "hostile.fnc"))
        try sandbox.ok(["import", file])
        let id = try #require((try sandbox.json(["list"]) as? [[String: Any]])?.first?["id"] as? String)
        // A remote whose path holds an escape sequence (typed, or pasted from somewhere).
        let shared = sandbox.folder.appending(path: "sh\u{1B}]0;owned\u{7}are")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try sandbox.ok(["remote", "add", "team", shared.path])

        let commands: [[String]] = [
            ["show", id], ["show", id, "--at", "\(Self.mallory.rawValue.prefix(8)):1"], ["list"], ["log", id],
            ["conflicts"], ["conflicts", id], ["diff", id], ["diff", id, "\(Self.mallory.rawValue.prefix(8)):1"],
            ["search", "situation"], ["search", "statement"], ["status"], ["remote", "list"], ["sync", "team"],
            ["import", file], ["event", "add", id, "--when", "2024-06-24", "--place", "Sh\(Self.rlo)"],
        ]
        for arguments in commands {
            let result = try sandbox.run(arguments)
            Self.expectNothingRaw(result.stdout, "fieldnotes \(arguments.joined(separator: " ")) (stdout)")
            Self.expectNothingRaw(result.stderr, "fieldnotes \(arguments.joined(separator: " ")) (stderr)")
        }
        // Shown escaped, not dropped: a reader sees that something is there.
        let shown = try sandbox.ok(["show", id])
        #expect(shown.contains("\\u{202E}title") || shown.contains("\\u{2066}title"), "\(shown)")
        // The narrative's Markdown is reflowed (a tab-indented line continues the paragraph).
        #expect(shown.contains("Line one \\u{2066}hidden\\u{2069} indented \\u{202E}reversed"), "\(shown)")
        #expect(try sandbox.ok(["log", id]).contains("mal\\u{202E}lory"))
        #expect(try sandbox.ok(["status"]).contains("sh\\u{1B}]0;owned\\u{7}are"))
        // An error line names a file escaped, and stays one line (a line break reads as a space).
        let odd = try sandbox.write("odd\u{1B}[2J\nname.fnc", "not a changeset")
        let refused = try sandbox.run(["import", odd])
        #expect(refused.stderrLines == ["error: refused \(sandbox.folder.path)/odd\\u{1B}[2J name.fnc: not a fieldnotes changeset"])
        // JSON is exact.
        let report = try #require(try sandbox.json(["show", id]) as? [String: Any])
        #expect((report["events"] as? [[String: Any]])?.first?["place"] as? String == "Der\(Self.rlo)bent")
        let log = try #require(try sandbox.json(["log", id]) as? [[String: Any]])
        #expect(log.first?["author"] as? String == "mal\(Self.rlo)lory")
    }

    @Test func aDocumentPipedToAFileIsWrittenExact() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.add(document: "---\ntitle: \"Right \(Self.rlo)left\"\n---\nBody \(Self.isolate)x\(Self.popIsolate)\n")
        let document = try sandbox.ok(["show", id, "--format", "md"])
        #expect(document.contains("Right \(Self.rlo)left") && document.contains("Body \(Self.isolate)x\(Self.popIsolate)"))
        #expect(try sandbox.ok(["show", id]).contains("Right \\u{202E}left"))
    }

    // MARK: - Names from other replicas

    /// Runs `import FILE`, which must be refused: exit 1, one `error:` line naming the file,
    /// and the store unchanged. Returns the error line.
    static func importRefused(_ sandbox: Sandbox, _ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let before = try sandbox.dump()
        let result = try sandbox.run(["import", file])
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: refused \(file): "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(try sandbox.dump() == before, "the store changed", sourceLocation: sourceLocation)
        Self.expectNothingRaw(result.stdout + result.stderr, "import", sourceLocation: sourceLocation)
        return result.stderr
    }

    @Test(arguments: ["escape", "newline", "megabyte", "candidate"])
    func aVersionWhoseAuthorIsNotAnAnalystsNameIsRefused(kind: String) throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let time = Timestamp(millisecondsSince1970: 1_700_000_000_000)
        let report = Report(title: "Plain report")
        let versions: [Version]
        switch kind {
        case "escape":
            versions = [Version(snapshot: report, after: VectorClock(), replica: Self.mallory, author: "mallory\u{1B}[2J", time: time)]
        case "newline":
            versions = [Version(snapshot: report, after: VectorClock(), replica: Self.mallory, author: "mallory\nfake: line", time: time)]
        case "megabyte":
            versions = [Version(snapshot: report, after: VectorClock(), replica: Self.mallory, author: String(repeating: "m", count: 1_000_000), time: time)]
        default:
            // Two concurrent titles merged into a conflict on another replica, whose
            // candidates carry an author that no import let in.
            let first = Version(snapshot: report, after: VectorClock(), replica: Self.mallory, author: "mallory", time: time)
            var merged = report
            let candidates = [
                Candidate(value: .string("One"), version: Dot(replica: Self.mallory, counter: 2), clock: VectorClock([Self.mallory: 2]), author: "mallory", time: time),
                Candidate(value: .string("Two"), version: Dot(replica: Self.trudy, counter: 1), clock: VectorClock([Self.mallory: 1, Self.trudy: 1]), author: "tru\u{9B}2Jdy", time: time),
            ]
            let conflict = Conflict(field: .title, candidates: candidates)
            merged.title = try #require(conflict.displayed.value.stringValue)
            merged.conflicts = [conflict]
            versions = [first, Version(snapshot: merged, after: VectorClock([Self.mallory: 2, Self.trudy: 1]), replica: Self.trudy, author: "trudy", time: time)]
        }
        let file = try Self.changeset(versions, at: sandbox.folder.appending(path: "\(kind).fnc"))
        let error = try Self.importRefused(sandbox, file)
        #expect(error.contains(kind == "megabyte" ? "at most 200 characters" : kind == "newline" ? "single line" : "control characters"), "\(error)")
        #expect(error.contains("author"), "\(error)")
    }

    @Test func initTakesAnAnalystNameByTheSameRule() throws {
        let sandbox = try Sandbox()
        // The last: one character of 13,000 combining accents (26 KB).
        for name in ["x\u{1B}[31m", "two\nlines", String(repeating: "n", count: 201), "  ", "a\u{85}b", "a" + String(repeating: "\u{301}", count: 13_000)] {
            let error = try sandbox.refused(["init", "--analyst", name])
            #expect(error.contains("pass --analyst NAME"), "\(error)")
        }
        try sandbox.initialize(analyst: String(repeating: "n", count: 200))
    }
}
