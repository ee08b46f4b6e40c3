import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// A team using fieldnotes for weeks, compressed: five analysts, each with a store, two
/// shared folders (a team share and a USB stick), files carried by hand, and every kind of
/// change — adds, `set`, events and sources, deletes and restores, `edit` in an editor,
/// `resolve` — with syncs of one folder or both at random. Every command is the real
/// `fieldnotes` binary, timed; at the end everyone syncs until nothing moves, and the
/// stores must hold the same versions, show byte-identical reports and pass `verify`.
///
/// Issue 9's tester ran this shape (1,500 operations over about 40 reports) and saw single
/// syncs take minutes; the slowest command is what this reports.
final class TeamSoak {
    struct Summary {
        var commands = 0
        var refused = 0
        var slowest: [(command: String, seconds: Double)] = []
        var timesByKind: [String: [Double]] = [:]
        var problems: [String] = []
        var reports = 0
        var versions = 0
        var conflicts = 0

        var slowestSeconds: Double { slowest.first?.seconds ?? 0 }
    }

    let binary: URL
    let work: URL
    let operations: Int
    let seed: UInt64
    private var random: SeededGenerator
    private let stores: [URL]
    private let folders = ["team", "stick"]
    private var pouch: [URL] = []
    private var summary = Summary()
    private var timings: [(command: String, seconds: Double)] = []
    private var step = 0
    private let log: (String) -> Void

    static let words = ["attack", "border", "bridge", "convoy", "drone", "ferry", "harbour", "militia", "patrol", "refinery",
                        "shelling", "strike", "village", "checkpoint", "ceasefire", "protest", "port", "railway"]
    static let places = ["Derbent", "Makhachkala", "Sevastopol", "Grozny", "Kaspiysk", "Kerch", "Nalchik"]

    init(binary: URL, work: URL, operations: Int, seed: UInt64, analysts: Int = 5, log: @escaping (String) -> Void) {
        self.binary = binary
        self.work = work
        self.operations = operations
        self.seed = seed
        self.log = log
        random = SeededGenerator(state: seed)
        stores = (0..<analysts).map { work.appending(path: "analyst\($0)") }
    }

