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
        var outcomes: [Result<(folder: SharedFolder, id: String), Error>] = folderURLs.indices.map { index in
            Result {
                let folder = SharedFolder(folderURLs[index])
                var folderID = try folder.prepare()
                // A folder with the id of one this store knows elsewhere, still there under that
                // id, is a copy of it (`cp -r`); taken for the same folder, nothing would be
                // relayed between the two. The copy gets an id of its own. (A folder that moved
                // — a stick mounted at another path — is no longer at its old path.)
                if let known = try store.path(of: .folder(id: folderID)).map({ SharedFolder(URL(fileURLWithPath: $0)) }),
                   known.root != folder.root, known.existingID() == folderID, !known.isSameFolder(as: folder) {
                    folderID = try folder.renew()
                }
                try checkOwnDirectory(in: folder, folderID: folderID)
                for writer in try folder.writers() where writer != me {
                    try importNew(from: writer, in: folder, folderID: folderID, into: &summaries[index])
                }
                return (folder, folderID)
            }
        }
        for index in folderURLs.indices {
            guard case .success(let prepared) = outcomes[index] else { continue }
            do {
                try exportPending(to: prepared.folder, folderID: prepared.id, into: &summaries[index])
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        return folderURLs.indices.map { index in outcomes[index].map { _ in summaries[index] } }
    }

    /// Only this store writes in this replica's directory: a file there that it did not
    /// write means a copy of this store (same replica id) is in use elsewhere, and syncing
    /// on would spread two different versions under one dot. Refused before anything is
    /// imported or written. With a record of this folder, a file after the last one written
    /// is such a file. Without one (a folder new to this store, or whose folder.json was made
    /// again) the files are this store's only if it holds, byte for byte, every version in
    /// them made as this replica — read only in that rare case.
    private func checkOwnDirectory(in folder: SharedFolder, folderID: String) throws {
        let files = try folder.changesets(of: me)
        guard let latest = files.keys.max() else { return }
        func inUseElsewhere(_ sequence: Int) -> SyncError {
            .replicaInUseElsewhere(folder: folder.root.path, file: SharedFolder.fileName(sequence: sequence))
        }
        if let written = try store.lastWritten(to: .folder(id: folderID)) {
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
    }

    /// Imports a writer's changesets after the last one imported, in sequence order, up to
    /// the first one missing or refused.
    private func importNew(from writer: ReplicaID, in folder: SharedFolder, folderID: String, into summary: inout SyncSummary) throws {
        let files = try folder.changesets(of: writer)
        guard let newest = files.keys.max() else { return }
        var last = try store.importing { try $0.lastImportedSequence(folder: folderID, writer: writer) }
        while last < newest {
            guard let file = files[last + 1] else {
                summary.waiting.append(.init(writer: writer, missing: "\(writer.rawValue)/\(SharedFolder.fileName(sequence: last + 1))"))
                return
            }
            do {
                try importChangeset(at: file, origin: .folder(id: folderID), expecting: (writer, last + 1), into: &summary)
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

    /// Writes, as one changeset in this replica's directory, every version the folder has not
    /// been sent and did not come from it.
    private func exportPending(to folder: SharedFolder, folderID: String, into summary: inout SyncSummary) throws {
        let target = SyncTarget.folder(id: folderID)
        // Files this store wrote that are gone from the folder (its directory deleted, the
        // folder restored from a backup, a file lost): readers that imported them remember
        // their numbers, and readers that did not wait for them. Each missing number gets an
        // empty changeset, so no one waits, and the next one carries every version this store
        // holds that did not come from the folder, so no one misses any.
        let written = try store.lastWritten(to: target) ?? 0
        let present = try folder.changesets(of: me)
        let missing = (0..<written).map { $0 + 1 }.filter { present[$0] == nil }
        for sequence in missing {
            _ = try folder.writeChangeset(for: me, sequence: sequence, analyst: store.identity.analyst, level: 6) { _ in }
        }
        let pending = try store.pendingVersions(for: target, all: !missing.isEmpty)
        if !pending.versions.isEmpty {
            // The sequence is recorded before the file is written, so that a crash between
            // the two is not later mistaken for another store writing as this replica.
            let sequence = max(try folder.nextSequence(for: me), written + 1)
            try store.markWriting(sequence: sequence, to: target)
            summary.written = try folder.writeChangeset(for: me, sequence: sequence, analyst: store.identity.analyst,
                                                        level: Self.level(for: pending.versions.count)) { writer in
                try store.forEachEncodedVersion(pending.versions) { try writer.append(encodedVersion: $0) }
            }
            summary.exportedVersions = pending.versions.count
        }
        try store.markSent(through: pending.through, to: target, path: folder.root.path)
    }

    // MARK: - Files by hand

    /// Imports changeset files given by hand, each in its own transaction; a refused file
    /// is named in `skipped` and does not stop the others.
    public func importFiles(_ urls: [URL]) -> SyncSummary {
        var summary = SyncSummary()
        for url in urls {
            do {
                try importChangeset(at: url, origin: .file, expecting: nil, into: &summary)
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
            var merger = IncrementalMerge(transaction: transaction, me: me, writer: total.writer)
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
                try transaction.recordImported(folder: folderID, writer: expecting.writer, sequence: expecting.sequence)
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
