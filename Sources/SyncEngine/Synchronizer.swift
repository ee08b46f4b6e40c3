import Foundation
import OfflineStore
import ReportModels

/// Moves versions between a store and changeset files: imports them (each file in one
/// transaction with its bookkeeping, merging as it goes) and exports them (to a shared
/// folder or a file by hand).
public struct Synchronizer {
    public let store: Store
    let progress: (@Sendable (ImportProgress) -> Void)?

    public init(store: Store, progress: (@Sendable (ImportProgress) -> Void)? = nil) {
        self.store = store
        self.progress = progress
    }

    var me: ReplicaID { store.identity.replica }

    // MARK: - Shared folders

    /// Imports the changesets other replicas wrote in the folder since the last sync, then
    /// writes this replica's versions that the folder does not have yet.
    ///
    /// Each writer's files are imported in sequence order; a missing file holds back that
    /// writer's later ones, and a refused file is named in `skipped` and retried next time.
    /// When nothing is new this costs a directory listing: no old file is opened.
    public func sync(with folderURL: URL) throws -> SyncSummary {
        try sync(with: [folderURL])[0].get()
    }

    /// Several folders in one pass: first every folder's new changesets are imported, then
    /// each folder is written what it lacks — so that what arrives through one folder goes
    /// out through the others in the same sync (a USB stick relayed to the team share). A
    /// folder that cannot be synced does not stop the others.
    public func sync(with folderURLs: [URL]) throws -> [Result<SyncSummary, Error>] {
        // Two syncs of one store at once would pick the same next sequence number.
        let lock = try FileLock(store.directory.appending(path: "sync.lock"))
        defer { withExtendedLifetime(lock) {} }
        var summaries = Array(repeating: SyncSummary(), count: folderURLs.count)
        var outcomes: [Result<FolderVisit, Error>] = folderURLs.indices.map { index in
            Result {
                let folder = SharedFolder(folderURLs[index])
                try folder.prepare()
                let visit = try identify(folder)
                let (writers, refused) = try folder.writers()
                for (name, problem) in refused {
                    summaries[index].skipped.append(.init(file: name, reason: problem.localizedDescription))
                }
                for writer in writers where writer != me {
                    try importNew(from: writer, in: visit, into: &summaries[index])
                }
                return visit
            }
        }
        for index in folderURLs.indices {
            guard case .success(let visit) = outcomes[index] else { continue }
            do {
                try write(to: visit, into: &summaries[index])
                try store.setNotices(summaries[index].notices.map(\.description), for: visit.id)
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        return folderURLs.indices.map { index in outcomes[index].map { _ in summaries[index] } }
    }

    /// A folder being synced, known by the id this store gives it.
    struct FolderVisit {
        var folder: SharedFolder
        var id: String
        /// This replica's replica.json there, as found.
        var info: ReplicaInfo?
    }

    /// Which folder this is, to this store — the id in this replica's own replica.json there.
    ///
    /// Without one (this replica's directory vanished, or the folder is new to it), a folder this
    /// store last synced at the same path is that folder, and one set up by an older fieldnotes
    /// goes on under the id its folder.json gave it; otherwise the folder is new and gets a new id.
    /// A folder whose id the store knows under another path, where that folder still is, is a
    /// copy of it (`cp -r` of a stick): taken for the same folder, nothing would be relayed
    /// between the two, so the copy gets an id of its own, keeping what the store knows the copy
    /// holds (``Store/adoptCopy(of:as:path:ownLatest:writersLatest:)``). (A folder that moved —
    /// a stick mounted at another path — is no longer at its old path; the same folder reached
    /// through a link is the same directory.) Only this replica's own directory is ever written:
    /// a copied store is refused before anything is (``checkOwnDirectory(in:)``).
    private func identify(_ folder: SharedFolder) throws -> FolderVisit {
        let info = folder.info(of: me)
        var id: String
        if let own = info?.folder {
            id = own
        } else if let known = try store.folderID(atPath: folder.root.path) {
            id = known
        } else if let legacy = folder.legacyID(), try store.knowsFolder(legacy) {
            id = legacy
        } else {
            id = ReplicaID().rawValue
        }
        var visit = FolderVisit(folder: folder, id: id, info: info)
        try checkOwnDirectory(in: visit)
        if let knownPath = try store.path(of: .folder(id: id)) {
            let known = SharedFolder(URL(fileURLWithPath: knownPath))
            if known.root != folder.root, known.info(of: me)?.folder == id,
               let here = FolderFile.identity(of: folder.directory(of: me)), let there = FolderFile.identity(of: known.directory(of: me)),
               here != there {
                let copy = ReplicaID().rawValue
                var writersLatest: [ReplicaID: Int] = [:]
                for writer in try folder.writers().writers where writer != me {
                    writersLatest[writer] = try folder.changesets(of: writer).keys.max() ?? 0
                }
                try store.adoptCopy(of: id, as: copy, path: folder.root.path,
                                    ownLatest: try folder.changesets(of: me).keys.max() ?? 0, writersLatest: writersLatest)
                visit.id = copy
            }
        }
        // Remembered before anything is imported under the id: a sync that fails before it
        // writes replica.json still finds the folder by its path next time.
        try store.markSent(through: 0, to: .folder(id: visit.id), path: folder.root.path)
        return visit
    }

    /// Only this store writes in this replica's directory: a file there that it did not
    /// write means a copy of this store (same replica id) is in use elsewhere, and syncing
    /// on would spread two different versions under one dot. Refused before anything is
    /// imported or written. With a record of this folder, a file after the last one written
    /// is such a file. Without one (a folder new to this store) the files are this store's
    /// only if it holds, byte for byte, every version in them made as this replica — read
    /// only in that rare case.
    private func checkOwnDirectory(in visit: FolderVisit) throws {
        let folder = visit.folder
        let files = try folder.changesets(of: me)
        guard let latest = files.keys.max() else { return }
        func inUseElsewhere(_ sequence: Int) -> SyncError {
            .replicaInUseElsewhere(folder: folder.root.path, file: SharedFolder.fileName(sequence: sequence))
        }
        if let written = try store.lastWritten(to: .folder(id: visit.id)) {
            if latest > written { throw inUseElsewhere(latest) }
            return
        }
        for (sequence, url) in files.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try ChangesetReader.read(url) { version in
                    guard version.dot.replica == me else { return }
                    guard try store.hash(of: version.reportID, dot: version.dot) == version.hash.hex else { throw inUseElsewhere(sequence) }
                }
            } catch let error as SyncError {
                throw error
            } catch {
                throw SyncError.ownFileUnreadable(url.path, reason: Self.describe(error))
            }
        }
        // They are this store's: numbered on from them.
        try store.markWriting(sequence: latest, to: .folder(id: visit.id))
    }

