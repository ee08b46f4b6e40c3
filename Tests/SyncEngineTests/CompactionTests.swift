import Crypto
import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// Compaction (DESIGN.md §11): snapshots, each writer deleting its own files once a snapshot
/// covers them and every replica has them, and readers getting past files that are gone —
/// with the races file-sync tools bring, ending with every version everywhere.
@Suite("Compaction")
struct CompactionTests {
    let workspace: Workspace
    let shared: URL

    init() throws {
        workspace = try Workspace()
        shared = try workspace.folder("shared")
    }

    static let now = CompactionPolicy(graceMilliseconds: 0)

    func sync(_ store: Store, _ folder: URL? = nil, policy: CompactionPolicy = Self.now) throws -> SyncSummary {
        try Synchronizer(store: store, compaction: policy).sync(with: [folder ?? shared])[0].get()
    }

    func compact(_ store: Store, _ folder: URL? = nil, policy: CompactionPolicy = Self.now) throws -> SyncSummary {
        try Synchronizer(store: store, compaction: policy).sync(with: [folder ?? shared], snapshot: true)[0].get()
    }

    func changesets(of store: Store, in folder: URL? = nil) throws -> [Int] {
        try SharedFolder(folder ?? shared).changesets(of: store.identity.replica).keys.sorted()
    }

    func snapshot(of store: Store, in folder: URL? = nil) -> URL {
        SharedFolder(folder ?? shared).snapshot(of: store.identity.replica)
    }

    func hasSnapshot(_ store: Store, in folder: URL? = nil) -> Bool {
        FileManager.default.fileExists(atPath: snapshot(of: store, in: folder).path)
    }

    /// Alice and Bob, each with `rounds` syncs of a new report and an edit of the first.
    func team(rounds: Int = 3) throws -> (alice: Store, bob: Store, first: ReportID) {
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let first = try alice.add("Shelling of the water plant")
        for round in 0..<rounds {
            try alice.add("Alice's report \(round)")
            try bob.add("Bob's report \(round)")
            _ = try sync(alice, policy: .standard)
            _ = try sync(bob, policy: .standard)
            try bob.commitChange(to: first) { $0.tags.insert("round-\(round)") }
        }
        _ = try sync(bob, policy: .standard)
        _ = try sync(alice, policy: .standard)
        return (alice, bob, first)
    }

    // MARK: Snapshots

    @Test func aNewcomerStartsFromTheNewestSnapshotAndReadsOnlyWhatCameAfter() throws {
        let (alice, bob, _) = try team()
        let written = try compact(alice, policy: .standard)
        #expect(written.wroteSnapshot)
        let header = try ChangesetReader.header(of: snapshot(of: alice))
        #expect(header.isSnapshot && header.writer == alice.identity.replica)
        // One more changeset of Bob's after the snapshot.
        try bob.add("After the snapshot")
        _ = try sync(bob, policy: .standard)

        let carol = try workspace.store("carol")
        let first = try sync(carol, policy: .standard)
        #expect(first.importedSnapshots == [alice.identity.replica])
        #expect(first.importedChangesets == 1, "only Bob's file after the snapshot's frontier")
        _ = try sync(alice, policy: .standard)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
        #expect(try carol.canonicalDump() == bob.canonicalDump())
        try carol.expectVerified()
        // The snapshot counts as every file it covers: nothing is read again.
        #expect(try sync(carol, policy: .off).importedChangesets == 0)
    }

