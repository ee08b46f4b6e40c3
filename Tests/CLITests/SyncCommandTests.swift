import Foundation
import Testing

/// Two analysts' stores and a shared folder, through the real binary.
@Suite("Sync from the command line")
struct SyncCommandTests {
    typealias Object = [String: Any]

    func team() throws -> (Sandbox, alice: URL, bob: URL, shared: String, id: String) {
        let team = try Team()
        return (team.sandbox, team.store("alice"), team.store("bob"), team.shared, team.id)
    }

    @Test func editsMergeAndCollisionsBecomeConflicts() throws {
        let (sandbox, alice, bob, shared, id) = try team()
        try sandbox.ok(["event", "set", id, "e3", "injured=151", "--store", alice.path])
        try sandbox.ok(["set", id, "title=Alice's title", "tags+=black-sea", "--store", alice.path])
        try sandbox.ok(["event", "set", id, "e2", "killed=10", "--store", bob.path])
        try sandbox.ok(["set", id, "title=Bob's title", "tags+=escalation-risk", "--store", bob.path])

        let first = try #require(try sandbox.json(["sync", shared, "--store", alice.path]) as? Object)
        #expect(first["exportedVersions"] as? Int == 2 && first["importedVersions"] as? Int == 0)
        let second = try #require(try sandbox.json(["sync", shared, "--store", bob.path]) as? Object)
        #expect(second["importedChangesets"] as? Int == 1 && second["importedVersions"] as? Int == 2)
        #expect(second["exportedVersions"] as? Int == 2 && second["newConflicts"] as? Int == 1)
        #expect((second["skipped"] as? [Any])?.isEmpty == true)
        try sandbox.ok(["sync", shared, "--store", alice.path])

        // Both replicas show the same report, byte for byte.
        #expect(try sandbox.ok(["show", id, "--json", "--store", alice.path]) == sandbox.ok(["show", id, "--json", "--store", bob.path]))
        let mine = try #require(try sandbox.json(["show", id, "--store", alice.path]) as? Object)
        let events = try #require(mine["events"] as? [Object])
        #expect(events.map { $0["killed"] as? Int } == [nil, 10, 3])
        #expect(events.map { $0["injured"] as? Int } == [nil, 25, 151])
        #expect((mine["tags"] as? [String])?.contains("black-sea") == true && (mine["tags"] as? [String])?.contains("escalation-risk") == true)
        let conflicts = try #require(mine["conflicts"] as? [Object])
        #expect(conflicts.map { $0["field"] as? String } == ["title"])
        let candidates = try #require(conflicts[0]["candidates"] as? [Object])
        #expect(Set(candidates.compactMap { $0["value"] as? String }) == ["Alice's title", "Bob's title"])
        #expect(Set(candidates.compactMap { $0["author"] as? String }) == ["alice", "bob"])
        #expect(candidates.allSatisfy { ($0["version"] as? String)?.hasPrefix(($0["replica"] as? String) ?? "?") == true })

        let listed = try #require(try sandbox.json(["conflicts", "--store", bob.path]) as? [Object])
        #expect(listed.count == 1)
        #expect(listed[0]["report"] as? String == id && listed[0]["field"] as? String == "title")
        #expect((listed[0]["base"] as? String)?.hasPrefix("Flashpoint") == true)
        #expect(try sandbox.ok(["conflicts", "--store", bob.path]).contains("Alice's title"))
        #expect((try sandbox.json(["list", "--conflicted", "--store", bob.path]) as? [Object])?.count == 1)
        let status = try #require(try sandbox.json(["status", "--store", bob.path]) as? Object)
        #expect(status["conflicts"] as? Int == 1)
        #expect(try sandbox.ok(["show", id, "--store", bob.path]).contains("⚠ conflict"))
        try sandbox.verify(alice)
        try sandbox.verify(bob)
    }

