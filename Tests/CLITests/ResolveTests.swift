import Foundation
import Testing

/// Seeing and deciding conflicts, end to end with real stores and a shared folder.
@Suite("Resolving conflicts")
struct ResolveTests {
    typealias Object = [String: Any]

    /// Alice and bob change the same four fields differently; both have synced, so both see
    /// the same four conflicts.
    func conflictedTeam() throws -> Team {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "title=Alice's title", "status=final", "credibility=2"])
        try team.ok("alice", ["event", "set", team.id, "e2", "killed=10"])
        try team.ok("bob", ["set", team.id, "title=Bob's title", "status=archived", "credibility=5"])
        try team.ok("bob", ["event", "set", team.id, "e2", "killed=12"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("alice") == ["credibility", "events.e2.killed", "status", "title"])
        return team
    }

    @Test func eachWayOfTakingACandidate() throws {
        let team = try conflictedTeam()
        let (alice, bob) = (try team.replica("alice"), try team.replica("bob"))
        try team.ok("alice", ["resolve", team.id, "--field", "title", "--take", "mine"])
        try team.ok("alice", ["resolve", team.id, "--field", "status", "--take", "theirs"])
        try team.ok("alice", ["resolve", team.id, "--field", "credibility", "--take", String(bob.prefix(6))])
        let killed = try #require((try team.report("alice")["conflicts"] as? [Object])?.first { $0["field"] as? String == "events.e2.killed" })
        let alicesVersion = try #require((killed["candidates"] as? [Object])?.first { $0["replica"] as? String == alice }?["version"] as? String)
        let dot = String(alicesVersion.prefix(4)) + alicesVersion.drop { $0 != ":" }
        try team.ok("alice", ["resolve", team.id, "--field", "events.e2.killed", "--take", dot])
        let report = try team.report("alice")
        #expect(report["title"] as? String == "Alice's title")
        #expect(report["status"] as? String == "archived")
        #expect(report["credibility"] as? Int == 5)
        #expect((report["events"] as? [Object])?[1]["killed"] as? Int == 10)
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
        // Each decision is one version whose clock has seen every head.
        let log = try #require(try team.json("alice", ["log", team.id]) as? [Object])
        #expect(log.suffix(4).map { $0["changed"] as? [String] ?? [] } == [["title"], ["status"], ["credibility"], ["events.e2.killed"]])
        #expect((log.last?["clock"] as? [String: Int])?[bob] == 2)

        // After a sync the decisions hold on bob's laptop too.
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("bob").isEmpty)
        #expect(try team.showJSON("alice") == team.showJSON("bob"))
        try team.sandbox.verify(team.store("alice"))
        try team.sandbox.verify(team.store("bob"))
    }

    @Test func settingANewValueAndDecidingEverythingAtOnce() throws {
        let team = try conflictedTeam()
        try team.ok("bob", ["resolve", team.id, "--field", "title", "--set", "A title both can live with"])
        #expect(try team.report("bob")["title"] as? String == "A title both can live with")
        try team.ok("bob", ["resolve", team.id, "--take", "mine"])
        let report = try team.report("bob")
        #expect(report["status"] as? String == "archived" && report["credibility"] as? Int == 5)
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
    }

    @Test func badDecisionsAreRefusedAndChangeNothing() throws {
        let team = try conflictedTeam()
        let id = team.id
        #expect(try team.refused("alice", ["resolve", id, "--field", "body", "--take", "mine"]).contains("body is not in conflict"))
        #expect(try team.refused("alice", ["resolve", id, "--field", "events.e9.killed", "--take", "mine"]).contains("has no field events.e9.killed"))
        #expect(try team.refused("alice", ["resolve", id, "--field", "colour", "--take", "mine"]).contains("is not a field path"))
        let nobody = try ["alice", "bob"].contains { try team.replica($0).hasPrefix("f") } ? "0000" : "ffff"
        #expect(try team.refused("alice", ["resolve", id, "--field", "title", "--take", nobody]).contains("no candidate of title matches '\(nobody)'"))
        #expect(try team.refused("alice", ["resolve", id, "--field", "status", "--set", "done"]).contains("invalid status 'done'"))
        #expect(try team.refused("alice", ["resolve", id, "--set", "x"]).contains("--set gives one value"))
        // One impossible choice among several decides nothing.
        #expect(try team.refused("alice", ["resolve", id, "--field", "title", "--field", "body", "--take", "mine"]).contains("body is not in conflict"))
        let usage = try team.sandbox.run(["resolve", id, "--store", team.store("alice").path])
        #expect(usage.status == 64 && usage.stderr.contains("give either --take CHOICE or --set VALUE"))
    }

    @Test func theirsWithSeveralOthersIsAnErrorThatListsThem() throws {
        let team = try Team(["alice", "bob", "carol"])
        for analyst in ["alice", "bob", "carol"] { try team.ok(analyst, ["set", team.id, "title=\(analyst)'s title"]) }
        try team.syncAll(["alice", "bob", "carol"])
        let error = try team.refused("carol", ["resolve", team.id, "--take", "theirs"])
        #expect(error.contains("'theirs' matches several candidates of title"))
        #expect(error.contains("(alice)") && error.contains("(bob)"))
        try team.ok("carol", ["resolve", team.id, "--take", String(try team.replica("bob").prefix(8))])
        #expect(try team.report("carol")["title"] as? String == "bob's title")
    }

    @Test func mineOnAReplicaThatWroteNoCandidateSaysSo() throws {
        let team = try Team(["alice", "bob", "carol"])
        for analyst in ["alice", "bob"] { try team.ok(analyst, ["set", team.id, "title=\(analyst)'s title"]) }
        try team.syncAll(["alice", "bob", "carol"])
        let error = try team.refused("carol", ["resolve", team.id, "--take", "mine"])
        #expect(error.contains("none of the candidates of title was written on this replica"))
        #expect(error.contains("(alice)") && error.contains("(bob)"))
    }

    @Test func decidingAnEventAndItsFieldsAtOnce() throws {
        let team = try Team()
        try team.ok("alice", ["event", "set", team.id, "e1", "place=Alice's place"])
        try team.ok("bob", ["event", "set", team.id, "e1", "place=Bob's place"])
        try team.syncAll(["alice", "bob"])
        try team.ok("bob", ["event", "rm", team.id, "e1"])
        try team.ok("alice", ["event", "set", team.id, "e1", "killed=1"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("bob") == ["events.e1", "events.e1.place"])
        // Bob's removal decides the event, and the conflict of its place goes with it.
        let output = try team.ok("bob", ["resolve", team.id, "--take", "mine"])
        #expect(output.contains("Resolved events.e1, events.e1.place"))
        #expect((try team.report("bob")["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["e2", "e3"])
        #expect(try team.conflictFields("bob").isEmpty)
        try team.syncAll(["alice", "bob"])
        #expect(try team.showJSON("alice") == team.showJSON("bob"))
        try team.sandbox.verify(team.store("alice"))
    }

    @Test func twoAnalystsResolvingTheSameWayConvergeWithoutANewConflict() throws {
        let team = try conflictedTeam()
        try team.ok("alice", ["resolve", team.id, "--take", "theirs"])
        try team.ok("bob", ["resolve", team.id, "--take", "mine"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("alice").isEmpty)
        #expect(try team.showJSON("alice") == team.showJSON("bob"))
        #expect(try team.report("alice")["title"] as? String == "Bob's title")
    }

    @Test func twoAnalystsResolvingDifferentlyMakeANewConflictOfTheirDecisions() throws {
        let team = try Team(["alice", "bob", "carol"])
        try team.ok("alice", ["set", team.id, "title=Alice's title"])
        try team.ok("bob", ["set", team.id, "title=Bob's title"])
        try team.syncAll(["alice", "bob", "carol"])
        try team.ok("alice", ["resolve", team.id, "--take", "mine"])
        try team.ok("carol", ["resolve", team.id, "--set", "Carol's compromise"])
        try team.syncAll(["alice", "bob", "carol"])
        let conflicts = try #require(try team.report("bob")["conflicts"] as? [Object])
        #expect(conflicts.map { $0["field"] as? String } == ["title"])
        let candidates = try #require(conflicts.first?["candidates"] as? [Object])
        #expect(Set(candidates.compactMap { $0["value"] as? String }) == ["Alice's title", "Carol's compromise"])
        #expect(Set(candidates.compactMap { $0["author"] as? String }) == ["alice", "carol"])
        #expect(try team.showJSON("alice") == team.showJSON("carol"))
    }

    @Test func aConflictResolvedHereWhileEditedElsewhereStaysResolved() throws {
        let team = try conflictedTeam()
        try team.ok("alice", ["resolve", team.id, "--take", "mine"])
        // Bob has not seen the decision and keeps working on other fields.
        try team.ok("bob", ["set", team.id, "tags+=reviewed"])
        try team.ok("bob", ["event", "set", team.id, "e3", "injured=151"])
        try team.syncAll(["alice", "bob"])
        let report = try team.report("bob")
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
        #expect(report["title"] as? String == "Alice's title")
        #expect((report["tags"] as? [String])?.contains("reviewed") == true)
        #expect((report["events"] as? [Object])?[2]["injured"] as? Int == 151)
        #expect(try team.showJSON("alice") == team.showJSON("bob"))
    }

    @Test func conflictsShowTheBaseAndEachCandidate() throws {
        let team = try conflictedTeam()
        let conflicts = try #require(try team.json("alice", ["conflicts"]) as? [Object])
        let killed = try #require(conflicts.first { $0["field"] as? String == "events.e2.killed" })
        #expect(killed["base"] as? Int == 9)
        #expect(killed["report"] as? String == team.id)
        #expect(Set((killed["candidates"] as? [Object] ?? []).compactMap { $0["value"] as? Int }) == [10, 12])
        #expect((killed["candidates"] as? [Object])?.allSatisfy { $0["author"] is String && $0["time"] is String && $0["version"] is String } == true)
        let human = try team.ok("alice", ["conflicts"])
        #expect(human.contains("events.e2.killed") && human.contains("before   9"))
        #expect((try team.json("alice", ["status"]) as? Object)?["conflicts"] as? Int == 4)
    }

    @Test func narrativeConflictsShowOnlyTheCollidingPassages() throws {
        let team = try Team()
        let line = "Choice of date and of religious and crowded civilian targets suggests an intent to provoke"
        let original = try #require(try team.report("alice")["body"] as? String)
        let alices = try team.sandbox.write("a.md", original.replacingOccurrences(of: line, with: "Alice's reading of the targets."))
        let bobs = try team.sandbox.write("b.md", original.replacingOccurrences(of: line, with: "Bob's reading of the targets."))
        try team.ok("alice", ["set", team.id, "body=@\(alices)"])
        try team.ok("bob", ["set", team.id, "body=@\(bobs)"])
        try team.syncAll(["alice", "bob"])
        let conflict = try #require((try team.json("alice", ["conflicts"]) as? [Object])?.first)
        let hunks = try #require(conflict["hunks"] as? [Object])
        #expect(hunks.count == 1)
        #expect(hunks[0]["base"] as? String == line)
        #expect(Set((hunks[0]["candidates"] as? [Object] ?? []).compactMap { $0["text"] as? String })
            == ["Alice's reading of the targets.", "Bob's reading of the targets."])
        let human = try team.ok("alice", ["conflicts"])
        #expect(human.contains("Alice's reading") && !human.contains("Near-simultaneous attacks"))
        try team.ok("alice", ["resolve", team.id, "--take", "theirs"])
        #expect((try team.report("alice")["body"] as? String)?.contains("Bob's reading of the targets.") == true)
    }

    @Test func historyWorksForDeletedReports() throws {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "status=final"])
        try team.ok("alice", ["rm", team.id])
        let log = try #require(try team.json("alice", ["log", team.id]) as? [Object])
        #expect(log.map { $0["changed"] as? [String] ?? [] }.suffix(2) == [["status"], ["deleted"]])
        #expect(try team.ok("alice", ["diff", team.id]).contains("deleted"))
        let replica = try team.replica("alice")
        #expect((try team.json("alice", ["show", team.id, "--at", "\(replica.prefix(4)):2"]) as? Object)?["deleted"] as? Bool == false)
        #expect(try team.ok("alice", ["diff", team.id, "\(replica):1", "\(replica):2"]).contains("status\n  - review\n  + final"))
    }

    @Test func theLogMarksConcurrentVersions() throws {
        let team = try conflictedTeam()
        let log = try #require(try team.json("alice", ["log", team.id]) as? [Object])
        let bob = try team.replica("bob")
        let alicesFirstEdit = try #require(log.dropFirst().first { ($0["changed"] as? [String])?.contains("title") == true && $0["author"] as? String == "alice" })
        #expect((alicesFirstEdit["concurrent"] as? [String])?.contains { $0.hasPrefix(bob) } == true)
        #expect(try team.ok("alice", ["log", team.id]).contains("concurrent with"))
    }
}
