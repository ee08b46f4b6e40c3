import Foundation
import Testing

/// The benchmark executable still runs every scenario and writes its JSON (a smoke run at a
/// small size; the figures themselves are measured release-built, see the README).
@Suite("The benchmark, as a smoke run")
struct BenchmarkSmokeTests {
    @Test func aQuickRunMeasuresEveryScenario() throws {
        let sandbox = try Sandbox()
        let bench = Sandbox.binary.deletingLastPathComponent().appending(path: "fieldnotes-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench.path))
        let output = sandbox.folder.appending(path: "results.json")
        let process = Process()
        process.executableURL = bench
        process.arguments = ["--quick", "--output", output.path, "--work", sandbox.folder.appending(path: "work").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let scenarios = (json["results"] as? [[String: Any]] ?? []).compactMap { $0["scenario"] as? String }
        for name in ["import", "export", "changeset size", "peak memory, import", "peak memory, export", "search", "list --format stix", "list --format geojson", "list --format csv", "sync, nothing new", "sync after 1000 changesets vanished", "1% edit",
                     "history: 300-version chain", "history: log", "history: verify", "history: 100 concurrent first versions",
                     "history: two concurrent rewrites", "history: 20 versions with 500-entry clocks", "history: one report of 2000 versions",
                     "team soak, 60 operations", "year of use (4 replicas, 6 rounds)", "year of use: a new laptop", "year of use: sync, nothing new"] {
            #expect(scenarios.contains { $0.hasPrefix(name) }, "\(name) missing from \(scenarios)")
        }
        #expect((json["settings"] as? [String: Any])?["quick"] as? Bool == true)
    }
}
