import ArgumentParser
import Foundation
import OfflineStore
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
        subcommands: [Run.self, ChildImport.self, ChildExport.self],
        defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the benchmarks (the default).")

        @Option(help: "Number of reports.") var n = 100_000
        @Option(help: "Seed of the corpus.") var seed: UInt64 = 1
        @Option(help: "Repetitions of each timed scenario (the median is reported).") var repetitions = 3
        @Flag(help: "A small smoke run (500 reports, one repetition).") var quick = false
        @Option(help: "Where to write the JSON results.") var output = "bench-results.json"
        @Option(help: "A folder for the scratch files (default: a temporary folder, removed after).") var work: String?
        @Option(help: "Only these groups of scenarios: throughput (N reports), history (shapes of one report's history).")
        var only: [Group] = []

        enum Group: String, ExpressibleByArgument, CaseIterable {
            case throughput, history
        }

        func run() throws {
            let (n, repetitions) = quick ? (500, 1) : (self.n, self.repetitions)
            let groups = Set(only.isEmpty ? Group.allCases : only)
            let work = URL(fileURLWithPath: self.work ?? FileManager.default.temporaryDirectory.appending(path: "fieldnotes-bench-\(UUID().uuidString.prefix(8))").path)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { if self.work == nil { try? FileManager.default.removeItem(at: work) } }
            var results: [Result] = []
            if groups.contains(.throughput) {
                let scenarios = try Scenarios(n: n, seed: seed, repetitions: repetitions, work: work)
                try scenarios.importScenario()
                try scenarios.exportScenario()
                try scenarios.memoryScenario()
                try scenarios.searchScenario()
                try scenarios.noOpSyncScenario()
                try scenarios.editSyncScenario()
                results += scenarios.results
            }
            if groups.contains(.history) {
                let shapes = HistoryShapes(quick: quick, work: work.appending(path: "history"))
                try FileManager.default.createDirectory(at: shapes.work, withIntermediateDirectories: true)
                try shapes.run()
                results += shapes.results
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

    /// Imports a changeset into a new store and writes the seconds it took (run as a child
    /// process so that its peak memory is measured alone).
    struct ChildImport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-import", shouldDisplay: false)
        @Option var store: String
        @Option var file: String
        @Option var result: String

        func run() throws {
            let store = try Store.create(at: URL(fileURLWithPath: store), analyst: "bench")
            var summary = SyncSummary()
            let seconds = Measure.time { summary = Synchronizer(store: store).importFiles([URL(fileURLWithPath: file)]) }
            guard summary.skipped.isEmpty else { throw BenchError("import refused: \(summary.skipped)") }
            try "\(seconds)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }

    /// Exports every version of a store and writes the seconds it took.
    struct ChildExport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "child-export", shouldDisplay: false)
        @Option var store: String
        @Option var file: String
        @Option var result: String

        func run() throws {
            let store = try Store.open(at: URL(fileURLWithPath: store))
            let seconds = try Measure.time { _ = try Synchronizer(store: store).export(to: URL(fileURLWithPath: file), all: true) }
            try "\(seconds)\n\(Measure.peakMemoryMB())".write(toFile: result, atomically: true, encoding: .utf8)
        }
    }
}