    @Test func aRefusedChangesetIsNamedTheRestImportedAndTheExitCodeIsOne() throws {
        let (sandbox, alice, bob, shared, _) = try team()
        let carol = sandbox.folder.appending(path: "carol")
        try sandbox.initialize(analyst: "carol", at: carol)
        _ = try sandbox.ok(["add", "--title", "Bob's report", "--store", bob.path])
        try sandbox.ok(["sync", shared, "--store", bob.path])
        let aliceReplica = try #require((try sandbox.json(["status", "--store", alice.path]) as? Object)?["replica"] as? String)
        let file = URL(fileURLWithPath: shared).appending(path: "fieldnotes/replicas/\(aliceReplica)/00000001.fnc")
        var data = try Data(contentsOf: file)
        data[data.count - 10] ^= 0xFF
        try data.write(to: file)

        let result = try sandbox.run(["sync", shared, "--store", carol.path, "--json"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("error: "))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? Object)
        let skipped = try #require(summary["skipped"] as? [Object])
        #expect(skipped.map { $0["file"] as? String } == ["\(aliceReplica)/00000001.fnc"])
        #expect((skipped[0]["reason"] as? String)?.isEmpty == false)
        #expect(summary["importedVersions"] as? Int == 1)
        #expect(result.stderr.hasPrefix("error: \(shared): refused \(aliceReplica)/00000001.fnc: "))
        #expect(result.stderr.contains("tried again at the next sync"))
        let human = try sandbox.run(["sync", shared, "--store", carol.path])
        #expect(human.status == 1)
        #expect(human.stdout.contains("refused 1 changeset"))
        #expect(human.stderrLines.count == 1 && human.stderr.hasPrefix("error: \(shared): refused \(aliceReplica)/00000001.fnc: "))
        try sandbox.verify(carol)
    }

    @Test func aRemovalThatCollidedWithAnEditShowsWhatItWouldDrop() throws {
        let team = try Team()
        try team.ok("alice", ["event", "set", team.id, "e2", "killed=10"])
        try team.ok("bob", ["event", "rm", team.id, "e2"])
        try team.syncAll(["alice", "bob"])
        let human = try team.ok("bob", ["conflicts"])
        #expect(human.contains("present, and edited: killed 9 → 10"))
        let listed = try #require(try team.json("bob", ["conflicts", "--json"]) as? [Object])
        let candidates = try #require(listed.first?["candidates"] as? [Object])
        #expect(candidates.filter { $0["edits"] != nil }.map { $0["author"] as? String } == ["alice"])
        #expect(candidates.compactMap { $0["edits"] as? [String] } == [["events.e2.killed"]])
    }

    @Test func aDeleteThatCollidedWithAnEditIsShownKeptWithHowToDecide() throws {
        let team = try Team(["alice", "bob", "carol"])
        try team.ok("alice", ["set", team.id, "status=final"])
        try team.ok("bob", ["rm", team.id])
        try team.ok("carol", ["set", team.id, "credibility=2"])
        try team.syncAll(["alice", "bob", "carol"])
        let shown = try team.ok("bob", ["show", team.id])
        #expect(shown.contains("deleted on one replica while edited on another"))
        #expect(shown.contains("--field deleted"))
        #expect(try team.report("bob")["deleted"] as? Bool == false)
        // Everyone's edits are listed, not only those of the candidate's version.
        #expect(try team.ok("bob", ["conflicts"]).contains("not deleted, and changed credibility, status"))
    }

    @Test func remotesAreRememberedAndSyncedByName() throws {
        let (sandbox, alice, _, shared, id) = try team()
        try sandbox.ok(["remote", "add", "team", shared, "--store", alice.path])
        let usb = sandbox.folder.appending(path: "usb").path
        try FileManager.default.createDirectory(atPath: usb, withIntermediateDirectories: true)
        try sandbox.ok(["remote", "add", "usb", usb, "--store", alice.path])
        let dots = try sandbox.run(["remote", "add", "..", usb, "--store", alice.path])  // a usage error
        #expect(dots.status != 0 && dots.stderr.contains("starting with a letter or digit"))
        #expect(try sandbox.refused(["remote", "add", "team", usb, "--store", alice.path]).contains("exists already"))
        let remotes = try #require(try sandbox.json(["remote", "list", "--store", alice.path]) as? [Object])
        #expect(remotes.map { $0["name"] as? String } == ["team", "usb"])
        let result = try #require(try sandbox.json(["sync", "--store", alice.path]) as? Object)
        #expect((result["folders"] as? [Object])?.map { $0["name"] as? String } == ["team", "usb"])
        #expect(result["exportedVersions"] as? Int == 1)  // to the stick; the share has it already
        let status = try #require(try sandbox.json(["status", "--store", alice.path]) as? Object)
        #expect(status["unsyncedVersions"] as? Int == 0)
        #expect((status["remotes"] as? [Object])?.allSatisfy { $0["lastSync"] is String } == true)
        // A remote is named like a folder, as with `git fetch origin`.
        try sandbox.ok(["set", id, "status=final", "--store", alice.path])
        // (No folder named "stick" exists where the command runs: only the remote.)
        try sandbox.ok(["remote", "add", "stick", usb, "--store", alice.path])
        let byName = try #require(try sandbox.json(["sync", "stick", "--store", alice.path]) as? Object)
        #expect((byName["folders"] as? [Object])?.map { $0["folder"] as? String } == [usb])
        #expect(byName["exportedVersions"] as? Int == 1)
        try sandbox.ok(["remote", "rm", "stick", "--store", alice.path])
        try sandbox.ok(["remote", "rm", "usb", "--store", alice.path])
        #expect(try sandbox.refused(["remote", "rm", "usb", "--store", alice.path]).contains("no remote named 'usb'"))
        let none = try Sandbox()
        try none.initialize()
        #expect(try none.refused(["sync"]).contains("no remotes"))
        #expect(try none.refused(["sync", none.folder.appending(path: "unplugged").path]).contains("does not exist"))
    }

