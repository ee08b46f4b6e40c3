import Foundation
import Testing

@Suite("Commands")
struct CommandTests {
    typealias Object = [String: Any]

    /// The README's main command: two analysts, a merge, a conflict and its resolution.
    @Test func theDemoWalksThroughSyncAndAConflictIn80Columns() throws {
        let sandbox = try Sandbox()
        // In the system's temporary folder, as for a user: its paths are short. (Piped output
        // is not wrapped; COLUMNS asks for the width of a terminal.)
        let result = try sandbox.run(["demo"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        for expected in ["alice$ fieldnotes sync", "1 new", "conflict", "bob$ fieldnotes resolve", "No open conflicts.", "ok: 1 report",
                         "bob$ fieldnotes team join", "encrypted, team key"] {
            #expect(result.stdout.contains(expected), "missing: \(expected)")
        }
        let wide = result.stdout.split(separator: "\n").filter { $0.count > 80 }
        #expect(wide.isEmpty, "lines over 80 columns: \(wide)")
    }

    @Test func aLogWithManyReplicasFits80Columns() throws {
        let team = try Team(["alice", "bob", "carol"])
        for round in 1...4 {
            try team.ok("alice", ["set", team.id, "status=draft", "title=Alice \(round)"])
            try team.ok("bob", ["set", team.id, "credibility=\(round)"])
            try team.ok("carol", ["set", team.id, "tags+=carol-\(round)"])
        }
        try team.syncAll(["alice", "bob", "carol"])
        let log = try team.ok("carol", ["log", team.id], environment: ["COLUMNS": "80"])
        #expect(log.contains("concurrent with"))
        let wide = log.split(separator: "\n").filter { $0.count > 80 }
        #expect(wide.isEmpty, "lines over 80 columns: \(wide)")
    }

    @Test func everyEditIsAVersionInTheLogWithItsClock() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        try sandbox.ok(["set", id, "status=final", "tags+=black-sea", "tags-=escalation", "credibility=2"])
        try sandbox.ok(["event", "set", id, "e2", "killed=10", "injured=none"])
        let eventID = try sandbox.ok(["event", "add", id, "--when", "2024-06-24T08:00Z", "--place", "Kaspiysk", "--killed", "0"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.ok(["source", "add", id, "--ref", "Governor's statement", "--reliability", "b", "--source-id", "s3"])
        try sandbox.ok(["source", "rm", id, "s1"])
        try sandbox.ok(["event", "rm", id, "e1"])
        try sandbox.ok(["rm", id])
        try sandbox.ok(["restore", id])

        let log = try #require(try sandbox.json(["log", id]) as? [Object])
        let replica = try #require((try sandbox.json(["status"]) as? Object)?["replica"] as? String)
        #expect(log.count == 9)
        #expect(log.map { $0["version"] as? String } == (1...9).map { "\(replica):\($0)" })
        #expect(log.map { ($0["clock"] as? [String: Int]) ?? [:] } == (1...9).map { [replica: $0] })
        #expect(log.allSatisfy { $0["author"] as? String == "alice" && $0["replica"] as? String == replica })
        #expect(log.map { $0["changed"] as? [String] ?? [] }.dropFirst() == [
            ["credibility", "status", "tags"], ["events.e2.injured", "events.e2.killed"], ["events.\(eventID)"],
            ["sources.s3"], ["sources.s1"], ["events.e1"], ["deleted"], ["deleted"],
        ])

        let report = try #require(try sandbox.json(["show", id]) as? Object)
        #expect(report["status"] as? String == "final")
        #expect(report["credibility"] as? Int == 2)
        #expect((report["tags"] as? [String])?.contains("black-sea") == true)
        #expect((report["tags"] as? [String])?.contains("escalation") == false)
        let events = try #require(report["events"] as? [Object])
        #expect(events.map { $0["id"] as? String } == ["e2", "e3", eventID])
        #expect(events[0]["killed"] as? Int == 10 && events[0]["injured"] is NSNull)
        #expect((report["sources"] as? [Object])?.map { $0["id"] as? String } == ["s2", "s3"])
        #expect((report["sources"] as? [Object])?.last?["reliability"] as? String == "B")
        #expect(report["deleted"] as? Bool == false)
        #expect((report["clock"] as? [String: Int]) == [replica: 9])
        try sandbox.verify()
    }

    @Test func showAtAVersionShowsTheReportAsItWasThen() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        try sandbox.ok(["set", id, "title=Renamed"])
        let replica = try #require((try sandbox.json(["status"]) as? Object)?["replica"] as? String)
        let first = try #require(try sandbox.json(["show", id, "--at", "\(replica.prefix(6)):1"]) as? Object)
        #expect((first["title"] as? String)?.hasPrefix("Flashpoint") == true)
        #expect(first["clock"] as? [String: Int] == [replica: 1])
        #expect((try sandbox.json(["show", id]) as? Object)?["title"] as? String == "Renamed")
        #expect(try sandbox.ok(["show", id, "--at", "\(replica):2", "--format", "md"]).contains("title: Renamed"))
    }

