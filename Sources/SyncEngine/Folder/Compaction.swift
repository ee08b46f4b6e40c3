import Foundation
import OfflineStore
import ReportModels

/// When a sync compacts a shared folder (DESIGN.md §11).
public struct CompactionPolicy: Sendable {
    /// How long a snapshot covering a writer's files, and every acknowledgement of them, must
    /// have been seen before the writer deletes them (and how long a snapshot must have been
    /// seen before its writer deletes the one it dominates): file-sync tools deliver files out
    /// of order and late, and a laptop may sync once a week.
    public var graceMilliseconds: Int64
    /// Whether a sync writes a snapshot when one is due and deletes files at all.
    public private(set) var compacts = true

    /// A week.
    public static let standard = CompactionPolicy(graceMilliseconds: 7 * 24 * 3_600_000)

    /// No snapshot but on demand, nothing deleted: the folder as before compaction, for the
    /// benchmark's comparison.
    public static let off: CompactionPolicy = {
        var policy = CompactionPolicy(graceMilliseconds: .max)
        policy.compacts = false
        return policy
    }()

    /// No snapshot is written of its own accord before a folder's changesets reach this size:
    /// a handful of files gains nothing by one. Small, so that a folder is soon no larger than
    /// a few times one snapshot of everything.
    static let firstSnapshotSize = 64 * 1024

    public init(graceMilliseconds: Int64) {
        self.graceMilliseconds = max(0, graceMilliseconds)
    }
}

/// What a folder holds besides changesets, listed once after a sync's imports for the rest of
/// it: its writers, what each says of itself, and the snapshots this store can read.
struct FolderListing {
    var writers: [ReplicaID]
    /// What each writer says of itself, where this store believes it (``FileSigners``).
    var infos: [ReplicaID: ReplicaInfo]
    /// Whether this replica's own replica.json is sealed (as it must be in an encrypted folder).
    var ownInfoSealed: Bool
    var snapshots: [FolderSnapshot]

    /// Per writer, the last of its files some snapshot covers.
    var coverage: [ReplicaID: Int] {
        var covered: [ReplicaID: Int] = [:]
        for snapshot in snapshots { covered.merge(snapshot.frontier.sequences, uniquingKeysWith: max) }
        return covered
    }
}

/// A snapshot in a shared folder, read as far as its frontier (``ChangesetReader/frontier(of:teamKey:)``).
struct FolderSnapshot {
    let writer: ReplicaID
    let url: URL
    let header: ChangesetHeader
    let frontier: Frontier
    /// The file's stamp when it was read (taken before: a file replaced since has another).
    let stamp: FolderFile.Stamp?

    /// The file's size in bytes, as its header says (checked against the file when it was opened).
    var size: Int { header.size + (header.contentSize ?? 0) }
    /// Its header's writer signature: one file's.
    var signature: String { header.writerSignature!.hex }
}

