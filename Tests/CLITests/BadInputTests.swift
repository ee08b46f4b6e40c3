import Foundation
import GRDB
import OfflineStore
import ReportModels
import Testing

/// Each kind of bad input gets one `error:` line that says what to do, exit code 1, and no
/// change to the store (`Sandbox.refused` checks all three).
@Suite("Bad input is refused and changes nothing")
struct BadInputTests {
    /// A sandbox with a store holding the sample report.
    func sandboxWithSample() throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        return (sandbox, try sandbox.addSample())
    }

    @Test func invalidFieldValuesNameTheFieldTheValueAndWhatIsAllowed() throws {
        let (sandbox, id) = try sandboxWithSample()
        let cases: [([String], String)] = [
            (["set", id, "status=done"], "invalid status 'done': use one of draft, review, final, archived"),
            (["set", id, "credibility=7"], "invalid credibility '7'"),
            (["set", id, "title="], "invalid title '': it must not be empty"),
            (["set", id, "tags+=two words"], "invalid tags 'two words'"),
            (["set", id, "colour=red"], "unknown field 'colour'"),
            (["set", id, "statusfinal"], "is not FIELD=VALUE"),
            (["source", "add", id, "--ref", "Rumour", "--reliability", "G"], "reliability 'G': Admiralty reliability is a letter from A to F"),
            (["event", "add", id, "--when", "2024-06-25", "--place", "Grozny", "--killed=-3"], "killed '-3': casualty figures are whole numbers, 0 or more"),
            (["event", "add", id, "--when", "2024-06-25", "--place", "Grozny", "--lat", "91", "--lon", "45"], "lat '91.0': latitude is between -90 and 90"),
            (["event", "add", id, "--when", "2024-13-01", "--place", "Grozny"], "when '2024-13-01': use an ISO date"),
            (["event", "add", id, "--when", "25 June", "--place", "Grozny"], "when '25 June'"),
            (["event", "add", id, "--when", "2024-06-25", "--place", "Grozny", "--lat", "43.3"], "give both lat and lon"),
            (["event", "add", id, "--when", "2024-06-25", "--place", "Grozny", "--event-id", "e1"], "already has an event 'e1'"),
            (["event", "set", id, "e2", "injured=-1"], "injured '-1'"),
            (["event", "set", id, "e9", "killed=1"], "has no event 'e9'"),
            (["event", "set", id, "e2", "colour=red"], "event fields: when, place"),
            (["source", "rm", id, "s9"], "has no source 's9'"),
            (["add", "--title", "x", "--status", "published"], "invalid status 'published'"),
            (["add", "--title", "x", "--credibility", "0"], "invalid credibility '0'"),
            (["add", "--title", "x\ny"], "single line"),
        ]
        for (arguments, message) in cases {
            let error = try sandbox.refused(arguments)
            #expect(error.contains(message), "\(arguments): \(error)")
        }
        try sandbox.verify()
    }

    @Test func badDocumentsAreRefusedWithTheLine() throws {
        let (sandbox, _) = try sandboxWithSample()
        let cases: [(String, String)] = [
            ("---\ntitle: A\npriority: high\n---\nBody", "line 3: unknown key 'priority' in the front matter; known keys: title, status, tags, credibility, sources, events"),
            ("---\ntitle: A\nstatus: [draft\n---\n", "the front matter is not valid YAML"),
            ("---\ntitle: A\n", "line 1: the front matter has no closing '---' line"),
            ("---\nstatus: draft\n---\nBody", "the front matter has no 'title'"),
            ("---\ntitle: A\nevents:\n  - when: 2024-06-23\n    place: Derbent\n    killed: many\n---\n", "line 6: invalid events[1].killed 'many'"),
            ("---\ntitle: A\nevents:\n  - place: Derbent\n---\n", "has no 'when'"),
            ("---\ntitle: A\nsources:\n  - ref: Police\n    reliability: G\n---\n", "line 5: invalid sources[1].reliability 'G'"),
            ("---\ntitle: A\nsources:\n  - ref: Police\n    trust: high\n---\n", "unknown key 'trust' in the sources item 1"),
            ("---\ntitle: A\ntags: [Fine, \"not fine\"]\n---\n", "invalid tags 'not fine'"),
            ("---\ntitle: A\ncredibility: 9\n---\n", "line 3: invalid credibility '9'"),
            ("---\ntitle: A\ntitle: B\n---\n", "'title' appears twice"),
            ("---\n- just\n- a list\n---\n", "must be a list of 'key: value' lines"),
            ("\n\n   \n", "the text is empty"),
        ]
        for (document, message) in cases {
            let error = try sandbox.refused(["add", "--from", "-"], stdin: document)
            #expect(error.contains(message), "\(document): \(error)")
            #expect(error.hasPrefix("error: standard input: "), "\(error)")
        }
        let file = try sandbox.write("bad.md", "---\ntitle: A\nfoo: 1\n---\n")
        #expect(try sandbox.refused(["add", "--from", file]).hasPrefix("error: \(file): line 3: unknown key 'foo'"))
    }

    @Test func textThatIsNotUTF8IsRefused() throws {
        let (sandbox, id) = try sandboxWithSample()
        let latin1 = sandbox.folder.appending(path: "latin1.md")
        try Data("Rapport de la journ\u{e9}e".data(using: .isoLatin1)!).write(to: latin1)
        #expect(try sandbox.refused(["add", "--from", latin1.path]).contains("is not UTF-8"))
        #expect(try sandbox.refused(["set", id, "body=@\(latin1.path)"]).contains("is not UTF-8"))
        #expect(try sandbox.refused(["add", "--title", "t", "--body-file", latin1.path]).contains("is not UTF-8"))
        #expect(try sandbox.refused(["add", "--from", sandbox.folder.appending(path: "missing.md").path]).contains("no such file"))
    }

    @Test func unknownAndMalformedIdsAreRefused() throws {
        let (sandbox, id) = try sandboxWithSample()
        // Prefixes that no id of this run has, whatever ids it drew.
        let unknown = id.hasPrefix("f") ? "00000000" : "ffffffff"
        #expect(try sandbox.refused(["show", unknown]).contains("no report matches '\(unknown)'"))
        #expect(try sandbox.refused(["show", "abc"]).contains("at least 4 characters"))
        #expect(try sandbox.refused(["set", "zzzz-yyyy", "status=final"]).contains("no report matches"))
        #expect(try sandbox.refused(["show", id, "--at", "nope"]).contains("has no version 'nope'"))
        let replica = try #require((try sandbox.json(["status"]) as? [String: Any])?["replica"] as? String)
        let otherReplica = replica.hasPrefix("f") ? "0000" : "ffff"
        #expect(try sandbox.refused(["show", id, "--at", "\(otherReplica):1"]).contains("has no version '\(otherReplica):1'"))
        #expect(try sandbox.refused(["show", id, "--at", "\(replica):7"]).contains("`fieldnotes log"))
        #expect(try sandbox.refused(["diff", id, "\(replica):9"]).contains("has no version"))
    }

    @Test func anAmbiguousPrefixListsTheCandidates() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let store = try Store.open(at: sandbox.store)
        for id in ["abcd1111-0000-4000-8000-000000000001", "abcd2222-0000-4000-8000-000000000002"] {
            try store.create(Report(id: ReportID(id)!, title: "Report \(id.prefix(8))"))
        }
        let error = try sandbox.refused(["show", "abcd"])
        #expect(error.contains("'abcd' matches several reports: abcd1111-0000, abcd2222-0000"))
        #expect(try sandbox.ok(["show", "abcd2"]).contains("Report abcd2222"))
    }

    @Test func aMissingStoreSaysToRunInit() throws {
        let sandbox = try Sandbox()
        for command in [["list"], ["show", "abcd"], ["add", "--title", "x"], ["status"], ["verify"]] {
            let result = try sandbox.run(command)
            #expect(result.status == 1)
            #expect(result.stderr == "error: no fieldnotes store at \(sandbox.store.path): run `fieldnotes init` to create one, or pass --store\n")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.store.path))
    }

    @Test func initRefusesAnExistingStore() throws {
        let (sandbox, _) = try sandboxWithSample()
        #expect(try sandbox.refused(["init", "--analyst", "bob"]).contains("a store already exists"))
    }

    @Test func aStoreFromANewerFieldnotesIsRefused() throws {
        let (sandbox, id) = try sandboxWithSample()
        let database = try DatabaseQueue(path: sandbox.store.appending(path: "fieldnotes.sqlite").path)
        try database.write { try $0.execute(sql: "PRAGMA user_version = 999") }
        try database.close()
        let error = try sandbox.refused(["show", id])
        #expect(error.contains("was written by a newer fieldnotes (schema 999"))
        #expect(error.contains("upgrade fieldnotes"))
    }

    @Test func usageErrorsAreArgumentParsersOwn() throws {
        let (sandbox, _) = try sandboxWithSample()
        let result = try sandbox.run(["show"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Missing expected argument"))
        #expect(try sandbox.run(["add"]).stderr.contains("give --title, or a document with --from FILE"))
        #expect(try sandbox.run(["frobnicate"]).status == 64)
        let help = try sandbox.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: fieldnotes [--store <dir>] [--color <when>] [--no-pager] <subcommand>"))
        #expect(try sandbox.run(["event", "set", "--help"]).stdout.contains("Change fields of an event"))
    }
}
