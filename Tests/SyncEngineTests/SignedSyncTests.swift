import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// Analysts syncing signed changesets through a real folder, and the forgeries of DESIGN.md
/// §9 each refused with nothing changed.
@Suite("Signed sync")
struct SignedSyncTests {
    let workspace: Workspace
    let shared: URL

    init() throws {
        workspace = try Workspace()
        shared = try workspace.folder("shared")
    }

    /// Writes a changeset as `writer` into its directory in the shared folder, signed with `key`.
    func forge(_ versions: [(Version, Signature?)], as writer: ReplicaID, sequence: Int, key: ReplicaSigningKey?,
               identities: [IdentityLine]) throws -> URL {
        let directory = shared.appending(path: "fieldnotes/replicas/\(writer)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appending(path: SharedFolder.fileName(sequence: sequence))
        let signing = key.map { ChangesetSigning(key: $0, folder: FolderID(), identities: identities) }
        let file = try ChangesetWriter(at: url, writer: writer, sequence: sequence, level: 6, signing: signing)
        for (version, signature) in versions { try file.append(version, signature: signature) }
        _ = try file.finish()
        return url
    }

    /// A new version of report `id` in `replica`'s name, after `store`'s state of it.
    func edit(_ id: ReportID, in store: Store, as replica: ReplicaID, analyst: String) throws -> Version {
        let stored = try store.stored(id)
        var report = stored.report
        report.title = "Forged: " + report.title
        return Version(snapshot: report, after: stored.clock, replica: replica, author: analyst, time: .now)
    }

    @Test func threeAnalystsSyncSignedAndPinEachOthersKeys() throws {
        let stores = try ["alice", "bob", "carol"].map { try workspace.store($0) }
        for (index, store) in stores.enumerated() { try store.add("Report by \(index)") }
        var pinned: [[KeyEvent]] = []
        for _ in 0..<2 {
            for store in stores { pinned.append(try store.sync(shared).keys) }
        }
        // Each pinned the two others once, saying so with their fingerprints.
        for store in stores {
            let keys = try store.knownKeys()
            #expect(keys.count == 3 && keys.filter { $0.trust == .tofu }.count == 2)
            for key in keys where key.replica != store.identity.replica {
                let other = try #require(stores.first { $0.identity.replica == key.replica })
                #expect(key.key == other.publicKey)
            }
            // Every version is held with its maker's signature, and verifies.
            for report in try store.reports(ReportFilter()) {
                for version in try store.versions(of: report.report.id) {
                    let signature = try #require(try store.signature(of: version.reportID, dot: version.dot))
                    let maker = try #require(stores.first { $0.identity.replica == version.dot.replica })
                    #expect(MakerSignature.verify(hash: version.hash, signature: signature, key: try #require(maker.publicKey)))
                }
            }
            try store.expectVerified()
        }
        #expect(pinned.flatMap { $0 }.count == 6)
        #expect(try stores[0].canonicalDump() == stores[2].canonicalDump())
    }

    @Test func aColleaguesKeyChangedWithoutRotationIsRefusedAndNothingChanges() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try bob.add("Checkpoint")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        let before = try alice.rawDump()
        let keysBefore = try alice.knownKeys()
        // Someone with the stick writes Bob's next changeset with a key of their own.
        let mallory = ReplicaSigningKey()
        let forged = try edit(id, in: alice, as: bob.identity.replica, analyst: "bob")
        let card = try IdentityCard.make(replica: bob.identity.replica, analyst: "bob", signingKey: mallory)
        _ = try forge([(forged, MakerSignature.sign(hash: forged.hash, with: mallory))], as: bob.identity.replica, sequence: 2,
                      key: mallory, identities: [try IdentityLine(card: card)])
        let summary = try alice.sync(shared)
        let refusal = try #require(summary.skipped.first)
        #expect(refusal.error as? KeyRefusal == .keyChanged(replica: bob.identity.replica, analyst: "bob",
                                                             pinned: try #require(bob.publicKey).fingerprint,
                                                             found: mallory.publicKey.fingerprint))
        #expect(refusal.reason.contains("tried again at the next sync"))
        #expect(try alice.stored(id).report.title == "Checkpoint")
        #expect(try alice.knownKeys() == keysBefore)
        // Only what the write of Alice's own changeset records has changed.
        #expect(try alice.rawDump().filter { $0.hasPrefix("versions") || $0.hasPrefix("reports") } ==
                before.filter { $0.hasPrefix("versions") || $0.hasPrefix("reports") })
    }

    @Test func anUnsignedFileInThePinnedReplicasNameIsADowngrade() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try bob.add("Checkpoint")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        let forged = try edit(id, in: alice, as: bob.identity.replica, analyst: "bob")
        _ = try forge([(forged, nil)], as: bob.identity.replica, sequence: 2, key: nil, identities: [])
        let summary = try alice.sync(shared)
        #expect(summary.skipped.first?.error as? KeyRefusal == .unsigned(replica: bob.identity.replica, analyst: "bob",
                                                                         pinned: try #require(bob.publicKey).fingerprint))
        #expect(try alice.stored(id).report.title == "Checkpoint")
    }

    @Test func anOutsidersReplicaIsPinnedOnFirstUseOrHeldBackWhenKeysMustBeVerified() throws {
        let alice = try workspace.store("alice")
        let outsider = ReplicaID(), key = ReplicaSigningKey()
        var report = Report(title: "Planted report")
        report.author = "eve"
        let planted = Version(snapshot: report, after: VectorClock(), replica: outsider, author: "eve", time: .now)
        let card = try IdentityCard.make(replica: outsider, analyst: "eve", signingKey: key)
        _ = try forge([(planted, MakerSignature.sign(hash: planted.hash, with: key))], as: outsider, sequence: 1, key: key,
                      identities: [try IdentityLine(card: card)])

        try alice.setRequiresVerifiedKeys(true)
        let held = try alice.sync(shared)
        #expect(held.skipped.first?.error as? KeyRefusal == .notVerified(replica: outsider, analyst: "eve", fingerprint: key.publicKey.fingerprint))
        #expect(try alice.reports(ReportFilter()).isEmpty)
        #expect(try !alice.knownKeys().contains { $0.replica == outsider })

        // Trust on first use: imported, and the key pinned and said.
        try alice.setRequiresVerifiedKeys(false)
        let taken = try alice.sync(shared)
        #expect(taken.importedVersions == 1)
        #expect(taken.keys == [.pinned(replica: outsider, analyst: "eve", fingerprint: key.publicKey.fingerprint, verified: false)])
    }

    @Test func aRotationSignedByThePinnedKeyIsFollowed() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try bob.add("Checkpoint")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        // Bob's next file is signed with a new key, and carries the rotation from his old one.
        let oldKey = try #require(bob.signingKey), newKey = ReplicaSigningKey()
        let rotation = KeyRotation.make(replica: bob.identity.replica, from: oldKey, to: newKey, time: .now)
        let card = try IdentityCard.make(replica: bob.identity.replica, analyst: "bob", signingKey: newKey)
        let next = try edit(id, in: alice, as: bob.identity.replica, analyst: "bob")
        _ = try forge([(next, MakerSignature.sign(hash: next.hash, with: newKey))], as: bob.identity.replica, sequence: 2,
                      key: newKey, identities: [try IdentityLine(card: card, rotations: [rotation])])
        let summary = try alice.sync(shared)
        #expect(summary.skipped.isEmpty && summary.importedVersions == 1)
        #expect(summary.keys == [.rotated(replica: bob.identity.replica, analyst: "bob", from: oldKey.publicKey.fingerprint,
                                          to: newKey.publicKey.fingerprint)])
        #expect(try alice.knownKeys().first { $0.replica == bob.identity.replica && $0.replacedBy == nil }?.key == newKey.publicKey)
    }

    @Test func idRotateIsPublishedAndFollowedAndKeepsTheTrust() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        try bob.add("Before")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        let bobsPrefix = String(bob.identity.replica.rawValue.prefix(8))
        try alice.verifyKey(of: bobsPrefix, fingerprint: try #require(bob.publicKey).fingerprint.description)
        let rotation = try bob.rotateSigningKey()
        // The store signs with the new key from the next command on.
        let rotated = try Store.open(at: bob.directory)
        #expect(rotated.publicKey == rotation.newKey)
        try rotated.add("After")
        _ = try rotated.sync(shared)
        let summary = try alice.sync(shared)
        #expect(summary.skipped.isEmpty && summary.importedVersions == 1)
        #expect(summary.keys == [.rotated(replica: bob.identity.replica, analyst: "bob", from: rotation.oldKey.fingerprint,
                                          to: rotation.newKey.fingerprint)])
        let current = try #require(try alice.knownKeys().first { $0.replica == bob.identity.replica && $0.replacedBy == nil })
        #expect(current.key == rotation.newKey && current.trust == .verified)
        // A newcomer meets the new key with its history, and pins it.
        let carol = try workspace.store("carol")
        #expect(try carol.sync(shared).skipped.isEmpty)
        #expect(try carol.reports(ReportFilter()).count == 2)
        try alice.expectVerified()
    }

    @Test func aRotationCutShortIsFinishedOrDropped() throws {
        // The store value holds the store's lock while it lives: let it go first.
        let (directory, key) = try { () throws -> (URL, ReplicaKey?) in
            let bob = try workspace.store("bob")
            return (bob.directory, bob.publicKey)
        }()
        let before = try #require(key)
        // A new key written beside the old, whose rotation never committed: dropped.
        try Store.writeSigningKey(ReplicaSigningKey(), in: directory, name: Store.nextSigningKeyName)
        #expect(try Store.open(at: directory, for: .writing(command: "test")).publicKey == before)
        #expect(!FileManager.default.fileExists(atPath: directory.appending(path: Store.nextSigningKeyName).path))
    }

    @Test func verifyChecksEverySignatureAndNamesThoseOfKeysRevokedSince() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try bob.add("Checkpoint")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        #expect(try StoreVerifier.verify(alice).revokedSince.isEmpty)
        try alice.revokeKeys(of: String(bob.identity.replica.rawValue.prefix(8)))
        let afterRevoking = try StoreVerifier.verify(alice)
        #expect(afterRevoking.problems.isEmpty)
        #expect(afterRevoking.revokedSince.count == 1 && afterRevoking.revokedSince[0].contains("revoked since"))
        // A stored signature that no longer matches is a problem.
        let other = ReplicaSigningKey()
        let version = try #require(try alice.versions(of: id).first)
        try alice.database.write { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM versions WHERE report_id = ?", arguments: [id.rawValue])!
            try db.execute(sql: "DELETE FROM version_signatures WHERE seq = ?", arguments: [seq])
            try db.execute(sql: "INSERT INTO version_signatures (seq, signature) VALUES (?, ?)",
                           arguments: [seq, Data(MakerSignature.sign(hash: version.hash, with: other).rawRepresentation)])
        }
        #expect(try StoreVerifier.verify(alice).problems.contains { $0.contains("does not verify") })
    }

    @Test func aRevokedColleaguesFilesAreRefused() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        try bob.add("First")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        try alice.revokeKeys(of: String(bob.identity.replica.rawValue.prefix(8)))
        try bob.add("Second")
        _ = try bob.sync(shared)
        let summary = try alice.sync(shared)
        #expect(summary.skipped.first?.error is KeyRefusal)
        #expect(try alice.reports(ReportFilter()).map(\.report.title) == ["First"])
    }

    @Test func aStoreFromBeforeSignaturesUpgradesSyncsAndSendsItsVersionsAgainSigned() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Fixtures/schema4")
        let directory = workspace.root.appending(path: "old-store")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.appending(path: "fieldnotes.sqlite"), to: directory.appending(path: Store.databaseName))
        let folder = workspace.root.appending(path: "old-shared")
        try FileManager.default.copyItem(at: fixture.appending(path: "shared"), to: folder)

        // A new analyst joins first: the old format-1 file is accepted, unsigned.
        let newcomer = try workspace.store("nadia")
        #expect(try newcomer.sync(folder).importedVersions == 5)
        let first = try #require(try newcomer.reports(ReportFilter()).first)
        let held = try newcomer.versions(of: first.report.id)
        #expect(try held.allSatisfy { try newcomer.signature(of: $0.reportID, dot: $0.dot) == nil })

        // The old store upgrades, syncs, and sends all its versions again, signed.
        let upgraded = try Store.open(at: directory, for: .writing(command: "test"))
        let sent = try upgraded.sync(folder)
        #expect(sent.skipped.isEmpty)
        #expect(sent.exportedVersions == 6)
        // The newcomer pins its key and now holds every version signed.
        let received = try newcomer.sync(folder)
        #expect(received.keys.count == 1 && received.skipped.isEmpty)
        for report in try newcomer.reports(ReportFilter()) + newcomer.reports(ReportFilter(deleted: true)) {
            for version in try newcomer.versions(of: report.report.id) {
                #expect(try newcomer.signature(of: version.reportID, dot: version.dot) != nil)
            }
        }
        try newcomer.expectVerified()
        try upgraded.expectVerified()
        // Its next sync sends only what is new.
        #expect(try upgraded.sync(folder).exportedVersions == 0)
    }
}
