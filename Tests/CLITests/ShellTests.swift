import Foundation
import OfflineStore
import Testing
@testable import fieldnotes

/// CLI.md, "Shell": output sized to the terminal, a pager for long output on a terminal only,
/// colour as asked beside `NO_COLOR`, progress on stderr only on a terminal, and completions.
/// The terminal is a real pseudo-terminal (`Sandbox.runOnTerminal`).
@Suite("Shell")
struct ShellTests {
    /// A pager that records that it ran, with what `LESS` it was given, and what it was sent.
    static func recordingPager(_ sandbox: Sandbox) throws -> String {
        try sandbox.script("pager.sh", """
            printf '%s' "${LESS-unset}" > '\(sandbox.folder.path)/pager-ran'
            cat > '\(sandbox.folder.path)/paged'
            """)
    }

    static func pagerRan(_ sandbox: Sandbox) -> String? {
        try? String(contentsOf: sandbox.folder.appending(path: "pager-ran"), encoding: .utf8)
    }

    static func paged(_ sandbox: Sandbox) -> String {
        (try? String(contentsOf: sandbox.folder.appending(path: "paged"), encoding: .utf8)) ?? ""
    }

    static func forgetPager(_ sandbox: Sandbox) {
        try? FileManager.default.removeItem(at: sandbox.folder.appending(path: "pager-ran"))
        try? FileManager.default.removeItem(at: sandbox.folder.appending(path: "paged"))
    }

    static let title = "Flashpoint: how the Dagestan attacks and the Sevastopol strike could draw the US and Russia into war"

    // MARK: - The pager

    @Test func longOutputGoesThroughThePagerOnATerminalAndNeverWhenPiped() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let pager = ["PAGER": try Self.recordingPager(sandbox)]

        for command in [["show", id], ["list"], ["log", id], ["timeline"], ["search", "Sevastopol"]] {
            Self.forgetPager(sandbox)
            let shown = try sandbox.runOnTerminal(command, environment: pager)
            #expect(shown.status == 0, "\(command): \(shown.terminal)")
            #expect(Self.pagerRan(sandbox) == "FRX", "\(command) on a terminal did not page (LESS set to FRX)")
            #expect(!Self.paged(sandbox).isEmpty, "\(command) sent nothing to the pager")
            #expect(!shown.terminal.contains("Sevastopol"), "\(command) printed past the pager: \(shown.terminal)")
        }
        #expect(Self.paged(sandbox).contains("Sevastopol"))

        // Piped: never paged, the output is on stdout.
        Self.forgetPager(sandbox)
        let piped = try sandbox.run(["show", id], environment: pager)
        #expect(Self.pagerRan(sandbox) == nil, "piped output went through the pager")
        #expect(piped.stdout.contains(Self.title))
        // A terminal on stderr alone is not a reader of stdout.
        let stdoutPiped = try sandbox.runOnTerminal(["show", id], environment: pager, stdout: .pipe)
        #expect(Self.pagerRan(sandbox) == nil && stdoutPiped.stdout.contains(Self.title))

