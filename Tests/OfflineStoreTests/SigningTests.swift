import Foundation
@testable import OfflineStore
import ReportModels
import Testing

/// This replica's key, and the maker signature of every version it makes (DESIGN.md §9).
@Suite("Signing in the store")
struct SigningTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Fixtures/schema4")

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-signing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of the store made before signatures (Tests/Fixtures/schema4).
    func oldStore(in root: URL) throws -> URL {
        let store = root.appending(path: "store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(at: Self.fixture.appending(path: "fieldnotes.sqlite"), to: store.appending(path: Store.databaseName))
        return store
    }

    func permissions(of url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func aNewStoreHasAnOwnerOnlyKeyAndSignsWhatItMakes() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try Store.create(at: root.appending(path: "store"), analyst: "Amira Haddad")
        let key = try #require(store.publicKey)
        #expect(try permissions(of: store.signingKeyFile) == 0o600)
        let first = try store.create(Report(title: "Road closures"))
        let second = try #require(try store.commitChange(to: first.reportID) { $0.status = .final })
        for version in [first, second] {
            let signature = try #require(try store.signature(of: version.reportID, dot: version.dot))
            #expect(MakerSignature.verify(hash: version.hash, signature: signature, key: key))
        }
        // The key survives reopening; a second store has another.
        #expect(try Store.open(at: store.directory).publicKey == key)
        let other = try Store.create(at: root.appending(path: "other"), analyst: "Bo")
        #expect(other.publicKey != key)
    }

    @Test func aStoreFromBeforeSignaturesUpgradesAndSignsItsOwnPastVersions() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = try oldStore(in: root)
        let store = try Store.open(at: directory, for: .writing(command: "test"))
        let key = try #require(store.publicKey)
        #expect(try permissions(of: store.signingKeyFile) == 0o600)
        let reports = try store.reports(ReportFilter()) + store.reports(ReportFilter(deleted: true))
        #expect(reports.count == 2)
        var versions = 0
        for report in reports {
            for version in try store.versions(of: report.report.id) {
                let signature = try #require(try store.signature(of: version.reportID, dot: version.dot))
                #expect(MakerSignature.verify(hash: version.hash, signature: signature, key: key))
                versions += 1
            }
        }
        #expect(versions == 6)
        // Every folder it synced with gets them again, signed.
        let resend = try store.database.read { db in try Int.fetchAll(db, sql: "SELECT resend_signed FROM sync_targets") }
        #expect(!resend.isEmpty && resend.allSatisfy { $0 == 1 })
        // Opening again changes nothing.
        #expect(try Store.open(at: directory).publicKey == key)
    }

    @Test func anUpgradeCutShortAfterTheKeyWasWrittenKeepsThatKey() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = try oldStore(in: root)
        // The key file of an upgrade whose transaction never committed.
        let key = ReplicaSigningKey()
        try Store.writeSigningKey(key, in: directory)
        let store = try Store.open(at: directory, for: .writing(command: "test"))
        #expect(store.publicKey == key.publicKey)
    }

    @Test func aMissingOrDamagedKeyStopsMakingVersionsWithWhatToDo() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // Each store value holds the store's lock for as long as it lives.
        let (directory, keyFile, id) = try { () throws -> (URL, URL, ReportID) in
            let store = try Store.create(at: root.appending(path: "store"), analyst: "Amira Haddad")
            return (store.directory, store.signingKeyFile, try store.create(Report(title: "Road closures")).reportID)
        }()
        try FileManager.default.removeItem(at: keyFile)
        let reopened = try Store.open(at: directory, for: .writing(command: "test"))
        #expect(throws: StoreError.signingKeyMissing(path: keyFile.path)) {
            try reopened.commitChange(to: id) { $0.status = .final }
        }
        // Reading still works.
        #expect(try reopened.stored(id).report.title == "Road closures")
        try Data("not a key\n".utf8).write(to: keyFile)
        #expect(throws: StoreError.self) { try Store.open(at: directory) }
    }
}

