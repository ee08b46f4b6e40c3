import Foundation
import Testing

/// An encrypted folder as a team meets it in the terminal (README "Encryption"): the real
/// binary, real scrypt at its standard cost, a real folder.
@Suite("Encrypted folders from the command line")
struct TeamCommandTests {
    typealias Object = [String: Any]

    @Test func aTeamEncryptsItsFolderAndWhoeverLacksThePassphraseReadsNothing() throws {
        let team = try Team(["alice", "bob", "carol"])
        let passphrase = try team.sandbox.write("passphrase.txt", "correct horse battery staple\n")
        let short = try team.sandbox.write("short.txt", "short\n")
        #expect(try team.refused("alice", ["team", "init", team.shared, "--passphrase-file", short]).contains("too short"))
        let huge = try team.sandbox.write("huge.txt", String(repeating: "word ", count: 1_000))
        #expect(try team.refused("alice", ["team", "init", team.shared, "--passphrase-file", huge]).contains("larger than 4096 bytes"))
        #expect(try team.ok("alice", ["team", "init", team.shared, "--passphrase-file", passphrase]).contains("team key"))
        try team.ok("alice", ["set", team.id, "status=final"])
        try team.ok("alice", ["sync", team.shared])

        // Bob has not joined: one error line saying what to do, nothing imported or changed.
        #expect(try team.refused("bob", ["sync", team.shared]).contains("is encrypted: run `fieldnotes team join"))
        let wrong = try team.sandbox.write("wrong.txt", "not the passphrase at all\n")
        #expect(try team.refused("bob", ["team", "join", team.shared, "--passphrase-file", wrong]).contains("wrong passphrase"))
        #expect(try team.ok("bob", ["team", "join", team.shared, "--passphrase-file", passphrase]).contains("Joined"))
        try team.ok("bob", ["set", team.id, "title=Flashpoint, revised"])
        try team.syncAll(["alice", "bob"])
        #expect(try team.ok("alice", ["show", team.id]).contains("Flashpoint, revised"))

        let statuses = try #require(try team.json("bob", ["team", "status", team.shared]) as? [Object])
        let status = try #require(statuses.first)
        #expect(status["encrypted"] as? Bool == true && status["holdsCurrentKey"] as? Bool == true)
        let members = try #require(status["members"] as? [Object])
        #expect(members.count == 2 && members.allSatisfy { $0["current"] as? Bool == true })
        #expect(members.contains { $0["analyst"] as? String == "alice" })
        #expect(try team.ok("carol", ["team", "status", team.shared]).contains("this store does not hold it"))

        // No analyst's name in clear: replica.json files are rewritten without it.
        let replicas = URL(fileURLWithPath: team.shared).appending(path: "fieldnotes/replicas")
        for directory in try FileManager.default.contentsOfDirectory(atPath: replicas.path) {
            let info = try String(contentsOf: replicas.appending(path: "\(directory)/replica.json"), encoding: .utf8)
            if try directory == team.replica("alice") || directory == team.replica("bob") {
                #expect(!info.contains("alice") && !info.contains("bob"), "\(info)")
            }
        }
        // `status` and `remote list` say which remotes this store encrypts for.
        try team.ok("bob", ["remote", "add", "team", team.shared])
        try team.ok("carol", ["remote", "add", "team", team.shared])
        let remotes = { (analyst: String) in ((try team.json(analyst, ["status"]) as? Object)?["remotes"] as? [Object])?.first?["encrypted"] as? Bool }
        #expect(try remotes("bob") == true && remotes("carol") == false)
        #expect(try team.ok("bob", ["remote", "list"]).contains("encrypted"))
        try team.sandbox.verify(team.store("alice"))
        try team.sandbox.verify(team.store("bob"))
    }

    @Test func filesByHandAreEncryptedForATeamOrWithAPassphraseOfTheirOwn() throws {
        let team = try Team(["alice", "bob"])
        let passphrase = try team.sandbox.write("passphrase.txt", "correct horse battery staple\n")
        try team.ok("alice", ["team", "init", team.shared, "--passphrase-file", passphrase])
        try team.ok("alice", ["set", team.id, "status=final"])
        let forTeam = team.sandbox.folder.appending(path: "for-team.fnc").path
        #expect(try team.ok("alice", ["export", "-o", forTeam, "--team", team.shared]).contains("encrypted"))
        // Bob, not in the team, cannot read it; with the team's passphrase he can. (Without a
        // terminal to ask on — setsid — he is told to give --passphrase-file.)
        let before = try team.sandbox.dump(team.store("bob"))
        let asked = try team.sandbox.run(["import", forTeam, "--store", team.store("bob").path], launcher: ["/usr/bin/setsid", "-w"])
        #expect(asked.status == 1 && asked.stderr.contains("--passphrase-file"), "\(asked.stderr)")
        #expect(try team.sandbox.dump(team.store("bob")) == before)
        let imported = try #require(try team.json("bob", ["import", forTeam, "--passphrase-file", passphrase]) as? Object)
        #expect(imported["importedVersions"] as? Int == 1)

        let own = try team.sandbox.write("own.txt", "a passphrase of the file's own\n")
        let byHand = team.sandbox.folder.appending(path: "by-hand.fnc").path
        try team.ok("alice", ["set", team.id, "title=Flashpoint, by hand"])
        try team.ok("alice", ["export", "-o", byHand, "--passphrase-file", own])
        let wrong = try team.sandbox.write("wrong.txt", "not the passphrase at all\n")
        let unchanged = try team.sandbox.dump(team.store("bob"))
        let refused = try team.sandbox.run(["import", byHand, "--passphrase-file", wrong, "--store", team.store("bob").path])
        #expect(refused.status == 1 && refused.stderr.contains("wrong passphrase"), "\(refused.stderr)")
        #expect(try team.sandbox.dump(team.store("bob")) == unchanged)
        try team.ok("bob", ["import", byHand, "--passphrase-file", own])
        #expect(try team.ok("bob", ["show", team.id]).contains("Flashpoint, by hand"))
    }
}
