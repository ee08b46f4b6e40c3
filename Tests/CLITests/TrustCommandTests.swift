import Foundation
import Testing

/// Signatures as analysts meet them in the terminal: versions that arrived unsigned, and a
/// key rotated (README "Trust").
@Suite("Trust commands")
struct TrustCommandTests {
    typealias Object = [String: Any]

    @Test func versionsFromBeforeSignaturesAreMarkedUnsignedInLogAndShow() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize(analyst: "Nadia")
        // A folder written by fieldnotes before signatures (Tests/Fixtures/schema4).
        let folder = sandbox.folder.appending(path: "old-shared")
        try FileManager.default.copyItem(at: Sandbox.fixtures.appending(path: "schema4/shared"), to: folder)
        let synced = try #require(try sandbox.json(["sync", folder.path]) as? Object)
        #expect(synced["importedVersions"] as? Int == 5)
        let reports = try #require(try sandbox.json(["list"]) as? [Object])
        let id = try #require(reports.first?["id"] as? String)
        let log = try #require(try sandbox.json(["log", id]) as? [Object])
        #expect(!log.isEmpty && log.allSatisfy { $0["signed"] as? Bool == false })
        #expect(try sandbox.ok(["log", id]).contains("unsigned"))
        #expect(try sandbox.ok(["show", id]).contains("arrived unsigned"))
        // What this replica makes is signed.
        try sandbox.ok(["set", id, "status=final"])
        let after = try #require(try sandbox.json(["log", id]) as? [Object])
        #expect(after.last?["signed"] as? Bool == true)
    }

    @Test func idRotateMovesToANewKeyAndSaysSo() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize(analyst: "Nadia")
        let before = try #require((try sandbox.json(["id"]) as? Object)?["fingerprint"] as? String)
        let said = try sandbox.ok(["id", "rotate"])
        let after = try #require((try sandbox.json(["id"]) as? Object)?["fingerprint"] as? String)
        #expect(after != before && said.contains(after) && said.contains(before))
        let keys = try #require((try sandbox.json(["trust"]) as? Object)?["keys"] as? [Object])
        #expect(keys.map { $0["current"] as? Bool } == [false, true])
    }
}
