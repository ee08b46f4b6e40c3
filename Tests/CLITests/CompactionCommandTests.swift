import Foundation
import Testing

/// `compact`, `sync --grace`, `replica retire` and what `status` says of compaction, through the
/// real binary (README, "Compaction").
@Suite("Compaction from the command line")
struct CompactionCommandTests {
    func changesets(_ team: Team, of analyst: String) throws -> [String] {
        let directory = URL(fileURLWithPath: team.shared).appending(path: "fieldnotes/replicas/\(try team.replica(analyst))")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".fnc") }.sorted()
    }

    /// Output as words, whatever the terminal width wrapped.
    func flat(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func compactWritesASnapshotThatANewcomerStartsFrom() throws {
        let team = try Team(["alice", "bob", "carol"])
        try team.ok("alice", ["set", team.id, "status=final"])
        try team.ok("alice", ["sync", team.shared])
        let compacted = try #require(try team.json("bob", ["compact", team.shared, "--grace", "0"]) as? [String: Any])
        #expect(compacted["wroteSnapshot"] as? Bool == true)
        #expect(try changesets(team, of: "bob").contains("snapshot.fnc"))
        // Carol has not imported Alice's last changeset: it stays, the one before goes.
        let syncing = flat(try team.ok("alice", ["sync", team.shared, "--grace", "0"]))
        #expect(syncing.contains("deleted 1 changeset of its own that the folder no longer needs"), "\(syncing)")
        #expect(try changesets(team, of: "alice") == ["00000002.fnc"])
        // `status` names Carol as holding compaction back, and `replica retire` lets it go on.
        let status = flat(try team.ok("alice", ["status"]))
        #expect(status.contains("held back by carol (replica \(try team.replica("carol").prefix(8)))"), "\(status)")
        let held = try #require((try team.json("alice", ["status"]) as? [String: Any])?["compactionHeldBack"] as? [[String: Any]])
        #expect((held.first?["replicas"] as? [[String: Any]])?.first?["replica"] as? String == (try team.replica("carol")))
        let retired = flat(try team.ok("alice", ["replica", "retire", String(try team.replica("carol").prefix(8))]))
        #expect(retired.contains("Retired replica \(try team.replica("carol"))"))
        try team.ok("alice", ["sync", team.shared, "--grace", "0"])
        #expect(try changesets(team, of: "alice").isEmpty)
        #expect(!(try team.ok("alice", ["status"])).contains("held back"))
        // A new laptop starts from Bob's snapshot and has everything.
        let dave = team.sandbox.folder.appending(path: "dave")
        try team.sandbox.initialize(analyst: "dave", at: dave)
        let joined = flat(try team.sandbox.ok(["sync", team.shared, "--store", dave.path]))
        #expect(joined.contains("from the snapshot of \(try team.replica("bob").prefix(8))"), "\(joined)")
        let shown = try team.sandbox.ok(["show", team.id, "--json", "--store", dave.path])
        #expect(shown.contains("\"final\""))
    }

    @Test func badArgumentsAreRefusedWithNothingChanged() throws {
        let team = try Team()
        for grace in ["3x", "-1d", "d", "1.5h", "99999999d", "٣d"] {
            let result = try team.sandbox.run(["sync", team.shared, "--grace=\(grace)", "--store", team.store("alice").path])
            #expect(result.status != 0, "--grace \(grace)")
            #expect(result.stderr.contains("is not a duration"), "\(result.stderr)")
        }
        let unknown = try team.refused("alice", ["replica", "retire", "zzzz"])
        #expect(unknown.contains("no replica this store knows of"), "\(unknown)")
        let itself = try team.refused("alice", ["replica", "retire", try team.replica("alice")])
        #expect(itself.contains("cannot retire itself"), "\(itself)")
    }
}
