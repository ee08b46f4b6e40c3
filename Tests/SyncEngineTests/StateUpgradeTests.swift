import Foundation
import GRDB
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// States stored by an earlier fieldnotes' merge rules are computed again by this one's
/// (migration 8 lists them, `StateUpgrade` recomputes them): stores on the new rules agree,
/// and `verify` passes.
@Suite("State upgrade")
struct StateUpgradeTests {
    @Test func aStateStoredByEarlierRulesIsComputedAgainAfterTheUpgrade() throws {
        let workspace = try Workspace()
        let shared = try workspace.folder("shared")
        let bob = try workspace.store("bob")
        let (directory, forked) = try storeOfSchema7WithAStaleState(workspace, shared: shared, bob: bob)

        let upgraded = try Store.open(at: directory, for: .writing(command: "test"))
        #expect(try upgraded.statesToRecompute(limit: 10) == [forked], "only the report with several heads is listed")
        #expect(try StateUpgrade.run(upgraded) == 1)
        #expect(try upgraded.statesToRecompute(limit: 10).isEmpty)
        #expect(try StoreVerifier.verify(upgraded).problems.isEmpty)
        _ = try bob.sync(shared)
        #expect(try upgraded.canonicalDump() == bob.canonicalDump())
        #expect(try StateUpgrade.run(upgraded) == 0, "done once")
    }

    /// Alice's store as schema 7 left it, with a report of two heads whose stored state the
    /// earlier rules computed otherwise; closed (its lock let go) on return.
    private func storeOfSchema7WithAStaleState(_ workspace: Workspace, shared: URL, bob: Store) throws -> (URL, ReportID) {
        let alice = try workspace.store("alice")
        let forked = try alice.add("Shelling of the water plant")
        try alice.add("Edited by one only")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try alice.commitChange(to: forked) { $0.tags.insert("alice") }
        try bob.commitChange(to: forked) { $0.tags.insert("bob") }
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)  // two heads: a state the store computed
        try alice.database.write { db in
            try db.execute(sql: "UPDATE reports SET title = 'Stale', state = replace(state, 'Shelling of the water plant', 'Stale') WHERE id = ?",
                           arguments: [forked.rawValue])
            try db.execute(sql: "DROP TABLE states_to_recompute")
            try db.execute(sql: "DROP TABLE verified_files")
            try db.execute(sql: "PRAGMA user_version = 7")
        }
        #expect(try StoreVerifier.verify(alice).problems.contains { $0.contains("its state differs") })
        return (alice.directory, forked)
    }
}