    @Test func exportAndImportByHand() throws {
        let (sandbox, alice, bob, _, id) = try team()
        try sandbox.ok(["set", id, "status=final", "--store", alice.path])
        let file = sandbox.folder.appending(path: "carry.fnc").path
        let exported = try #require(try sandbox.json(["export", "-o", file, "--store", alice.path]) as? Object)
        #expect(exported["exportedVersions"] as? Int == 2)
        #expect(try sandbox.ok(["export", "-o", file + ".2", "--store", alice.path]).contains("Nothing new"))
        let imported = try #require(try sandbox.json(["import", file, "--store", bob.path]) as? Object)
        #expect(imported["importedVersions"] as? Int == 1)
        #expect((try sandbox.json(["show", id, "--store", bob.path]) as? Object)?["status"] as? String == "final")
        let bad = try sandbox.write("bad.fnc", "not a changeset")
        let result = try sandbox.run(["import", bad, file + ".missing", file, "--store", bob.path])
        #expect(result.status == 1)
        // One error line per refused file.
        #expect(result.stderrLines.count == 2)
        #expect(result.stderrLines.first?.hasPrefix("error: refused \(bad): not a fieldnotes changeset") == true)
        #expect(result.stderrLines.last?.hasPrefix("error: refused \(file).missing: ") == true)
        #expect(result.stdout.contains("refused 2 changesets"))
        try sandbox.verify(bob)
    }

    /// What a sync finds wrong with a folder is said on `sync` and again on `status`, until a
    /// sync finds it right.
    @Test func syncAndStatusSayWhenThisReplicasFilesVanished() throws {
        let team = try Team()
        let directory = URL(fileURLWithPath: team.shared).appending(path: "fieldnotes/replicas/\(try team.replica("alice"))")
        try FileManager.default.removeItem(at: directory.appending(path: "00000001.fnc"))
        func unwrapped(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let output = unwrapped(try team.ok("alice", ["sync", team.shared]))
        #expect(output.contains("notice: a changeset this replica wrote had vanished from the folder (00000001.fnc)"))
        let status = unwrapped(try team.ok("alice", ["status"]))
        #expect(status.contains("notice \(team.shared): a changeset this replica wrote had vanished"))
        let json = try #require(try team.json("alice", ["status", "--json"]) as? [String: Any])
        #expect((json["folderNotices"] as? [Any])?.count == 1)
        try team.ok("alice", ["sync", team.shared])
        #expect(!(try team.ok("alice", ["status"])).contains("notice"))
    }

    /// A writer's directory that cannot be listed is named, not taken for an empty one.
    @Test func aWritersEntryThatIsNotAFolderIsNamed() throws {
        let team = try Team()
        let impostor = URL(fileURLWithPath: team.shared).appending(path: "fieldnotes/replicas/\(UUID().uuidString.lowercased())")
        try Data("not a folder".utf8).write(to: impostor)
        let result = try team.sandbox.run(["sync", team.shared, "--store", team.store("bob").path])
        #expect(result.status == 1 && result.stderrLines.count == 1)
        #expect(result.stderr.contains("refused \(impostor.lastPathComponent): it is a plain file where a replica's folder should be"))
    }

    /// A writer's directory that cannot be read (mode 000) was skipped silently, with exit 0.
    @Test func aWritersDirectoryThatCannotBeReadIsNamed() throws {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "status=final"])
        try team.ok("alice", ["sync", team.shared])
        let alices = URL(fileURLWithPath: team.shared).appending(path: "fieldnotes/replicas/\(try team.replica("alice"))")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: alices.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: alices.path) }
        // Root reads any directory: drop the capabilities that let it, so the bits count.
        let launcher = getuid() == 0
            ? ["/usr/bin/setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"] : []
        let result = try team.sandbox.run(["sync", team.shared, "--store", team.store("bob").path], launcher: launcher)
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains("refused \(try team.replica("alice")): cannot read \(alices.path): permission denied; check its permissions"),
                "\(result.stderr)")
    }
}