    /// Imports a writer's changesets after the last one imported, in sequence order, up to
    /// the first one missing or refused.
    private func importNew(from writer: ReplicaID, in visit: FolderVisit, into summary: inout SyncSummary) throws {
        let files: [Int: URL]
        do {
            files = try visit.folder.changesets(of: writer)
        } catch {
            summary.skipped.append(.init(file: writer.rawValue, reason: Self.describe(error)))
            return
        }
        guard let newest = files.keys.max() else { return }
        var last = try store.importing { try $0.lastImportedSequence(folder: visit.id, writer: writer) }
        while last < newest {
            guard let file = files[last + 1] else {
                summary.waiting.append(.init(writer: writer, missing: "\(writer.rawValue)/\(SharedFolder.fileName(sequence: last + 1))"))
                return
            }
            do {
                try importChangeset(at: file, origin: .folder(id: visit.id), expecting: (writer, last + 1), into: &summary)
            } catch {
                let held = files.keys.filter { $0 > last + 1 }.count
                let waiting = held == 0 ? "" : "; \(held == 1 ? "the writer's next changeset waits" : "the writer's \(held) later changesets wait") for it"
                summary.skipped.append(.init(file: "\(writer.rawValue)/\(file.lastPathComponent)",
                                             reason: Self.describe(error) + "; it is tried again at the next sync" + waiting))
                return
            }
            last += 1
        }
    }

