import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// Histories of the shapes real teams and hostile folders make, each one report crafted in
/// the real changeset format (every check passing) and imported into a new store in a child
/// process (DESIGN.md §7: "any history shape … < 2 s each"; issue 9's table).
final class HistoryShapes {
    let quick: Bool
    let work: URL
    private(set) var results: [Result] = []
    private var corpus = Corpus(seed: 9)
    private var tick: Int64 = 1_719_100_000_000

    init(quick: Bool, work: URL) {
        self.quick = quick
        self.work = work
    }

    func size(_ full: Int, quick small: Int) -> Int { quick ? small : full }

    static func replica(_ number: Int) -> ReplicaID {
        ReplicaID(String(format: "%08x-0000-4000-8000-%012x", 0xA0000000 + number, number))!
    }

    private func nextTime() -> Timestamp {
        tick += 1_000
        return Timestamp(millisecondsSince1970: tick)
    }

    private func version(_ snapshot: Report, after parents: VectorClock, by replica: Int) -> Version {
        var snapshot = snapshot
        let time = nextTime()
        snapshot.updatedAt = time
        snapshot.normalize()
        return Version(snapshot: snapshot, after: parents, replica: Self.replica(replica), author: "analyst\(replica)", time: time)
    }

    /// A changeset holding the versions `write` hands over, written as it goes.
    private func changeset(_ name: String, _ write: (ChangesetWriter) throws -> Void) throws -> URL {
        let url = work.appending(path: "\(name).fnc")
        try? FileManager.default.removeItem(at: url)
        let writer = try ChangesetWriter(at: url, writer: Self.replica(999_999), sequence: 1, level: 1, signing: nil)
        try write(writer)
        _ = try writer.finish()
        return url
    }

    /// Imports a changeset into a new store in a child process: seconds, peak MB, the store.
    private func importInChild(_ file: URL, _ name: String) throws -> (seconds: Double, peakMB: Double, store: URL) {
        let store = work.appending(path: "store-\(name)-\(UUID().uuidString.prefix(8))")
        let child = try Measure.child(["child-import", "--store", store.path, "--file", file.path])
        return (Double(child.output) ?? .nan, child.peakMemoryMB, store)
    }

    private func record(_ scenario: String, seconds value: Double, budget: Double?, baseline: String = "", figures: [String: JSONValue] = [:]) {
        var figures = figures
        figures["seconds"] = .double(value)
        results.append(Result(scenario: scenario, measured: seconds(value), baseline: baseline,
                              ratio: seconds(value), budget: budget.map { "< \(seconds($0))" } ?? "",
                              met: budget.map { value < $0 }, figures: figures))
    }

    /// A report edited by one small change: a line of the narrative, a tag, a casualty
    /// figure, the status, now and then the title.
    private func edited(_ report: Report, step: Int) -> Report {
        var report = report
        switch step % 5 {
        case 0:
            var lines = report.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[step % lines.count] = corpus.sentence()
            report.body = lines.joined(separator: "\n")
        case 1:
            let tag = Corpus.tags[step % Corpus.tags.count]
            if report.tags.contains(tag) { report.tags.remove(tag) } else if report.tags.count < 20 { report.tags.insert(tag) }
        case 2:
            if !report.events.isEmpty { report.events[0].killed = (report.events[0].killed ?? 0) + 1 }
        case 3:
            report.status = Status.allCases[step % Status.allCases.count]
        default:
            if step % 50 == 4 { report.title = "Revision \(step): " + report.title.prefix(60) }
        }
        return report
    }

    // MARK: - Scenarios

    func run() throws {
        try chainScenario()
        try concurrentHeadsScenario()
        try narrativeScenario()
        try wideClocksScenario()
        try longReportScenario()
    }