/// Keys pinned, verified, rotated and revoked (`fieldnotes trust`).
@Suite("Known keys")
struct KnownKeyTests {
    func store() throws -> (Store, URL) {
        let root = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-trust-\(UUID().uuidString)")
        return (try Store.create(at: root.appending(path: "store"), analyst: "Amira Haddad"), root)
    }

    @Test func aPinnedKeyIsVerifiedOnlyWithItsFingerprintAndRevokedWithAllItsKeys() throws {
        let (store, root) = try store()
        defer { try? FileManager.default.removeItem(at: root) }
        let bobsKey = ReplicaSigningKey()
        let bob = ReplicaID()
        let card = try IdentityCard.make(replica: bob, analyst: "Bob Lee", signingKey: bobsKey)
        try store.importing { try $0.pin(card, trust: .tofu, via: "folder writer \(bob.short)") }
        let prefix = String(bob.rawValue.prefix(6))
        #expect(try store.knownKeys().map(\.trust) == [.verified, .tofu])
        #expect(try store.knownKeys().first?.via == "this replica")

        // A fingerprint that is not the key's changes nothing.
        let wrong = ReplicaSigningKey().publicKey.fingerprint.description
        #expect(throws: TrustError.self) { try store.verifyKey(of: prefix, fingerprint: wrong) }
        #expect(throws: TrustError.notAFingerprint("0000")) { try store.verifyKey(of: prefix, fingerprint: "0000") }
        #expect(try store.knownKeys().last?.trust == .tofu)
        // Typed as people read it: lowercase, with spaces.
        let typed = bobsKey.publicKey.fingerprint.description.lowercased().replacingOccurrences(of: "-", with: " ")
        #expect(try store.verifyKey(of: prefix, fingerprint: typed).trust == .verified)

        // A rotation signed by both keys: the new key is current and keeps the trust.
        let newKey = ReplicaSigningKey()
        let rotation = KeyRotation.make(replica: bob, from: bobsKey, to: newKey, time: .now)
        let newCard = try IdentityCard.make(replica: bob, analyst: "Bob Lee", signingKey: newKey)
        try store.importing { try $0.follow(rotation, card: newCard, via: "folder writer \(bob.short)") }
        let keys = try store.knownKeys().filter { $0.replica == bob }
        #expect(keys.map(\.replacedBy) == [newKey.publicKey, nil])
        #expect(keys.last?.trust == .verified && keys.first?.rotation == rotation)

        #expect(try store.revokeKeys(of: prefix).key == newKey.publicKey)
        #expect(try store.knownKeys().filter { $0.replica == bob }.allSatisfy { $0.trust == .revoked })
        #expect(throws: TrustError.ownReplica) { try store.revokeKeys(of: String(store.identity.replica.rawValue.prefix(8))) }
        #expect(throws: TrustError.unknownReplica("abcd")) { try store.revokeKeys(of: "abcd") }
    }

    @Test func aFingerprintCanBeExpectedBeforeTheKeyArrives() throws {
        let (store, root) = try store()
        defer { try? FileManager.default.removeItem(at: root) }
        let carol = ReplicaID()
        let key = ReplicaSigningKey()
        try store.expectFingerprint(key.publicKey.fingerprint.description, of: carol)
        #expect(try store.importing { try $0.expectedFingerprint(of: carol) } == key.publicKey.fingerprint)
        try store.importing { try $0.pin(try IdentityCard.make(replica: carol, analyst: "Carol", signingKey: key), trust: .verified, via: "test") }
        #expect(try store.importing { try $0.expectedFingerprint(of: carol) } == nil)
        #expect(try !store.requiresVerifiedKeys)
        try store.setRequiresVerifiedKeys(true)
        #expect(try store.requiresVerifiedKeys)
    }
}
