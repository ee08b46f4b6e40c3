import Foundation
import Testing

/// Deciding conflicts in `$EDITOR`, with fake editors (shell scripts) that change the
/// marked document as a person would.
@Suite("Resolving conflicts in the editor")
struct EditConflictTests {
    typealias Object = [String: Any]

    /// Alice and bob retitle the report and change one casualty figure differently.
    func conflictedTeam() throws -> Team {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "title=Alice's title"])
        try team.ok("alice", ["event", "set", team.id, "e2", "killed=10"])
        try team.ok("bob", ["set", team.id, "title=Bob's title"])
        try team.ok("bob", ["event", "set", team.id, "e2", "killed=12"])
        try team.syncAll(["alice", "bob"])
        return team
    }

    /// An editor script that keeps one side of the first `count` marked blocks.
    func editor(_ team: Team, keep side: String, blocks count: Int = 99, extra: String = "") throws -> String {
        let keepSide = side == "mine" ? 1 : 2
        return try team.sandbox.script("editor-\(UUID().uuidString.prefix(6)).sh", """
            #!/bin/sh
            awk -v keep=\(keepSide) -v count=\(count) '
              /^<<<<<<< / && seen < count { seen++; inblock = 1; side = 1; next }
              inblock && /^=======/ { side = 2; next }
              inblock && /^>>>>>>> / { inblock = 0; next }
              inblock && side != keep { next }
              { print }
            ' "$1" > "$1.new" && mv "$1.new" "$1"
            \(extra)
            """)
    }

    @Test func theDocumentShowsGitStyleMarkers() throws {
        let team = try conflictedTeam()
        let capture = try team.sandbox.script("capture.sh", "#!/bin/sh\ncp \"$1\" \"\(team.sandbox.folder.path)/captured.md\"\n")
        #expect(try team.ok("alice", ["edit", team.id], environment: ["EDITOR": capture]).contains("No changes."))
        let text = try String(contentsOf: team.sandbox.folder.appending(path: "captured.md"), encoding: .utf8)
        let (alice, bob) = (try team.replica("alice"), try team.replica("bob"))
        // Each candidate is tagged with the version that wrote it.
        #expect(text.contains("""
            <<<<<<< mine (alice, \(alice.prefix(8)):2)
            title: Alice's title
            =======
            title: Bob's title
            >>>>>>> theirs (bob, \(bob.prefix(8)):1)
            """))
        #expect(text.contains("<<<<<<< mine (alice, \(alice.prefix(8)):3)\n    killed: 10\n=======\n    killed: 12\n>>>>>>> theirs (bob, \(bob.prefix(8)):2)"))
        #expect(text.contains("# This report has 2 open conflicts."))
    }

    @Test func keepingOneSideOfEveryBlockDecidesEverything() throws {
        let team = try conflictedTeam()
        let output = try team.ok("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "theirs")])
        #expect(output.contains("Decided events.e2.killed, title."))
        let report = try team.report("alice")
        #expect(report["title"] as? String == "Bob's title")
        #expect((report["events"] as? [Object])?[1]["killed"] as? Int == 12)
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("bob").isEmpty)
        #expect(try team.showJSON("alice") == team.showJSON("bob"))
        try team.sandbox.verify(team.store("bob"))
    }

    @Test func choosingTheShownSideStillDecides() throws {
        let team = try conflictedTeam()
        // Bob's values are shown (his edits are later); keeping them is still a decision.
        try team.ok("bob", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine")])
        #expect(try team.conflictFields("bob").isEmpty)
        #expect(try team.report("bob")["title"] as? String == "Bob's title")
    }

    @Test func decidingSomeBlocksAndLeavingOthersKeepsThoseOpen() throws {
        let team = try conflictedTeam()
        let output = try team.ok("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine", blocks: 1)])
        #expect(output.contains("Decided title.") && output.contains("1 conflict still open"))
        #expect(try team.conflictFields("alice") == ["events.e2.killed"])
        #expect(try team.report("alice")["title"] as? String == "Alice's title")
        try team.sandbox.verify(team.store("alice"))
    }

    @Test func markersLeftInAreRefusedAndTheTextIsKept() throws {
        let team = try conflictedTeam()
        // Deleting only the closing marker of the first block leaves a broken block.
        let broken = try team.sandbox.script("broken.sh", "#!/bin/sh\nsed -i '0,/^>>>>>>> /{/^>>>>>>> /d}' \"$1\"\nsed -i 's/^status: review/status: final/' \"$1\"\n")
        let error = try team.refused("alice", ["edit", team.id], environment: ["EDITOR": broken])
        #expect(error.contains("conflict markers are left at line"))
        let path = try #require(error.components(separatedBy: "saved in ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("status: final"))
        #expect(try team.conflictFields("alice") == ["events.e2.killed", "title"])
    }

    @Test func aNarrativeConflictIsMarkedPassageByPassage() throws {
        let team = try Team()
        let original = try #require(try team.report("alice")["body"] as? String)
        let (first, second) = ("## Key points", "## Assessment")
        let alices = try team.sandbox.write("a.md", original.replacingOccurrences(of: first, with: "## Key points (alice)")
            .replacingOccurrences(of: second, with: "## Assessment (alice)"))
        let bobs = try team.sandbox.write("b.md", original.replacingOccurrences(of: first, with: "## Key points (bob)")
            .replacingOccurrences(of: second, with: "## Assessment (bob)") + "\n\nBob's closing line.")
        try team.ok("alice", ["set", team.id, "body=@\(alices)"])
        try team.ok("bob", ["set", team.id, "body=@\(bobs)"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("alice") == ["body"])

        // Deciding one passage and leaving the other is refused: a narrative is decided whole.
        let error = try team.refused("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine", blocks: 1)])
        #expect(error.contains("partly decided"))

        try team.ok("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine")])
        let body = try #require(try team.report("alice")["body"] as? String)
        #expect(body.contains("## Key points (alice)") && body.contains("## Assessment (alice)"))
        #expect(body.hasSuffix("Bob's closing line."))  // bob's edit that collided with nothing stays
        #expect(try team.conflictFields("alice").isEmpty)
    }

    /// Alice and bob rewrite the same paragraph of the narrative differently.
    func narrativeConflictTeam() throws -> Team {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "body=p1\n\np2 ALICE\n\np3"])
        try team.ok("bob", ["set", team.id, "body=p1\n\np2 BOB\n\np3"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("alice") == ["body"])
        return team
    }

    @Test func changingANarrativeWhoseConflictIsLeftOpenIsRefused() throws {
        let team = try narrativeConflictTeam()
        // The marked passage is left as it was, but a line is added after it: saving that
        // would keep the shown side only and drop alice's paragraph.
        let appending = try team.sandbox.script("append.sh", "#!/bin/sh\nprintf '\\nmore text\\n' >> \"$1\"\n")
        let error = try team.refused("alice", ["edit", team.id], environment: ["EDITOR": appending])
        #expect(error.contains("the narrative was changed but its conflict was left open"))
        #expect(error.contains("your text is saved in"))
        #expect(try team.conflictFields("alice") == ["body"])

        // A line that looks like a marker is refused too, whatever follows the arrows.
        let stray = try team.sandbox.script("stray.sh", "#!/bin/sh\nprintf '<<<<<<< stray\\n' >> \"$1\"\n")
        #expect(try team.refused("alice", ["edit", team.id], environment: ["EDITOR": stray]).contains("conflict markers are left at line"))

        // Changing another field with the passage left as it was keeps the conflict open.
        let retitle = try team.sandbox.script("retitle.sh", "#!/bin/sh\nsed -i 's/^title: .*/title: Retitled/' \"$1\"\n")
        try team.ok("alice", ["edit", team.id], environment: ["EDITOR": retitle])
        #expect(try team.report("alice")["title"] as? String == "Retitled")
        #expect(try team.conflictFields("alice") == ["body"])
        let bodies = try team.json("alice", ["conflicts", "--json"])
        #expect("\(bodies)".contains("p2 ALICE") && "\(bodies)".contains("p2 BOB"))
    }

    @Test func aNarrativeLineThatLooksLikeAMarkerIsText() throws {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "body=line one\n>>>>>>> quoted deep\nline three"])
        try team.syncAll(["alice", "bob"])
        try team.ok("alice", ["set", team.id, "title=Alice's title"])
        try team.ok("bob", ["set", team.id, "title=Bob's title"])
        try team.syncAll(["alice", "bob"])
        let restatus = try team.sandbox.script("restatus.sh", "sed -i 's/^status: review/status: final/' \"$1\"\n")
        try team.ok("alice", ["edit", team.id], environment: ["EDITOR": restatus])
        #expect(try team.report("alice")["status"] as? String == "final")
        #expect(try team.conflictFields("alice") == ["title"])
        // Deciding the title in the editor works too.
        try team.ok("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine")])
        #expect(try team.conflictFields("alice").isEmpty)
        #expect((try team.report("alice")["body"] as? String)?.contains(">>>>>>> quoted deep") == true)
    }

    @Test func anEventRemovedHereAndEditedThereIsDecidedByKeepingOrDroppingIt() throws {
        let team = try Team()
        try team.ok("alice", ["event", "rm", team.id, "e1"])
        try team.ok("bob", ["event", "set", team.id, "e1", "place=Derbent"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.conflictFields("alice") == ["events.e1"])
        try team.ok("alice", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine")])
        #expect((try team.report("alice")["events"] as? [Object])?.map { $0["id"] as? String } == ["e2", "e3"])
        try team.ok("bob", ["edit", team.id], environment: ["EDITOR": try editor(team, keep: "mine")])
        #expect((try team.report("bob")["events"] as? [Object])?.first?["place"] as? String == "Derbent")
        #expect(try team.conflictFields("bob").isEmpty)
    }

    @Test func anEditRacingAnotherChangeIsRefusedAndKept() throws {
        let team = try conflictedTeam()
        // The editor is still open when another change lands (a sync, another terminal).
        let racing = try editor(team, keep: "mine", extra: "\(Sandbox.binary.path) set \(team.id) status=final --store \(team.store("alice").path) > /dev/null")
        let result = try team.sandbox.run(["edit", team.id, "--store", team.store("alice").path], environment: ["EDITOR": racing])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the report changed while you were editing it"))
        #expect(result.stderr.contains("your text is saved in"))
        #expect(try team.report("alice")["status"] as? String == "final")
        #expect(try team.conflictFields("alice") == ["events.e2.killed", "title"])
    }
}