    /// The `fieldnotes` next to this executable (they are built together).
    static var siblingBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appending(path: "fieldnotes")
    }

    // MARK: - Running commands

    private struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `fieldnotes` for an analyst, timing it; a crash or a stack trace is a problem,
    /// a refusal (one `error:` line per problem, exit 1) is an outcome like any other.
    @discardableResult
    private func fieldnotes(_ analyst: Int, _ arguments: [String], editor: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = work
        var environment = ["HOME": work.path, "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "FIELDNOTES_STORE": stores[analyst].path]
        if let editor { environment["EDITOR"] = editor }
        process.environment = environment
        let output = work.appending(path: ".out"), errors = work.appending(path: ".err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        let seconds = try Measure.time {
            try process.run()
            process.waitUntilExit()
        }
        let outcome = Outcome(status: process.terminationStatus, stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
                              stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
        let kind = arguments.prefix(arguments.first == "event" || arguments.first == "source" ? 2 : 1).joined(separator: " ")
        let line = "analyst\(analyst): fieldnotes \(arguments.joined(separator: " "))"
        summary.commands += 1
        summary.timesByKind[kind, default: []].append(seconds)
        timings.append((line, seconds))
        if process.terminationReason == .uncaughtSignal {
            summary.problems.append("\(line) was killed by signal \(outcome.status) (seed \(seed), step \(step))")
        } else if outcome.status != 0 {
            summary.refused += 1
            let lines = outcome.stderr.split(separator: "\n")
            if lines.isEmpty || lines.contains(where: { !$0.hasPrefix("error:") && !$0.hasPrefix("  ") && !$0.hasPrefix("warning:") }) {
                summary.problems.append("\(line) failed without a clear error line: \(outcome.stderr.prefix(300)) (seed \(seed), step \(step))")
            }
        }
        return outcome
    }

    private func known(_ analyst: Int) throws -> [ReportSummary] {
        let store = try Store.open(at: stores[analyst])
        return try store.summaries(ReportFilter()) + store.summaries(ReportFilter(deleted: true))
    }

    private func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &random) }

    private func sentence() -> String {
        (0..<Int.random(in: 2...6, using: &random)).map { _ in pick(Self.words)! }.joined(separator: " ").capitalized
    }

    private func file(_ name: String, _ text: String) throws -> URL {
        let url = work.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    // MARK: - The soak

    func run() throws -> Summary {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        for name in folders { try FileManager.default.createDirectory(at: work.appending(path: name), withIntermediateDirectories: true) }
        for analyst in stores.indices {
            try fieldnotes(analyst, ["init", "--analyst", "analyst\(analyst)"])
            for name in folders { try fieldnotes(analyst, ["remote", "add", name, work.appending(path: name).path]) }
        }
        let editor = try file("editor.sh", "#!/bin/sh\nprintf '\\nA line the editor added.\\n' >> \"$1\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
        for step in 0..<operations {
            self.step = step
            let analyst = Int.random(in: stores.indices, using: &random)
            // About 40 reports over 1,500 operations, as the tester had: long histories.
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<3: try add(analyst)
            case 3..<52: try change(analyst, editor: editor)
            case 52..<60: try resolve(analyst)
            case 60..<86: try fieldnotes(analyst, Int.random(in: 0..<3, using: &random) == 0 ? ["sync"] : ["sync", pick(folders)!])
            case 86..<93:
                let carried = work.appending(path: "carried-\(step).fnc")
                if try fieldnotes(analyst, ["export", "-o", carried.path] + (Int.random(in: 0..<4, using: &random) == 0 ? ["--all"] : [])).status == 0,
                   FileManager.default.fileExists(atPath: carried.path) {
                    pouch.append(carried)
                }
            default:
                let files = (0..<Int.random(in: 1...3, using: &random)).compactMap { _ in pick(pouch)?.path }
                if !files.isEmpty { try fieldnotes(analyst, ["import"] + files) }
            }
            if (step + 1) % 250 == 0 { log("soak: \(step + 1) of \(operations) operations, slowest so far \(seconds(timings.map(\.seconds).max() ?? 0))") }
        }
        try exchangeEverything()
        try checkConvergence()
        summary.slowest = Array(timings.sorted { $0.seconds > $1.seconds }.prefix(5))
        return summary
    }

    private func add(_ analyst: Int) throws {
        let body = try file("body.txt", (0..<Int.random(in: 1...6, using: &random)).map { _ in sentence() + "." }.joined(separator: "\n"))
        var arguments = ["add", "--title", sentence(), "--body-file", body.path]
        for _ in 0..<Int.random(in: 0...2, using: &random) { arguments += ["--tag", pick(Self.words)!] }
        try fieldnotes(analyst, arguments)
    }

    private func change(_ analyst: Int, editor: URL) throws {
        let reports = try known(analyst)
        // Half the changes go to the few most recently updated reports, so that analysts
        // often change the same reports at once.
        guard let target = pick(Bool.random(using: &random) ? Array(reports.prefix(4)) : reports) else { return try add(analyst) }
        let id = String(target.id.rawValue.prefix(8))
        let report = try Store.open(at: stores[analyst]).stored(target.id).report
        switch Int.random(in: 0..<16, using: &random) {
        case 0: try fieldnotes(analyst, ["set", id, "title=\(sentence())"])
        case 1, 2:
            var lines = report.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let index = Int.random(in: 0..<max(1, lines.count), using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !lines.isEmpty: lines[index] = sentence() + "."
            case 1: lines.insert(sentence() + ".", at: min(index, lines.count))
            default: if lines.count > 1 { lines.remove(at: index) }
            }
            let body = try file("body.txt", lines.joined(separator: "\n"))
            try fieldnotes(analyst, ["set", id, "body=@\(body.path)"])
        case 3: try fieldnotes(analyst, ["set", id, "status=\(pick(Status.allCases)!.rawValue)"])
        case 4: try fieldnotes(analyst, ["set", id, "credibility=\(pick(["1", "2", "3", "4", "5", "6", "none"])!)"])
        case 5: try fieldnotes(analyst, ["set", id, "tags+=\(pick(Self.words)!)"])
        case 6: if let tag = pick(report.tags.sorted()) { try fieldnotes(analyst, ["set", id, "tags-=\(tag)"]) }
        case 7:
            try fieldnotes(analyst, ["event", "add", id, "--when", "2024-06-\(10 + Int.random(in: 0..<20, using: &random))",
                                     "--place", pick(Self.places)!, "--killed", String(Int.random(in: 0...20, using: &random))])
        case 8:
            guard let event = pick(report.events) else { return }
            let assignment = pick(["killed=\(Int.random(in: 0...50, using: &random))", "place=\(pick(Self.places)!)",
                                   "summary=\(sentence())", "injured=\(Int.random(in: 0...90, using: &random))"])!
            try fieldnotes(analyst, ["event", "set", id, event.id.rawValue, assignment])
        case 9: if let event = pick(report.events) { try fieldnotes(analyst, ["event", "rm", id, event.id.rawValue]) }
        case 10: try fieldnotes(analyst, ["source", "add", id, "--ref", sentence(), "--reliability", pick(["A", "B", "C", "D", "E", "F"])!])
        case 11:
            if let source = pick(report.sources) {
                try fieldnotes(analyst, ["source", "set", id, source.id.rawValue, "reliability=\(pick(["A", "B", "C", "D", "E", "F"])!)"])
            }
        case 12: if let source = pick(report.sources) { try fieldnotes(analyst, ["source", "rm", id, source.id.rawValue]) }
        case 13: try fieldnotes(analyst, [report.deleted ? "restore" : "rm", id])
        default: try fieldnotes(analyst, ["edit", id], editor: editor.path)
        }
    }

    /// Decides one open conflict, taking one candidate by its version.
    private func resolve(_ analyst: Int) throws {
        let store = try Store.open(at: stores[analyst])
        let conflicted = try store.summaries(ReportFilter(conflictedOnly: true)) + store.summaries(ReportFilter(conflictedOnly: true, deleted: true))
        guard let target = pick(conflicted), let conflict = pick(try store.stored(target.id).report.conflicts),
              let candidate = pick(conflict.candidates) else { return }
        try fieldnotes(analyst, ["resolve", String(target.id.rawValue.prefix(8)), "--field", conflict.field.description,
                                 "--take", candidate.version.description])
    }

    /// Everyone syncs both folders until a whole round moves nothing.
    private func exchangeEverything() throws {
        for round in 1...8 {
            let before = try stores.map { try Store.open(at: $0).counts().versions }
            for analyst in stores.indices { try fieldnotes(analyst, ["sync"]) }
            let after = try stores.map { try Store.open(at: $0).counts().versions }
            if before == after, Set(after).count == 1 { return }
            log("soak: exchange round \(round): \(after.map(String.init).joined(separator: ", ")) versions")
        }
        summary.problems.append("the stores were still exchanging versions after eight rounds (seed \(seed))")
    }

    private func checkConvergence() throws {
        let dumps = try stores.map { try Store.open(at: $0).canonicalDump() }
        for (index, dump) in dumps.enumerated() where dump != dumps[0] {
            summary.problems.append("analyst\(index)'s store differs from analyst0's (seed \(seed))")
        }
        for (index, url) in stores.enumerated() {
            let problems = try StoreVerifier.verify(try Store.open(at: url)).problems
            if !problems.isEmpty { summary.problems.append("verify of analyst\(index)'s store: \(problems.prefix(3)) (seed \(seed))") }
        }
        let counts = try Store.open(at: stores[0]).counts()
        (summary.reports, summary.versions, summary.conflicts) = (counts.reports + counts.deletedReports, counts.versions, counts.conflicts)
    }

}