/// Compaction (DESIGN.md §11): snapshots, and each writer deleting its own files once every
/// reader has them or a snapshot that covers them.
///
/// **Why nothing is lost.** Stores keep every version; only files go, and only by their own
/// writer. A writer W deletes its files 1…k only when
/// 1. a snapshot in the folder covers them (its frontier for W is at least k) and W has read
///    that snapshot through and found in it every version its files 1…k carry
///    (``check(_:in:)``): whoever comes later can still get every version they held;
/// 2. every replica known in the folder and not retired has acknowledged W's file k (its
///    replica.json): nobody still needs them one by one;
/// 3. both have held for the grace period (``CompactionPolicy``), since file-sync tools deliver
///    files late and out of order.
/// (1) alone keeps every version reachable; (2) and (3) decide only when deleting is worth it,
/// so a stale or forged acknowledgement costs a reader a snapshot's download, never a version.
/// A reader whose next file from a writer is gone imports a snapshot that covers it; without
/// one it waits and says so. A writer's snapshot is replaced by its next, which covers at
/// least as much; it is deleted once another (checked) dominates it, after the grace period.
/// The folder's lost-file repair (``write(to:listing:into:)``) leaves alone what a snapshot covers, and
/// writes again what none does: a snapshot deleted by hand brings its files back.
extension Synchronizer {
    /// The snapshots in the folder this store can read, each as far as its frontier, and those
    /// it cannot (damaged, under a key this store lacks, a downgrade), which are left out.
    ///
    /// A snapshot read earlier in this sync (`known`) whose file has not changed since is taken
    /// as read then.
    ///
    /// Cost: a stat per writer, and per snapshot not in `known` its header's signature and
    /// first cipher chunk.
    func snapshots(in visit: FolderVisit, writers: [ReplicaID], known: [FolderSnapshot] = []) -> (found: [FolderSnapshot], unreadable: [SyncSummary.Skipped]) {
        var found: [FolderSnapshot] = []
        var unreadable: [SyncSummary.Skipped] = []
        for writer in writers {
            let url = visit.folder.snapshot(of: writer)
            guard FolderFile.mode(of: url) != nil else { continue }
            let stamp = FolderFile.stamp(of: url)
            if let stamp, let same = known.first(where: { $0.writer == writer && $0.stamp == stamp }) {
                found.append(same)
                continue
            }
            do {
                let opened = try ChangesetReader.OpenFile(url)
                let header = opened.header
                guard header.writer == writer else { throw ChangesetError.unexpectedWriter(expected: writer, found: header.writer) }
                let frontier = try ChangesetReader.frontier(of: opened, teamKey: try key(for: header, origin: .folder(id: visit.id), unlock: nil))
                found.append(FolderSnapshot(writer: writer, url: url, header: header, frontier: frontier, stamp: stamp))
            } catch {
                unreadable.append(.init(file: "\(writer.rawValue)/\(SharedFolder.snapshotFileName)", error: error,
                                        consequence: "it is tried again at the next sync"))
            }
        }
        return (found, unreadable)
    }

    /// Lists the folder for the writing half of a sync (``FolderListing``).
    ///
    /// Cost: a listing, a replica.json and a stat per writer, and the frontiers of the snapshots
    /// that changed since the sync's imports read them.
    func listing(of visit: FolderVisit) throws -> FolderListing {
        let writers = try visit.folder.writers().writers
        var infos: [ReplicaID: ReplicaInfo] = [:]
        var ownInfoSealed = false
        for writer in writers {
            guard let found = visit.folder.signedInfo(of: writer, keys: visit.teamKeys, checked: visit.signers.checkedInfos),
                  visit.signers.believes(found.signer, from: writer)
            else { continue }
            infos[writer] = found.info
            if writer == me { ownInfoSealed = found.sealed }
        }
        return FolderListing(writers: writers, infos: infos, ownInfoSealed: ownInfoSealed,
                             snapshots: snapshots(in: visit, writers: writers, known: visit.snapshotsRead).found)
    }

    /// The snapshot to start from, before any writer's files are read: a store new to the
    /// folder starts from the newest it can read (DESIGN.md §11); one that is behind does when
    /// that snapshot is smaller than the files it would read instead, or some of them are gone.
    ///
    /// Cost: for a store behind, a listing and a stat of each file the snapshot would replace.
    func snapshotToStartFrom(_ snapshots: [FolderSnapshot], in visit: FolderVisit) throws -> FolderSnapshot? {
        let imported = try store.ledger(of: visit.id).lastImported
        let ahead = snapshots.filter { snapshot in
            snapshot.writer != me && snapshot.frontier.sequences.contains { $0.key != me && $0.value > imported[$0.key, default: 0] }
        }
        guard let newest = ahead.max(by: { ($0.frontier.total, $1.writer) < ($1.frontier.total, $0.writer) }) else { return nil }
        if imported.values.allSatisfy({ $0 == 0 }) { return newest }
        var replaced = 0
        for (writer, through) in newest.frontier.sequences where writer != me && through > imported[writer, default: 0] {
            let files = try visit.folder.changesets(of: writer)
            for sequence in imported[writer, default: 0] + 1...through {
                guard let url = files[sequence], let size = FolderFile.size(of: url) else { return newest }
                replaced += size
                if replaced >= newest.size { return newest }
            }
        }
        return nil
    }