    @Test func diffShowsFieldsAndTheBodyAsAUnifiedDiff() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.add(document: "---\ntitle: Bridge\n---\nline one\nline two\nline three\n")
        try sandbox.ok(["set", id, "body=line one\nline 2\nline three", "status=review"])
        let diff = try sandbox.ok(["diff", id])
        #expect(diff.contains("status\n  - draft\n  + review"))
        #expect(diff.contains("@@ -1,3 +1,3 @@\n line one\n-line two\n+line 2\n line three"))
        let json = try #require(try sandbox.json(["diff", id]) as? [Object])
        #expect(json.map { $0["field"] as? String } == ["body", "status"])
        let replica = try #require((try sandbox.json(["status"]) as? Object)?["replica"] as? String)
        #expect(try sandbox.ok(["diff", id, "\(replica):2", "\(replica):2"]) == "No differences.\n")
        try sandbox.verify()
    }

    @Test func listFiltersAndLimits() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let sample = try sandbox.addSample()
        let other = try sandbox.ok(["add", "--title", "Ferry accident", "--tag", "Baltic", "--status", "final"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        func ids(_ arguments: [String]) throws -> [String] {
            try #require(try sandbox.json(["list"] + arguments) as? [Object]).compactMap { $0["id"] as? String }
        }
        #expect(try ids([]) == [other, sample])
        #expect(try ids(["--tag", "baltic"]) == [other])
        #expect(try ids(["--status", "review"]) == [sample])
        #expect(try ids(["--author", "alice", "--limit", "1"]) == [other])
        #expect(try ids(["--conflicted"]).isEmpty)
        try sandbox.ok(["rm", sample])
        #expect(try ids([]) == [other])
        #expect(try ids(["--deleted"]) == [sample])
        #expect(try sandbox.ok(["list"]).contains("Ferry accident"))
    }

    @Test func reportsAreNamedByUniquePrefixes() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        #expect((try sandbox.json(["show", String(id.prefix(4))]) as? Object)?["id"] as? String == id)
        #expect((try sandbox.json(["show", id.uppercased()]) as? Object)?["id"] as? String == id)
    }

    @Test func statusCountsReportsAndVersions() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize(analyst: "Dana Scully")
        let id = try sandbox.addSample()
        try sandbox.ok(["set", id, "status=final"])
        let status = try #require(try sandbox.json(["status"]) as? Object)
        #expect(status["analyst"] as? String == "Dana Scully")
        #expect(status["reports"] as? Int == 1)
        #expect(status["versions"] as? Int == 2)
        #expect(status["conflicts"] as? Int == 0)
    }

    @Test func idShowsTheReplicaItsAnalystAndAFingerprintToReadAloud() throws {
        let sandbox = try Sandbox()
        let created = try sandbox.ok(["init", "--analyst", "Dana Scully"])
        let id = try #require(try sandbox.json(["id"]) as? Object)
        let fingerprint = try #require(id["fingerprint"] as? String)
        // Five groups of four base32 characters, and the same in `init`'s output and `id`'s.
        #expect(fingerprint.wholeMatch(of: /[A-Z2-7]{4}(-[A-Z2-7]{4}){4}/) != nil)
        #expect(created.contains(fingerprint))
        #expect(id["analyst"] as? String == "Dana Scully")
        #expect((id["publicKey"] as? String)?.count == 64)
        let human = try sandbox.ok(["id"])
        #expect(human.contains("fingerprint  \(fingerprint)") && human.contains("analyst      Dana Scully"))
        // Another replica has another key.
        let other = try Sandbox()
        try other.initialize(analyst: "Fox Mulder")
        #expect((try other.json(["id"]) as? Object)?["fingerprint"] as? String != fingerprint)
    }

    @Test func trustListsKeysAndRefusesWhatItCannotCheck() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize(analyst: "Dana Scully")
        let me = try #require(try sandbox.json(["id"]) as? Object)
        let listing = try #require(try sandbox.json(["trust"]) as? Object)
        let keys = try #require(listing["keys"] as? [Object])
        #expect(keys.count == 1 && keys[0]["fingerprint"] as? String == me["fingerprint"] as? String)
        #expect(listing["requireVerified"] as? Bool == false)
        let ownPrefix = String((me["replica"] as! String).prefix(8))
        #expect(try sandbox.refused(["trust", ownPrefix, me["fingerprint"] as! String]).contains("that is this replica"))
        #expect(try sandbox.refused(["trust", "abcd", me["fingerprint"] as! String]).contains("no pinned key belongs to a replica matching 'abcd'"))
        #expect(try sandbox.refused(["trust", "revoke", "abcd"]).contains("`fieldnotes trust` lists them"))
        let unknown = "6f1d2c3b-4a59-4e87-9d10-2b3c4d5e6f70"
        #expect(try sandbox.refused(["trust", unknown, "not-a-fingerprint"]).contains("is not a fingerprint"))
        #expect(try sandbox.ok(["trust", unknown, "abcd efgh ijkl mnop qrst"]).contains("ABCD-EFGH-IJKL-MNOP-QRST"))
        try sandbox.ok(["trust", "--require-verified", "on"])
        #expect((try sandbox.json(["trust"]) as? Object)?["requireVerified"] as? Bool == true)
    }

    @Test func theStoreComesFromTheOptionTheEnvironmentOrHome() throws {
        let sandbox = try Sandbox()
        let elsewhere = sandbox.folder.appending(path: "elsewhere")
        try sandbox.initialize(at: elsewhere)
        _ = try sandbox.ok(["add", "--title", "Here", "--store", elsewhere.path])
        #expect(try sandbox.ok(["list", "--store", elsewhere.path]).contains("Here"))
        let home = try sandbox.run(["init", "--analyst", "h"], environment: ["FIELDNOTES_STORE": ""])
        #expect(home.status == 0)
        #expect(FileManager.default.fileExists(atPath: sandbox.folder.appending(path: ".fieldnotes/fieldnotes.sqlite").path))
    }

    @Test func twoProcessesOnOneStoreWaitForEachOther() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        let id = try sandbox.addSample()
        let processes = (0..<6).map { index -> Process in
            let process = Process()
            process.executableURL = Sandbox.binary
            process.arguments = ["set", id, "title=Edit \(index)", "--store", sandbox.store.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect((try sandbox.json(["log", id]) as? [Any])?.count == 7)
        try sandbox.verify()
    }
}
