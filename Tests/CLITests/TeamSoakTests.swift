import Foundation
import Testing

/// Issue 9's team soak through the real binary: five analysts, two shared folders, files by
/// hand, every kind of change including `edit` and `resolve`, random partial syncs; then
/// everyone syncs, and the stores must agree and pass `verify`, with no command crashing.
///
/// 150 operations by default; `FIELDNOTES_SOAK=<k>` runs k times as many (the benchmark runs
/// 1,500 release-built and reports the slowest command), `FIELDNOTES_SEED=<n>` replays a run.
@Suite("Team soak through the binary")
struct TeamSoakTests {
    @Test func aTeamOfFiveWorkingAtRandomConverges() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let scale = environment["FIELDNOTES_SOAK"].flatMap(Int.init) ?? 1
        let sandbox = try Sandbox()
        let bench = Sandbox.binary.deletingLastPathComponent().appending(path: "fieldnotes-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench.path))
        let process = Process()
        process.executableURL = bench
        process.arguments = ["soak", "--operations", String(150 * scale), "--seed", String(seed),
                             "--work", sandbox.folder.appending(path: "team").path, "--fieldnotes", Sandbox.binary.path]
        let output = sandbox.folder.appending(path: "soak.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let report = try String(contentsOf: output, encoding: .utf8)
        print(report)
        #expect(process.terminationStatus == 0, "seed \(seed) (replay with FIELDNOTES_SEED=\(seed)): \(report)")
        #expect(report.contains("soak: seed \(seed)"))
        #expect(!report.contains("PROBLEM"))
    }
}
