import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// A year of a team's use of one shared folder, compressed (issue 14, DESIGN.md §11): twenty
/// replicas, a hundred rounds in which each writes 1–20 new or edited reports and syncs, with
/// compaction at its most eager (no grace period) — and the same again without compaction.
/// Reports the folder's size and file count over time, a new laptop's first sync against
/// importing one changeset of the same versions, and a sync that finds nothing new.
///
/// Budgets: the folder stays under 2.5× one snapshot of everything; the first sync of a new
/// laptop takes at most 1.2× importing one changeset of the same versions; a sync that finds
/// nothing new takes under 20 ms with twenty writers.
struct YearOfUse {
    let replicas: Int
    let rounds: Int
    let seed: UInt64
    let work: URL
    let log: (String) -> Void

    /// The folder after a round: its bytes and files, and the size of one snapshot of
    /// everything then (with compaction every round, the budget's bound; without, every
    /// `sampleEvery` rounds, to show).
    struct Sample {
        var round: Int
        var bytes: Int
        var files: Int
        var snapshotOfEverything: Int?
    }

    var sampleEvery: Int { max(1, rounds / 10) }

    /// Runs the year; returns the samples and the stores.
    func run(compaction: Bool) throws -> (samples: [Sample], stores: [Store], folder: URL) {
        let root = work.appending(path: compaction ? "compacted" : "plain")
        try? FileManager.default.removeItem(at: root)
        let folder = root.appending(path: "shared")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stores = try (0..<replicas).map { try Store.create(at: root.appending(path: "replica\($0)"), analyst: "analyst\($0)") }
        let policy = compaction ? CompactionPolicy(graceMilliseconds: 0) : .off
        var corpus = Corpus(seed: seed)
        var random = SeededGenerator(state: seed)
        var samples: [Sample] = []
        for round in 1...rounds {
            for store in stores {
                // An analyst mostly updates the reports it wrote, and now and then a colleague's
                // (a report in conflict waits for its analyst to resolve it).
                let recent = try store.summaries(ReportFilter(limit: 100)).filter { $0.conflicts == 0 }
                let own = recent.filter { $0.author == store.identity.analyst }
                for _ in 0..<Int.random(in: 1...20, using: &random) {
                    let pool = Int.random(in: 0..<5, using: &random) == 0 ? recent : own
                    if let target = pool.randomElement(using: &random), Int.random(in: 0..<10, using: &random) < 6 {
                        let paragraph = corpus.paragraph(), tag = Corpus.tags.randomElement(using: &random)!
                        _ = try store.commitChange(to: target.id) { report in
                            report.body = Report.normalizedBody(report.body + "\n\nUpdate: " + paragraph)
                            report.tags.insert(tag)
                        }
                    } else {
                        _ = try store.create(corpus.report(createdAt: .now))
                    }
                }
                let summary = try Synchronizer(store: store, compaction: policy).sync(with: [folder])[0].get()
                guard summary.skipped.isEmpty, summary.waiting.isEmpty else {
                    throw BenchError("year of use, round \(round): \(summary.skipped.map(\.reason)) \(summary.waiting.map(\.missing))")
                }
            }
            var sample = Self.measure(folder, round: round)
            if compaction || round == 1 || round % sampleEvery == 0 || round == rounds {
                sample.snapshotOfEverything = try snapshotSize(of: stores.last!, scratch: root.appending(path: "scratch-\(round)"))
                log("year of use\(compaction ? "" : " without compaction"): round \(round), \(sample.files) files, \(sample.bytes / 1024) KB (one snapshot of everything: \(sample.snapshotOfEverything! / 1024) KB)")
            }
            samples.append(sample)
        }
        return (samples, stores, folder)
    }

