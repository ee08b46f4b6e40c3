import Foundation
import GRDB
import Testing

/// Cases found by reviewing the command line as a demanding user would.
@Suite("Edge cases of the command line")
struct EdgeCaseTests {
    typealias Object = [String: Any]

    func sandboxWithSample() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        return (sandbox, try sandbox.addSample())
    }

    @Test func aReportWithAMarkdownUnderlineCanBeEdited() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.add(document: "---\ntitle: Setext\n---\nHeading\n=======\n\nSome text.\n")
        let editor = try sandbox.script("editor.sh", "#!/bin/sh\nsed -i 's/^Some text./Other text./' \"$1\"\n")
        try sandbox.ok(["edit", id], environment: ["EDITOR": editor])
        #expect((try sandbox.json(["show", id]) as? Object)?["body"] as? String == "Heading\n=======\n\nOther text.")
    }

    @Test func aPrefixLongerThanAWordsStemStillMatches() throws {
        let (sandbox, id) = try sandboxWithSample()
        for query in ["escalat*", "religio*", "esc*", "escalation*"] {
            #expect((try sandbox.json(["search", query]) as? [Object])?.first?["id"] as? String == id, "\(query)")
        }
    }

    @Test func negativeCoordinatesCanBeTyped() throws {
        let (sandbox, id) = try sandboxWithSample()
        let event = try sandbox.ok(["event", "add", id, "--when", "2024-06-24", "--place", "Sydney", "--lat", "-33.9", "--lon", "151.2"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let events = try #require((try sandbox.json(["show", id]) as? Object)?["events"] as? [Object])
        #expect(events.first { $0["id"] as? String == event }?["lat"] as? Double == -33.9)
        #expect(try sandbox.refused(["event", "add", id, "--when", "2024-06-24", "--place", "X", "--killed", "-5"]).contains("invalid --killed '-5'"))
        #expect(try sandbox.refused(["event", "add", id, "--when", "yesterday", "--place", "X"]).contains("invalid --when 'yesterday'"))
        #expect(try sandbox.refused(["source", "add", id, "--ref", "X", "--reliability", "Q"]).contains("invalid --reliability 'Q'"))
        #expect(try sandbox.refused(["event", "set", id, "e1", "color=red"]).contains("unknown event field 'color'"))
        #expect(try sandbox.refused(["event", "set", id, "e1", "lat=0x1p3"]).contains("decimal number"))
    }

    @Test func noneClearsASummary() throws {
        let (sandbox, id) = try sandboxWithSample()
        try sandbox.ok(["event", "set", id, "e1", "summary=none"])
        #expect(((try sandbox.json(["show", id]) as? Object)?["events"] as? [Object])?.first?["summary"] as? String == "")
    }

    @Test func blankLinesBeforeTheFrontMatterKeepItFrontMatter() throws {
        let (sandbox, id) = try sandboxWithSample()
        let editor = try sandbox.script("blank.sh", "printf '\\n\\n' | cat - \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\nsed -i 's/^status: review/status: final/' \"$1\"\n")
        try sandbox.ok(["edit", id], environment: ["EDITOR": editor])
        let report = try #require(try sandbox.json(["show", id]) as? Object)
        #expect(report["status"] as? String == "final")
        #expect((report["title"] as? String)?.hasPrefix("Flashpoint") == true)
        #expect((report["events"] as? [Any])?.count == 3 && (report["tags"] as? [Any])?.isEmpty == false)
        let added = try sandbox.add(document: "\n\n---\ntitle: After blank lines\nstatus: final\n---\nBody.\n")
        #expect((try sandbox.json(["show", added]) as? Object)?["status"] as? String == "final")
    }

    @Test func optionsOverrideADocumentBeforeItIsChecked() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        // Plain text whose first line is too long for a title: --title gives one instead.
        let file = try sandbox.write("notes.txt", String(repeating: "x", count: 400) + "\nSecond line.\n")
        #expect(try sandbox.refused(["add", "--from", file]).contains("\(file): invalid title"))
        let id = try sandbox.ok(["add", "--from", file, "--title", "Notes"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((try sandbox.json(["show", id]) as? Object)?["title"] as? String == "Notes")
        // A bad option is named as the option, not as the file.
        let error = try sandbox.refused(["add", "--from", file, "--title", "Notes", "--status", "bogus"])
        #expect(error.contains("invalid status 'bogus'") && !error.contains(file))
    }

    @Test func aDeletedReportIsRestoredBeforeItIsChanged() throws {
        let (sandbox, id) = try sandboxWithSample()
        try sandbox.ok(["rm", id])
        let before = try sandbox.dump()
        for arguments in [["set", id, "title=Unseen"], ["event", "add", id, "--when", "2024-06-24", "--place", "Derbent"],
                          ["event", "set", id, "e1", "killed=3"], ["source", "rm", id, "s1"], ["edit", id]] {
            #expect(try sandbox.refused(arguments, environment: ["EDITOR": "true"]).contains("is deleted; run `fieldnotes restore"))
        }
        #expect(try sandbox.dump() == before)
        try sandbox.ok(["restore", id])
        try sandbox.ok(["set", id, "title=Seen again"])
        try sandbox.verify()
    }

    @Test func settingAConflictedFieldSaysItDecidedIt() throws {
        let team = try Team()
        try team.ok("alice", ["set", team.id, "title=Alice's title", "status=draft"])
        try team.ok("bob", ["set", team.id, "title=Bob's title", "status=final"])
        try team.syncAll(["alice", "bob"])
        let output = try team.ok("alice", ["set", team.id, "title=Agreed title"])
        #expect(output.contains("Decided title.") && output.contains("1 conflict still open."))
        #expect(try team.conflictFields("alice") == ["status"])
    }

    @Test func pathsThatAreNotFoldersGetOneClearLine() throws {
        let sandbox = try Sandbox()
        let file = try sandbox.write("afile", "not a folder")
        #expect(try sandbox.refused(["init", "--store", file]).contains("cannot create a store at \(file): a file is in the way"))
        #expect(try sandbox.refused(["init", "--store", file + "/sub"]).contains("cannot create a store"))
        #expect(try sandbox.refused(["list", "--store", ""]).contains("the --store path is empty"))
        try sandbox.initialize()
        let importing = try sandbox.run(["import", sandbox.folder.path])
        #expect(importing.status == 1 && importing.stderrLines.count == 1)
        #expect(importing.stderr.contains("it is a folder, not a plain file"))
        #expect(try sandbox.refused(["sync", ""]).contains("the folder path is empty"))
        #expect(try sandbox.refused(["sync", file]).contains("is a file, not a folder"))
        #expect(try sandbox.refused(["export", "-o", "-"]).contains("give its path with -o FILE"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appending(path: "-").path))
        #expect(try sandbox.refused(["export", "-o", sandbox.folder.appending(path: "missing/x.fnc").path]).contains("does not exist"))
        let folderAsDatabase = sandbox.folder.appending(path: "odd")
        try FileManager.default.createDirectory(at: folderAsDatabase.appending(path: "fieldnotes.sqlite"), withIntermediateDirectories: true)
        #expect(try sandbox.refused(["list", "--store", folderAsDatabase.path]).contains("is not a fieldnotes store"))
    }

    @Test func standardInputIsReadOnce() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        #expect(try sandbox.refused(["add", "--from", "-", "--body-file", "-"], stdin: "# Title\nbody").contains("read only once"))
    }

    @Test func anOversizedNarrativeIsRefusedBeforeItCanBlockSync() throws {
        let (sandbox, id) = try sandboxWithSample()
        let big = try sandbox.write("big.md", String(repeating: "A very long narrative line.\n", count: 40_000))
        #expect(try sandbox.refused(["set", id, "body=@\(big)"]).contains("at most 1000000 bytes"))
    }

    @Test func controlCharactersInTextAreRefused() throws {
        let (sandbox, id) = try sandboxWithSample()
        #expect(try sandbox.refused(["set", id, "title=esc\u{1B}[31mred"]).contains("control characters"))
        #expect(try sandbox.refused(["init", "--analyst", "x\u{1B}[31m", "--store", sandbox.folder.appending(path: "other").path])
            .contains("one line of text"))
    }

    @Test func verifyNoticesAListingThatDisagreesWithItsState() throws {
        let (sandbox, _) = try sandboxWithSample()
        let database = try DatabaseQueue(path: sandbox.store.appending(path: "fieldnotes.sqlite").path)
        try database.write { try $0.execute(sql: "UPDATE reports SET title = 'Tampered'") }
        try database.close()
        let result = try sandbox.run(["verify"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("its listing or search entry differs from its state"))
    }

    @Test func verifyNamesADamagedVersionOnce() throws {
        let (sandbox, _) = try sandboxWithSample()
        let database = try DatabaseQueue(path: sandbox.store.appending(path: "fieldnotes.sqlite").path)
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER versions_are_immutable")
            try db.execute(sql: "UPDATE versions SET encoded = replace(encoded, 'Flashpoint', 'Flashp0int')")
        }
        try database.close()
        let result = try sandbox.run(["verify"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("damaged") || result.stderr.contains("damaged"))
        let everything = result.stdout + result.stderr
        #expect(!everything.contains("run `fieldnotes verify`") && !everything.contains("has a state but no versions"), "\(everything)")
    }

    @Test func theFirstVersionsDiffShowsWhatItHolds() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.add(document: "---\ntitle: Only a title\n---\n")
        let diff = try sandbox.ok(["diff", id])
        #expect(diff.contains("first version") && diff.contains("title\n  + Only a title"))
        #expect(!diff.contains("credibility") && !diff.contains("(none)"))
    }

    @Test func documentErrorsNameTheFileAndTheItem() throws {
        let (sandbox, _) = try sandboxWithSample()
        let file = try sandbox.write("dupes.md", "---\ntitle: A\nevents:\n  - id: e1\n    when: 2024-06-23\n    place: X\n  - id: e1\n    when: 2024-06-24\n    place: Y\n---\n")
        #expect(try sandbox.refused(["add", "--from", file]).contains("\(file): invalid events 'e1': each id may appear only once"))
        let noID = try sandbox.write("noid.md", "---\ntitle: A\nevents:\n  - place: X\n    when: 2024-06-31\n---\n")
        #expect(try sandbox.refused(["add", "--from", noID]).contains("invalid events[1].when '2024-06-31'"))
    }
}