        // LESS the reader set is theirs.
        _ = try sandbox.runOnTerminal(["show", id], environment: pager.merging(["LESS": "-i"]) { $1 })
        #expect(Self.pagerRan(sandbox) == "-i")
    }

    @Test func noPagerAnEmptyPagerOrCatPrintDirectly() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let pager = try Self.recordingPager(sandbox)
        for (arguments, environment) in [
            (["show", id, "--no-pager"], ["PAGER": pager]),
            (["--no-pager", "show", id], ["PAGER": pager]),
            (["show", id], ["PAGER": pager, "FIELDNOTES_PAGER": ""]),
            (["show", id], ["PAGER": "cat"]),
            (["show", id], ["PAGER": ""]),
        ] {
            Self.forgetPager(sandbox)
            let shown = try sandbox.runOnTerminal(arguments, environment: environment)
            #expect(Self.pagerRan(sandbox) == nil, "\(arguments) \(environment) paged")
            #expect(shown.terminal.contains("Sevastopol"), "\(arguments) \(environment) printed nothing: \(shown.terminal)")
        }
        // FIELDNOTES_PAGER is fieldnotes' own choice, before PAGER.
        Self.forgetPager(sandbox)
        _ = try sandbox.runOnTerminal(["show", id], environment: ["PAGER": "cat", "FIELDNOTES_PAGER": pager])
        #expect(Self.pagerRan(sandbox) != nil)
        // Short commands that are not paged print directly.
        Self.forgetPager(sandbox)
        let status = try sandbox.runOnTerminal(["status"], environment: ["PAGER": pager])
        #expect(Self.pagerRan(sandbox) == nil && status.terminal.contains("replica"))
    }

    @Test func quittingThePagerEarlyEndsTheCommandQuietly() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        // Far more than a pipe holds: the command is still writing when the reader quits.
        let body = (1...20_000).map { "line \($0) of a long narrative" }.joined(separator: "\n")
        let id = try sandbox.ok(["add", "--title", "Long", "--body-file", try sandbox.write("long.md", body)])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try sandbox.runOnTerminal(["show", id], environment: ["PAGER": "head -c 100 > /dev/null"])
        #expect(shown.status == 0, "exit \(shown.status): \(shown.terminal)")
        #expect(shown.terminal.isEmpty, "the terminal showed: \(shown.terminal.prefix(500))")
    }

    @Test func aPagerThatCannotRunLeavesTheOutputPrintedDirectly() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        // Paragraphs, so that each stays a line of its own (show reflows a paragraph's lines).
        let body = (1...5_000).map { "line \($0) of a long narrative" }.joined(separator: "\n\n")
        let id = try sandbox.ok(["add", "--title", "Long", "--body-file", try sandbox.write("long.md", body)])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for pager in ["/nonexistent/pager", "no-such-pager-here --quit"] {
            let shown = try sandbox.runOnTerminal(["show", id], environment: ["PAGER": pager])
            #expect(shown.status == 0)
            // From its first line to its last, once.
            #expect(shown.terminal.components(separatedBy: "line 1 of a long narrative\n").count == 2, "\(pager)")
            #expect(shown.terminal.contains("line 5000 of a long narrative"), "\(pager)")
            #expect(shown.terminal.contains("Long"))
        }
    }

    @Test func anErrorIsSaidAfterThePagerUnpaged() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let pager = ["PAGER": try Self.recordingPager(sandbox)]
        let shown = try sandbox.runOnTerminal(["show", "abcd"], environment: pager)
        #expect(shown.status == 1)
        #expect(shown.terminal.hasPrefix("error: "), "\(shown.terminal)")
        // Nothing was printed, so no pager was started.
        #expect(Self.pagerRan(sandbox) == nil)
    }

    // MARK: - Colour

    /// Whether `text` holds one of the styles fieldnotes applies.
    static func coloured(_ text: String) -> Bool { text.contains("\u{1B}[1m") || text.contains("\u{1B}[33m") }

    @Test func colourFollowsTheOptionNoColorAndTheTerminal() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let show = ["show", id, "--no-pager"]
        // Piped.
        #expect(Self.coloured(try sandbox.ok(show + ["--color", "always"])), "--color always piped")
        #expect(Self.coloured(try sandbox.ok(["--color=always"] + show)), "--color=always before the command")
        #expect(!Self.coloured(try sandbox.ok(show, environment: ["NO_COLOR": ""])), "auto piped")
        #expect(!Self.coloured(try sandbox.ok(show + ["--color", "never"])))
        // An explicit --color always wins over NO_COLOR, as with ls and git.
        #expect(Self.coloured(try sandbox.ok(show + ["--color", "always"], environment: ["NO_COLOR": "1"])))
        // On a terminal.
        #expect(Self.coloured(try sandbox.runOnTerminal(show, environment: ["NO_COLOR": ""]).terminal), "auto on a terminal")
        #expect(!Self.coloured(try sandbox.runOnTerminal(show, environment: ["NO_COLOR": "1"]).terminal), "NO_COLOR on a terminal")
        #expect(!Self.coloured(try sandbox.runOnTerminal(show + ["--color", "never"], environment: ["NO_COLOR": ""]).terminal))
        // Through the pager, as for the terminal behind it.
        let pager = try Self.recordingPager(sandbox)
        _ = try sandbox.runOnTerminal(["show", id], environment: ["NO_COLOR": "", "PAGER": pager])
        #expect(Self.coloured(Self.paged(sandbox)), "the pager was sent no colour")
        _ = try sandbox.runOnTerminal(["show", id], environment: ["NO_COLOR": "1", "PAGER": pager])
        #expect(!Self.coloured(Self.paged(sandbox)))
        // A value that is not one is refused by the parser.
        #expect(try sandbox.run(show + ["--color", "sometimes"]).status == 64)
    }

    /// Every byte a terminal would act on, once the styles fieldnotes applies are taken away.
    static func expectNothingRawButStyles(_ output: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var plain = output
        for style in ["\u{1B}[0m", "\u{1B}[1m", "\u{1B}[2m", "\u{1B}[33m"] { plain = plain.replacingOccurrences(of: style, with: "") }
        HostileTextTests.expectNothingRaw(plain, what, sourceLocation: sourceLocation)
    }

    @Test(arguments: ["always", "auto", "never"])
    func hostileTextIsEscapedInEveryColourModeAndThroughThePager(color: String) throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let file = try HostileTextTests.changeset(HostileTextTests.hostileVersions(), at: sandbox.folder.appending(path: "hostile.fnc"))
        try sandbox.ok(["import", file])
        let id = try #require((try sandbox.json(["list"]) as? [[String: Any]])?.first?["id"] as? String)
        let pager = try Self.recordingPager(sandbox)
        let environment = ["NO_COLOR": "", "PAGER": pager]
        for command in [["show", id], ["list"], ["log", id], ["conflicts"], ["diff", id], ["show", id, "--format", "md"]] {
            let arguments = command + ["--color", color]
            Self.forgetPager(sandbox)
            let terminal = try sandbox.runOnTerminal(arguments, environment: environment)
            #expect(Self.pagerRan(sandbox) != nil, "\(arguments) did not page")
            Self.expectNothingRawButStyles(Self.paged(sandbox), "\(arguments) through the pager")
            Self.expectNothingRawButStyles(terminal.terminal, "\(arguments) on the terminal")
            #expect(Self.paged(sandbox).contains("\\u{202E}") || Self.paged(sandbox).contains("\\u{2066}"),
                    "\(arguments): shown escaped, not dropped")
            let direct = try sandbox.runOnTerminal(arguments + ["--no-pager"], environment: environment)
            Self.expectNothingRawButStyles(direct.terminal, "\(arguments) --no-pager")
            if command.last != "md" {
                Self.expectNothingRawButStyles(try sandbox.run(arguments, environment: environment).stdout, "\(arguments) piped")
            }
        }
    }

    // MARK: - Width

    static let paragraph = (1...40).map { "word\($0)" }.joined(separator: " ")

    static func wide(_ output: String, than columns: Int, except id: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.count > columns && !$0.contains(id) }
    }

    @Test func showWrapsToTheTerminalOrToColumnsAndNotWhenPiped() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.ok(["add", "--title", Self.title, "--body", Self.paragraph, "--tag", "dagestan"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.ok(["event", "add", id, "--when", "2024-06-23", "--place", "Derbent, Dagestan", "--summary", Self.paragraph])

        // COLUMNS asks for a width, piped or not.
        let forty = try sandbox.ok(["show", id], environment: ["COLUMNS": "40"])
        #expect(Self.wide(forty, than: 40, except: id).isEmpty, "over 40 columns: \(Self.wide(forty, than: 40, except: id))")
        #expect(!forty.contains(Self.paragraph))
        let wider = try sandbox.ok(["show", id], environment: ["COLUMNS": "200"])
        #expect(wider.contains(Self.title) && Self.wide(wider, than: 200, except: id).isEmpty)
        #expect(wider.split(separator: "\n").contains { $0.count > 120 }, "200 columns are used")

        // Piped without COLUMNS: nothing wrapped or cut.
        let piped = try sandbox.ok(["show", id])
        #expect(piped.contains(Self.paragraph) && piped.contains(Self.title))
        let list = try sandbox.ok(["list"])
        #expect(list.contains(Self.title) && !list.contains("…"), "\(list)")
        // A COLUMNS that is not a number is ignored.
        #expect(try sandbox.ok(["show", id], environment: ["COLUMNS": "wide"]).contains(Self.paragraph))

        // On a terminal: its width, unless COLUMNS says otherwise.
        let fifty = try sandbox.runOnTerminal(["show", id, "--no-pager"], columns: 50).terminal
        #expect(fifty.contains("word1") && Self.wide(fifty, than: 50, except: id).isEmpty, "\(fifty)")
        #expect(fifty.split(separator: "\n").contains { $0.count > 40 }, "50 columns are used")
        let told = try sandbox.runOnTerminal(["show", id, "--no-pager"], environment: ["COLUMNS": "40"], columns: 120).terminal
        #expect(Self.wide(told, than: 40, except: id).isEmpty)

        // The list's titles are cut to the width, with an ellipsis.
        let narrowList = try sandbox.ok(["list"], environment: ["COLUMNS": "60"])
        #expect(narrowList.contains("…") && Self.wide(narrowList, than: 60, except: "\u{0}").isEmpty, "\(narrowList)")
    }

    @Test func displayRulesFromTheOptionTheEnvironmentAndTheTerminal() {
        func decide(_ color: DisplayOptions.ColorChoice, _ environment: [String: String], terminal: Bool, width: Int? = 132) -> Display {
            Display.decide(color: color, environment: environment, stdoutIsTerminal: terminal, stderrIsTerminal: terminal,
                           terminalWidth: { width })
        }
        #expect(decide(.auto, [:], terminal: true).colour)
        #expect(!decide(.auto, ["NO_COLOR": "1"], terminal: true).colour)
        #expect(decide(.auto, ["NO_COLOR": ""], terminal: true).colour)
        #expect(!decide(.auto, [:], terminal: false).colour)
        #expect(decide(.always, ["NO_COLOR": "1"], terminal: false).colour)
        #expect(!decide(.never, [:], terminal: true).colour)

        #expect(decide(.auto, [:], terminal: true).width == 132)
        #expect(decide(.auto, [:], terminal: true, width: nil).width == 80)
        #expect(decide(.auto, [:], terminal: false).width == Display.unbounded)
        #expect(decide(.auto, ["COLUMNS": "40"], terminal: false).width == 40)
        #expect(decide(.auto, ["COLUMNS": "40"], terminal: true).width == 40)
        #expect(decide(.auto, ["COLUMNS": "junk"], terminal: true).width == 132)
        #expect(Display.columns("5") == 20 && Display.columns("99999") == 1000)
        #expect(Display.columns("0") == nil && Display.columns("-3") == nil && Display.columns("") == nil && Display.columns(nil) == nil)
        // Unbounded is never reached and leaves room to subtract.
        #expect(Text.truncate(String(repeating: "x", count: 5_000), to: Display.unbounded - 20).count == 5_000)
    }

    // MARK: - Progress

    /// A store with enough to export, and a second one that syncs from the first's folder
    /// after a snapshot (a new laptop's first sync: catching up).
    @Test func progressShowsOnStderrOnlyOnATerminalAndOnlyForLongWork() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        for round in 1...5 { try sandbox.ok(["set", id, "title=Round \(round)"]) }
        let now = ["FIELDNOTES_PROGRESS_DELAY_MS": "0"]

        // On a terminal, once past the delay (here none): export, verify.
        let export = try sandbox.runOnTerminal(["export", "-o", "a.fnc", "--all"], environment: now, stdout: .pipe)
        #expect(export.terminal.contains("writing a.fnc: 0 of 6 versions"), "\(export.terminal)")
        #expect(export.stdout.contains("Exported 6 versions") && !export.stdout.contains("writing"))
        let verify = try sandbox.runOnTerminal(["verify"], environment: now, stdout: .pipe)
        #expect(verify.terminal.contains("checking reports: 1 of 1"), "\(verify.terminal)")

        // Quick work shows nothing (the delay is a second).
        let quick = try sandbox.runOnTerminal(["export", "-o", "b.fnc", "--all"], stdout: .pipe)
        #expect(quick.status == 0 && quick.terminal.isEmpty, "\(quick.terminal)")

        // Never when stderr is not a terminal.
        let piped = try sandbox.run(["export", "-o", "c.fnc", "--all"], environment: now)
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        #expect(try sandbox.run(["verify"], environment: now).stderr.isEmpty)

        // Sync: the export half, and a new laptop catching up from a snapshot.
        let shared = sandbox.folder.appending(path: "shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        let first = try sandbox.runOnTerminal(["compact", shared.path], environment: now, stdout: .pipe)
        #expect(first.terminal.contains("writing 00000001.fnc: 0 of 6 versions"), "\(first.terminal)")
        try sandbox.ok(["set", id, "status=final"])
        try sandbox.ok(["sync", shared.path])
        let laptop = sandbox.folder.appending(path: "laptop")
        try sandbox.initialize(analyst: "bob", at: laptop)
        let catchUp = try sandbox.runOnTerminal(["sync", shared.path, "--store", laptop.path], environment: now, stdout: .pipe)
        #expect(catchUp.terminal.contains("catching up from"), "\(catchUp.terminal)")
        #expect(catchUp.stdout.contains("imported 7 new versions"), "\(catchUp.stdout)")
        try sandbox.verify(laptop)
        // The line is cleared once the work is done.
        #expect(catchUp.terminal.hasSuffix("\r\u{1B}[K"), "\(catchUp.terminal.debugDescription)")
    }

    // MARK: - Completions

    /// Runs the binary's completion entry point as the generated scripts do:
    /// `fieldnotes ---completion COMMAND… -- ARGUMENT INDEX CURSOR WORD…`.
    static func complete(_ sandbox: Sandbox, _ command: [String], argument: String, words: [String],
                         environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let line = ["fieldnotes"] + words
        let result = try sandbox.run(["---completion"] + command + ["--", argument, String(line.count - 1), String(line.last!.count)] + line,
                                     environment: environment)
        #expect(result.status == 0, "completion failed: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "completion said: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func reportEventSourceAndRemoteIdsComplete() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let other = try sandbox.ok(["add", "--title", "Another"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = String(id.prefix(5))
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", prefix]) == [id])
        #expect(Set(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", ""])) == [id, other])
        #expect(try Self.complete(sandbox, ["event", "set"], argument: "positional@1", words: ["event", "set", prefix, ""]) == ["e1", "e2", "e3"])
        #expect(try Self.complete(sandbox, ["event", "rm"], argument: "positional@1", words: ["event", "rm", id, "e2"]) == ["e2"])
        #expect(try Self.complete(sandbox, ["source", "rm"], argument: "positional@1", words: ["source", "rm", prefix, ""]) == ["s1", "s2"])
        // Deleted reports for restore, live ones for rm.
        try sandbox.ok(["rm", other])
        #expect(try Self.complete(sandbox, ["restore"], argument: "positional@0", words: ["restore", ""]) == [other])
        #expect(try Self.complete(sandbox, ["rm"], argument: "positional@0", words: ["rm", ""]) == [id])

        // Remotes, and for sync a remote's name or a folder.
        try FileManager.default.createDirectory(at: sandbox.folder.appending(path: "shared-stick"), withIntermediateDirectories: true)
        try sandbox.ok(["remote", "add", "team", sandbox.folder.appending(path: "shared-stick").path])
        #expect(try Self.complete(sandbox, ["remote", "rm"], argument: "positional@0", words: ["remote", "rm", ""]) == ["team"])
        #expect(try Self.complete(sandbox, ["sync"], argument: "positional@0", words: ["sync", "te"]) == ["team"])
        #expect(try Self.complete(sandbox, ["sync"], argument: "positional@0", words: ["sync", "shared"]) == ["shared-stick"])

        // The store named on the line, before or after the command, over FIELDNOTES_STORE.
        let elsewhere = sandbox.folder.appending(path: "elsewhere")
        try sandbox.initialize(analyst: "bob", at: elsewhere)
        let bobs = try sandbox.ok(["add", "--title", "Bob's", "--store", elsewhere.path]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["--store", elsewhere.path, "show", ""]) == [bobs])
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", "--store=\(elsewhere.path)", ""]) == [bobs])
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", ""],
                                  environment: ["FIELDNOTES_STORE": elsewhere.path]) == [bobs])
    }

    @Test func completingNeverFailsAloudWritesNothingAndWaitsForNoOne() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let before = try sandbox.dump()
        // The store's lock held by a writer: completion does not wait for it.
        var holder: StoreLock? = try StoreLock.acquire(in: sandbox.store, command: "sync") { _ in }
        let started = Date()
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", String(id.prefix(4))]) == [id])
        #expect(Date().timeIntervalSince(started) < 10)
        holder = nil
        _ = holder
        #expect(try sandbox.dump() == before)
        // No store, a bad prefix, a folder that is no store: no candidates, and not a word.
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", ""],
                                  environment: ["FIELDNOTES_STORE": "/nonexistent/store"]).isEmpty)
        #expect(try Self.complete(sandbox, ["event", "set"], argument: "positional@1", words: ["event", "set", "zz", ""]).isEmpty)
        #expect(try Self.complete(sandbox, ["event", "set"], argument: "positional@1", words: ["event", "set", "", ""]).isEmpty)
        let junk = sandbox.folder.appending(path: "junk")
        try FileManager.default.createDirectory(at: junk, withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: junk.appending(path: "fieldnotes.sqlite"))
        #expect(try Self.complete(sandbox, ["show"], argument: "positional@0", words: ["show", "--store", junk.path, ""]).isEmpty)
        #expect(try sandbox.dump() == before)
    }

    @Test func theBashScriptCompletesThroughTheBinary() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let script = try sandbox.ok(["--generate-completion-script", "bash"])
        let file = try sandbox.write("fieldnotes.bash", script)
        let check = try sandbox.start(["-n", file], executable: URL(fileURLWithPath: "/bin/bash")).finish()
        #expect(check.status == 0, "bash -n: \(check.stderr)")
        // What bash does at TAB, with the binary as the command's first word.
        let driver = try sandbox.write("complete.sh", """
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
            _fieldnotes "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """)
        func complete(_ words: [String]) throws -> [String] {
            let result = try sandbox.start([driver, file, Sandbox.binary.path] + words, executable: URL(fileURLWithPath: "/bin/bash")).finish()
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["show", String(id.prefix(6))]) == [id])
        #expect(try complete(["--store", sandbox.store.path, "event", "rm", String(id.prefix(6)), "e"]) == ["e1", "e2", "e3"])
        #expect(try complete(["list", "--status", ""]) == ["draft", "review", "final", "archived"])
        #expect(try complete(["list", "--format", "j"]) == ["json"])
        #expect(try complete(["source", "add", id, "--reliability", ""]) == ["A", "B", "C", "D", "E", "F"])
        #expect(try complete(["log", id, "--color", "a"]) == ["auto", "always"])
    }

    @Test func completionScriptsForEveryShellAreGenerated() throws {
        let sandbox = try Sandbox()
        for shell in ["bash", "zsh", "fish"] {
            let script = try sandbox.ok(["--generate-completion-script", shell])
            #expect(script.contains("---completion show -- positional@0"), "\(shell): report ids are not completed")
            #expect(script.contains("---completion event set -- positional@1"), "\(shell): event ids are not completed")
            #expect(script.contains("archived") && script.contains("always"), "\(shell): enumerated values are not completed")
            // Checked by the shell itself where it is installed.
            for directory in ["/usr/bin", "/bin"] where shell != "bash" && FileManager.default.isExecutableFile(atPath: "\(directory)/\(shell)") {
                let file = try sandbox.write("fieldnotes.\(shell)", script)
                let check = try sandbox.start(["-n", file], executable: URL(fileURLWithPath: "\(directory)/\(shell)")).finish()
                #expect(check.status == 0, "\(shell) -n: \(check.stderr)")
                break
            }
        }
    }
}