    /// Writes to the folder what it lacks of what this store holds, and this replica's
    /// replica.json.
    ///
    /// The invariant: **every version this store holds is carried by some file in the folder**
    /// once this returns — by a file of this replica's (everything that did not come from the
    /// folder, and what it carries again), or by the other writer's file it was imported from.
    /// So a newcomer that reads the whole folder gets every version any member holds, whoever
    /// left the team. It is kept by replacing what vanished:
    /// - this replica's own files that vanished (a directory deleted, a backup restored over the
    ///   folder, a file lost) are written again under their numbers, each with what it carried
    ///   (``WrittenChangeset``), so readers that imported them lose nothing and readers waiting
    ///   for them stop waiting;
    /// - another writer's files that this store imported and that vanished (the writer's
    ///   directory deleted when an analyst left) are carried again in this replica's next
    ///   changeset. Others that imported them may do the same: a version carried twice is
    ///   imported once.
    ///
    /// Cost: a listing of each writer this store imported from, and O(files imported) to find
    /// gaps; nothing is read when nothing vanished.
    private func write(to visit: FolderVisit, into summary: inout SyncSummary) throws {
        let (folder, id) = (visit.folder, visit.id)
        let ledger = try store.ledger(of: id)
        let present = try folder.changesets(of: me)
        let lastWritten = ledger.lastWritten ?? 0

        // This replica's own files that vanished. Those on record are written again as they
        // were. Older ones (before stores kept a record of each file) become empty, and the next
        // changeset carries everything this store holds that did not come from the folder.
        var vanished: [Int] = []
        var unrecorded = false
        if present.count < lastWritten {
            // One file a sync: a gap of a million is no history but a forged number.
            guard lastWritten - present.count <= 1_000_000 else {
                throw SyncError.cannotWrite("\(folder.directory(of: me).path): this replica's files there are numbered up to \(lastWritten) but \(present.count) are left; move the folder's copy of this replica's directory away and sync again")
            }
            for sequence in 1...lastWritten where present[sequence] == nil {
                vanished.append(sequence)
                if ledger.written[sequence] != nil {
                    try writeChangeset(sequence, to: folder, id: id)
                } else {
                    unrecorded = true
                    _ = try folder.writeChangeset(for: me, sequence: sequence, level: 6) { _ in }
                }
            }
            summary.rewrittenChangesets = vanished.count
            summary.notices.append(.ownFilesVanished(vanished))
        }

        // Other writers' files this store imported that vanished.
        var recarrying: Set<ReceivedChangeset> = []
        for (writer, imported) in ledger.lastImported.sorted(by: { $0.key < $1.key }) where imported > 0 {
            guard let files = try? folder.changesets(of: writer) else { continue }  // unreadable is not gone
            guard files.keys.lazy.filter({ $0 <= imported }).count < imported else { continue }
            let received = try store.received(from: writer, in: id)
            for sequence in 1...imported where files[sequence] == nil {
                let file = ReceivedChangeset(writer: writer.rawValue, sequence: sequence)
                let key = received[file] != nil ? file : .beforeRecords
                if received[key] == .some(nil) { recarrying.insert(key) }
            }
        }

        let sequence = max(lastWritten, present.keys.max() ?? 0) + 1
        let recorded = try store.recordWriting(to: id, sequence: sequence, all: unrecorded, recarrying: Array(recarrying))
        if recorded.changeset != nil {
            summary.exportedVersions = try writeChangeset(sequence, to: folder, id: id)
            summary.written = folder.directory(of: me).appending(path: SharedFolder.fileName(sequence: sequence))
            if !recarrying.isEmpty {
                summary.notices.append(.recarried(versions: try store.recarriedVersionCount(carriedBy: sequence, in: id),
                                                  writers: Array(Set(recarrying.map(\.writer))).sorted()))
            }
        }
        try store.markSent(through: recorded.through, to: .folder(id: id), path: folder.root.path)

        // What this replica says of itself here: the folder's id to it, and its acknowledgements.
        let latest = max(lastWritten, (try store.lastWritten(to: .folder(id: id))) ?? 0)
        if let found = visit.info, found.latestSequence < lastWritten, vanished.isEmpty {
            summary.notices.append(.ownInfoReverted(found: found.latestSequence, written: lastWritten))
        }
        let info = ReplicaInfo(replica: me, analyst: store.identity.analyst, folder: id, latestSequence: latest,
                               imported: try store.ledger(of: id).lastImported, updated: .now)
        if !info.sameContent(as: folder.info(of: me)) { try folder.write(info) }

        summary.notices += try unacknowledged(in: folder, id: id)
    }

    /// Writes this replica's changeset `sequence` with what the store recorded it carries.
    @discardableResult
    private func writeChangeset(_ sequence: Int, to folder: SharedFolder, id: String) throws -> Int {
        let versions = try store.versions(carriedBy: sequence, in: id)
        _ = try folder.writeChangeset(for: me, sequence: sequence, level: Self.level(for: versions.count)) { writer in
            try store.forEachEncodedVersion(versions) { try writer.append(encodedVersion: $0) }
        }
        return versions.count
    }