    /// One replica's chain of edits and three versions concurrent with it, made after its
    /// first, its middle and its next-to-last version: four heads whose common past is the
    /// first version, so the merge reads the whole chain.
    func chainScenario() throws {
        let length = size(10_000, quick: 300)
        Scenarios.log("history: a \(length)-version chain with 3 concurrent heads")
        var base = corpus.report(createdAt: Timestamp(millisecondsSince1970: tick))
        base.author = "analyst0"
        var chain: [Version] = []
        let file = try changeset("chain") { writer in
            var snapshot = base
            var clock = VectorClock()
            for step in 0..<length {
                if step > 0 { snapshot = edited(snapshot, step: step) }
                let made = version(snapshot, after: clock, by: 0)
                clock = made.clock
                try writer.append(made, signature: nil)
                if [0, length / 2, length - 2].contains(step) { chain.append(made) }
            }
            for (index, fork) in chain.enumerated() {
                var snapshot = fork.snapshot
                snapshot.title = "Concurrent title \(index)"
                if !snapshot.events.isEmpty { snapshot.events[0].injured = 100 + index }
                try writer.append(version(snapshot, after: fork.clock, by: index + 1), signature: nil)
            }
        }
        let imported = try importInChild(file, "chain")
        record("history: \(length)-version chain + 3 concurrent heads, import", seconds: imported.seconds, budget: 2,
               figures: ["versions": .int(Int64(length + 3)), "peakMB": .double(imported.peakMB)])

        let store = try Store.open(at: imported.store)
        guard let id = try store.summaries(ReportFilter()).first?.id else { throw BenchError("the chain's report is missing") }
        var entries = 0
        let logSeconds = try Measure.time { entries = try store.history(of: id).log.count }
        guard entries == length + 3 else { throw BenchError("log listed \(entries) versions") }
        record("history: log of that report", seconds: logSeconds, budget: 1)
        var problems: [String] = []
        let verifySeconds = try Measure.time { problems = try StoreVerifier.verify(store).problems }
        guard problems.isEmpty else { throw BenchError("verify: \(problems)") }
        record("history: verify of that store", seconds: verifySeconds, budget: nil)
    }

    /// Thousands of replicas each made a first version of one report, none seeing another.
    func concurrentHeadsScenario() throws {
        let count = size(3_200, quick: 100)
        Scenarios.log("history: \(count) concurrent first versions")
        let id = ReportID(corpus.uuid())!
        let file = try changeset("heads") { writer in
            for replica in 0..<count {
                var report = corpus.report(createdAt: Timestamp(millisecondsSince1970: tick))
                report.id = id
                report.author = "analyst\(replica)"
                try writer.append(version(report, after: VectorClock(), by: replica), signature: nil)
            }
        }
        let imported = try importInChild(file, "heads")
        record("history: \(count) concurrent first versions, import", seconds: imported.seconds, budget: 2,
               figures: ["versions": .int(Int64(count)), "peakMB": .double(imported.peakMB)])
    }

    /// A long narrative and two concurrent rewrites of all of it: past the diff's cost cap,
    /// one conflict keeping both.
    func narrativeScenario() throws {
        let bytes = size(750_000, quick: 20_000)
        Scenarios.log("history: two concurrent rewrites of a \(bytes / 1000) KB narrative")
        func narrative() -> String {
            var lines: [String] = []
            var total = 0
            while total < bytes {
                let line = corpus.sentence()
                total += line.utf8.count + 1
                lines.append(line)
            }
            return lines.joined(separator: "\n")
        }
        var base = corpus.report(createdAt: Timestamp(millisecondsSince1970: tick))
        base.body = narrative()
        let file = try changeset("narrative") { writer in
            let first = version(base, after: VectorClock(), by: 0)
            try writer.append(first, signature: nil)
            for replica in 1...2 {
                var rewrite = base
                rewrite.body = narrative()
                try writer.append(version(rewrite, after: first.clock, by: replica), signature: nil)
            }
        }
        let imported = try importInChild(file, "narrative")
        record("history: two concurrent rewrites of a \(bytes / 1000) KB narrative, import", seconds: imported.seconds, budget: 2,
               figures: ["bytes": .int(Int64(bytes)), "peakMB": .double(imported.peakMB)])
    }

