import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// Teams syncing through an encrypted folder (DESIGN.md §10): the same results as through a
/// plain one, nothing readable in the folder, and every refusal with nothing changed.
@Suite("Encrypted sync")
struct EncryptedSyncTests {
    let workspace: Workspace
    let shared: URL
    static let passphrase = "correct horse battery staple"

    init() throws {
        workspace = try Workspace()
        shared = try workspace.folder("shared")
    }

    func initTeam(_ store: Store, folder: URL? = nil, passphrase: String = Self.passphrase) throws -> TeamKeyID {
        try Synchronizer(store: store).teamInit(folder ?? shared, passphrase: passphrase, derivation: cheapDerivation())
    }

    @discardableResult
    func join(_ store: Store, folder: URL? = nil, passphrase: String = Self.passphrase) throws -> [TeamKeyID] {
        try Synchronizer(store: store).teamJoin(folder ?? shared, passphrase: passphrase)
    }

    /// Every file in the folder, by path relative to it.
    func files(in folder: URL? = nil) throws -> [String: Data] {
        let root = (folder ?? shared).standardizedFileURL.resolvingSymlinksInPath()
        var files: [String: Data] = [:]
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[String(url.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1))] = try Data(contentsOf: url)
            }
        }
        return files
    }

    /// What the reports say, whatever their ids.
    func summary(_ store: Store) throws -> [String] {
        try store.reports(ReportFilter()).map { "\($0.report.title) \($0.report.status.rawValue)" }.sorted()
    }

    func changesets(of store: Store, in folder: URL? = nil) throws -> ChangesetListing {
        try SharedFolder(folder ?? shared).changesets(of: store.identity.replica)
    }

    @Test func aTeamSyncsThroughAnEncryptedFolderAsThroughAPlainOne() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let (plainAlice, plainBob) = (try workspace.store("alice-plain"), try workspace.store("bob-plain"))
        let plain = try workspace.folder("plain")
        _ = try alice.sync(shared)
        _ = try initTeam(alice)
        #expect(try join(bob).count == 1)
        // The same edits on both pairs: one through the encrypted folder, one through a plain one.
        for (first, second, folder) in [(alice, bob, shared), (plainAlice, plainBob, plain)] {
            let id = try first.add("Ambush near the Kessab checkpoint") { $0.body = "Sources say the convoy left at dawn." }
            _ = try first.sync(folder)
            _ = try second.sync(folder)
            _ = try second.changeContent(of: id) { $0.status = .final }
            _ = try first.changeContent(of: id) { $0.title = "Ambush at Kessab" }
            for _ in 0..<2 { _ = try first.sync(folder); _ = try second.sync(folder) }
        }
        #expect(try alice.canonicalDump() == bob.canonicalDump())
        #expect(try summary(alice) == summary(plainAlice))
        #expect(try summary(alice) == ["Ambush at Kessab final"])
        try alice.expectVerified()
        try bob.expectVerified()

        // Every changeset is format 3; no analyst's name, no word of a report, in the folder.
        for store in [alice, bob] {
            for (_, url) in try changesets(of: store) {
                #expect(try ChangesetReader.header(of: url).formatVersion == 3)
            }
        }
        for (path, data) in try files() {
            for word in ["alice", "bob", "Kessab", "convoy", "dawn", "Ambush"] {
                #expect(data.firstRange(of: Data(word.utf8)) == nil, "\(word) in clear in \(path)")
            }
        }
    }

    @Test func aStoreWithoutTheKeyImportsNothingWritesNothingAndChangesNothing() throws {
        let (alice, carol) = (try workspace.store("alice"), try workspace.store("carol"))
        _ = try alice.add("Checkpoint")
        _ = try initTeam(alice)
        _ = try alice.sync(shared)
        _ = try carol.add("Carol's own")
        let before = try carol.rawDump()
        let folderBefore = try files()
        let outcome = try Synchronizer(store: carol).sync(with: [shared])[0]
        #expect(throws: SyncError.teamKeyMissing(folder: SharedFolder(shared).root.path, rekeyed: false)) { try outcome.get() }
        #expect(try carol.rawDump() == before)
        #expect(try files() == folderBefore)

        // A wrong passphrase is said as such, and changes nothing either.
        #expect(throws: TeamError.wrongPassphrase(SharedFolder(shared).root.path)) { try join(carol, passphrase: "incorrect horse battery") }
        #expect(try carol.rawDump() == before)
        #expect(try carol.teamKeys().isEmpty)
    }

    /// Bob wrote plain files before Alice made the folder encrypted: they stay readable, Bob
    /// is held off until he joins, then writes encrypted.
    @Test func aFolderBecomesEncryptedWhileOthersStillHavePlainFilesInIt() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        _ = try bob.add("Bob before")
        _ = try bob.sync(shared)
        _ = try alice.add("Alice before")
        _ = try alice.sync(shared)
        _ = try initTeam(alice)
        _ = try alice.add("Alice after")
        _ = try bob.add("Bob meanwhile")
        _ = try alice.sync(shared)
        #expect(throws: SyncError.self) { try Synchronizer(store: bob).sync(with: [shared])[0].get() }
        try join(bob)
        for _ in 0..<2 { _ = try bob.sync(shared); _ = try alice.sync(shared) }
        #expect(try alice.reports(ReportFilter()).count == 4)
        #expect(try alice.canonicalDump() == bob.canonicalDump())
        // Each has written its files from before encrypted again: nothing is left in clear.
        for store in [alice, bob] {
            let files = try changesets(of: store)
            #expect(files.count >= 2)
            for (_, url) in files { #expect(try ChangesetReader.header(of: url).formatVersion == 3) }
            #expect(SharedFolder(shared).teamFile(of: store.identity.replica)?.file.since == 1)
        }
        // A newcomer reads it all; a stale copy of an old file in clear is a downgrade.
        let erin = try workspace.store("erin")
        try join(erin)
        _ = try erin.sync(shared)
        #expect(try erin.canonicalDump() == alice.canonicalDump())
    }

    /// A plain file in the name of a writer known to encrypt is a downgrade, even once the
    /// writer's team.json is gone; and a store that encrypts goes on encrypting.
    @Test func aPlainFileFromAWriterThatEncryptsIsRefusedAsADowngrade() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try alice.add("Checkpoint")
        _ = try initTeam(alice)
        try join(bob)
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        // Alice's team.json vanishes; her next file comes in clear, signed by her key.
        let aliceDirectory = shared.appending(path: "fieldnotes/replicas/\(alice.identity.replica)")
        try FileManager.default.removeItem(at: aliceDirectory.appending(path: "team.json"))
        let stored = try alice.stored(id)
        var report = stored.report
        report.title = "Downgraded"
        let version = Version(snapshot: report, after: stored.clock, replica: alice.identity.replica, author: "alice", time: .now)
        let url = aliceDirectory.appending(path: SharedFolder.fileName(sequence: 2))
        let file = try ChangesetWriter(at: url, writer: alice.identity.replica, sequence: 2, level: 6,
                                       signing: try Synchronizer(store: alice).signing([], folder: FolderID()))
        try file.append(version, signature: MakerSignature.sign(hash: version.hash, with: try alice.signingKeyForWriting()))
        _ = try file.finish()
        let before = try bob.rawDump()
        let summary = try bob.sync(shared)
        #expect(summary.skipped.count == 1)
        #expect(summary.skipped.first?.error as? ChangesetError == .downgrade(writer: alice.identity.replica, since: 1))
        #expect(try bob.stored(id).report.title == "Checkpoint")
        _ = before
        try FileManager.default.removeItem(at: url)

        // Alice syncs: she still encrypts, and writes her team.json again.
        _ = try alice.add("Still secret")
        _ = try alice.sync(shared)
        #expect(FileManager.default.fileExists(atPath: aliceDirectory.appending(path: "team.json").path))
        let latest = try changesets(of: alice)
        #expect(try ChangesetReader.header(of: latest[latest.keys.max()!]!).formatVersion == 3)
    }

    /// A relay re-encrypts for the folder it writes to: what comes through an encrypted
    /// folder goes out in clear through a plain one and back.
    @Test func aRelayReencryptsForTheFolderItWrites() throws {
        let (alice, relay, dave) = (try workspace.store("alice"), try workspace.store("relay"), try workspace.store("dave"))
        let plain = try workspace.folder("plain")
        _ = try initTeam(alice)
        try join(relay)
        _ = try alice.add("Through the encrypted folder")
        _ = try dave.add("Through the plain folder")
        _ = try alice.sync(shared)
        _ = try dave.sync(plain)
        _ = try Synchronizer(store: relay).sync(with: [shared, plain])
        _ = try alice.sync(shared)
        _ = try dave.sync(plain)
        #expect(try alice.canonicalDump() == dave.canonicalDump())
        for (_, url) in try changesets(of: relay, in: shared) { #expect(try ChangesetReader.header(of: url).formatVersion == 3) }
        for (_, url) in try changesets(of: relay, in: plain) { #expect(try ChangesetReader.header(of: url).formatVersion == 2) }
    }

    /// After a rekey, a member on the old key is held off until it joins again; files under
    /// the old key stay readable; a newcomer needs both passphrases to read both.
    @Test func aRekeyMovesTheTeamToANewKeyAndOldFilesStayReadable() throws {
        let (alice, bob, erin) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("erin"))
        _ = try initTeam(alice)
        try join(bob)
        _ = try alice.add("Under the old key")
        _ = try alice.sync(shared)
        let new = try Synchronizer(store: alice).teamRekey(shared, passphrase: "a brand new passphrase", derivation: KeyDerivation(
            logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 9, count: 16))!)
        _ = try alice.add("Under the new key")
        _ = try alice.sync(shared)
        #expect(throws: SyncError.teamKeyMissing(folder: SharedFolder(shared).root.path, rekeyed: true)) {
            try Synchronizer(store: bob).sync(with: [shared])[0].get()
        }
        #expect(try join(bob, passphrase: "a brand new passphrase") == [new])
        _ = try bob.sync(shared)
        #expect(try bob.reports(ReportFilter()).count == 2)

        // Erin knows only the new passphrase: the old file waits, named with the key it needs.
        try join(erin, passphrase: "a brand new passphrase")
        let first = try erin.sync(shared)
        #expect(first.skipped.contains { ($0.error as? ChangesetError).map { if case .unknownTeamKey = $0 { true } else { false } } == true })
        try join(erin)
        _ = try erin.sync(shared)
        #expect(try erin.reports(ReportFilter()).count == 2)
    }

    /// The team moves to the newest key: a rekey on a laptop whose clock is behind the one
    /// that made the current key still makes the newest.
    @Test func aRekeyIsNewerThanTheCurrentKeyWhateverTheClock() throws {
        let alice = try workspace.store("alice")
        _ = try initTeam(alice)
        let file = alice.directory(in: shared).appending(path: TeamFile.fileName)
        var team = try #require(TeamFile(parsing: try Data(contentsOf: file)))
        team.keys[0].created = try #require(Timestamp(iso8601: "2999-01-01T00:00:00.000Z"))
        try SignedJSON.encode(team.members, in: .teamFile, signedBy: try alice.signingKeyForWriting()).write(to: file)
        let new = try Synchronizer(store: alice).teamRekey(shared, passphrase: "a brand new passphrase", derivation: KeyDerivation(
            logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 9, count: 16))!)
        #expect(try FolderTeam(SharedFolder(shared), signers: FileSigners(alice)).current?.id == new)
    }

    @Test func teamInitOnAnEncryptedFolderAndJoinOnAPlainOneAreRefused() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let path = SharedFolder(shared).root.path
        #expect(throws: TeamError.notEncrypted(folder: path)) { try join(bob) }
        #expect(throws: TeamError.passphraseTooShort(minimum: 10)) { _ = try initTeam(alice, passphrase: "short") }
        _ = try initTeam(alice)
        #expect(throws: TeamError.alreadyEncrypted(folder: path)) { _ = try initTeam(bob) }
        #expect(throws: TeamError.notAMember(folder: path)) {
            _ = try Synchronizer(store: bob).teamRekey(shared, passphrase: "a brand new passphrase", derivation: cheapDerivation())
        }
        let status = try Synchronizer(store: bob).teamStatus([shared])[0]
        #expect(status.encrypted && !status.holdsCurrentKey && status.members.count == 1)
    }

    /// A flipped bit in a file of the folder: refused, named, nothing imported, and the
    /// file imported once a good copy is back.
    @Test func aTamperedFileInTheFolderIsRefusedWithNothingChanged() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        _ = try initTeam(alice)
        try join(bob)
        _ = try alice.add("Checkpoint") { $0.body = String(repeating: "Long narrative. ", count: 10_000) }
        _ = try alice.sync(shared)
        let url = try #require(try changesets(of: alice)[1])
        let good = try Data(contentsOf: url)
        var bad = good
        bad[ChangesetHeader.format3Size + 100] ^= 0x04
        try bad.write(to: url)
        let before = try bob.rawDump()
        let summary = try bob.sync(shared)
        #expect(summary.skipped.count == 1 && summary.importedVersions == 0)
        let refused = summary.skipped.first?.error as? ChangesetError
        if case .undecryptable(0, _, .damaged)? = refused {} else { Issue.record("refused with \(String(describing: refused))") }
        // Only what a sync records of the folder (its id, when it synced) has changed.
        let data = { (dump: [String]) in dump.filter { $0.hasPrefix("versions") || $0.hasPrefix("reports") || $0.hasPrefix("imported") } }
        #expect(try data(bob.rawDump()) == data(before))
        try good.write(to: url)
        #expect(try bob.sync(shared).importedVersions == 1)
    }

    @Test func verifyNamesATeamKeyThatIsNotTheKeyItsIdNames() throws {
        let alice = try workspace.store("alice")
        _ = try initTeam(alice)
        try alice.expectVerified()
        try alice.database.write { db in try db.execute(sql: "UPDATE team_keys SET key = zeroblob(32)") }
        #expect(try StoreVerifier.verify(alice).problems.contains { $0.hasPrefix("team key ") })
    }

    /// A member's team.json is untrusted input: one that is not one (garbage, too large, a
    /// cost beyond the bounds) is ignored whole, and its writer's next sync writes it again.
    /// team.json is signed: one in a member's directory that its key did not sign (forged by
    /// someone with the folder, or written by a fieldnotes from before signing) chooses no key —
    /// it cannot stop the team's syncs by naming a newer one — yet still says the folder is
    /// encrypted, so a store that is no member writes nothing there in clear.
    @Test func aTeamFileNotSignedByTheMembersPinnedKeyChoosesNoKey() throws {
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        _ = try alice.add("Before the team")
        _ = try alice.sync(shared)
        _ = try carol.sync(shared)  // (Carol pins Alice's key, and is no member)
        _ = try initTeam(alice)
        try join(bob)
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        let file = alice.directory(in: shared).appending(path: TeamFile.fileName)
        var forged = try #require(TeamFile(parsing: try Data(contentsOf: file)))
        forged.keys.append(TeamFile.Key(id: try #require(TeamKeyID(bytes: [UInt8](repeating: 7, count: TeamKeyID.byteCount))),
                                        derivation: forged.keys[0].derivation, created: try #require(Timestamp(iso8601: "2999-01-01T00:00:00.000Z"))))
        let mallory = try workspace.store("mallory")
        for bytes in [Data(JSONValue.object(forged.members).canonicalBytes),
                      SignedJSON.encode(forged.members, in: .teamFile, signedBy: try mallory.signingKeyForWriting())] {
            try bytes.write(to: file)
            let summary = try bob.sync(shared)
            #expect(summary.skipped.isEmpty, "\(summary.skipped)")
            // Carol, no member, is refused and changes nothing.
            let before = try carol.rawDump()
            #expect(throws: SyncError.teamKeyMissing(folder: SharedFolder(shared).root.path, rekeyed: false)) {
                try Synchronizer(store: carol).sync(with: [shared])[0].get()
            }
            #expect(try carol.rawDump() == before)
        }
        // Signed by Alice's key it is believed: Bob is asked for the passphrase of the key it
        // names, and no passphrase of his derives it — a refusal, never a key he did not derive.
        try SignedJSON.encode(forged.members, in: .teamFile, signedBy: try alice.signingKeyForWriting()).write(to: file)
        #expect(throws: SyncError.teamKeyMissing(folder: SharedFolder(shared).root.path, rekeyed: true)) {
            try Synchronizer(store: bob).sync(with: [shared])[0].get()
        }
    }

    /// In an encrypted folder replica.json is sealed under the team key — acknowledgements,
    /// retirements and the analyst's name — and members still read each other's.
    @Test func replicaJSONIsSealedInAnEncryptedFolderAndMembersReadIt() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        _ = try alice.add("One")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        let infoFile = { (store: Store) in store.directory(in: shared).appending(path: ReplicaInfo.fileName) }
        #expect(try String(contentsOf: infoFile(alice), encoding: .utf8).contains(#""imported""#))
        _ = try initTeam(alice)
        try join(bob)
        for store in [alice, bob, alice] { _ = try store.sync(shared) }
        for store in [alice, bob] {
            let text = try String(contentsOf: infoFile(store), encoding: .utf8)
            #expect(text.contains(#""sealed""#) && !text.contains(#""imported""#) && !text.contains(store.identity.analyst), "\(text)")
        }
        // Alice reads Bob's sealed acknowledgement: her files go once her snapshot covers them.
        let now = CompactionPolicy(graceMilliseconds: 0)
        #expect(try !changesets(of: alice).isEmpty)
        _ = try Synchronizer(store: alice, compaction: now).sync(with: [shared], snapshot: true)[0].get()
        _ = try Synchronizer(store: bob, compaction: now).sync(with: [shared])[0].get()
        _ = try Synchronizer(store: alice, compaction: now).sync(with: [shared])[0].get()
        #expect(try changesets(of: alice).isEmpty)
        #expect(try alice.compactionHolders().isEmpty)

        // Without the key it does not open; Bob's sealed part in Alice's file does not either.
        let keys = try Dictionary(uniqueKeysWithValues: alice.teamKeys().map { let key = try TeamKey($0); return (key.id, key) })
        let bobs = try Data(contentsOf: infoFile(bob))
        #expect(ReplicaInfo(parsing: bobs) == nil)
        #expect(ReplicaInfo(parsing: bobs, keys: keys)?.imported[alice.identity.replica] != nil)
        guard case .object(var moved)? = try SignedJSON.open(bobs, in: .replicaInfo, maximumSize: 1 << 20).map({ JSONValue.object($0.members) }) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        moved["replica"] = .string(alice.identity.replica.rawValue)
        let forged = SignedJSON.encode(moved, in: .replicaInfo, signedBy: try alice.signingKeyForWriting())
        #expect(ReplicaInfo(parsing: forged, keys: keys) == nil)
    }

    @Test func aTeamFileThatIsNotOneIsIgnored() throws {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        _ = try initTeam(alice)
        try join(bob)
        _ = try bob.sync(shared)
        let file = bob.directory(in: shared).appending(path: TeamFile.fileName)
        let valid = try Data(contentsOf: file)
        // A cost past what readers accept, signed by Bob's key: refused by what it says.
        let costly = String(decoding: valid, as: UTF8.self).replacingOccurrences(of: #""logN":10"#, with: #""logN":30"#)
        guard case .object(let members) = try JSONValue(parsing: Array(costly.utf8)) else { throw CocoaError(.fileReadCorruptFile) }
        let signedCostly = SignedJSON.encode(members, in: .teamFile, signedBy: try bob.signingKeyForWriting())
        for junk in [Data("not json".utf8), Data(repeating: 0x20, count: TeamFile.maximumSize + 1), signedCostly] {
            try junk.write(to: file)
            #expect(try FolderTeam(SharedFolder(shared), signers: FileSigners(alice)).members.count == 1)
            _ = try bob.sync(shared)
            #expect(try Data(contentsOf: file) == valid)
        }
    }

    /// By hand: a file encrypted for a folder's team imports where the key is held; one
    /// with its own passphrase asks for it, and a wrong one is said as such.
    @Test func filesByHandAreEncryptedForATeamOrWithAPassphrase() throws {
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        _ = try initTeam(alice)
        try join(bob)
        _ = try alice.add("By hand")
        let teamFile = workspace.file("team.fnc")
        _ = try Synchronizer(store: alice).export(to: teamFile, all: true, encryption: try Synchronizer(store: alice).teamKey(forFolder: shared))
        #expect(try ChangesetReader.header(of: teamFile).formatVersion == 3)
        #expect(Synchronizer(store: bob).importFiles([teamFile]).importedVersions == 1)
        let refused = Synchronizer(store: carol).importFiles([teamFile])
        #expect(refused.skipped.first?.error as? ChangesetError == .unknownTeamKey(try Synchronizer(store: alice).teamKey(forFolder: shared).id))

        let own = try cheapDerivation().deriveKey(from: "a passphrase of its own")
        let passphraseFile = workspace.file("own.fnc")
        _ = try Synchronizer(store: alice).export(to: passphraseFile, all: true, encryption: own)
        let wrong = Synchronizer(store: carol).importFiles([passphraseFile]) { try $0.derivation.deriveKey(from: "not the passphrase") }
        #expect(wrong.skipped.first?.error as? ChangesetError == .wrongPassphrase)
        #expect(try carol.reports(ReportFilter()).isEmpty)
        let right = Synchronizer(store: carol).importFiles([passphraseFile]) { try $0.derivation.deriveKey(from: "a passphrase of its own") }
        #expect(right.importedVersions == 1)
    }
}
