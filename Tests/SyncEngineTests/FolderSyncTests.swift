import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// Replicas exchanging versions through shared folders, with the things file-sync tools
/// and USB sticks do to files.
@Suite("Sync through shared folders")
struct FolderSyncTests {
    @Test func twoAnalystsConvergeThroughOneFolder() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("Attacks in Dagestan")
        #expect(try alice.sync(shared).exportedVersions == 1)
        #expect(try bob.sync(shared).importedVersions == 1)
        try alice.commitChange(to: id) { $0.events[0].killed = 1; $0.tags.insert("alpha") }
        try bob.commitChange(to: id) { $0.events[1].killed = 10; $0.tags.insert("beta") }
        _ = try alice.sync(shared)
        let bobs = try bob.sync(shared)
        #expect(bobs.importedVersions == 1 && bobs.exportedVersions == 1 && bobs.newConflicts == 0)
        _ = try alice.sync(shared)
        #expect(try alice.canonicalDump() == bob.canonicalDump())
        let state = try alice.stored(id).report
        #expect(state.tags.isSuperset(of: ["alpha", "beta"]))
        #expect(state.events.map(\.killed) == [1, 10])
        try alice.expectVerified()
        try bob.expectVerified()
    }

    @Test func theFolderHasTheDocumentedLayout() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        try alice.add("Two")
        _ = try alice.sync(shared)
        let directory = alice.directory(in: shared)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["00000001.fnc", "00000002.fnc", "replica.json"])
        let info = try JSONValue(parsing: try Data(contentsOf: directory.appending(path: "replica.json")))
        #expect(info["name"] == .string("alice"))
        #expect(info["latestSequence"] == .int(2))
        #expect(info["folder"]?.stringValue.flatMap(ReplicaID.init) != nil, "the id this replica knows the folder by")
        // Nothing in the folder is written by more than one replica.
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared.appending(path: "fieldnotes").path) == ["replicas"])
        #expect(try ChangesetReader.header(of: directory.appending(path: "00000002.fnc")).sequence == 2)
    }

    @Test func syncingNothingNewWritesNothingAndReadsNoOldFile() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        // Old files are never opened again: damaging them after import goes unnoticed.
        let aliceDirectory = alice.directory(in: shared)
        try Data("damaged".utf8).write(to: aliceDirectory.appending(path: "00000001.fnc"))
        let before = try bob.rawDump().filter { !$0.hasPrefix("sync_targets") }
        // Bob's first sync wrote what he says of himself (his id for the folder, what he
        // imported), and no changeset; a sync with nothing new writes nothing at all.
        let bobs = bob.directory(in: shared)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bobs.path) == ["replica.json"])
        let info = try Data(contentsOf: bobs.appending(path: "replica.json"))
        let modified = try FileManager.default.attributesOfItem(atPath: bobs.appending(path: "replica.json").path)[.modificationDate] as? Date
        let summary = try bob.sync(shared)
        #expect(summary == SyncSummary())
        #expect(try bob.rawDump().filter { !$0.hasPrefix("sync_targets") } == before)
        #expect(try Data(contentsOf: bobs.appending(path: "replica.json")) == info)
        #expect(try FileManager.default.attributesOfItem(atPath: bobs.appending(path: "replica.json").path)[.modificationDate] as? Date == modified)
    }

    @Test func temporaryFilesAndConflictCopiesAreIgnored() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let directory = alice.directory(in: shared)
        let first = try Data(contentsOf: directory.appending(path: "00000001.fnc"))
        for name in [".syncthing.00000002.fnc.tmp", "00000002.sync-conflict-20240623-101010-ABCDEFG.fnc",
                     "00000002 (conflicted copy 2024-06-23).fnc", "00000002.fnc.partial", "~00000002.fnc", "2.fnc", "notes.txt"] {
            try Data(first.prefix(50)).write(to: directory.appending(path: name))
        }
        try Data("junk".utf8).write(to: shared.appending(path: "fieldnotes/replicas/not-a-replica"))
        let summary = try bob.sync(shared)
        #expect(summary.importedChangesets == 1 && summary.skipped.isEmpty && summary.waiting.isEmpty)
    }

    @Test func aMissingFileHoldsBackTheWritersLaterFilesAndIsNamed() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        for title in ["One", "Two", "Three"] {
            try alice.add(title)
            _ = try alice.sync(shared)
        }
        let directory = alice.directory(in: shared)
        let aside = workspace.file("aside.fnc")
        try FileManager.default.moveItem(at: directory.appending(path: "00000002.fnc"), to: aside)
        let first = try bob.sync(shared)
        #expect(first.importedChangesets == 1)
        #expect(first.waiting.map(\.missing) == ["\(alice.identity.replica)/00000002.fnc"])
        #expect(try bob.summaries(ReportFilter()).map(\.title) == ["One"])
        try FileManager.default.moveItem(at: aside, to: directory.appending(path: "00000002.fnc"))
        let second = try bob.sync(shared)
        #expect(second.importedChangesets == 2 && second.waiting.isEmpty)
        #expect(Set(try bob.summaries(ReportFilter()).map(\.title)) == ["One", "Two", "Three"])
    }

    @Test func aRefusedFileIsNamedRetriedAndDoesNotStopOtherWriters() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        try alice.add("Alice's")
        _ = try alice.sync(shared)
        try bob.add("Bob's")
        _ = try bob.sync(shared)
        let aliceFile = alice.directory(in: shared).appending(path: "00000001.fnc")
        let good = try Data(contentsOf: aliceFile)
        try good.prefix(good.count / 2).write(to: aliceFile)  // still copying
        let summary = try carol.sync(shared)
        #expect(summary.skipped.map(\.file) == ["\(alice.identity.replica)/00000001.fnc"])
        #expect(summary.skipped.first?.reason.contains("truncated") == true)
        #expect(try carol.summaries(ReportFilter()).map(\.title) == ["Bob's"])
        try good.write(to: aliceFile)  // the copy finished
        #expect(try carol.sync(shared).importedVersions == 1)
        #expect(Set(try carol.summaries(ReportFilter()).map(\.title)) == ["Alice's", "Bob's"])
    }

    @Test func aFileInTheWrongWritersFolderIsRefused() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        try alice.add("Alice's")
        _ = try alice.sync(shared)
        try bob.add("Bob's")
        _ = try bob.sync(shared)
        // Bob's file dropped into alice's directory as her next file.
        try FileManager.default.copyItem(
            at: bob.directory(in: shared).appending(path: "00000001.fnc"),
            to: alice.directory(in: shared).appending(path: "00000002.fnc"))
        let summary = try carol.sync(shared)
        #expect(summary.skipped.first?.reason.contains("sits in the folder of \(alice.identity.replica.short)") == true)
    }

    @Test func importingTheSameFileTwiceChangesNothing() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        try alice.add("One")
        let file = workspace.file("one.fnc")
        _ = try Synchronizer(store: alice).export(to: file, all: false)
        #expect(Synchronizer(store: bob).importFiles([file]).importedVersions == 1)
        let before = try bob.rawDump()
        let again = Synchronizer(store: bob).importFiles([file, file])
        #expect(again.importedChangesets == 2 && again.importedVersions == 0)
        #expect(try bob.rawDump() == before)
    }

    @Test func versionsAreRelayedFromFolderToFolder() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let (stick, share) = (try workspace.folder("usb-stick"), try workspace.folder("team-share"))
        let id = try alice.add("From alice")
        _ = try alice.sync(stick)
        _ = try bob.sync(stick)
        #expect(try bob.sync(share).exportedVersions == 1)
        #expect(try carol.sync(share).importedVersions == 1)
        try carol.commitChange(to: id) { $0.status = .final }
        _ = try carol.sync(share)
        _ = try bob.sync(share)
        // Bob carries carol's version back to the stick, but not alice's own version.
        #expect(try bob.sync(stick).exportedVersions == 1)
        _ = try alice.sync(stick)
        #expect(try alice.stored(id).report.status == .final)
        #expect(try alice.canonicalDump() == carol.canonicalDump())
    }

    @Test func exportAndImportByHandCarryWhatNoExportHasCarried() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let id = try alice.add("One")
        let sync = Synchronizer(store: alice)
        #expect(try sync.export(to: workspace.file("1.fnc"), all: false) == 1)
        #expect(try sync.export(to: workspace.file("2.fnc"), all: false) == 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.file("2.fnc").path))
        try alice.commitChange(to: id) { $0.status = .review }
        #expect(try sync.export(to: workspace.file("3.fnc"), all: false) == 1)
        #expect(try sync.export(to: workspace.file("all.fnc"), all: true) == 2)
        // Out of order, and twice: imports are idempotent and order-free.
        let summary = Synchronizer(store: bob).importFiles([workspace.file("3.fnc"), workspace.file("1.fnc"), workspace.file("all.fnc")])
        #expect(summary.importedVersions == 2 && summary.skipped.isEmpty)
        #expect(try bob.canonicalDump() == alice.canonicalDump())
        try bob.expectVerified()
    }

    @Test func aCopiedStoreWritingAsTheSameReplicaIsDetected() throws {
        let workspace = try Workspace()
        let (alice, carol) = (try workspace.store("alice"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("One")
        _ = try alice.sync(shared)
        let copy = workspace.root.appending(path: "store-alice-copy")
        try FileManager.default.copyItem(at: alice.directory, to: copy)
        let twin = try Store.open(at: copy)
        try twin.commitChange(to: id) { $0.title = "Edited on the second laptop" }
        _ = try twin.sync(shared)
        try alice.commitChange(to: id) { $0.title = "Edited on the first laptop" }
        #expect(throws: SyncError.self) { try alice.sync(shared) }
        // A third replica importing the twin's file alongside alice's would also refuse.
        _ = try carol.sync(shared)
        try carol.expectVerified()
    }

    @Test func aCopyIsRefusedOnItsFirstSyncBeforeItWritesAnything() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        let id = try alice.add("One")
        // Copied before either ever synced; then both laptops edit.
        let copy = workspace.root.appending(path: "store-alice-copy")
        try FileManager.default.copyItem(at: alice.directory, to: copy)
        let twin = try Store.open(at: copy)
        try alice.commitChange(to: id) { $0.title = "Edited on the first laptop" }
        try twin.commitChange(to: id) { $0.title = "Edited on the second laptop" }
        _ = try alice.sync(shared)
        let before = (try twin.rawDump(), try FileManager.default.subpathsOfDirectory(atPath: shared.path).sorted())
        #expect(throws: SyncError.replicaInUseElsewhere(folder: shared.path, file: "00000001.fnc")) { try twin.sync(shared) }
        #expect(try twin.rawDump() == before.0)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: shared.path).sorted() == before.1)
        // The first laptop syncs on as before.
        try alice.commitChange(to: id) { $0.status = .final }
        #expect(try alice.sync(shared).exportedVersions == 1)
    }

    @Test func aFolderThatDoesNotExistIsAnError() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        #expect(throws: SyncError.folderMissing(workspace.root.appending(path: "unplugged").path)) {
            try alice.sync(workspace.root.appending(path: "unplugged"))
        }
    }

    @Test func importsRecomputeTheSearchIndex() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("One")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try alice.commitChange(to: id) { $0.body = "A ferry capsized." }
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        #expect(try bob.search("ferry", limit: 5).map(\.id) == [id])
        #expect(try bob.integrityProblems().isEmpty)
    }

    @Test func aLostReplicaJSONIsMadeAgainWithoutSendingAnythingTwice() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        let id = try alice.add("One")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        let info = alice.directory(in: shared).appending(path: "replica.json")
        let folderID = try JSONValue(parsing: try Data(contentsOf: info))["folder"]
        try FileManager.default.removeItem(at: info)
        try alice.commitChange(to: id) { $0.status = .final }
        // The store knows the folder by its path: the same id, and only the new version is sent.
        #expect(try alice.sync(shared).exportedVersions == 1)
        #expect(try JSONValue(parsing: try Data(contentsOf: info))["folder"] == folderID)
        #expect(try bob.sync(shared).importedVersions == 1)
        #expect(try bob.stored(id).report.status == .final)
    }

    @Test func anOwnFileThatCannotBeReadIsNamedWithWhatToDo() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let own = alice.directory(in: shared).appending(path: "00000001.fnc")
        try Data(try Data(contentsOf: own).prefix(40)).write(to: own)
        // With its replica.json gone and the folder moved, the store has no record of this
        // folder and reads its own files to tell them from a copy's.
        try FileManager.default.removeItem(at: alice.directory(in: shared).appending(path: "replica.json"))
        let moved = workspace.root.appending(path: "moved")
        try FileManager.default.moveItem(at: shared, to: moved)
        let ownMoved = alice.directory(in: moved).appending(path: "00000001.fnc")
        let before = try alice.rawDump()
        #expect {
            try alice.sync(moved)
        } throws: { error in
            guard case SyncError.ownFileUnreadable(let path, _)? = error as? SyncError else { return false }
            return path == ownMoved.path && error.localizedDescription.contains("sync again later")
        }
        #expect(try alice.rawDump() == before)
    }

    @Test func oneSyncOfSeveralFoldersRelaysBetweenThem() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let (share, usb) = (try workspace.folder("share"), try workspace.folder("usb"))
        try alice.add("From the stick")
        _ = try alice.sync(usb)
        try bob.add("Bob's")
        // The share comes first, yet gets what the stick brings in the same sync.
        let results = try Synchronizer(store: bob).sync(with: [share, usb])
        #expect(try results.map { try $0.get().exportedVersions } == [2, 1])
        _ = try carol.sync(share)
        #expect(try carol.reports(ReportFilter()).map(\.report.title).sorted() == ["Bob's", "From the stick"])
    }

    @Test func aCopiedFolderGetsAnIdOfItsOwnSoRelayingGoesOn() throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let usb = try workspace.folder("usb")
        try alice.add("First")
        _ = try alice.sync(usb)
        let share = workspace.root.appending(path: "share")
        try FileManager.default.copyItem(at: usb, to: share)  // a second stick made with cp -r
        _ = try bob.sync(usb)
        _ = try bob.sync(share)
        _ = try carol.sync(share)
        try alice.add("Second")
        _ = try alice.sync(usb)
        _ = try bob.sync(usb)
        _ = try bob.sync(share)  // relays alice's second report to the copy
        _ = try carol.sync(share)
        #expect(try carol.reports(ReportFilter()).map(\.report.title).sorted() == ["First", "Second"])
        // The same folder reached by another path (a link) is not a copy.
        let link = workspace.root.appending(path: "usb-link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: usb)
        let info = alice.directory(in: usb).appending(path: "replica.json")
        let id = try JSONValue(parsing: try Data(contentsOf: info))["folder"]
        #expect(try alice.sync(link).exportedVersions == 0)
        #expect(try JSONValue(parsing: try Data(contentsOf: info))["folder"] == id)
        // The copy is known by an id of its own to each replica that syncs with both.
        #expect(try JSONValue(parsing: try Data(contentsOf: bob.directory(in: share).appending(path: "replica.json")))["folder"]
            != JSONValue(parsing: try Data(contentsOf: bob.directory(in: usb).appending(path: "replica.json")))["folder"])
    }

    /// How a replica's files can go missing from a shared folder.
    enum Loss: String, CaseIterable { case directoryDeleted, restoredFromBackup, oneFileLost }

    @Test(arguments: Loss.allCases)
    func filesLostFromTheFolderAreWrittenAgainSoEveryoneGetsEverything(loss: Loss) throws {
        let workspace = try Workspace()
        let (alice, bob, carol) = (try workspace.store("alice"), try workspace.store("bob"), try workspace.store("carol"))
        let shared = try workspace.folder("shared")
        let backup = workspace.root.appending(path: "backup")
        for number in 1...3 {
            try alice.add("Report \(number)")
            _ = try alice.sync(shared)
            if number == 1 { try FileManager.default.copyItem(at: shared, to: backup) }
        }
        _ = try bob.sync(shared)  // bob has imported alice's files 1 to 3
        let directory = alice.directory(in: shared)
        switch loss {
        case .directoryDeleted: try FileManager.default.removeItem(at: directory)
        case .restoredFromBackup:
            try FileManager.default.removeItem(at: shared)
            try FileManager.default.copyItem(at: backup, to: shared)
        case .oneFileLost: try FileManager.default.removeItem(at: directory.appending(path: "00000002.fnc"))
        }
        try alice.add("Report 4")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        _ = try carol.sync(shared)
        #expect(try bob.reports(ReportFilter()).count == 4, "\(loss)")
        #expect(try carol.reports(ReportFilter()).count == 4, "\(loss)")
        #expect(try bob.canonicalDump() == alice.canonicalDump())
        #expect(try carol.canonicalDump() == alice.canonicalDump())
        #expect(try carol.sync(shared).waiting.isEmpty)
    }

    @Test func aFolderSetUpByAnOlderFieldnotesKeepsItsId() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        // Before, a folder had one id for all, in folder.json, and stores kept what they sent
        // under it: a store that synced with it goes on under that id, sending nothing again.
        let legacy = FolderID()
        try FileManager.default.createDirectory(at: shared.appending(path: "fieldnotes/replicas"), withIntermediateDirectories: true)
        try Data(#"{"format": 1, "id": "\#(legacy.rawValue)"}"#.utf8).write(to: shared.appending(path: "fieldnotes/folder.json"))
        try alice.add("One")
        try alice.markSent(through: 1, to: .folder(id: legacy), path: workspace.root.appending(path: "elsewhere").path)
        #expect(try alice.sync(shared).exportedVersions == 0)
        let info = try JSONValue(parsing: try Data(contentsOf: alice.directory(in: shared).appending(path: "replica.json")))
        #expect(info["folder"] == .string(legacy.rawValue))
        // A damaged or empty folder.json is of no consequence.
        try Data().write(to: shared.appending(path: "fieldnotes/folder.json"))
        let bob = try workspace.store("bob")
        try bob.add("Two")
        #expect(try bob.sync(shared).exportedVersions == 1)
    }

    @Test func twoSyncsOfOneStoreAtOnceWaitForEachOther() async throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let shared = try workspace.folder("shared")
        for index in 0..<300 { try alice.add("Report \(index)") }
        let other = try Store.open(at: alice.directory)
        let results = await withTaskGroup(of: Result<SyncSummary, Error>.self) { group in
            for store in [alice, other] { group.addTask { Result { try store.sync(shared) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let summaries = try results.map { try $0.get() }
        #expect(summaries.map(\.exportedVersions).sorted() == [0, 300])
        let bob = try workspace.store("bob")
        #expect(try bob.sync(shared).importedVersions == 300)
    }

    @Test func otherSpellingsOfASequenceNumberAreIgnored() throws {
        let workspace = try Workspace()
        let (alice, bob) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        try alice.add("One")
        _ = try alice.sync(shared)
        let directory = alice.directory(in: shared)
        try FileManager.default.copyItem(at: directory.appending(path: "00000001.fnc"), to: directory.appending(path: "000000002.fnc"))
        let summary = try bob.sync(shared)
        #expect(summary.importedChangesets == 1 && summary.skipped.isEmpty && summary.waiting.isEmpty)
    }
}
