import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// What sync tools, people and attackers do to a shared folder, as seen when fieldnotes was
/// tried on a real team's folders: each test is one of those scenes.
@Suite("A hostile, lossy shared folder")
struct HostileFolderTests {
    // MARK: Folder identity

    /// Two laptops set up one Syncthing share within a second: each made the folder's layout
    /// in its own copy, then Syncthing merged the copies — keeping one of any file both wrote
    /// and renaming the other to a conflict copy. Before, both wrote `folder.json`, and the
    /// loser took the folder for a new one and wrote everything it held again.
    @Test func twoLaptopsSettingUpOneFolderAtOnceSendNothingTwice() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let (atAlice, atBob) = (try workspace.folder("alice-share"), try workspace.folder("bob-share"))
        for index in 0..<5 { try alice.add("Alice \(index)") }
        for index in 0..<5 { try bob.add("Bob \(index)") }
        #expect(try alice.sync(atAlice).exportedVersions == 5)
        #expect(try bob.sync(atBob).exportedVersions == 5)
        try mergeLikeSyncthing(atAlice, atBob)
        // Every file in the folder has one writer: nothing collided.
        #expect(try conflictCopies(in: atAlice).isEmpty)
        let first = (try alice.sync(atAlice), try bob.sync(atBob))
        #expect(first.0.exportedVersions == 0 && first.0.importedVersions == 5)
        #expect(first.1.exportedVersions == 0 && first.1.importedVersions == 5)
        try mergeLikeSyncthing(atAlice, atBob)
        #expect(try alice.sync(atAlice) == SyncSummary())
        #expect(try bob.sync(atBob) == SyncSummary())
        #expect(try alice.canonicalDump() == bob.canonicalDump())
    }

    /// A store copied to a second laptop is refused there (as before); but it must not make
    /// anyone else take the folder for a new one. Before, the copy re-ided the shared folder
    /// and every member wrote its whole history again.
    @Test func aCopiedStoreIsRefusedAndNobodyWritesAgain() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("Report 0")
        for index in 1..<20 { try alice.add("Report \(index)") }
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try bob.add("Bob's")
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        // The copy, on a laptop where the folder is mounted elsewhere and the original path
        // also holds a folder.
        let twin = try Store.open(at: try copyStore(alice, in: workspace))
        let secondLaptop = workspace.root.appending(path: "second-laptop-share")
        try FileManager.default.copyItem(at: shared, to: secondLaptop)
        try twin.commitChange(to: id) { $0.title = "On the second laptop" }
        try alice.commitChange(to: id) { $0.title = "On the first laptop" }
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        _ = try alice.sync(shared)
        try FileManager.default.removeItem(at: secondLaptop)
        try FileManager.default.copyItem(at: shared, to: secondLaptop)
        #expect(throws: SyncError.self) { try twin.sync(secondLaptop) }
        let bytes = try folderBytes(shared)
        #expect(try bob.sync(shared).exportedVersions == 0)
        #expect(try alice.sync(shared).exportedVersions == 0)
        #expect(try folderBytes(shared) == bytes, "no one wrote anything again")
    }

    /// The folder restored from a backup: the files written since are gone. Each replica writes
    /// its own lost files again as they were; nobody sends history again, nobody waits.
    @Test func aRestoredBackupCostsOnlyWhatItLost() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        for index in 0..<30 { try alice.add("Early \(index)") }
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        let backup = workspace.root.appending(path: "backup")
        try FileManager.default.copyItem(at: shared, to: backup)
        try alice.add("Lost with the restore")
        _ = try alice.sync(shared)
        let lost = try Data(contentsOf: alice.directory(in: shared).appending(path: "00000002.fnc"))
        _ = try bob.sync(shared)
        try FileManager.default.removeItem(at: shared)
        try FileManager.default.copyItem(at: backup, to: shared)
        try alice.add("After the restore")
        let again = try alice.sync(shared)
        #expect(again.rewrittenChangesets == 1 && again.exportedVersions == 1)
        #expect(again.notices == [.ownFilesVanished([2])])
        #expect(try Data(contentsOf: alice.directory(in: shared).appending(path: "00000002.fnc")) == lost, "written again as it was")
        #expect(try bob.sync(shared).exportedVersions == 0)
        let carols = try carol.sync(shared)
        #expect(carols.waiting.isEmpty && carols.importedVersions == 32)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
        #expect(try bob.canonicalDump() == alice.canonicalDump())
    }

    /// A `cp -r` copy of a stick, synced by a replica whose files it holds: the copy gets an id
    /// of its own but keeps what the store knows it holds, so nothing is imported or sent
    /// again; what is new goes to both.
    @Test func aCopiedFolderKeepsWhatTheStoreKnowsItHolds() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let usb = try workspace.folder("usb")
        for index in 0..<10 { try alice.add("Alice \(index)") }
        try bob.add("Bob's")
        _ = try bob.sync(usb)
        _ = try alice.sync(usb)
        let copy = workspace.root.appending(path: "second-stick")
        try FileManager.default.copyItem(at: usb, to: copy)
        #expect(try alice.sync(copy) == SyncSummary(), "nothing imported or written again")
        let ids = try [usb, copy].map { ReplicaInfo(parsing: try Data(contentsOf: alice.directory(in: $0).appending(path: "replica.json")))?.folder }
        #expect(ids[0] != nil && ids[1] != nil && ids[0] != ids[1])
        try alice.add("After the copy")
        #expect(try alice.sync(usb).exportedVersions == 1)
        #expect(try alice.sync(copy).exportedVersions == 1)
        _ = try carol.sync(copy)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
    }

    /// This replica's replica.json found older than what it last wrote (a backup restored, a
    /// sync tool reverting it) is said, and written again.
    @Test func aRevertedReplicaJSONIsSaidAndWrittenAgain() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let file = alice.directory(in: shared).appending(path: "replica.json")
        let old = try Data(contentsOf: file)
        try alice.add("Two")
        _ = try alice.sync(shared)
        try old.write(to: file)
        #expect(try alice.sync(shared).notices == [.ownInfoReverted(found: 1, written: 2)])
        #expect(ReplicaInfo(parsing: try Data(contentsOf: file))?.latestSequence == 2)
        #expect(try alice.sync(shared).notices.isEmpty)
    }

    /// The folder's `fieldnotes` or `replicas` folder that is a link out of it is not followed.
    @Test func aLinkInPlaceOfTheLayoutIsRefused() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        let elsewhere = try workspace.folder("elsewhere")
        try FileManager.default.createSymbolicLink(at: shared.appending(path: "fieldnotes"), withDestinationURL: elsewhere)
        try alice.add("One")
        #expect(throws: SyncError.folderDamaged(shared.appending(path: "fieldnotes").path, "a symbolic link")) { try alice.sync(shared) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
    }

    // MARK: Orphaned versions

    /// Carol edits; Alice and Bob import it; Carol leaves and her directory is deleted. A new
    /// laptop must still get Carol's edit: Alice and Bob carry it again.
    @Test func versionsWhoseOnlyCarrierVanishedAreCarriedAgain() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("Old title")
        _ = try alice.sync(shared)
        _ = try carol.sync(shared)
        try carol.commitChange(to: id) { $0.title = "Carol's title" }
        try carol.add("Carol's own report")
        _ = try carol.sync(shared)
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try FileManager.default.removeItem(at: carol.directory(in: shared))
        let alices = try alice.sync(shared)
        #expect(alices.exportedVersions == 2)
        #expect(alices.notices == [.recarried(versions: 2, writers: [carol.identity.replica.rawValue])])
        _ = try bob.sync(shared)
        // Carried once is enough: the next syncs carry nothing again.
        #expect(try alice.sync(shared).exportedVersions == 0)
        #expect(try bob.sync(shared).exportedVersions == 0)
        let dana = try workspace.store("dana")
        _ = try dana.sync(shared)
        #expect(try dana.stored(id).report.title == "Carol's title")
        #expect(try dana.canonicalDump() == alice.canonicalDump())
        #expect(try dana.canonicalDump() == bob.canonicalDump())
        try dana.expectVerified()
    }

    /// One file of a writer lost (not its whole directory): only what that file brought is
    /// carried again.
    @Test func onlyWhatAVanishedFileBroughtIsCarriedAgain() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        for round in 0..<3 {
            for index in 0..<4 { try bob.add("Round \(round) report \(index)") }
            _ = try bob.sync(shared)
            _ = try alice.sync(shared)
        }
        try FileManager.default.removeItem(at: bob.directory(in: shared).appending(path: "00000002.fnc"))
        let alices = try alice.sync(shared)
        #expect(alices.exportedVersions == 4)
        // Bob writes his own lost file again too; a version carried twice is imported once.
        #expect(try bob.sync(shared).rewrittenChangesets == 1)
        let carol = try workspace.store("carol")
        #expect(try carol.sync(shared).importedVersions == 12)
        #expect(try carol.canonicalDump() == bob.canonicalDump())
    }

    /// A store that imported before it kept a record of each file (schema 3) has one row for
    /// all of them: if any vanishes, it carries everything it imported from the folder again,
    /// and its own vanished files become empty ones followed by everything it holds.
    @Test func aStoreFromBeforeTheRecordsStillLosesNothing() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        for index in 0..<3 { try carol.add("Carol \(index)") }
        _ = try carol.sync(shared)
        try alice.add("Alice's")
        _ = try alice.sync(shared)
        // What schema 4's migration leaves in a store that synced before it.
        try alice.database.write { db in
            try db.execute(sql: "DELETE FROM received_changesets; DELETE FROM written_changesets")
            try db.execute(sql: """
                INSERT INTO received_changesets (folder, writer, sequence, origin, first_seq, last_seq)
                SELECT DISTINCT i.folder, '', 0, 'folder:' || i.folder, 1, (SELECT coalesce(max(seq), 0) FROM versions)
                FROM imported_changesets i
                """)
        }
        try FileManager.default.removeItem(at: carol.directory(in: shared))
        try FileManager.default.removeItem(at: alice.directory(in: shared).appending(path: "00000001.fnc"))
        let summary = try alice.sync(shared)
        #expect(summary.rewrittenChangesets == 1)
        #expect(summary.exportedVersions == 4, "everything: alice's own and carol's")
        #expect(try alice.sync(shared).exportedVersions == 0)
        _ = try bob.sync(shared)
        #expect(try bob.canonicalDump() == alice.canonicalDump())
    }

    // MARK: Special files

    /// A FIFO named like a changeset made every sync block for ever.
    @Test(.timeLimit(.minutes(1)))
    func specialFilesAreRefusedWithoutBlocking() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let directory = alice.directory(in: shared)
        #expect(mkfifo(directory.appending(path: "00000002.fnc").path, 0o644) == 0)
        let summary = try bob.sync(shared)
        #expect(summary.importedVersions == 1)
        #expect(summary.skipped.count == 1)
        #expect(summary.skipped.first?.file.hasSuffix("00000002.fnc") == true)
        #expect(summary.skipped.first?.reason.contains("a FIFO") == true)
    }

    @Test func linksOutOfTheFolderAreNotFollowed() throws {
        let workspace = try Workspace()
        let (alice, bob, mallory) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("mallory"))
        let shared = try workspace.folder("shared")
        let elsewhere = try workspace.folder("elsewhere")
        try mallory.add("Planted")
        _ = try mallory.sync(elsewhere)
        try alice.add("One")
        _ = try alice.sync(shared)
        // A changeset that is a link, and a writer's directory that is a link.
        let directory = alice.directory(in: shared)
        try FileManager.default.createSymbolicLink(at: directory.appending(path: "00000002.fnc"),
                                                   withDestinationURL: mallory.directory(in: elsewhere).appending(path: "00000001.fnc"))
        try FileManager.default.createSymbolicLink(at: mallory.directory(in: shared), withDestinationURL: mallory.directory(in: elsewhere))
        let summary = try bob.sync(shared)
        #expect(summary.importedVersions == 1)
        #expect(Set(summary.skipped.map(\.file)) == ["\(alice.identity.replica)/00000002.fnc", mallory.identity.replica.rawValue])
        #expect(summary.skipped.allSatisfy { $0.reason.contains("a symbolic link") }, "\(summary.skipped)")
        #expect(try bob.reports(ReportFilter()).map(\.report.title) == ["One"])
    }

    // MARK: Numbers from the folder

    /// An absurd `latestSequence` in this replica's own replica.json made the next syncs abort
    /// (allocating 8×10^17 bytes); Int.max trapped on overflow.
    @Test(arguments: ["100000000000000000", "9223372036854775807", "-5", "1e300", "\"12\""])
    func numbersInReplicaJSONAreNotTrusted(latest: String) throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let info = alice.directory(in: shared).appending(path: "replica.json")
        var text = try String(contentsOf: info, encoding: .utf8)
        text = text.replacingOccurrences(of: #""latestSequence":1"#, with: #""latestSequence":\#(latest)"#)
        #expect(text.contains(latest))
        // Signed by Alice's key, as if her own fieldnotes had written it.
        guard case .object(let members) = try JSONValue(parsing: Array(text.utf8)) else { throw CocoaError(.fileReadCorruptFile) }
        try SignedJSON.encode(members, in: .replicaInfo, signedBy: try alice.signingKeyForWriting()).write(to: info)
        try alice.add("Two")
        #expect(try alice.sync(shared).written?.lastPathComponent == "00000002.fnc")
        try alice.add("Three")
        #expect(try alice.sync(shared).written?.lastPathComponent == "00000003.fnc")
        #expect(try bob.sync(shared).importedVersions == 3)
    }

    @Test func absurdFileNamesAndHugeFilesAreIgnored() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let directory = alice.directory(in: shared)
        for name in ["99999999999999999.fnc", "9223372036854775807.fnc", "00000000.fnc"] {
            try FileManager.default.copyItem(at: directory.appending(path: "00000001.fnc"), to: directory.appending(path: name))
        }
        // A peer's replica.json far too large to be one, and one with absurd acknowledgements.
        let peer = ReplicaID()
        let peerDirectory = shared.appending(path: "fieldnotes/replicas/\(peer)")
        try FileManager.default.createDirectory(at: peerDirectory, withIntermediateDirectories: true)
        try Data(repeating: UInt8(ascii: " "), count: 3 << 20).write(to: peerDirectory.appending(path: "replica.json"))
        let summary = try bob.sync(shared)
        #expect(summary.importedChangesets == 1 && summary.skipped.isEmpty && summary.waiting.isEmpty)
        try Data(#"{"replica": "\#(peer)", "imported": {"\#(bob.identity.replica)": 9223372036854775807}, "updated": "2999-01-01T00:00:00Z"}"#.utf8)
            .write(to: peerDirectory.appending(path: "replica.json"))
        try bob.add("Bob's")
        #expect(try bob.sync(shared).exportedVersions == 1)
    }

    // MARK: Telling a person what the folder does

    /// A peer that keeps syncing without ever receiving this replica's files: the sign of a
    /// receive-only folder on this laptop (its changes never leave it).
    @Test func aPeerThatNeverReceivesThisReplicasFilesIsNamed() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try bob.add("Bob's")
        _ = try bob.sync(shared)
        try alice.add("Alice's")
        _ = try alice.sync(shared)
        // Bob synced (by his clock) an hour after Alice wrote, and has not imported her file.
        let bobsInfo = bob.directory(in: shared).appending(path: "replica.json")
        var info = try #require(ReplicaInfo(parsing: try Data(contentsOf: bobsInfo)))
        info.updated = Timestamp(millisecondsSince1970: Timestamp.now.millisecondsSince1970 + 3_600_000)
        try SignedJSON.encode(info.members, in: .replicaInfo, signedBy: try bob.signingKeyForWriting()).write(to: bobsInfo)
        let summary = try alice.sync(shared)
        guard case .notReceived(let peer, let analyst, _, let sequence)? = summary.notices.first else {
            Issue.record("no notice: \(summary.notices)")
            return
        }
        #expect(peer == bob.identity.replica && analyst == "bob" && sequence == 1)
        #expect(summary.notices[0].description.contains("Send & Receive"))
        #expect(try alice.folderNotices().map(\.notices) == [[summary.notices[0].description]])
        // Once Bob has it, nothing is said.
        _ = try bob.sync(shared)
        #expect(try alice.sync(shared).notices.isEmpty)
        #expect(try alice.folderNotices().isEmpty)
    }

    // MARK: Helpers

    /// Makes two copies of a shared folder alike as Syncthing would: what one lacks it gets;
    /// of a file that differs, one keeps its content and the other's becomes a conflict copy.
    private func mergeLikeSyncthing(_ a: URL, _ b: URL) throws {
        let manager = FileManager.default
        for (from, to) in [(a, b), (b, a)] {
            for path in try manager.subpathsOfDirectory(atPath: from.path) {
                let source = from.appending(path: path)
                let target = to.appending(path: path)
                var isDirectory: ObjCBool = false
                _ = manager.fileExists(atPath: source.path, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try manager.createDirectory(at: target, withIntermediateDirectories: true)
                } else if !manager.fileExists(atPath: target.path) {
                    try manager.copyItem(at: source, to: target)
                } else if try Data(contentsOf: source) != Data(contentsOf: target) {
                    let name = target.deletingPathExtension().lastPathComponent + ".sync-conflict-20261127-101010-ABCDEFG." + target.pathExtension
                    try manager.copyItem(at: source, to: target.deletingLastPathComponent().appending(path: name))
                }
            }
        }
    }

    private func conflictCopies(in folder: URL) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.contains("sync-conflict") }
    }

    private func folderBytes(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appending(path: path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[path] = try Data(contentsOf: folder.appending(path: path)) }
        }
        return files
    }

    private func copyStore(_ store: Store, in workspace: Workspace) throws -> URL {
        let copy = workspace.root.appending(path: "store-copy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: store.directory, to: copy)
        return copy
    }
}