    /// Imports a snapshot, unless this sync did already.
    func importSnapshot(_ snapshot: FolderSnapshot, in visit: FolderVisit, into summary: inout SyncSummary) throws {
        guard !summary.importedSnapshots.contains(snapshot.writer) else { return }
        try importChangeset(at: snapshot.url, origin: .folder(id: visit.id), expecting: .snapshot(snapshot.writer), into: &summary)
    }

    // MARK: Writing a snapshot

    /// Writes this replica's snapshot when the folder's changesets newer than its newest
    /// snapshot outweigh that snapshot (or, without one, reach
    /// ``CompactionPolicy/firstSnapshotSize``), or when `force`d (`fieldnotes compact`); and,
    /// in a folder it encrypts for, when its snapshot is in clear.
    ///
    /// The snapshot holds every version this store holds, with its frontier: per writer, the
    /// last file it imported from the folder, and its own last file. Every version of those
    /// files is in the store, so in the snapshot. Called after this sync's imports and writes.
    ///
    /// Cost: a stat of each file newer than the newest snapshot (others' directories as the
    /// imports listed them); writing, every version (zlib 6).
    func writeSnapshotIfDue(_ visit: FolderVisit, listing: inout FolderListing, force: Bool, into summary: inout SyncSummary) throws {
        if !force {
            let own = listing.snapshots.first { $0.writer == me }
            let inClear = visit.writeKey != nil && own != nil && own!.header.encryption == nil
            let due = try inClear || snapshotDue(listing, in: visit)
            guard due else { return }
        }
        let ledger = try store.ledger(of: visit.id)
        var sequences = ledger.lastImported.filter { $0.key != me }
        sequences[me] = ledger.lastWritten ?? 0
        let frontier = Frontier(sequences)
        let versions = try store.pendingVersions(for: .export, all: true).versions
        let url = try visit.folder.writeChangeset(for: me, sequence: max(1, ledger.lastWritten ?? 0), level: 6,
                                                  signing: try signing(versions, folder: visit.id),
                                                  encryption: visit.writeKey.map(ChangesetEncryption.init), frontier: frontier) { writer in
            try append(versions, to: writer, file: SharedFolder.snapshotFileName)
        }
        // This store holds every version it just wrote: its own snapshot is checked.
        let header = try ChangesetReader.header(of: url)
        try store.recordCheckedSnapshot(folder: visit.id, writer: me, signature: header.writerSignature!.hex,
                                        frontier: String(decoding: frontier.encoded, as: UTF8.self))
        listing.snapshots.removeAll { $0.writer == me }
        listing.snapshots.append(FolderSnapshot(writer: me, url: url, header: header, frontier: frontier, stamp: FolderFile.stamp(of: url)))
        summary.wroteSnapshot = true
    }

    /// Whether the changesets newer than the newest snapshot outweigh it.
    private func snapshotDue(_ listing: FolderListing, in visit: FolderVisit) throws -> Bool {
        let newest = listing.snapshots.max { $0.frontier.total < $1.frontier.total }
        let threshold = newest.map { $0.size + 1 } ?? CompactionPolicy.firstSnapshotSize
        var newer = 0
        for writer in listing.writers {
            // Others' files as the imports listed them (what came since counts next time).
            // (A directory that cannot be listed was named by the imports.)
            guard let files = visit.changesetsListed[writer] ?? (try? visit.folder.changesets(of: writer)) else { continue }
            newer += files.size(after: newest?.frontier[writer] ?? 0, upTo: threshold - newer)
            if newer >= threshold { return true }
        }
        return false
    }