    /// Peers that synced long after this replica's latest changeset was written, by their own
    /// clock, and still have not imported it: the sign of a folder whose changes do not leave
    /// this laptop (Syncthing's receive-only folders keep local changes local). Clocks of two
    /// laptops differ, so only a peer more than `grace` later counts.
    private func unacknowledged(in folder: SharedFolder, id: String, grace: Int64 = 15 * 60 * 1000) throws -> [SyncNotice] {
        let ledger = try store.ledger(of: id)
        guard let latest = ledger.lastWritten, latest > 0, let writtenAt = ledger.written[latest]?.writtenAt else { return [] }
        var notices: [SyncNotice] = []
        for writer in try folder.writers().writers where writer != me {
            guard let info = folder.info(of: writer), let updated = info.updated,
                  updated.millisecondsSince1970 > writtenAt.millisecondsSince1970 &+ grace,
                  info.imported[me, default: 0] < latest
            else { continue }
            notices.append(.notReceived(peer: writer, analyst: info.analyst, syncedAt: updated, sequence: latest))
        }
        return notices
    }

    // MARK: - Files by hand

    /// Imports changeset files given by hand, each in its own transaction; a refused file
    /// is named in `skipped` and does not stop the others.
    public func importFiles(_ urls: [URL]) -> SyncSummary {
        var summary = SyncSummary()
        for url in urls {
            do {
                // A file named by hand may be reached through a link; it is still read only if
                // what the link leads to is a plain file.
                try importChangeset(at: url.resolvingSymlinksInPath(), origin: .file, expecting: nil, into: &summary)
            } catch {
                summary.skipped.append(.init(file: url.path, reason: Self.describe(error)))
            }
        }
        return summary
    }

    /// Writes the versions no export has carried yet (every version with `all`) to `url`.
    /// Writes no file, and returns 0, when there is nothing to export.
    public func export(to url: URL, all: Bool) throws -> Int {
        let lock = try FileLock(store.directory.appending(path: "sync.lock"))
        defer { withExtendedLifetime(lock) {} }
        let pending = try store.pendingVersions(for: .export, all: all)
        guard !pending.versions.isEmpty else { return 0 }
        let temporary = url.deletingLastPathComponent().appending(path: ".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do {
            let writer = try ChangesetWriter(at: temporary, writer: me, sequence: Int(pending.through),
                                             level: Self.level(for: pending.versions.count))
            try store.forEachEncodedVersion(pending.versions) { try writer.append(encodedVersion: $0) }
            _ = try writer.finish()
            try SharedFolder.rename(temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try store.markSent(through: pending.through, to: .export)
        return pending.versions.count
    }

    // MARK: - One changeset

    /// Imports one changeset in one transaction: every new version, each touched report's
    /// state recomputed from all its versions, and (for a folder) the bookkeeping that it
    /// was imported. Any problem leaves the store as it was.
    func importChangeset(at url: URL, origin: VersionOrigin, expecting: (writer: ReplicaID, sequence: Int)?,
                         into summary: inout SyncSummary) throws {
        func check(_ header: ChangesetHeader) throws {
            guard let expecting else { return }
            guard header.writer == expecting.writer else {
                throw ChangesetError.unexpectedWriter(expected: expecting.writer, found: header.writer)
            }
            guard header.sequence == expecting.sequence else {
                throw ChangesetError.unexpectedSequence(expected: expecting.sequence, found: header.sequence)
            }
        }
        // Checked before reading the payload, and again on the header the read verified.
        let total = try ChangesetReader.header(of: url)
        try check(total)
        let result = try store.importing { transaction in
            let versionsAfter = try transaction.latestSeq()
            var merger = IncrementalMerge(transaction: transaction, me: me)
            var seen = 0
            // A version's state row is prepared as if it were the report's only head (the usual
            // case) while decoding, off the writing thread.
            let header = try ChangesetReader.readInBackground(url, prepare: IncrementalMerge.prepare) { version, prepared in
                try merger.add(version, prepared: prepared, origin: origin)
                seen += 1
                if seen % 5_000 == 0 {
                    progress?(ImportProgress(file: url.lastPathComponent, versions: seen, total: total.count))
                }
            }
            try check(header)
            try merger.finish()
            if case .folder(let folderID) = origin, let expecting {
                try transaction.recordImported(folder: folderID, writer: expecting.writer, sequence: expecting.sequence,
                                               versionsAfter: versionsAfter)
            }
            return merger
        }
        summary.importedChangesets += 1
        summary.importedVersions += result.imported
        summary.newConflicts += result.newConflicts
    }

    /// zlib level by size. Level 6 makes files about 16% smaller than level 1 but costs five
    /// times as long: worth it for a few versions (milliseconds, and the bytes stay in the
    /// folder for good), not for a thousand, where compressing at 6 would be a third of the
    /// time a sync takes. Level 1 still brings report text to about 41% of its size.
    public static func level(for count: Int) -> Int32 {
        count <= 100 ? 6 : 1
    }

    static func describe(_ error: Error) -> String { describeError(error) }
}
