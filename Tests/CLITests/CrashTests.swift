import Foundation
import OfflineStore
import ReportModels
import Testing

/// A crash (kill -9) at any moment of an import leaves the store as before or after the
/// changeset, never between, and running the import again completes it.
@Suite("Crashes during import")
struct CrashTests {
    @Test func killingAnImportLeavesTheStoreWholeAndRerunningCompletesIt() throws {
        let sandbox = try Sandbox()
        let source = sandbox.folder.appending(path: "source")
        try sandbox.initialize(analyst: "alice", at: source)
        let store = try Store.open(at: source)
        let reports = 2_000
        for index in 0..<reports {
            var report = Report(title: "Report \(index)", body: String(repeating: "Narrative of report \(index). ", count: 40))
            report.tags = ["bulk"]
            try store.create(report)
        }
        let file = sandbox.folder.appending(path: "big.fnc").path
        try sandbox.ok(["export", "-o", file, "--store", source.path])

        // How long a whole import takes here, to aim the kills inside it.
        let timing = sandbox.folder.appending(path: "timing")
        try sandbox.initialize(analyst: "timing", at: timing)
        let start = Date()
        try sandbox.ok(["import", file, "--store", timing.path])
        let duration = Date().timeIntervalSince(start)

        for (trial, fraction) in [0.3, 0.6, 0.9, 0.97].enumerated() {
            let target = sandbox.folder.appending(path: "target-\(trial)")
            try sandbox.initialize(analyst: "bob", at: target)
            let process = Process()
            process.executableURL = Sandbox.binary
            process.arguments = ["import", file, "--store", target.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: duration * fraction)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let count = try Store.open(at: target).counts().reports
            print("crash test: killed at \(Int(fraction * 100))% of \(duration)s: \(count) reports")
            #expect(count == 0 || count == reports, "after a kill at \(Int(fraction * 100))%: \(count) reports")
            try sandbox.verify(target)
            try sandbox.ok(["import", file, "--store", target.path])
            #expect(try Store.open(at: target).counts().reports == reports)
            try sandbox.verify(target)
        }
    }
}