    // MARK: Deleting

    /// Deletes this replica's own files that the rules above let go, and its snapshot once
    /// another dominates it. Called after this sync's imports and writes.
    ///
    /// Cost: a listing and each peer's replica.json; once per new snapshot that would let files
    /// go, a read of it through (``check(_:in:)``).
    func compact(_ visit: FolderVisit, listing: FolderListing, policy: CompactionPolicy, into summary: inout SyncSummary) throws {
        let folder = visit.folder
        let present = listing.snapshots
        var checked = Dictionary(try store.checkedSnapshots(in: visit.id).map { ($0.signature, $0) }, uniquingKeysWith: { first, _ in first })
        if !Set(checked.keys).isSubset(of: present.map(\.signature)) {
            try store.forgetCheckedSnapshots(in: visit.id, keeping: Set(present.map(\.signature)))
        }

        let own = try folder.changesets(of: me)
        let lastWritten = try store.lastWritten(to: .folder(id: visit.id)) ?? 0
        let deleted = (own.keys.min() ?? lastWritten + 1) - 1
        // (2): every other replica known here (it has a directory) and not retired, by its
        // replica.json (one unreadable holds back). A replica is retired by a replica.json that
        // names it (this one's own retirements among them) until it syncs again after that.
        let peers = listing.writers.filter { $0 != me }.map { (replica: $0, info: listing.infos[$0]) }
        var retired = try store.retirements()
        for peer in peers { retired.merge(peer.info?.retired ?? [:], uniquingKeysWith: max) }
        let counted = peers.filter { peer in
            guard let at = retired[peer.replica] else { return true }
            return peer.info?.updated.map { $0 > at } ?? false
        }
        let acknowledged = counted.map { $0.info?.imported[me] ?? 0 }.min() ?? lastWritten

        // (1): snapshots read through and found to hold every version of this replica's files
        // they cover. One not checked yet is, if it would let files go or dominates this
        // replica's own snapshot.
        let ownSnapshot = present.first { $0.writer == me }
        func coverage() -> Int { present.filter { checked[$0.signature] != nil }.map { $0.frontier[me] }.max() ?? 0 }
        for snapshot in present where checked[snapshot.signature] == nil && snapshot.writer != me {
            let freesFiles = snapshot.frontier[me] > coverage() && acknowledged > deleted
            let dominatesOwn = ownSnapshot.map {
                snapshot.frontier.dominates($0.frontier) && (snapshot.frontier != $0.frontier || snapshot.writer < me)
            } ?? false
            guard freesFiles || dominatesOwn else { continue }
            do {
                switch try check(snapshot, in: visit) {
                case .holdsAll(let record): checked[snapshot.signature] = record
                case .lacksVersions: summary.notices.append(.snapshotLacksVersions(writer: snapshot.writer))
                case .replaced: break
                }
            } catch {
                summary.skipped.append(.init(file: "\(snapshot.writer.rawValue)/\(SharedFolder.snapshotFileName)", error: error,
                                             consequence: "it is tried again at the next sync"))
            }
        }

        // Who holds back what a snapshot covers (checked or not yet), for `status`.
        let covered = min(present.map { $0.frontier[me] }.max() ?? 0, lastWritten)
        let holders = counted.filter { covered > deleted && $0.info?.imported[me] ?? 0 < covered }.map {
            CompactionHolder(replica: $0.replica, analyst: $0.info?.analyst, lastSync: $0.info?.updated)
        }
        if try holders != store.compactionHolders(of: visit.id) { try store.setCompactionHolders(holders, for: visit.id) }

        // (3): deletable once both have held for the grace period.
        let now = Timestamp.now
        let through = min(coverage(), lastWritten, acknowledged)
        var marks = try store.compactionMarks(in: visit.id)
        if through > deleted, !marks.contains(where: { $0.through == through }) || marks.contains(where: { $0.through <= deleted }) {
            try store.markCompactable(folder: visit.id, through: through, deleted: deleted, at: now)
            marks = try store.compactionMarks(in: visit.id)
        }
        let due = marks
            .filter { $0.since.millisecondsSince1970 <= now.millisecondsSince1970 - policy.graceMilliseconds }
            .map { min($0.through, through) }.max() ?? 0
        if due > deleted {
            for (sequence, url) in own.sorted(by: { $0.key < $1.key }) where sequence <= due {
                try Self.delete(url)
                summary.deletedChangesets += 1
            }
            SharedFolder.syncDirectory(folder.directory(of: me))
            try store.markCompactable(folder: visit.id, through: nil, deleted: due)
        }

        // This replica's snapshot, once another checked one covers all it does. Of two that
        // cover the same, the one of the lower replica id stays (both writers would otherwise
        // delete theirs).
        if let ownSnapshot, present.contains(where: { other in
            other.writer != me && other.frontier.dominates(ownSnapshot.frontier)
                && (other.frontier != ownSnapshot.frontier || other.writer < me)
                && checked[other.signature].map { $0.firstSeen.millisecondsSince1970 <= now.millisecondsSince1970 - policy.graceMilliseconds } == true
        }) {
            try Self.delete(ownSnapshot.url)
            SharedFolder.syncDirectory(folder.directory(of: me))
            summary.deletedSnapshot = true
        }
    }