    @Test func aNewcomerCatchesUpInOneGoAndFileByFileWhenAFileIsRefused() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(alice, policy: .standard)
        for round in 0..<3 {
            try bob.add("After the snapshot \(round)")
            _ = try sync(bob, policy: .off)  // (no snapshot of his own)
        }
        // The snapshot and Bob's three files after it, in one transaction.
        let carol = try workspace.store("carol")
        let once = try sync(carol, policy: .off)
        #expect(once.importedSnapshots == [alice.identity.replica] && once.importedChangesets == 3)
        #expect(try carol.canonicalDump() == bob.canonicalDump())
        #expect(try sync(carol, policy: .off).importedChangesets == 0)
        // Bob's last file damaged: the snapshot and the files before it, one by one, and the
        // damaged one named.
        let last = try #require(try SharedFolder(shared).changesets(of: bob.identity.replica).max { $0.key < $1.key })
        var bytes = try Data(contentsOf: last.value)
        bytes[bytes.count - 20] ^= 0x01
        try bytes.write(to: last.value)
        let dave = try workspace.store("dave")
        let fallback = try sync(dave, policy: .standard)
        #expect(fallback.importedSnapshots == [alice.identity.replica])
        #expect(fallback.importedChangesets == 2)
        #expect(fallback.skipped.map(\.file) == ["\(bob.identity.replica)/\(last.value.lastPathComponent)"])
        #expect(try dave.canonicalDump().count == carol.canonicalDump().count - 1)
    }

    @Test func aNewcomerCatchesUpInBatchesWhenTheFilesAfterTheSnapshotAreMore() throws {
        let (alice, bob, first) = try team(rounds: 2)
        _ = try compact(alice, policy: .standard)
        let before = try changesets(of: bob).max() ?? 0
        // After the snapshot: Bob edits the same report in five files, one of them carrying
        // twenty new reports too; Alice edits it concurrently, so the batches merge histories
        // that fork.
        for round in 0..<5 {
            try bob.commitChange(to: first) { $0.tags.insert("after-\(round)") }
            if round == 2 { for index in 0..<20 { try bob.add("Bob's batch report \(index)") { $0.body = String(repeating: "A long narrative. ", count: 200) } } }
            _ = try sync(bob, policy: .off)
        }
        try alice.commitChange(to: first) { $0.title = "Alice's title" }
        _ = try sync(alice, policy: .off)

        let folder = SharedFolder(shared)
        let after = try folder.changesets(of: bob.identity.replica).filter { $0.key > before }.sorted { $0.key < $1.key }
        let sizes = try after.map { try ChangesetReader.header(of: $0.value).uncompressedSize }
        let small = sizes.filter { $0 < sizes.max()! }
        let batchSize = 2 * small.max()!
        try #require(after.count == 5 && sizes.max()! > batchSize, "the big file is a batch of its own, the others two by two")

        // Caught up in one go (not the fallback: the snapshot, then the files one by one).
        let carol = try workspace.store("carol")
        let synchronizer = Synchronizer(store: carol, compaction: .off)
        let visit = try synchronizer.identify(folder)
        let writers = try folder.writers().writers
        let start = try #require(try synchronizer.snapshotToStartFrom(synchronizer.snapshots(in: visit, writers: writers).found, in: visit))
        var once = SyncSummary()
        #expect(try synchronizer.catchUp(from: start, in: visit, writers: writers, batchSize: batchSize, into: &once))
        #expect(once.importedSnapshots == [alice.identity.replica])
        #expect(once.importedChangesets == 6, "Bob's five files and Alice's one, with the snapshot")
        _ = try sync(bob, policy: .off)
        #expect(try carol.canonicalDump() == bob.canonicalDump())
        try carol.expectVerified()
        #expect(try sync(carol, policy: .off).importedChangesets == 0)
    }

    @Test func theFrontierIsReadFromTheFirstLineAndCheckedWithTheRest() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(alice, policy: .standard)
        let opened = try ChangesetReader.OpenFile(snapshot(of: alice))
        let frontier = try ChangesetReader.frontier(of: opened, teamKey: nil)
        #expect(frontier[alice.identity.replica] == (try changesets(of: alice)).max())
        #expect(frontier[bob.identity.replica] == (try changesets(of: bob)).max())
        var versions = 0
        let contents = try ChangesetReader.read(snapshot(of: alice)) { _, _ in versions += 1 }
        #expect(contents.frontier == frontier)
        #expect(versions == (try alice.pendingVersions(for: .export, all: true)).versions.count, "every version the store holds")
        // A changeset is not a snapshot, nor the other way round.
        let changeset = SharedFolder(shared).directory(of: bob.identity.replica).appending(path: "00000001.fnc")
        #expect(throws: ChangesetError.snapshotMismatch(expectedSnapshot: true)) {
            try ChangesetReader.frontier(of: try ChangesetReader.OpenFile(changeset), teamKey: nil)
        }
    }

    @Test func aFrontierLineIsReadStrictly() throws {
        let writer = ReplicaID("aaaaaaaa-0000-4000-8000-000000000001")!
        let good = Frontier([writer: 7])
        #expect(try Frontier(parsing: good.encoded) == good)
        #expect(Frontier([writer: 0]).sequences.isEmpty, "an entry of 0 covers nothing")
        for bad in [#"{"frontier":{"aaaaaaaa-0000-4000-8000-000000000001":0}}"#,
                    #"{"frontier":{"aaaaaaaa-0000-4000-8000-000000000001":1000000000001}}"#,
                    #"{"frontier":{"not a replica":1}}"#,
                    #"{"frontier": {"aaaaaaaa-0000-4000-8000-000000000001":7}}"#,
                    #"{"frontier":{"aaaaaaaa-0000-4000-8000-000000000001":7},"more":1}"#,
                    #"{"frontier":[7]}"#, "7"] {
            #expect(throws: ChangesetError.self, "\(bad)") { try Frontier(parsing: Array(bad.utf8)) }
        }
    }

    @Test func aSnapshotIsWrittenOfItsOwnAccordOnlyWhenTheChangesetsOutweighIt() throws {
        let alice = try workspace.store("alice")
        try alice.add("Small")
        #expect(!(try sync(alice)).wroteSnapshot, "a small folder gains nothing by a snapshot")
        _ = try compact(alice)
        let size = try #require(FolderFile.size(of: snapshot(of: alice)))
        try alice.add("One more")
        #expect(!(try sync(alice)).wroteSnapshot)
        // Changesets newer than the snapshot that outweigh it: a new snapshot.
        var wrote = false
        for round in 0..<40 where !wrote {
            try alice.add("Report \(round)") { $0.body = String(repeating: "Witnesses describe the convoy \(round). ", count: 40) }
            wrote = try sync(alice).wroteSnapshot
        }
        #expect(wrote)
        #expect(try #require(FolderFile.size(of: snapshot(of: alice))) > size)
    }

    // MARK: Deleting

    @Test func aWriterDeletesItsFilesOnlyWhenCoveredAcknowledgedAndAfterTheGracePeriod() throws {
        let (alice, bob, _) = try team()
        let aliceFiles = try changesets(of: alice)
        #expect(aliceFiles.count == 3)
        // A snapshot of Bob's covers Alice's files, but the week has not passed.
        _ = try compact(bob, policy: .standard)
        #expect(try sync(alice, policy: .standard).deletedChangesets == 0)
        #expect(try changesets(of: alice) == aliceFiles)
        // With no grace period, she deletes them: Bob acknowledged them all.
        let deleting = try sync(alice)
        #expect(deleting.deletedChangesets == 3)
        #expect(try changesets(of: alice).isEmpty)
        #expect(deleting.rewrittenChangesets == 0)
        // Nobody writes them again, nor carries their versions again.
        #expect(try sync(alice).rewrittenChangesets == 0)
        #expect(try sync(bob).exportedVersions == 0)
        #expect(try changesets(of: alice).isEmpty)
        // A newcomer gets everything through Bob's snapshot.
        let carol = try workspace.store("carol")
        _ = try sync(carol)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
    }

    @Test func aReplicaThatHasNotAcknowledgedHoldsDeletionBack() throws {
        let (alice, bob, _) = try team(rounds: 2)
        try alice.add("Bob has not seen this")
        _ = try sync(alice)
        _ = try compact(alice, policy: .standard)
        let files = try changesets(of: alice)
        // Bob has not imported Alice's last file: she keeps it (and the ones he has, she deletes).
        #expect(try sync(alice).deletedChangesets == files.count - 1)
        #expect(try changesets(of: alice) == [files.last!])
        _ = try sync(bob)
        #expect(try sync(alice).deletedChangesets == 1)
        #expect(try changesets(of: alice).isEmpty)
    }

    @Test func anAcknowledgementNotSignedByTheReplicasPinnedKeyIsNotBelieved() throws {
        let (alice, bob, _) = try team(rounds: 2)
        try alice.add("Bob has not seen this")
        _ = try sync(alice)
        _ = try compact(alice, policy: .standard)
        let last = try #require(try changesets(of: alice).last)
        let bobsInfo = bob.directory(in: shared).appending(path: "replica.json")
        let real = try Data(contentsOf: bobsInfo)
        // Alice checked Bob's file once; the same bytes are not checked again, other bytes are.
        #expect(try alice.verifiedFiles(kind: ReplicaInfo.fileName)[bob.identity.replica.rawValue] == Array(SHA256.hash(data: real)))
        var forged = try #require(ReplicaInfo(parsing: real))
        forged.imported[alice.identity.replica] = last
        // Unsigned (as a fieldnotes from before signing wrote it), and signed by another key.
        let mallory = try workspace.store("mallory")
        for bytes in [Data(JSONValue.object(forged.members).canonicalBytes),
                      SignedJSON.encode(forged.members, in: .replicaInfo, signedBy: try mallory.signingKeyForWriting())] {
            try bytes.write(to: bobsInfo)
            _ = try sync(alice)
            #expect(try changesets(of: alice).contains(last), "Bob's forged acknowledgement let Alice delete her last file")
            #expect(try alice.compactionHolders().flatMap(\.holders).map(\.replica) == [bob.identity.replica])
        }
        // Signed by Bob's key, it is believed.
        try SignedJSON.encode(forged.members, in: .replicaInfo, signedBy: try bob.signingKeyForWriting()).write(to: bobsInfo)
        _ = try sync(alice)
        #expect(try changesets(of: alice).isEmpty)
    }

    @Test func anOwnReplicaJSONFromBeforeSigningStillNamesTheFolderAndIsSignedAgain() throws {
        let (alice, _, _) = try team(rounds: 1)
        let own = alice.directory(in: shared).appending(path: "replica.json")
        let signed = try #require(SignedJSON.open(try Data(contentsOf: own), in: .replicaInfo, maximumSize: 1 << 20))
        #expect(signed.signer == alice.publicKey)
        // The folder moved (a stick mounted elsewhere) and Alice's replica.json is unsigned, as
        // an older fieldnotes wrote it: it still names the folder, so nothing is sent again.
        try Data(JSONValue.object(signed.members).prettyString.utf8).write(to: own)
        let moved = shared.deletingLastPathComponent().appending(path: "moved")
        try FileManager.default.moveItem(at: shared, to: moved)
        let summary = try sync(alice, moved, policy: .standard)
        #expect(summary.exportedVersions == 0 && summary.importedVersions == 0)
        #expect(SignedJSON.open(try Data(contentsOf: moved.appending(path: "fieldnotes/replicas/\(alice.identity.replica)/replica.json")),
                                in: .replicaInfo, maximumSize: 1 << 20)?.signer == alice.publicKey)
    }

    @Test func aSnapshotIsDeletedByItsWriterOnceAnotherCoversAllItDoes() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(alice)
        try bob.add("Bob's after her snapshot")
        _ = try compact(bob)
        #expect(hasSnapshot(alice) && hasSnapshot(bob))
        // Bob's covers all Alice's does: hers goes, after the grace period.
        #expect(!(try sync(alice, policy: .standard)).deletedSnapshot)
        #expect(try sync(alice).deletedSnapshot)
        #expect(!hasSnapshot(alice) && hasSnapshot(bob))
        let carol = try workspace.store("carol")
        _ = try sync(carol)
        #expect(try carol.canonicalDump() == bob.canonicalDump())
    }

    @Test func aSnapshotThatLacksVersionsItClaimsToCoverIsNotTrusted() throws {
        let (alice, bob, _) = try team(rounds: 2)
        // Mallory's snapshot says it covers everyone's files and holds none of their versions
        // (so none is newer than it: no snapshot is due).
        let mallory = try workspace.store("mallory")
        try mallory.add("Mallory's only report")
        _ = try sync(mallory, policy: .standard)
        let folder = SharedFolder(shared)
        let visit = try Synchronizer(store: mallory).identify(folder)
        // Mallory's own versions only (none from the folder), though she has imported Alice's.
        let versions = try mallory.pendingVersions(for: .folder(id: visit.id), all: true).versions
        let synchronizer = Synchronizer(store: mallory)
        let frontier = Frontier([alice.identity.replica: 100, bob.identity.replica: 100, mallory.identity.replica: 1])
        _ = try folder.writeChangeset(for: mallory.identity.replica, sequence: 1, level: 6,
                                      signing: try synchronizer.signing(versions, folder: visit.id), encryption: nil, frontier: frontier) { writer in
            try mallory.forEachSignedVersion(versions) { try writer.append(encodedVersion: $0, signature: $1) }
        }
        let summary = try sync(alice)
        #expect(!summary.wroteSnapshot)
        #expect(summary.deletedChangesets == 0)
        #expect(summary.notices.contains(.snapshotLacksVersions(writer: mallory.identity.replica)))
        #expect(try changesets(of: alice).count == 2)
    }

    // MARK: Retirement

    @Test func aRetiredReplicaNoLongerHoldsBackAndCatchesUpWhenItReturns() throws {
        let (alice, bob, _) = try team(rounds: 2)
        let lost = try workspace.store("lost")
        _ = try sync(lost)
        // The lost laptop syncs no more; Alice writes on, Bob writes a snapshot.
        try alice.add("After the laptop was lost")
        _ = try sync(alice)
        _ = try compact(bob)
        #expect(try sync(alice).deletedChangesets == 2, "the files the lost laptop imported")
        #expect(try changesets(of: alice).count == 1)
        #expect(try alice.compactionHolders().flatMap(\.holders).map(\.replica) == [lost.identity.replica])
        // Bob retires it: his replica.json says so, and Alice deletes on.
        try bob.retire(lost.identity.replica)
        _ = try sync(bob)
        #expect(try sync(alice).deletedChangesets == 1)
        #expect(try changesets(of: alice).isEmpty)
        #expect(try alice.compactionHolders().isEmpty)
        // It comes back: through Bob's snapshot it gets everything, and counts again.
        let back = try sync(lost)
        #expect(back.importedSnapshots == [bob.identity.replica])
        #expect(try lost.canonicalDump() == alice.canonicalDump())
        // Its sync undid the retirement: it holds back what it has not imported…
        try alice.add("After it came back")
        _ = try sync(alice)
        _ = try compact(bob)
        #expect(try sync(alice).deletedChangesets == 0)
        #expect(try alice.compactionHolders().flatMap(\.holders).map(\.replica) == [lost.identity.replica])
        // …until it imports it.
        _ = try sync(lost)
        #expect(try sync(alice).deletedChangesets == 1)
        #expect(try alice.compactionHolders().isEmpty)
    }

    // MARK: Readers

    @Test func aReaderThatIsBehindGetsPastDeletedFilesThroughTheSnapshot() throws {
        let (alice, bob, _) = try team(rounds: 2)
        let dave = try workspace.store("dave")
        _ = try sync(dave)
        // Alice writes on; Dave's acknowledgement holds back only what he has not imported.
        for round in 0..<3 {
            try alice.add("While Dave is away \(round)")
            _ = try sync(alice)
            _ = try sync(bob)
        }
        _ = try compact(bob)
        _ = try sync(alice)
        #expect(try changesets(of: alice).count == 3, "what Dave has not imported stays")
        // The files go all the same (an acknowledgement forged in Dave's name costs him a
        // download, never a version): he reads past them through the snapshot.
        for url in try SharedFolder(shared).changesets(of: alice.identity.replica).map(\.value) { try FileManager.default.removeItem(at: url) }
        let catchingUp = try sync(dave)
        #expect(catchingUp.importedSnapshots == [bob.identity.replica])
        #expect(catchingUp.waiting.isEmpty && catchingUp.skipped.isEmpty)
        #expect(try dave.canonicalDump() == bob.canonicalDump())
    }

    @Test func filesDeletedBetweenTheReadersListingAndItsReadingAreReadThroughTheSnapshot() throws {
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        // Bob has imported from the folder before (a newcomer would start from a snapshot).
        try carol.add("Carol's report")
        _ = try sync(carol)
        _ = try sync(bob)
        // Alice's first file is large enough for progress to be reported while Bob imports it.
        for index in 0..<5_001 { try alice.add("Report \(index)") }
        _ = try sync(alice)
        try alice.add("Second file")
        _ = try sync(alice)
        try alice.add("Third file")
        _ = try sync(alice, policy: .standard)
        _ = try compact(alice, policy: .standard)
        let directory = SharedFolder(shared).directory(of: alice.identity.replica)
        let snapshot = snapshot(of: alice), aside = workspace.file("snapshot-in-transit.fnc")
        try FileManager.default.moveItem(at: snapshot, to: aside)
        // Bob lists Alice's three files; while he imports the first, her compaction deletes
        // the other two and her snapshot arrives.
        let racing = Synchronizer(store: bob, compaction: Self.now) { _ in
            try? FileManager.default.removeItem(at: directory.appending(path: "00000002.fnc"))
            try? FileManager.default.removeItem(at: directory.appending(path: "00000003.fnc"))
            try? FileManager.default.moveItem(at: aside, to: snapshot)
        }
        let summary = try racing.sync(with: [shared])[0].get()
        #expect(summary.importedChangesets == 1)
        #expect(summary.importedSnapshots == [alice.identity.replica])
        #expect(summary.skipped.isEmpty, "\(summary.skipped.map(\.reason))")
        #expect(summary.waiting.isEmpty)
        #expect(try bob.canonicalDump() == alice.canonicalDump())
    }

    @Test func aReaderThatSeesADeletionBeforeTheSnapshotWaitsAndChangesNothing() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(alice)
        _ = try sync(bob)
        _ = try sync(alice)
        #expect(try changesets(of: alice).isEmpty)
        // A laptop whose sync tool delivered the deletions but not yet the snapshot.
        let late = try workspace.folder("late")
        try FileManager.default.removeItem(at: late)
        try FileManager.default.copyItem(at: shared, to: late)
        try FileManager.default.removeItem(at: snapshot(of: alice, in: late))
        let carol = try workspace.store("carol")
        let waiting = try sync(carol, late)
        // (Bob deleted his too, the snapshot covering them.)
        #expect(Set(waiting.waiting.map(\.writer)) == [alice.identity.replica, bob.identity.replica])
        #expect(try carol.canonicalDump().count < alice.canonicalDump().count)
        // The snapshot arrives: Carol catches up.
        try FileManager.default.copyItem(at: snapshot(of: alice), to: snapshot(of: alice, in: late))
        let caughtUp = try sync(carol, late)
        #expect(caughtUp.waiting.isEmpty)
        _ = try sync(bob, late)
        _ = try sync(carol, late)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
    }

    @Test func aTruncatedOrForgedSnapshotIsRefusedAndNothingIsLost() throws {
        let (alice, bob, _) = try team(rounds: 2)
        // (Her files stay: the week has not passed.)
        _ = try compact(alice, policy: .standard)
        let url = snapshot(of: alice)
        let intact = try Data(contentsOf: url)
        for damage in ["truncated", "header forged", "payload flipped"] {
            var bytes = intact
            switch damage {
            case "truncated": bytes = bytes.prefix(bytes.count / 2)
            case "header forged": bytes[30] ^= 0x01
            default: bytes[bytes.count - 40] ^= 0x01
            }
            try bytes.write(to: url)
            let carol = try workspace.store("carol-\(damage.prefix(5))")
            let summary = try sync(carol)
            #expect(summary.importedSnapshots.isEmpty, "\(damage)")
            #expect(summary.skipped.contains { $0.file.hasSuffix("snapshot.fnc") }, "\(damage)")
            // The files are all there: Carol reads them instead.
            #expect(try carol.canonicalDump() == bob.canonicalDump(), "\(damage)")
            // Nobody deletes anything on the account of a damaged snapshot.
            #expect(try sync(bob).deletedChangesets == 0, "\(damage)")
        }
        try intact.write(to: url)
    }

    @Test func aSnapshotDeletedByHandBringsBackTheFilesItAloneCovered() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(bob)
        _ = try sync(alice)
        #expect(try changesets(of: alice).isEmpty)
        try FileManager.default.removeItem(at: snapshot(of: bob))
        let repaired = try sync(alice)
        #expect(repaired.rewrittenChangesets == 2)
        _ = try sync(bob)
        let carol = try workspace.store("carol")
        _ = try sync(carol)
        #expect(try carol.canonicalDump() == alice.canonicalDump())
        #expect(try carol.canonicalDump() == bob.canonicalDump())
    }

    @Test func aRestoredBackupOfDeletedFilesIsAHarmlessDuplicate() throws {
        let (alice, bob, _) = try team(rounds: 2)
        let backup = try workspace.folder("backup")
        try FileManager.default.removeItem(at: backup)
        try FileManager.default.copyItem(at: shared, to: backup)
        _ = try compact(bob)
        _ = try sync(alice)
        #expect(try changesets(of: alice).isEmpty)
        // The backup is restored over the folder: Alice's old files reappear.
        for (sequence, url) in try SharedFolder(backup).changesets(of: alice.identity.replica) {
            try FileManager.default.copyItem(at: url, to: SharedFolder(shared).directory(of: alice.identity.replica).appending(path: SharedFolder.fileName(sequence: sequence)))
        }
        let before = try bob.canonicalDump()
        #expect(try sync(bob).importedVersions == 0)
        #expect(try bob.canonicalDump() == before)
        let carol = try workspace.store("carol")
        _ = try sync(carol)
        #expect(try carol.canonicalDump() == before)
        // And they go again.
        #expect(try sync(alice).deletedChangesets == 2)
    }

    @Test func twoReplicasWritingSnapshotsAtOnceLoseNothing() throws {
        let (alice, bob, _) = try team(rounds: 2)
        // Each writes a new changeset and a snapshot without having received the other's: the
        // sync tool has not delivered Alice's to Bob yet.
        try alice.add("Alice, not yet delivered")
        _ = try compact(alice, policy: .standard)
        let aliceFiles = SharedFolder(shared).directory(of: alice.identity.replica)
        let inTransit = try workspace.folder("in-transit")
        let delayed = [SharedFolder.fileName(sequence: try changesets(of: alice).max()!), SharedFolder.snapshotFileName]
        for name in delayed { try FileManager.default.moveItem(at: aliceFiles.appending(path: name), to: inTransit.appending(path: name)) }
        try bob.add("Bob, at the same moment")
        _ = try compact(bob, policy: .standard)
        for name in delayed { try FileManager.default.moveItem(at: inTransit.appending(path: name), to: aliceFiles.appending(path: name)) }
        let (a, b) = (try ChangesetReader.frontier(of: try ChangesetReader.OpenFile(snapshot(of: alice)), teamKey: nil),
                      try ChangesetReader.frontier(of: try ChangesetReader.OpenFile(snapshot(of: bob)), teamKey: nil))
        #expect(!a.dominates(b) && !b.dominates(a))
        // A newcomer now, and everyone syncing on with compaction: nothing lost anywhere.
        let carol = try workspace.store("carol")
        _ = try sync(carol)
        for _ in 0..<3 {
            for store in [alice, bob, carol] { _ = try sync(store) }
        }
        #expect(try carol.canonicalDump() == alice.canonicalDump())
        #expect(try bob.canonicalDump() == alice.canonicalDump())
        let dave = try workspace.store("dave")
        _ = try sync(dave)
        #expect(try dave.canonicalDump() == alice.canonicalDump())
        try dave.expectVerified()
    }

    @Test func anEncryptedFolderGetsAnEncryptedSnapshot() throws {
        let (alice, bob, _) = try team(rounds: 2)
        _ = try compact(alice)
        #expect(try ChangesetReader.header(of: snapshot(of: alice)).encryption == nil)
        _ = try Synchronizer(store: alice).teamInit(shared, passphrase: "correct horse battery staple", derivation: cheapDerivation())
        _ = try Synchronizer(store: bob).teamJoin(shared, passphrase: "correct horse battery staple")
        // Her next sync writes her snapshot again, encrypted.
        #expect(try sync(alice).wroteSnapshot)
        #expect(try ChangesetReader.header(of: snapshot(of: alice)).encryption != nil)
        let carol = try workspace.store("carol")
        _ = try Synchronizer(store: carol).teamJoin(shared, passphrase: "correct horse battery staple")
        #expect(try sync(carol).importedSnapshots == [alice.identity.replica])
        #expect(try carol.canonicalDump() == alice.canonicalDump())
    }
}
