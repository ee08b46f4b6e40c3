import Foundation
import Testing

/// `edit` with a fake `$EDITOR`: a shell script that changes the file as a person would.
@Suite("Editing in $EDITOR")
struct EditTests {
    @Test func anEditorChangeBecomesOneVersion() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let editor = try sandbox.script("editor.sh", """
            #!/bin/sh
            sed -i -e 's/^status: review/status: final/' -e 's/injured: 124/injured: 151/' "$1"
            """)
        try sandbox.ok(["edit", id], environment: ["EDITOR": editor])
        let report = try #require(try sandbox.json(["show", id]) as? [String: Any])
        #expect(report["status"] as? String == "final")
        #expect(((report["events"] as? [[String: Any]])?.last)?["injured"] as? Int == 151)
        let log = try #require(try sandbox.json(["log", id]) as? [[String: Any]])
        #expect(log.last?["changed"] as? [String] == ["events.e3.injured", "status"])
        try sandbox.verify()
    }

    @Test func visualWinsOverEditor() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let visual = try sandbox.script("visual.sh", "#!/bin/sh\nsed -i 's/^status: review/status: archived/' \"$1\"\n")
        try sandbox.ok(["edit", id], environment: ["VISUAL": visual, "EDITOR": "/bin/false"])
        #expect((try sandbox.json(["show", id]) as? [String: Any])?["status"] as? String == "archived")
    }

    @Test func anUnchangedFileWritesNothing() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let before = try sandbox.dump()
        let output = try sandbox.run(["edit", id], environment: ["EDITOR": "true"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("No changes."))
        #expect(try sandbox.dump() == before)
    }

    @Test func invalidEditedTextIsRefusedAndKeptInARecoveryFile() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let editor = try sandbox.script("editor.sh", """
            #!/bin/sh
            sed -i -e 's/^status: review/status: published/' -e 's/^## Assessment/## Assessment (my new words)/' "$1"
            """)
        let error = try sandbox.refused(["edit", id], environment: ["EDITOR": editor])
        #expect(error.contains("invalid status 'published'"))
        #expect(error.contains("nothing was written, and your text is saved in "))
        let path = try #require(error.components(separatedBy: "saved in ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(saved.contains("## Assessment (my new words)"))
        #expect(saved.contains("status: published"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        try sandbox.verify()
    }

    @Test func aFailingEditorChangesNothing() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        #expect(try sandbox.refused(["edit", id], environment: ["EDITOR": "false"]).contains("exited with status 1"))
    }
}