    enum SnapshotCheck {
        case holdsAll(CheckedSnapshot)
        /// It lacks a version this store's files it covers carry (or the store has no record of
        /// what those files carried).
        case lacksVersions
        /// Its writer replaced it since it was listed: the new one is checked at the next sync.
        case replaced
    }

    /// Reads a snapshot through — every signature and checksum — and checks that it holds every
    /// version this store's own files up to its frontier carry; records it as checked if so.
    ///
    /// Cost: the snapshot's versions' hashes in memory (about 100 bytes a version).
    func check(_ snapshot: FolderSnapshot, in visit: FolderVisit) throws -> SnapshotCheck {
        var hashes: Set<String> = []
        let opened = try ChangesetReader.OpenFile(snapshot.url)
        guard opened.header.writerSignature?.hex == snapshot.signature else { return .replaced }
        let contents = try ChangesetReader.read(opened, teamKey: try key(for: opened.header, origin: .folder(id: visit.id), unlock: nil)) { version, _ in
            hashes.insert(version.hash.hex)
        }
        guard let frontier = contents.frontier else { return .replaced }
        var holdsAll = true
        if frontier[me] > 0 {
            let known = try store.forEachVersionHash(carriedThrough: frontier[me], in: visit.id) { hash in
                if holdsAll, !hashes.contains(hash) { holdsAll = false }
            }
            holdsAll = holdsAll && known
        }
        guard holdsAll else { return .lacksVersions }
        let record = CheckedSnapshot(writer: snapshot.writer, signature: opened.header.writerSignature!.hex,
                                     frontier: String(decoding: frontier.encoded, as: UTF8.self), firstSeen: .now)
        try store.recordCheckedSnapshot(folder: visit.id, writer: record.writer, signature: record.signature, frontier: record.frontier,
                                        at: record.firstSeen)
        return .holdsAll(record)
    }

    private static func delete(_ url: URL) throws {
        guard unlink(url.path) == 0 || errno == ENOENT else {
            throw SyncError.cannotWrite(path: url.path, reason: describeWriteFailure(errno))
        }
    }
}

// MARK: - Catching up

extension Synchronizer {
    /// The most decoded bytes of changesets after a snapshot that a catch-up holds in memory
    /// at once (each file's decoded size is its header's, which its reading enforces).
    static let catchUpBatchSize = 64 << 20

