import Foundation
import OfflineStore
import ReportModels

/// Moves versions between a store and changeset files: imports them (each file in one
/// transaction with its bookkeeping, merging as it goes) and exports them (to a shared
/// folder or a file by hand).
public struct Synchronizer {
    public let store: Store
    /// Told how far long steps have come (a library never prints).
    let progress: (@Sendable (SyncProgress) -> Void)?
    /// When a sync deletes this replica's files and snapshot (DESIGN.md §11).
    let compaction: CompactionPolicy

    public init(store: Store, compaction: CompactionPolicy = .standard, progress: (@Sendable (SyncProgress) -> Void)? = nil) {
        self.store = store
        self.compaction = compaction
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
    ///
    /// Then each folder is compacted (DESIGN.md §11): this replica writes its snapshot when it
    /// is due (always, with `snapshot`: `fieldnotes compact`) and deletes what of its own the
    /// folder can do without.
    public func sync(with folderURLs: [URL], snapshot: Bool = false) throws -> [Result<SyncSummary, Error>] {
        // Two syncs of one store at once would pick the same next sequence number.
        let lock = try FileLock(store.directory.appending(path: "sync.lock"))
        defer { withExtendedLifetime(lock) {} }
        var summaries = Array(repeating: SyncSummary(), count: folderURLs.count)
        var outcomes: [Result<FolderVisit, Error>] = folderURLs.indices.map { index in
            Result {
                let folder = SharedFolder(folderURLs[index])
                try folder.prepare()
                let signers = try FileSigners(store)
                let team = try team(of: folder, signers: signers)
                try checkTeamKey(team, in: folder)
                var visit = try identify(folder, signers: signers)
                visit.writeKey = try prepareEncryption(visit, team: team)
                let (writers, refused) = try folder.writers()
                for (name, problem) in refused {
                    summaries[index].skipped.append(.init(file: name, error: problem))
                }
                var (snapshots, unreadable) = snapshots(in: visit, writers: writers.filter { $0 != me })
                summaries[index].skipped += unreadable
                if let start = try snapshotToStartFrom(snapshots, in: visit) {
                    do {
                        // With the files after it in one go when it can; else the snapshot alone.
                        let caughtUp = (try? catchUp(from: start, in: visit, writers: writers, into: &summaries[index])) ?? false
                        if !caughtUp { try importSnapshot(start, in: visit, into: &summaries[index]) }
                    } catch {
                        summaries[index].skipped.append(.init(file: "\(start.writer.rawValue)/\(SharedFolder.snapshotFileName)", error: error,
                                                              consequence: "the files it covers are read instead where they are left"))
                    }
                }
                for writer in writers where writer != me {
                    try importNew(from: writer, in: &visit, snapshots: &snapshots, into: &summaries[index])
                }
                visit.snapshotsRead = snapshots
                return visit
            }
        }
        for index in folderURLs.indices {
            guard case .success(let visit) = outcomes[index] else { continue }
            do {
                var listing = try listing(of: visit)
                try write(to: visit, listing: listing, into: &summaries[index])
                if snapshot || compaction.compacts {
                    try writeSnapshotIfDue(visit, listing: &listing, force: snapshot, into: &summaries[index])
                }
                if compaction.compacts { try compact(visit, listing: listing, policy: compaction, into: &summaries[index]) }
                let notices = summaries[index].notices.map(\.description)
                if try notices != store.notices(for: visit.id) { try store.setNotices(notices, for: visit.id) }
                try store.recordVerifiedFiles(visit.signers.checkedInfos.new, kind: ReplicaInfo.fileName)
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        return folderURLs.indices.map { index in outcomes[index].map { _ in summaries[index] } }
    }

    /// Imports a writer's changesets after the last one imported, in sequence order, up to
    /// the first one missing or refused. A missing one (deleted by its writer once a snapshot
    /// covered it, DESIGN.md §11, perhaps between the listing and the reading) is read through
    /// a snapshot that covers it; without one, the writer's later files wait.
    private func importNew(from writer: ReplicaID, in visit: inout FolderVisit, snapshots: inout [FolderSnapshot],
                           into summary: inout SyncSummary) throws {
        var listedAgain = false
        let files: ChangesetListing
        do {
            files = try visit.folder.changesets(of: writer)
        } catch {
            summary.skipped.append(.init(file: writer.rawValue, error: error))
            return
        }
        visit.changesetsListed[writer] = files
        // The writer's newest file: the newest listed, or one known to have been written whose
        // files are gone (deleted once covered, the snapshot perhaps still on its way) — by a
        // snapshot's frontier, or, when none of its files is left, by what it says of itself.
        let newest = max(files.keys.max() ?? visit.folder.info(of: writer, visit.signers, keys: visit.teamKeys)?.latestSequence ?? 0,
                         snapshots.map { $0.frontier[writer] }.max() ?? 0)
        var last = try store.lastImportedSequence(folder: visit.id, writer: writer)
        while last < newest {
            let name = "\(writer.rawValue)/\(SharedFolder.fileName(sequence: last + 1))"
            if let file = files[last + 1] {
                do {
                    try importChangeset(at: file, origin: .folder(id: visit.id), expecting: .changeset(writer, sequence: last + 1), into: &summary)
                    last += 1
                    continue
                } catch where FolderFile.mode(of: file) != nil {
                    let held = files.keys.filter { $0 > last + 1 }.count
                    let waiting = held == 0 ? "" : "; \(held == 1 ? "the writer's next changeset waits" : "the writer's \(held) later changesets wait") for it"
                    summary.skipped.append(.init(file: name, error: error, consequence: "it is tried again at the next sync" + waiting))
                    return
                } catch {
                    // Deleted since the listing: as if it had not been listed.
                }
            }
            // The writer deleted it once a snapshot covered it: one listed before this sync began,
            // or one written since (listed again, once).
            func covering() -> FolderSnapshot? {
                snapshots.filter { $0.frontier[writer] > last && !summary.importedSnapshots.contains($0.writer) }
                    .max { $0.frontier.total < $1.frontier.total }
            }
            if covering() == nil, !listedAgain, let writers = try? visit.folder.writers().writers {
                snapshots = self.snapshots(in: visit, writers: writers.filter { $0 != me }).found
                listedAgain = true
            }
            guard let snapshot = covering() else {
                summary.waiting.append(.init(writer: writer, missing: name))
                return
            }
            do {
                try importSnapshot(snapshot, in: visit, into: &summary)
            } catch {
                summary.skipped.append(.init(file: "\(snapshot.writer.rawValue)/\(SharedFolder.snapshotFileName)", error: error,
                                             consequence: "\(name), which it covers, is not in the folder: the writer's later changesets wait"))
                return
            }
            last = try store.lastImportedSequence(folder: visit.id, writer: writer)
        }
    }

    // MARK: - Files by hand

    /// Imports changeset files given by hand, each in its own transaction; a refused file
    /// is named in `skipped` and does not stop the others.
    ///
    /// An encrypted file is opened with the team key its header names when the store holds
    /// it; otherwise with the key `unlock` derives for it (from a passphrase, with the
    /// derivation the header gives: ``ChangesetError/wrongPassphrase`` if its id is not the
    /// header's), or not at all (``ChangesetError/unknownTeamKey(_:)``).
    public func importFiles(_ urls: [URL], unlock: ((ChangesetHeader.Encryption) throws -> TeamKey)? = nil) -> SyncSummary {
        var summary = SyncSummary()
        for url in urls {
            do {
                // A file named by hand may be reached through a link; it is still read only if
                // what the link leads to is a plain file.
                try importChangeset(at: url.resolvingSymlinksInPath(), origin: .file, expecting: nil, unlock: unlock, into: &summary)
            } catch {
                summary.skipped.append(.init(file: url.path, error: error))
            }
        }
        return summary
    }

    /// Writes the versions no export has carried yet (every version with `all`) to `url`,
    /// encrypted with `encryption` if given. Writes no file, and returns 0, when there is
    /// nothing to export.
    public func export(to url: URL, all: Bool, encryption: TeamKey? = nil) throws -> Int {
        let lock = try FileLock(store.directory.appending(path: "sync.lock"))
        defer { withExtendedLifetime(lock) {} }
        let pending = try store.pendingVersions(for: .export, all: all)
        guard !pending.versions.isEmpty else { return 0 }
        let temporary = ExportTemporary.prepare(for: url, writer: me)
        do {
            let writer = try ChangesetWriter(at: temporary, writer: me, sequence: Int(pending.through),
                                             level: Self.level(for: pending.versions.count),
                                             signing: try signing(pending.versions, folder: nil),
                                             encryption: encryption.map(ChangesetEncryption.init))
            try append(pending.versions, to: writer, file: url.lastPathComponent)
            _ = try writer.finish()
            try SharedFolder.rename(temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try store.markSent(through: pending.through, to: .export)
        return pending.versions.count
    }

    /// How many versions a long step goes between two reports to `progress`.
    public static let progressInterval = 500

    /// Appends `versions` to a changeset being written, telling `progress` as it goes.
    func append(_ versions: [Store.PendingVersion], to writer: ChangesetWriter, file: String) throws {
        progress?(SyncProgress(step: .writing, file: file, versions: 0, total: versions.count))
        var written = 0
        try store.forEachSignedVersion(versions) {
            try writer.append(encodedVersion: $0, signature: $1)
            written += 1
            if written % Self.progressInterval == 0 {
                progress?(SyncProgress(step: .writing, file: file, versions: written, total: versions.count))
            }
        }
    }

    /// How this replica signs a changeset of `versions`: with its key, for a folder (nil: a
    /// file by hand), carrying its own identity and that of every other maker seen signing
    /// (their versions travel with their maker signatures; those of replicas never seen
    /// signing, unsigned).
    func signing(_ versions: [Store.PendingVersion], folder: FolderID?) throws -> ChangesetSigning {
        let makers = Set(try store.makers(of: versions)).union([me]).sorted()
        let identities = try makers.compactMap { maker in
            try store.identity(of: maker).map { try IdentityLine(card: $0.card, rotations: $0.rotations) }
        }
        return ChangesetSigning(key: try store.signingKeyForWriting(), folder: folder, identities: identities)
    }

    // MARK: - One changeset

    /// The file of a folder an import expects: a writer's changeset by number, or its snapshot.
    enum Expected {
        case changeset(ReplicaID, sequence: Int)
        case snapshot(ReplicaID)

        var writer: ReplicaID {
            switch self {
            case .changeset(let writer, _), .snapshot(let writer): writer
            }
        }
    }

    /// Imports one changeset (or snapshot) in one transaction: every new version, each touched
    /// report's state recomputed from all its versions, and (for a folder) the bookkeeping that
    /// it was imported — for a snapshot, that every writer's files up to its frontier were.
    /// Any problem leaves the store as it was.
    func importChangeset(at url: URL, origin: VersionOrigin, expecting: Expected?,
                         unlock: ((ChangesetHeader.Encryption) throws -> TeamKey)? = nil, into summary: inout SyncSummary) throws {
        func check(_ header: ChangesetHeader) throws {
            guard let expecting else { return }
            guard header.writer == expecting.writer else {
                throw ChangesetError.unexpectedWriter(expected: expecting.writer, found: header.writer)
            }
            switch expecting {
            case .changeset(_, let sequence):
                guard !header.isSnapshot else { throw ChangesetError.snapshotMismatch(expectedSnapshot: false) }
                guard header.sequence == sequence else { throw ChangesetError.unexpectedSequence(expected: sequence, found: header.sequence) }
            case .snapshot:
                guard header.isSnapshot else { throw ChangesetError.snapshotMismatch(expectedSnapshot: true) }
            }
        }
        // Opened, and its header parsed and checked, before the transaction; the payload is read
        // from the same open file, so the header checked here is the one the read verifies.
        let opened = try ChangesetReader.OpenFile(url)
        let total = opened.header
        try check(total)
        let teamKey = try key(for: total, origin: origin, unlock: unlock)
        let via = switch expecting {
        case .changeset(let writer, let sequence)?: "changeset \(writer.short)/\(sequence)"
        case .snapshot(let writer)?: "the snapshot of \(writer.short)"
        case nil: "file \(url.lastPathComponent)"
        }
        let (result, keys) = try store.importing { transaction in
            let versionsAfter = try transaction.latestSeq()
            var merger = IncrementalMerge(transaction: transaction, me: me, writer: total.writer)
            // The keys of the file and of its versions, against those the store pinned
            // (DESIGN.md §9): the reader checked every signature against the keys the file
            // carries; these say whether those keys are the ones to trust.
            var keys = KeyCheck(transaction: transaction, via: via)
            // (A file in this replica's own name is refused for that, more plainly, below.)
            if total.signed == nil, total.writer != me { try keys.admitUnsigned(from: total.writer, isNew: true) }
            var seen = 0
            progress?(SyncProgress(step: .importing, file: url.lastPathComponent, versions: 0, total: total.count))
            // A version's state row is prepared as if it were the report's only head (the usual
            // case) while decoding, off the writing thread.
            let contents = try ChangesetReader.readInBackground(opened, teamKey: teamKey, prepare: IncrementalMerge.prepare) { version, signature, prepared in
                let isNew = try merger.add(version, prepared: prepared, origin: origin, signature: signature)
                if signature == nil { try keys.admitUnsigned(from: version.dot.replica, isNew: isNew) }
                seen += 1
                if seen % Self.progressInterval == 0 {
                    progress?(SyncProgress(step: .importing, file: url.lastPathComponent, versions: seen, total: total.count))
                }
            }
            for identity in contents.identities { try keys.admit(identity.card, rotations: identity.rotations) }
            try merger.finish()
            if case .folder(let folderID) = origin {
                switch expecting {
                case .changeset(let writer, let sequence)?:
                    try transaction.recordImported(folder: folderID, writer: writer, sequence: sequence, versionsAfter: versionsAfter)
                    if total.encryption != nil { try transaction.recordEncrypted(writer: writer, in: folderID, since: sequence) }
                case .snapshot?:
                    // Every version of the files up to the frontier is in the store now (DESIGN.md §11).
                    let frontier = contents.frontier!
                    // (Whether it holds every version of this replica's own files is another
                    // question, asked before any of them is deleted: `check`.)
                    for (covered, sequence) in frontier.sequences where covered != me {
                        try transaction.recordImported(folder: folderID, writer: covered, sequence: sequence)
                    }
                case nil:
                    break
                }
            }
            return (merger, keys.events)
        }
        summary.keys += keys
        if case .snapshot(let writer)? = expecting {
            summary.importedSnapshots.append(writer)
        } else {
            summary.importedChangesets += 1
        }
        summary.importedVersions += result.imported
        summary.newConflicts += result.newConflicts
    }

    /// The team key to open a file with (nil for a file in clear), after the rules of
    /// encrypted folders (DESIGN.md §10): a key the store holds, or for a file by hand one
    /// `unlock` derives; and no file in clear from a writer of the folder known to encrypt
    /// there since an earlier file (a downgrade).
    func key(for header: ChangesetHeader, origin: VersionOrigin,
                     unlock: ((ChangesetHeader.Encryption) throws -> TeamKey)?) throws -> TeamKey? {
        guard let encryption = header.encryption else {
            if case .folder(let folder) = origin, let since = try store.encryptedWriters(in: folder)[header.writer], header.sequence >= since {
                throw ChangesetError.downgrade(writer: header.writer, since: since)
            }
            return nil
        }
        if let held = try teamKey(encryption.key) { return held }
        guard case .file = origin, let unlock else { throw ChangesetError.unknownTeamKey(encryption.key) }
        let key = try unlock(encryption)
        guard key.id == encryption.key else { throw ChangesetError.wrongPassphrase }
        return key
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
