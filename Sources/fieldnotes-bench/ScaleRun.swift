import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// The scale run (`--only scale`, `--n 1000000`; not in CI): import, export, search,
/// `list --limit 20` and `status` at N reports and at N/10, each growing at most linearly
/// (≤ 10× for 10× the reports), and the peak memory of import and export under 300 MB.
/// The corpus is written to its changeset as it is generated, never held whole.
final class ScaleRun {
    let n: Int
    let seed: UInt64
    let work: URL
    private(set) var results: [Result] = []

    init(n: Int, seed: UInt64, work: URL) {
        self.n = n
        self.seed = seed
        self.work = work
    }

    struct Figures {
        var importSeconds = 0.0, importMB = 0.0, exportSeconds = 0.0, exportMB = 0.0
        var searchP50 = 0.0, searchP99 = 0.0, list = 0.0, status = 0.0
    }

    func run() throws {
        let small = try measure(max(1, n / 10))
        let large = try measure(n)
        func row(_ name: String, _ a: Double, _ b: Double, format: (Double) -> String) {
            let growth = b / a
            results.append(Result(
                scenario: "scale: \(name)", measured: "\(format(b)) at \(n)", baseline: "\(format(a)) at \(max(1, n / 10))",
                ratio: String(format: "%.1f×", growth), budget: "≤ 10× (linear)", met: growth <= 10,
                figures: ["atN": .double(b), "atTenth": .double(a), "growth": .double(growth), "n": .int(Int64(n))]))
        }
        row("import", small.importSeconds, large.importSeconds, format: seconds)
        row("export", small.exportSeconds, large.exportSeconds, format: seconds)
        row("search p50", small.searchP50, large.searchP50, format: milliseconds)
        row("search p99", small.searchP99, large.searchP99, format: milliseconds)
        row("list --limit 20", small.list, large.list, format: milliseconds)
        row("status", small.status, large.status, format: milliseconds)
        for (name, peak) in [("import", large.importMB), ("export", large.exportMB)] {
            results.append(Result(
                scenario: "scale: peak memory, \(name)", measured: String(format: "%.0f MB at %d", peak, n), baseline: "",
                ratio: String(format: "%.0f MB", peak), budget: "< 300 MB", met: peak < 300,
                figures: ["peakMB": .double(peak), "n": .int(Int64(n))]))
        }
    }

    private func measure(_ count: Int) throws -> Figures {
        var figures = Figures()
        let file = work.appending(path: "scale-\(count).fnc")
        Scenarios.log("scale: writing \(count) reports")
        var corpus = Corpus(seed: seed)
        let replica = ReplicaID("5ca1e000-0000-4000-8000-000000000001")!
        // Changesets are ordered by report: ids are drawn first and sorted, then each report
        // is made and written as it comes.
        var ids: [String] = []
        for _ in 0..<count { ids.append(corpus.uuid()) }
        ids.sort()
        let writer = try ChangesetWriter(at: file, writer: replica, sequence: 1, level: Synchronizer.level(for: count), signing: nil)
        let start = Timestamp(millisecondsSince1970: 1_719_100_000_000)
        for (index, id) in ids.enumerated() {
            let time = Timestamp(millisecondsSince1970: start.millisecondsSince1970 + Int64(index) * 1000)
            var report = corpus.report(createdAt: time)
            report.id = ReportID(id)!
            try writer.append(Version(snapshot: report, after: VectorClock(), replica: replica, author: "bench", time: time), signature: nil)
        }
        _ = try writer.finish()
        let store = work.appending(path: "scale-store-\(count)")
        Scenarios.log("scale: importing \(count) reports")
        let imported = try Measure.child(["child-import", "--store", store.path, "--file", file.path])
        (figures.importSeconds, figures.importMB) = (Double(imported.output) ?? .nan, imported.peakMemoryMB)
        Scenarios.log("scale: exporting \(count) reports")
        let exported = try Measure.child(["child-export", "--store", store.path, "--file", work.appending(path: "scale-export-\(count).fnc").path])
        (figures.exportSeconds, figures.exportMB) = (Double(exported.output) ?? .nan, exported.peakMemoryMB)
        try? FileManager.default.removeItem(at: file)
        try? FileManager.default.removeItem(at: work.appending(path: "scale-export-\(count).fnc"))
        let opened = try Store.open(at: store)
        let (latencies, _, _) = try Scenarios.searchLatencies(in: opened)
        (figures.searchP50, figures.searchP99) = (Measure.percentile(latencies, 0.5), Measure.percentile(latencies, 0.99))
        // What `list --limit 20` and `status` read, timed in the library (a process start
        // would hide them).
        figures.list = Measure.median(try (0..<20).map { _ in try Measure.time { _ = try opened.summaries(ReportFilter(limit: 20)) } })
        figures.status = Measure.median(try (0..<5).map { _ in
            try Measure.time {
                _ = try opened.counts()
                _ = try opened.unsyncedVersionCount()
                _ = try opened.remotes()
            }
        })
        return figures
    }
}
