import Foundation
import OfflineStore
import ReportModels

/// A shared folder from this store's side: which folder it is (its identity, without any
/// shared file) and what it lacks of what this store holds (its own files that vanished, what
/// it imported from files that vanished, and what is new).
extension Synchronizer {
    /// A folder being synced, known by the id this store gives it.
    struct FolderVisit {
        var folder: SharedFolder
        var id: FolderID
        /// This replica's replica.json there, as found, if signed by its key.
        var info: ReplicaInfo?
        /// Whose signatures this store believes on replica.json and team.json files.
        var signers: FileSigners
        /// The team keys this store holds, which open sealed replica.json files.
        var teamKeys: [TeamKeyID: TeamKey]
        /// The snapshots this sync's imports read (others' only).
        var snapshotsRead: [FolderSnapshot] = []
        /// Others' changesets as this sync's imports listed them.
        var changesetsListed: [ReplicaID: ChangesetListing] = [:]
        /// The team key this store encrypts what it writes there with; nil: it writes in clear.
        var writeKey: TeamKey?
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
    ///
    /// Its replica.json is believed when signed with its key. One unsigned — written by a
    /// fieldnotes from before replica.json was signed, or by anyone with the folder — names the
    /// folder only when nothing else does (no folder known at this path).
    func identify(_ folder: SharedFolder, signers: FileSigners? = nil) throws -> FolderVisit {
        let signers = try signers ?? FileSigners(store)
        let teamKeys = try Dictionary(store.teamKeys().map { let key = try TeamKey($0); return (key.id, key) }, uniquingKeysWith: { first, _ in first })
        let found = folder.signedInfo(of: me, keys: teamKeys)
        let info = found.flatMap { signers.believes($0.signer, from: me) ? $0.info : nil }
        var id: FolderID
        if let own = info?.folder {
            id = own
        } else if let known = try store.folderID(atPath: folder.root.path) {
            id = known
        } else if let unsigned = found, unsigned.signer == nil, let own = unsigned.info.folder {
            id = own
        } else if let legacy = folder.legacyID(), try store.knowsFolder(legacy) {
            id = legacy
        } else {
            id = FolderID()
        }
        var visit = FolderVisit(folder: folder, id: id, info: info, signers: signers, teamKeys: teamKeys)
        try checkOwnDirectory(in: visit)
        if let knownPath = try store.path(of: .folder(id: id)) {
            let known = SharedFolder(URL(fileURLWithPath: knownPath))
            if known.root != folder.root, known.signedInfo(of: me, keys: teamKeys)?.info.folder == id,
               let here = FolderFile.identity(of: folder.directory(of: me)), let there = FolderFile.identity(of: known.directory(of: me)),
               here != there {
                let copy = FolderID()
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
    func checkOwnDirectory(in visit: FolderVisit) throws {
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
                let opened = try ChangesetReader.OpenFile(url)
                let key = try opened.header.encryption.flatMap { try teamKey($0.key) }
                _ = try ChangesetReader.read(opened, teamKey: key) { version, _ in
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
    /// What a snapshot in the folder covers is not replaced: its writer deleted it once the
    /// snapshot covered it (compaction, DESIGN.md §11), and the snapshot carries its versions.
    /// A snapshot deleted by hand brings back the files it alone covered.
    ///
    /// Cost: a listing of each writer this store imported from, and O(files imported) to find
    /// gaps; when some are gone, the snapshots' frontiers; nothing else is read when nothing
    /// vanished.
    func write(to visit: FolderVisit, listing: FolderListing, into summary: inout SyncSummary) throws {
        let (folder, id) = (visit.folder, visit.id)
        let ledger = try store.ledger(of: id)
        let present = try folder.changesets(of: me)
        let lastWritten = ledger.lastWritten ?? 0

        // What a snapshot in the folder covers did not vanish: its writer deleted it
        // (compaction, DESIGN.md §11).
        let coverage = listing.coverage
        func covered(_ writer: ReplicaID) -> Int { coverage[writer, default: 0] }

        // This replica's own files that vanished. Those on record are written again as they
        // were. Older ones (before stores kept a record of each file) become empty, and the next
        // changeset carries everything this store holds that did not come from the folder.
        var vanished: [Int] = []
        var unrecorded = false
        if present.count < lastWritten, case let from = covered(me) + 1, from <= lastWritten,
           present.keys.lazy.filter({ $0 >= from }).count < lastWritten - from + 1 {
            // One file a sync: a gap of a million is no history but a forged number.
            guard lastWritten - from < 1_000_000 else {
                throw SyncError.cannotWrite(path: folder.directory(of: me).path,
                                            reason: "this replica's files there are numbered up to \(lastWritten) but \(present.count) are left; move the folder's copy of this replica's directory away and sync again")
            }
            for sequence in from...lastWritten where present[sequence] == nil {
                vanished.append(sequence)
                if ledger.written[sequence] != nil {
                    try writeChangeset(sequence, to: visit)
                } else {
                    unrecorded = true
                    _ = try folder.writeChangeset(for: me, sequence: sequence, level: 6, signing: try signing([], folder: id),
                                                  encryption: visit.writeKey.map(ChangesetEncryption.init)) { _ in }
                }
            }
            summary.rewrittenChangesets = vanished.count
            summary.notices.append(.ownFilesVanished(vanished))
        }

        try encryptEarlierFiles(in: visit, present: present, ledger: ledger)

        // Other writers' files this store imported that vanished.
        var recarrying: Set<ReceivedChangeset> = []
        for (writer, imported) in ledger.lastImported.sorted(by: { $0.key < $1.key }) where imported > 0 {
            guard let files = try? folder.changesets(of: writer) else { continue }  // unreadable is not gone
            guard files.keys.lazy.filter({ $0 <= imported }).count < imported else { continue }
            let from = covered(writer) + 1
            guard from <= imported, files.keys.lazy.filter({ $0 >= from && $0 <= imported }).count < imported - from + 1 else { continue }
            let received = try store.received(from: writer, in: id)
            for sequence in from...imported where files[sequence] == nil {
                let file = ReceivedChangeset(writer: writer.rawValue, sequence: sequence)
                let key = received[file] != nil ? file : .beforeRecords
                if received[key] == .some(nil) { recarrying.insert(key) }
            }
        }

        let sequence = max(lastWritten, present.keys.max() ?? 0) + 1
        let recorded = try store.recordWriting(to: id, sequence: sequence, all: unrecorded, recarrying: Array(recarrying))
        if recorded.changeset != nil {
            summary.exportedVersions = try writeChangeset(sequence, to: visit)
            summary.written = folder.directory(of: me).appending(path: SharedFolder.fileName(sequence: sequence))
            if !recarrying.isEmpty {
                summary.notices.append(.recarried(versions: try store.recarriedVersionCount(carriedBy: sequence, in: id),
                                                  writers: Array(Set(recarrying.map(\.writer))).sorted()))
            }
        }
        try store.markSent(through: recorded.through, to: .folder(id: id), path: folder.root.path)

        // What this replica says of itself here: the folder's id to it, and its acknowledgements
        // (the ledger was read after this sync's imports).
        let latest = recorded.changeset ?? ledger.written[lastWritten]
        if let found = visit.info, found.latestSequence < lastWritten, vanished.isEmpty {
            summary.notices.append(.ownInfoReverted(found: found.latestSequence, written: lastWritten))
        }
        // In an encrypted folder, sealed: no analyst's name in clear (DESIGN.md §10).
        let info = ReplicaInfo(replica: me, analyst: store.identity.analyst, folder: id,
                               latestSequence: latest?.sequence ?? lastWritten, imported: ledger.lastImported,
                               retired: try store.retirements(), updated: .now)
        if !info.sameContent(as: listing.infos[me]) || listing.ownInfoSealed != (visit.writeKey != nil) {
            try folder.write(info, sealedWith: visit.writeKey, signedBy: try store.signingKeyForWriting())
        }

        if let latest { summary.notices += unacknowledged(latest, listing: listing) }
    }

    /// Writes this replica's changeset `sequence` with what the store recorded it carries
    /// (encrypted, in a folder this store encrypts for), over the file there with `replacing`.
    @discardableResult
    func writeChangeset(_ sequence: Int, to visit: FolderVisit, replacing: Bool = false) throws -> Int {
        let versions = try store.versions(carriedBy: sequence, in: visit.id)
        let signing = try signing(versions, folder: visit.id)
        _ = try visit.folder.writeChangeset(for: me, sequence: sequence, level: Self.level(for: versions.count), signing: signing,
                                            encryption: visit.writeKey.map(ChangesetEncryption.init), replacing: replacing) { writer in
            try append(versions, to: writer, file: SharedFolder.fileName(sequence: sequence))
        }
        return versions.count
    }

    /// In a folder this store has begun to encrypt for, its own files from before are
    /// written again encrypted, under their numbers and with what each carried: once a team
    /// exists, a lost stick shows nothing this replica wrote, not only what it wrote since
    /// (DESIGN.md §10). A reader that imported a file has what it carried and does not read
    /// it again; one that had not reads it encrypted. Once none of its files is left in
    /// clear, this replica says it encrypts from its first file on (team.json's `since`), so
    /// a copy of an old file in clear is refused as a downgrade. Files from before stores
    /// kept a record of each file's content cannot be written again and stay as they are.
    /// Costs a header read per own file only until they are all encrypted (then `since` is 1).
    private func encryptEarlierFiles(in visit: FolderVisit, present: ChangesetListing, ledger: FolderLedger) throws {
        guard let key = visit.writeKey, let encryption = try store.encryption(of: visit.id), encryption.since > 1 else { return }
        var leftInClear = false
        for (sequence, url) in present.sorted(by: { $0.key < $1.key }) where sequence < encryption.since {
            guard (try? ChangesetReader.header(of: url))?.encryption == nil else { continue }
            if ledger.written[sequence] != nil {
                try writeChangeset(sequence, to: visit, replacing: true)
            } else {
                leftInClear = true
            }
        }
        guard !leftInClear else { return }
        try store.addTeamKeys([], folder: visit.id, encryptWith: key.id.bytes, since: 1)
        try writeTeamFile(for: visit, team: try FolderTeam(visit.folder, signers: visit.signers))
    }

    /// Peers that synced long after this replica's latest changeset was written, by their own
    /// clock, and still have not imported it: the sign of a folder whose changes do not leave
    /// this laptop (Syncthing's receive-only folders keep local changes local). Clocks of two
    /// laptops differ, so only a peer more than `grace` later counts. From each peer's
    /// replica.json, as listed.
    func unacknowledged(_ written: WrittenChangeset, listing: FolderListing, grace: Int64 = 15 * 60 * 1000) -> [SyncNotice] {
        guard let writtenAt = written.writtenAt else { return [] }
        let latest = written.sequence
        var notices: [SyncNotice] = []
        for writer in listing.writers where writer != me {
            guard let info = listing.infos[writer], let updated = info.updated,
                  updated.millisecondsSince1970 > writtenAt.millisecondsSince1970 &+ grace,
                  info.imported[me, default: 0] < latest
            else { continue }
            notices.append(.notReceived(peer: writer, analyst: info.analyst, syncedAt: updated, sequence: latest))
        }
        return notices
    }
}
