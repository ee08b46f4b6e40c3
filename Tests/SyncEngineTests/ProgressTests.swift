import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The libraries never print: long steps tell a sink how far they have come, and the command
/// line decides what to show (CLI.md: progress for work over a second).
@Suite("Progress sinks")
struct ProgressTests {
    /// What a sink was told, in order.
    final class Told: @unchecked Sendable {
        private let lock = NSLock()
        private var told: [SyncProgress] = []
        var all: [SyncProgress] { lock.withLock { told } }
        var sink: @Sendable (SyncProgress) -> Void { { progress in self.lock.withLock { self.told.append(progress) } } }
    }

    @Test func exportSnapshotAndCatchUpTellTheirStepFileAndTotal() throws {
        let workspace = try Workspace()
        let shared = try workspace.folder("shared")
        let alice = try workspace.store("alice")
        for round in 0..<4 { try alice.add("Report \(round)") }

        // A file by hand.
        let exported = Told()
        let file = workspace.root.appending(path: "by-hand.fnc")
        #expect(try Synchronizer(store: alice, progress: exported.sink).export(to: file, all: true) == 4)
        #expect(exported.all == [SyncProgress(step: .writing, file: "by-hand.fnc", versions: 0, total: 4)])

        // A sync that writes a changeset, then a snapshot.
        let compacted = Told()
        _ = try Synchronizer(store: alice, compaction: .standard, progress: compacted.sink).sync(with: [shared], snapshot: true)[0].get()
        #expect(compacted.all.map(\.step) == [.writing, .writing])
        #expect(compacted.all.map(\.file) == [SharedFolder.fileName(sequence: 1), SharedFolder.snapshotFileName])
        #expect(compacted.all.allSatisfy { $0.total == 4 && $0.versions == 0 })

        // A newcomer's first sync: the snapshot and the file after it, in one go.
        try alice.add("After the snapshot")
        _ = try Synchronizer(store: alice, compaction: .off).sync(with: [shared])[0].get()
        let bob = try workspace.store("bob")
        let caughtUp = Told()
        let summary = try Synchronizer(store: bob, compaction: .off, progress: caughtUp.sink).sync(with: [shared])[0].get()
        #expect(summary.importedVersions == 5)
        #expect(caughtUp.all.first == SyncProgress(step: .catchingUp, file: "\(alice.identity.replica.short)/snapshot.fnc", versions: 0, total: 5))
        // A file read on its own reports as an import.
        let carol = try workspace.store("carol")
        let imported = Told()
        _ = Synchronizer(store: carol, progress: imported.sink).importFiles([file])
        #expect(imported.all == [SyncProgress(step: .importing, file: "by-hand.fnc", versions: 0, total: 4)])
    }

    @Test func longStepsAreToldEveryIntervalOfVersions() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let count = Synchronizer.progressInterval * 2 + 10
        let report = try alice.add("Often edited")
        for round in 1..<count { try alice.commitChange(to: report) { $0.title = "Edit \(round)" } }
        let told = Told()
        _ = try Synchronizer(store: alice, progress: told.sink).export(to: workspace.root.appending(path: "all.fnc"), all: true)
        #expect(told.all.map(\.versions) == [0, Synchronizer.progressInterval, Synchronizer.progressInterval * 2])
        #expect(told.all.allSatisfy { $0.total == count })
    }

    @Test func verifyTellsHowManyReportsItHasChecked() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        for round in 0..<3 { try alice.add("Report \(round)") }
        var told: [[Int]] = []
        let summary = try StoreVerifier.verify(alice) { told.append([$0, $1]) }
        #expect(summary.problems.isEmpty)
        #expect(told == [[1, 3], [2, 3], [3, 3]])
    }
}