    /// Versions whose clocks name thousands of replicas (whose versions are not in the file):
    /// two concurrent chains. They should cost what their bytes cost: the import grows
    /// linearly with the clocks (measured at a quarter of the entries too), and stays within
    /// a few times the cost of reading and checking the file.
    func wideClocksScenario() throws {
        let (count, entries) = (size(100, quick: 20), size(10_000, quick: 500))
        Scenarios.log("history: \(count) versions with \(entries)-entry clocks (and \(entries / 4))")
        let base = corpus.report(createdAt: Timestamp(millisecondsSince1970: tick))
        func changeset(entries: Int) throws -> URL {
            let others = Dictionary(uniqueKeysWithValues: (0..<entries).map { (Self.replica(10_000 + $0), 1) })
            return try self.changeset("clocks-\(entries)") { writer in
                var clocks = [VectorClock(others), VectorClock(others)]
                var snapshots = [base, base]
                for step in 0..<count {
                    let line = step % 2
                    snapshots[line] = edited(snapshots[line], step: step)
                    let made = version(snapshots[line], after: clocks[line], by: line)
                    clocks[line] = made.clock
                    try writer.append(made, signature: nil)
                }
            }
        }
        let (small, large) = (try changeset(entries: entries / 4), try changeset(entries: entries))
        let reading = try Measure.time { _ = try ChangesetReader.read(large) { _, _ in } }
        let quarter = try importInChild(small, "clocks-quarter")
        let imported = try importInChild(large, "clocks")
        let growth = imported.seconds / quarter.seconds
        results.append(Result(
            scenario: "history: \(count) versions with \(entries)-entry clocks, import", measured: seconds(imported.seconds),
            baseline: "at \(entries / 4) entries: \(seconds(quarter.seconds)); reading and checking the file: \(seconds(reading))",
            ratio: String(format: "%.1f× for 4×", growth), budget: "≤ 4.5× (linear)", met: growth <= 4.5,
            figures: ["seconds": .double(imported.seconds), "quarterSeconds": .double(quarter.seconds), "growth": .double(growth),
                      "readSeconds": .double(reading), "ratioToRead": .double(imported.seconds / reading),
                      "peakMB": .double(imported.peakMB)]))
    }

    /// One report edited a very large number of times, with two concurrent versions at the
    /// end: the import's memory must not grow with the history.
    func longReportScenario() throws {
        let length = size(200_000, quick: 2_000)
        Scenarios.log("history: one report of \(length) versions")
        var base = corpus.report(createdAt: Timestamp(millisecondsSince1970: tick))
        base.body = String(base.body.prefix(600))
        let file = try changeset("long") { writer in
            var snapshot = base
            var clock = VectorClock()
            var fork: Version?
            for step in 0..<length {
                if step > 0 { snapshot = edited(snapshot, step: step) }
                let made = version(snapshot, after: clock, by: 0)
                clock = made.clock
                try writer.append(made, signature: nil)
                if step == length - 10 { fork = made }
            }
            var concurrent = fork!.snapshot
            concurrent.title = "A concurrent title"
            try writer.append(version(concurrent, after: fork!.clock, by: 1), signature: nil)
        }
        let imported = try importInChild(file, "long")
        results.append(Result(
            scenario: "history: one report of \(length) versions, peak memory of import",
            measured: String(format: "%.0f MB", imported.peakMB), baseline: "import took \(seconds(imported.seconds))",
            ratio: String(format: "%.0f MB", imported.peakMB), budget: "< 300 MB", met: imported.peakMB < 300,
            figures: ["peakMB": .double(imported.peakMB), "seconds": .double(imported.seconds), "versions": .int(Int64(length + 1))]))
    }
}