    /// Imports a snapshot and the changesets after its frontier in one transaction, their
    /// versions merged into the snapshot's report by report — as one changeset of the same
    /// versions would be — rather than each file's on its own, which merges a report again for
    /// every file that touches it (DESIGN.md §11: a new laptop's first sync costs about what
    /// importing one changeset of the same versions does).
    ///
    /// The files are taken in batches of at most `batchSize` decoded bytes, each read whole,
    /// checked against its name and sorted by report; the first batch is merged into the
    /// snapshot's stream, which is read streaming, and each further one after it. A file larger
    /// than a batch is its own batch and streamed, as a changeset is (it is ordered by report
    /// itself). So a report is merged again at most once per batch that touches it, and memory
    /// stays one batch whatever the number of files.
    ///
    /// Returns false, having changed nothing, when there are no such files; throws, having
    /// changed nothing, when any is refused or the snapshot is not the one listed: the caller
    /// then imports the snapshot alone and the files one by one, which names what is refused.
    ///
    /// Bookkeeping as for the files one by one, but that what each file brought is not known
    /// apart: each is recorded as bringing every version of the transaction, so that if one
    /// vanishes uncovered, this store carries all of them again — more than needed, never less.
    ///
    /// Cost: one batch of the files' versions in memory; the snapshot streamed; every report the
    /// snapshot holds merged once, and once more per further batch that touches it.
    func catchUp(from snapshot: FolderSnapshot, in visit: FolderVisit, writers: [ReplicaID],
                 batchSize: Int = catchUpBatchSize, into summary: inout SyncSummary) throws -> Bool {
        let imported = try store.ledger(of: visit.id).lastImported
        var files: [TailFile] = []
        for writer in writers where writer != me {
            guard let listed = try? visit.folder.changesets(of: writer) else { return false }
            var sequence = max(snapshot.frontier[writer], imported[writer, default: 0]) + 1
            while let url = listed[sequence] {
                files.append(TailFile(writer: writer, sequence: sequence, url: url))
                sequence += 1
            }
        }
        guard !files.isEmpty else { return false }
        // Each file's header first: checked against its name, its decoded size plans the batches.
        let headers = try files.map { file in
            let header = try ChangesetReader.header(of: file.url)
            guard header.writer == file.writer else { throw ChangesetError.unexpectedWriter(expected: file.writer, found: header.writer) }
            guard header.sequence == file.sequence else { throw ChangesetError.unexpectedSequence(expected: file.sequence, found: header.sequence) }
            guard !header.isSnapshot else { throw ChangesetError.snapshotMismatch(expectedSnapshot: false) }
            return header
        }
        var batches: [Range<Int>] = []
        var batchStart = 0
        var batchBytes = 0
        for (index, header) in headers.enumerated() {
            if index > batchStart, batchBytes + header.uncompressedSize > batchSize {
                batches.append(batchStart..<index)
                (batchStart, batchBytes) = (index, 0)
            }
            batchBytes += header.uncompressedSize
        }
        batches.append(batchStart..<files.count)

        let opened = try ChangesetReader.OpenFile(snapshot.url)
        guard opened.header == snapshot.header else { throw ChangesetError.unreadable("\(snapshot.url.path) changed while it was read") }
        let teamKey = try key(for: opened.header, origin: .folder(id: visit.id), unlock: nil)
        // (Before the transaction: finding a key reads the store.)
        let teamKeys = try headers.map { try key(for: $0, origin: .folder(id: visit.id), unlock: nil) }
        let id = visit.id
        let (result, keys) = try store.importing { transaction in
            let versionsAfter = try transaction.latestSeq()
            var merger = IncrementalMerge(transaction: transaction, me: me)
            var keys = KeyCheck(transaction: transaction, via: "the snapshot of \(snapshot.writer.short)")
            var contents: [ChangesetContents] = []
            let total = opened.header.count + headers.reduce(0) { $0 + $1.count }
            let file = "\(snapshot.writer.short)/\(SharedFolder.snapshotFileName)"
            var seen = 0
            progress?(SyncProgress(step: .catchingUp, file: file, versions: 0, total: total))
            func add(_ version: Version, _ signature: Signature?, _ prepared: PreparedState?) throws {
                let isNew = try merger.add(version, prepared: prepared, origin: .folder(id: id), signature: signature)
                if signature == nil { try keys.admitUnsigned(from: version.dot.replica, isNew: isNew) }
                seen += 1
                if seen % Self.progressInterval == 0 {
                    progress?(SyncProgress(step: .catchingUp, file: file, versions: seen, total: total))
                }
            }
            // A batch's files read, each checked against the header listed; their versions sorted
            // by report (and in the order they came within one: the state does not depend on it)
            // — or, for a file larger than a batch, added as they come.
            func readBatch(_ batch: Range<Int>) throws -> [Arrival] {
                var arrivals: [Arrival] = []
                let streams = batch.count == 1 && headers[batch.lowerBound].uncompressedSize > batchSize
                for index in batch {
                    let file = try ChangesetReader.OpenFile(files[index].url)
                    guard file.header == headers[index] else { throw ChangesetError.unreadable("\(files[index].url.path) changed while it was read") }
                    contents.append(try ChangesetReader.read(file, teamKey: teamKeys[index]) {
                        if streams { try add($0, $1, nil) } else { arrivals.append(Arrival(version: $0, signature: $1)) }
                    })
                }
                return arrivals.enumerated()
                    .sorted { ($0.element.version.reportID, $0.offset) < ($1.element.version.reportID, $1.offset) }.map(\.element)
            }

            // The first batch into the snapshot's stream: its versions of the reports before
            // `report` (all that are left with nil) added before the snapshot's of `report`.
            let first = try readBatch(batches[0])
            var next = 0
            func addFirst(before report: ReportID?) throws {
                while next < first.count, report.map({ first[next].version.reportID < $0 }) ?? true {
                    try add(first[next].version, first[next].signature, nil)
                    next += 1
                }
            }
            let read = try ChangesetReader.readInBackground(opened, teamKey: teamKey, prepare: IncrementalMerge.prepare) { version, signature, prepared in
                try addFirst(before: version.reportID)
                try add(version, signature, prepared)
            }
            try addFirst(before: nil)
            guard let frontier = read.frontier, frontier == snapshot.frontier else {
                throw ChangesetError.malformedFrontier("it changed while it was read")
            }
            for batch in batches.dropFirst() {
                for arrival in try readBatch(batch) { try add(arrival.version, arrival.signature, nil) }
            }
            for identity in read.identities + contents.flatMap(\.identities) { try keys.admit(identity.card, rotations: identity.rotations) }
            try merger.finish()
            for (covered, sequence) in frontier.sequences where covered != me {
                try transaction.recordImported(folder: id, writer: covered, sequence: sequence)
            }
            for (index, file) in files.enumerated() {
                try transaction.recordImported(folder: id, writer: file.writer, sequence: file.sequence, versionsAfter: versionsAfter)
                if headers[index].encryption != nil { try transaction.recordEncrypted(writer: file.writer, in: id, since: file.sequence) }
            }
            return (merger, keys.events)
        }
        summary.keys += keys
        summary.importedSnapshots.append(snapshot.writer)
        summary.importedChangesets += files.count
        summary.importedVersions += result.imported
        summary.newConflicts += result.newConflicts
        return true
    }

    /// A changeset after a snapshot's frontier, by its name.
    private struct TailFile {
        let writer: ReplicaID
        let sequence: Int
        let url: URL
    }

    /// A version read from a file after a snapshot's frontier, held until its report's turn.
    private struct Arrival {
        let version: Version
        let signature: Signature?
    }
}