    /// The bytes and files of a folder, every file counted.
    static func measure(_ folder: URL, round: Int) -> Sample {
        var sample = Sample(round: round, bytes: 0, files: 0)
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])!
        for case let url as URL in enumerator {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true else { continue }
            sample.bytes += values.fileSize ?? 0
            sample.files += 1
        }
        return sample
    }

    /// The size of a snapshot of every version `store` holds (the last replica of a round
    /// holds every version written so far), written in a scratch folder and removed.
    func snapshotSize(of store: Store, scratch: URL) throws -> Int {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        _ = try Synchronizer(store: store, compaction: .off).sync(with: [scratch], snapshot: true)[0].get()
        let url = scratch.appending(path: "fieldnotes/replicas/\(store.identity.replica)/snapshot.fnc")
        return (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }

    /// The year, with and without compaction, as lines of the results.
    func results(repetitions: Int) throws -> [Result] {
        log("year of use: \(replicas) replicas, \(rounds) rounds, without compaction")
        let plain = try run(compaction: false)
        log("year of use: with compaction (no grace period)")
        let (samples, stores, folder) = try run(compaction: true)
        var results: [Result] = []

        // Every round against the snapshot of everything at its end.
        let worst = samples.map { Double($0.bytes) / Double($0.snapshotOfEverything!) }.max()!
        let last = samples.last!, plainLast = plain.samples.last!
        func series(_ samples: [Sample]) -> JSONValue {
            .array(samples.map { sample in
                var members: JSONObject = ["round": .int(Int64(sample.round)), "bytes": .int(Int64(sample.bytes)), "files": .int(Int64(sample.files))]
                if let snapshot = sample.snapshotOfEverything { members["snapshotOfEverything"] = .int(Int64(snapshot)) }
                return .object(members)
            })
        }
        results.append(Result(
            scenario: "year of use (\(replicas) replicas, \(rounds) rounds): folder / one snapshot of everything, worst round",
            measured: "\(last.bytes / 1024) KB in \(last.files) files at the end", baseline: "without compaction: \(plainLast.bytes / 1024) KB in \(plainLast.files) files",
            ratio: String(format: "%.2f×", worst), budget: "< 2.5×", met: worst < 2.5,
            figures: ["worstRatio": .double(worst), "compacted": series(samples), "withoutCompaction": series(plain.samples)]))

        // A new laptop's first sync, against importing one changeset of the same versions.
        var bootstrap: [Double] = [], single: [Double] = []
        var versions = 0
        for repetition in 0..<repetitions {
            let newcomer = try Store.create(at: work.appending(path: "newcomer-\(repetition)"), analyst: "newcomer")
            var summary = SyncSummary()
            bootstrap.append(try Measure.time { summary = try Synchronizer(store: newcomer, compaction: .off).sync(with: [folder])[0].get() })
            guard !summary.importedSnapshots.isEmpty, summary.skipped.isEmpty, summary.waiting.isEmpty else {
                throw BenchError("the newcomer did not start from a snapshot: \(summary)")
            }
            let file = work.appending(path: "everything-\(repetition).fnc")
            versions = try Synchronizer(store: newcomer).export(to: file, all: true)
            let fresh = try Store.create(at: work.appending(path: "single-\(repetition)"), analyst: "single")
            var imported = SyncSummary()
            single.append(Measure.time { imported = Synchronizer(store: fresh).importFiles([file]) })
            guard imported.skipped.isEmpty, imported.importedVersions == versions else { throw BenchError("the single changeset did not import") }
            guard try fresh.canonicalDump() == stores.last!.canonicalDump() else { throw BenchError("the newcomer does not hold what the team holds") }
        }
        let ratio = Measure.median(bootstrap) / Measure.median(single)
        results.append(Result(
            scenario: "year of use: a new laptop's first sync (\(versions) versions)", measured: seconds(Measure.median(bootstrap)),
            baseline: "one changeset of the same versions: \(seconds(Measure.median(single)))",
            ratio: String(format: "%.2f×", ratio), budget: "≤ 1.2×", met: ratio <= 1.2,
            figures: ["seconds": .double(Measure.median(bootstrap)), "singleChangesetSeconds": .double(Measure.median(single)),
                      "versions": .int(Int64(versions))]))

        // A sync that finds nothing new, with every writer's directory there.
        let store = stores[0]
        _ = try Synchronizer(store: store, compaction: CompactionPolicy(graceMilliseconds: 0)).sync(with: [folder])[0].get()
        var noOp: [Double] = []
        for _ in 0..<max(20, repetitions) {
            noOp.append(try Measure.time {
                let summary = try Synchronizer(store: store, compaction: CompactionPolicy(graceMilliseconds: 0)).sync(with: [folder])[0].get()
                guard summary.importedVersions == 0, summary.exportedVersions == 0, !summary.wroteSnapshot else { throw BenchError("the no-op sync was not") }
            })
        }
        let median = Measure.median(noOp)
        results.append(Result(
            scenario: "year of use: sync, nothing new, \(replicas) writers", measured: milliseconds(median), baseline: "",
            ratio: milliseconds(median), budget: "< 20 ms", met: median < 0.02,
            figures: ["seconds": .double(median), "runs": .int(Int64(noOp.count))]))
        return results
    }
}
