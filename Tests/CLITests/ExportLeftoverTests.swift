import Foundation
import OfflineStore
import ReportModels
import Testing

/// An export writes under a temporary name and renames it; one killed meanwhile leaves the
/// temporary file, which the next export of the same store removes.
@Suite("Leftovers of killed exports")
struct ExportLeftoverTests {
    @Test func anExportRemovesWhatKilledExportsOfThisStoreLeftAndNothingElse() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try sandbox.add(document: "a report")
        let replica = try Store.open(at: sandbox.store).identity.replica.rawValue
        let folder = sandbox.folder.appending(path: "stick")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mine = [".out.fnc.\(replica).\(UUID().uuidString).partial", ".other.fnc.\(replica).\(UUID().uuidString).partial"]
        let others = [".out.fnc.\(ReplicaID().rawValue).\(UUID().uuidString).partial", ".out.fnc.\(UUID().uuidString).partial", "notes.txt"]
        for name in mine + others {
            #expect(FileManager.default.createFile(atPath: folder.appending(path: name).path, contents: Data("x".utf8)))
        }
        try sandbox.ok(["export", "-o", folder.appending(path: "out.fnc").path])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        #expect(left == Set(others + ["out.fnc"]))
    }

    @Test func killedExportsLeaveNothingAfterTheNextExport() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let store = try Store.open(at: sandbox.store)
        for index in 0..<1_500 {
            try store.create(Report(title: "Report \(index)", body: String(repeating: "Narrative \(index). ", count: 60)))
        }
        let folder = sandbox.folder.appending(path: "stick")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let target = folder.appending(path: "out.fnc").path
        let partials = { try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".partial") } }
        for _ in 0..<3 {
            // Killed while it writes: as soon as its temporary file is there.
            let before = Set(try partials())
            let export = try sandbox.start(["export", "--all", "-o", target])
            let deadline = Date().addingTimeInterval(20)
            while export.isRunning, Date() < deadline, try Set(partials()).isSubset(of: before) { usleep(2_000) }
            kill(export.process.processIdentifier, SIGKILL)
            _ = try export.finish()
        }
        let killed = try partials()
        // Each export removed the one before it left: one is there, the last one's.
        #expect(killed.count == 1, "\(killed)")
        try sandbox.ok(["export", "--all", "-o", target])
        let left = try partials()
        #expect(left.isEmpty, "left: \(left)")
    }
}
