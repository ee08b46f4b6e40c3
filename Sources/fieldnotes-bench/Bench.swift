import ArgumentParser
import Foundation
import OfflineStore
import ReportFormats
import ReportModels
import SyncEngine

/// `fieldnotes-bench`: how fast fieldnotes is, next to what it is built on and what analysts
/// would otherwise use, each baseline timed in the same run (issue 5, DESIGN.md §7).
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldnotes-bench",
        abstract: "Benchmarks fieldnotes against raw SQLite, raw zlib and git; prints a table and writes JSON.",
        discussion: "Run it release-built: swift run -c release fieldnotes-bench --n 100000",
        subcommands: [Run.self, Soak.self, ChildImport.self, ChildExport.self, ChildFormats.self, ChildVerify.self, SearchOnly.self, EditSyncOnly.self, NoOpSyncOnly.self],
        defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the benchmarks (the default).")

        @Option(help: "Number of reports.") var n = 100_000
        @Option(help: "Seed of the corpus.") var seed: UInt64 = 1
        @Option(help: "Repetitions of each timed scenario (the median is reported).") var repetitions = 3
        @Flag(help: "A small smoke run (500 reports, one repetition).") var quick = false
        @Option(help: "Rounds of the year of use (compaction): each of its 20 replicas writes and syncs once a round.") var rounds = 100
        @Option(help: "Where to write the JSON results.") var output = "bench-results.json"
        @Option(help: "A folder for the scratch files (default: a temporary folder, removed after).") var work: String?
        @Option(help: """
            Only these groups of scenarios: throughput (N reports against baselines), history (shapes of \
            one report's history, and the team soak), scale (N and N/10 reports, no baselines; not run by default), imports (the import scenarios of throughput alone), encryption (export and import encrypted, next to the same in clear; not run by default), compaction (a year of a team of 20 syncing through one folder, with and without compaction).
            """)
        var only: [Group] = []

        enum Group: String, ExpressibleByArgument, CaseIterable {
            case throughput, history, scale
            /// Only the import scenarios of `throughput` (signed, and relayed from 10 makers).
            case imports
            /// Export and import encrypted for a team, next to the same unencrypted.
            case encryption
            /// A year of a team's use of one folder, with and without compaction.
            case compaction
        }

        func run() throws {
            let (n, repetitions) = quick ? (500, 1) : (self.n, self.repetitions)
            let groups = Set(only.isEmpty ? [.throughput, .history, .compaction] : only)
            let work = URL(fileURLWithPath: self.work ?? FileManager.default.temporaryDirectory.appending(path: "fieldnotes-bench-\(UUID().uuidString.prefix(8))").path)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { if self.work == nil { try? FileManager.default.removeItem(at: work) } }
            var results: [Result] = []
            if groups.contains(.throughput) {
                let scenarios = try Scenarios(n: n, seed: seed, repetitions: repetitions, work: work)
                try scenarios.importScenario()
                try scenarios.exportScenario()
                try scenarios.memoryScenario()
                try scenarios.verifyScenario()
                try scenarios.searchScenario()
                try scenarios.formatsScenario()
                try scenarios.noOpSyncScenario()
                try scenarios.editSyncScenario()
                results += scenarios.results
            } else if groups.contains(.imports) {
                let scenarios = try Scenarios(n: n, seed: seed, repetitions: repetitions, work: work)
                try scenarios.importScenario()
                results += scenarios.results
            }
            if groups.contains(.encryption) {
                try FileManager.default.createDirectory(at: work.appending(path: "encryption"), withIntermediateDirectories: true)
                let scenarios = try Scenarios(n: n, seed: seed, repetitions: repetitions, work: work.appending(path: "encryption"))
                try scenarios.encryptionScenario()
                results += scenarios.results
            }
            if groups.contains(.history) {
                let shapes = HistoryShapes(quick: quick, work: work.appending(path: "history"))
                try FileManager.default.createDirectory(at: shapes.work, withIntermediateDirectories: true)
                try shapes.run()
                results += shapes.results
                results.append(try Soak.scenario(operations: quick ? 60 : 1_500, seed: seed, work: work.appending(path: "soak")))
            }
            if groups.contains(.compaction) {
                let year = YearOfUse(replicas: quick ? 4 : 20, rounds: quick ? 6 : rounds, seed: seed, work: work.appending(path: "year"),
                                     log: Scenarios.log)
                try FileManager.default.createDirectory(at: year.work, withIntermediateDirectories: true)
                results += try year.results(repetitions: repetitions)
            }
            if groups.contains(.scale) {
                let scale = ScaleRun(n: n, seed: seed, work: work.appending(path: "scale"))
                try FileManager.default.createDirectory(at: scale.work, withIntermediateDirectories: true)
                try scale.run()
                results += scale.results
            }
            print(ResultsTable.table(results))
            let json = ResultsTable.json(results, settings: [
                "n": .int(Int64(n)), "seed": .int(Int64(seed)), "repetitions": .int(Int64(repetitions)), "quick": .bool(quick),
                "groups": .array(groups.map(\.rawValue).sorted().map(JSONValue.string)),
            ])
            try Data((json.prettyString + "\n").utf8).write(to: URL(fileURLWithPath: output))
            print("\nresults written to \(output)")
        }
    }

    /// The team soak on its own: five analysts, two folders, hand-carried files, every kind of
    /// change, through the real binary; fails if anything crashed or the stores disagree.
    struct Soak: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "soak",
            abstract: "Five analysts using fieldnotes at random; prints the slowest commands and checks that they converge.")

        @Option(help: "Random operations (each a command, or a look at a store).") var operations = 1_500
        @Option(help: "Seed (default: a new one, printed).") var seed: UInt64?
        @Option(help: "A folder for the stores and shared folders (default: a temporary folder, removed after).") var work: String?
        @Option(help: "The fieldnotes binary (default: the one built next to this one).") var fieldnotes: String?

        func run() throws {
            let seed = seed ?? UInt64.random(in: 1...UInt64(UInt32.max))
            print("soak: seed \(seed), \(operations) operations (replay with --seed \(seed))")
            let work = URL(fileURLWithPath: self.work ?? FileManager.default.temporaryDirectory.appending(path: "fieldnotes-soak-\(UUID().uuidString.prefix(8))").path)
            defer { if self.work == nil { try? FileManager.default.removeItem(at: work) } }
            let soak = TeamSoak(binary: fieldnotes.map { URL(fileURLWithPath: $0) } ?? TeamSoak.siblingBinary, work: work,
                                operations: operations, seed: seed, log: Scenarios.log)
            let summary = try soak.run()
            print("soak: \(summary.commands) commands (\(summary.refused) refused), \(summary.reports) reports, \(summary.versions) versions, \(summary.conflicts) open conflicts")
            for (kind, times) in summary.timesByKind.sorted(by: { $0.key < $1.key }) {
                print("soak:   \(kind.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(times.count).padding(toLength: 5, withPad: " ", startingAt: 0)) median \(seconds(Measure.median(times))), slowest \(seconds(times.max() ?? 0))")
            }
            for slow in summary.slowest { print("soak: slowest: \(seconds(slow.seconds))  \(slow.command)") }
            for problem in summary.problems { print("soak: PROBLEM: \(problem)") }
            if !summary.problems.isEmpty { throw ExitCode.failure }
        }

        /// The soak as a line of the results: its slowest single command.
        static func scenario(operations: Int, seed: UInt64, work: URL) throws -> Result {
            Scenarios.log("soak: \(operations) operations of a team of five")
            let summary = try TeamSoak(binary: TeamSoak.siblingBinary, work: work, operations: operations, seed: seed, log: Scenarios.log).run()
            guard summary.problems.isEmpty else { throw BenchError("soak: \(summary.problems)") }
            let slowest = summary.slowestSeconds
            let all = summary.timesByKind.values.flatMap { $0 }
            return Result(
                scenario: "team soak, \(operations) operations: slowest command", measured: seconds(slowest),
                baseline: "\(summary.commands) commands, p99 \(seconds(Measure.percentile(all, 0.99))); slowest: \(summary.slowest.first?.command.split(separator: " ").dropFirst(2).first ?? "")",
                ratio: seconds(slowest), budget: "< 5.00 s", met: slowest < 5,
                figures: ["slowestSeconds": .double(slowest), "p99Seconds": .double(Measure.percentile(all, 0.99)),
                          "commands": .int(Int64(summary.commands)), "versions": .int(Int64(summary.versions)),
                          "slowestCommand": .string(summary.slowest.first?.command ?? "")])
        }
    }

    /// Imports a changeset into a new store and writes the seconds it took (run as a child
    /// process so that its peak memory is measured alone).
    struct ChildImport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-import", shouldDisplay: false)
        @Option var store: String
        @Option var file: String
        @Option var result: String
        @Flag(help: "The store holds the bench's team key (``Scenarios/benchTeamKey``), to read an encrypted file.") var teamKey = false

        func run() throws {
            let store = try Store.create(at: URL(fileURLWithPath: store), analyst: "bench")
            if teamKey { try store.addTeamKeys([Scenarios.benchTeamKey.stored()]) }
            var summary = SyncSummary()
            let seconds = Measure.time { summary = Synchronizer(store: store).importFiles([URL(fileURLWithPath: file)]) }
            guard summary.skipped.isEmpty else { throw BenchError("import refused: \(summary.skipped)") }
            try "\(seconds)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }

    /// The search scenario alone, on a store already loaded (`--work` keeps one).
    struct SearchOnly: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "search-only", shouldDisplay: false)
        @Option var store: String

        func run() throws {
            let (latencies, hits, count) = try Scenarios.searchLatencies(in: try Store.open(at: URL(fileURLWithPath: store)))
            print("p50 \(milliseconds(Measure.percentile(latencies, 0.5))), p90 \(milliseconds(Measure.percentile(latencies, 0.9))), p99 \(milliseconds(Measure.percentile(latencies, 0.99))), max \(milliseconds(latencies.max() ?? 0)); \(hits / count) hits per query")
        }
    }

    /// One edit round of the 1% scenario alone, on stores the scenario left (`--work`): edits
    /// `--edits` reports in the first store, then times its sync and the second's.
    struct EditSyncOnly: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "edit-sync-only", shouldDisplay: false)
        @Option var alice: String
        @Option var bob: String
        @Option var folder: String
        @Option var edits = 1_000

        func run() throws {
            let (alice, bob) = (try Store.open(at: URL(fileURLWithPath: alice)), try Store.open(at: URL(fileURLWithPath: bob)))
            let folder = URL(fileURLWithPath: folder)
            for summary in try alice.summaries(ReportFilter(limit: edits)) {
                try alice.commitChange(to: summary.id) { $0.title = "Revised again: " + $0.title.prefix(60) }
            }
            let out = try Measure.time { _ = try Synchronizer(store: alice).sync(with: folder) }
            let into = try Measure.time { _ = try Synchronizer(store: bob).sync(with: folder) }
            print("alice's sync \(seconds(out)), bob's \(seconds(into))")
        }
    }

    /// Syncs a store with a folder until nothing is new, then times syncs that find nothing
    /// new (compaction on, no grace period): for profiling the year of use's no-op sync on a
    /// folder kept with `run --work`.
    struct NoOpSyncOnly: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "noop-sync-only", shouldDisplay: false)
        @Option var store: String
        @Option var folder: String
        @Option var runs = 200

        func run() throws {
            let store = try Store.open(at: URL(fileURLWithPath: store))
            let synchronizer = Synchronizer(store: store, compaction: CompactionPolicy(graceMilliseconds: 0))
            let folder = URL(fileURLWithPath: folder)
            _ = try synchronizer.sync(with: folder)
            let times = try (0..<runs).map { _ in try Measure.time { _ = try synchronizer.sync(with: folder) } }
            print("no-op sync: median \(milliseconds(Measure.median(times))), fastest \(milliseconds(times.min() ?? 0)) of \(runs)")
        }
    }

    /// Verifies a store and writes the seconds it took.
    struct ChildVerify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-verify", shouldDisplay: false)
        @Option var store: String
        @Option var result: String

        func run() throws {
            let store = try Store.open(at: URL(fileURLWithPath: store))
            var problems: [String] = []
            let seconds = try Measure.time { problems = try StoreVerifier.verify(store).problems }
            guard problems.isEmpty else { throw BenchError("verify found problems: \(problems.prefix(3))") }
            try "\(seconds)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }

    /// Writes every report of a store in a format others read (`list --format`), and the
    /// seconds reading the reports took, then making the document, then the peak memory.
    struct ChildFormats: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-formats", shouldDisplay: false)
        @Option var store: String
        @Option var format: String
        @Option var result: String

        func run() throws {
            let store = try Store.open(at: URL(fileURLWithPath: store))
            var exports: [ReportExport] = []
            let reading = try Measure.time {
                let reports = try store.reports(ReportFilter())
                let authors = try store.authors(of: reports.map(\.report.id))
                exports = reports.map { ReportExport(report: $0.report, authors: authors[$0.report.id] ?? [], heads: $0.heads) }
            }
            var bytes = 0
            let making = try Measure.time {
                switch format {
                case "stix": bytes = STIXFormat.bundle(exports).utf8.count
                case "geojson": bytes = GeoJSONFormat.featureCollection(exports).document.utf8.count
                case "csv": bytes = CSVFormat.reports(exports).utf8.count
                default: throw BenchError("unknown format \(format)")
                }
            }
            try "\(reading) \(making) \(bytes)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }

    /// Exports every version of a store and writes the seconds it took.
    struct ChildExport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-export", shouldDisplay: false)
        @Option var store: String
        @Option var file: String
        @Option var result: String
        @Flag(help: "Encrypt with the bench's team key.") var encrypted = false

        func run() throws {
            let store = try Store.open(at: URL(fileURLWithPath: store))
            let key = encrypted ? Scenarios.benchTeamKey : nil
            let seconds = try Measure.time { _ = try Synchronizer(store: store).export(to: URL(fileURLWithPath: file), all: true, encryption: key) }
            try "\(seconds)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }
}
