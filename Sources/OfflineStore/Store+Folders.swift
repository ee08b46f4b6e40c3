import Foundation
import GRDB
import ReportModels

/// A changeset imported from a shared folder, named by its writer and sequence. The writer ""
/// with sequence 0 stands for every file imported from the folder before stores kept this
/// record (schema 4), which are not known one by one.
public struct ReceivedChangeset: Hashable, Sendable {
    public var writer: String
    public var sequence: Int

    public init(writer: String, sequence: Int) {
        self.writer = writer
        self.sequence = sequence
    }

    public static let beforeRecords = ReceivedChangeset(writer: "", sequence: 0)
}

/// A changeset this store wrote to a folder: it carries the versions with a local sequence in
/// `afterSeq < seq <= throughSeq` that did not come from that folder, and those of the received
/// changesets carried again in it.
public struct WrittenChangeset: Hashable, Sendable {
    public var sequence: Int
    public var afterSeq: Int64
    public var throughSeq: Int64
    public var writtenAt: Timestamp?
}

/// What a store knows of one shared folder (by the id it knows the folder by): what it imported
/// from each writer there and what it wrote there — enough to tell, from a listing of the
/// folder, which files vanished and what they carried.
public struct FolderLedger: Sendable {
    /// Per writer, the last changeset imported (files are imported in order).
    public var lastImported: [ReplicaID: Int] = [:]
    /// Every changeset this store wrote there on record, by sequence.
    public var written: [Int: WrittenChangeset] = [:]
    /// The sequence of the last changeset this store wrote there (0: none); nil when it never
    /// synced with the folder.
    public var lastWritten: Int?
}

extension ImportTransaction {
    /// The latest local sequence: the versions an import inserts take the ones after it.
    public func latestSeq() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM versions")) ?? 0
    }

    /// Records that a writer's changeset was imported from a folder, and that the versions it
    /// brought took the local sequences after `versionsAfter` (see `received_changesets`).
    public func recordImported(folder: FolderID, writer: ReplicaID, sequence: Int, versionsAfter: Int64) throws {
        try recordImported(folder: folder, writer: writer, sequence: sequence)
        try db.execute(sql: """
            INSERT OR REPLACE INTO received_changesets (folder, writer, sequence, origin, first_seq, last_seq)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [folder.rawValue, writer.rawValue, sequence, VersionOrigin.folder(id: folder).column, versionsAfter + 1, try latestSeq()])
    }
}

extension Store {
    /// The id of the folder this store last synced at `path`, if any.
    public func folderID(atPath path: String) throws -> FolderID? {
        try database.read { db in
            try String.fetchOne(db, sql: """
                SELECT substr(target, 8) FROM sync_targets WHERE path = ? AND target LIKE 'folder:%'
                ORDER BY last_sync DESC LIMIT 1
                """, arguments: [path]).flatMap(FolderID.init)
        }
    }

    /// The last changeset imported from a writer in a folder (0: none). A read: it waits for
    /// no writer.
    public func lastImportedSequence(folder: FolderID, writer: ReplicaID) throws -> Int {
        try database.read { try ImportTransaction(db: $0).lastImportedSequence(folder: folder, writer: writer) }
    }

    /// Whether this store has ever synced with the folder it knows by `id`.
    public func knowsFolder(_ id: FolderID) throws -> Bool {
        try lastWritten(to: .folder(id: id)) != nil
    }

    public func ledger(of folder: FolderID) throws -> FolderLedger {
        try database.read { db in
            var ledger = FolderLedger()
            for row in try Row.fetchAll(db, sql: "SELECT writer, sequence FROM imported_changesets WHERE folder = ?", arguments: [folder.rawValue]) {
                if let writer = ReplicaID(row["writer"] as String) { ledger.lastImported[writer] = row["sequence"] }
            }
            for row in try Row.fetchAll(db, sql: "SELECT sequence, after_seq, through_seq, written_at FROM written_changesets WHERE folder = ?",
                                        arguments: [folder.rawValue]) {
                let written = WrittenChangeset(sequence: row["sequence"], afterSeq: row["after_seq"], throughSeq: row["through_seq"],
                                               writtenAt: Timestamp(iso8601: row["written_at"] as String))
                ledger.written[written.sequence] = written
            }
            ledger.lastWritten = try Int.fetchOne(db, sql: "SELECT last_written FROM sync_targets WHERE target = ?",
                                                  arguments: [SyncTarget.folder(id: folder).key])
            return ledger
        }
    }

    /// The changesets on record as imported from a writer in a folder (and the files imported
    /// before there was a record, as ``ReceivedChangeset/beforeRecords``), each with the own
    /// changeset that carries it again, if any. Read only when some file vanished.
    public func received(from writer: ReplicaID, in folder: FolderID) throws -> [ReceivedChangeset: Int?] {
        try database.read { db in
            var received: [ReceivedChangeset: Int?] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT writer, sequence, recarried_in FROM received_changesets WHERE folder = ? AND writer IN (?, '')
                """, arguments: [folder.rawValue, writer.rawValue]) {
                received[ReceivedChangeset(writer: row["writer"], sequence: row["sequence"])] = .some(row["recarried_in"])
            }
            return received
        }
    }

    /// Records, before it is written, this store's next changeset to a folder: it carries every
    /// version after the folder's export mark (after none with `all`) that did not come from the
    /// folder, and again those of `recarrying`; nil, recording nothing, when it would carry
    /// nothing. And the store's latest local sequence: the folder has everything up to it once
    /// the changeset is written.
    public func recordWriting(to folder: FolderID, sequence: Int, all: Bool, recarrying: [ReceivedChangeset],
                              at time: Timestamp = .now) throws -> (changeset: WrittenChangeset?, through: Int64) {
        let target = SyncTarget.folder(id: folder)
        return try database.write { db in
            let mark = all ? 0 : try Self.exportMark(db, target)
            let through = max(mark, try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM versions") ?? 0)
            let fresh = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM versions WHERE seq > ? AND seq <= ? AND origin IS NOT ?)
                """, arguments: [mark, through, target.key]) ?? false
            guard fresh || !recarrying.isEmpty else { return (nil, through) }
            try db.execute(sql: """
                INSERT OR REPLACE INTO written_changesets (folder, sequence, after_seq, through_seq, written_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [folder.rawValue, sequence, mark, through, time.description])
            for received in recarrying {
                try db.execute(sql: "UPDATE received_changesets SET recarried_in = ? WHERE folder = ? AND writer = ? AND sequence = ?",
                               arguments: [sequence, folder.rawValue, received.writer, received.sequence])
            }
            try db.execute(sql: """
                INSERT INTO sync_targets (target, last_written) VALUES (?, ?)
                ON CONFLICT (target) DO UPDATE SET last_written = max(last_written, excluded.last_written)
                """, arguments: [target.key, sequence])
            return (WrittenChangeset(sequence: sequence, afterSeq: mark, throughSeq: through, writtenAt: time), through)
        }
    }

    /// How many of the versions this store's changeset `sequence` in a folder carries are
    /// carried again (from received changesets that vanished).
    public func recarriedVersionCount(carriedBy sequence: Int, in folder: FolderID) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM received_changesets r
                JOIN versions v ON v.seq BETWEEN r.first_seq AND r.last_seq AND v.origin = r.origin
                WHERE r.folder = ? AND r.recarried_in = ?
                """, arguments: [folder.rawValue, sequence]) ?? 0
        }
    }

    /// The versions this store's changeset `sequence` in a folder carries (as recorded by
    /// ``recordWriting(to:sequence:all:recarrying:at:)``), ordered by report and then arrival,
    /// as changesets are. Read through a cursor: eight bytes a version.
    public func versions(carriedBy sequence: Int, in folder: FolderID) throws -> [PendingVersion] {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT after_seq, through_seq FROM written_changesets WHERE folder = ? AND sequence = ?",
                                             arguments: [folder.rawValue, sequence])
            else { return [] }
            // The two parts cannot overlap: the first holds no version from the folder, the second
            // only versions from it (the received changesets' own origin).
            let seqs = try Int64.fetchCursor(db, sql: """
                SELECT seq FROM (
                    SELECT seq, report_id FROM versions WHERE seq > ? AND seq <= ? AND origin IS NOT ?
                    UNION ALL
                    SELECT v.seq, v.report_id FROM received_changesets r
                    JOIN versions v ON v.seq BETWEEN r.first_seq AND r.last_seq AND v.origin = r.origin
                    WHERE r.folder = ? AND r.recarried_in = ?
                ) ORDER BY report_id, seq
                """, arguments: [row["after_seq"] as Int64, row["through_seq"] as Int64, SyncTarget.folder(id: folder).key, folder.rawValue, sequence])
            var versions: [PendingVersion] = []
            while let seq = try seqs.next() { versions.append(PendingVersion(seq: seq)) }
            return versions
        }
    }

    /// Takes `copy` for a copy of the folder known as `original` (`cp -r` of a stick) made when
    /// this store's latest changeset there was `ownLatest` and each writer's `writersLatest`:
    /// what the copy holds need not be imported or sent again.
    ///
    /// Safe because every file the copy holds was in the original when it was copied: what this
    /// store wrote up to `ownLatest` (and so every version up to that file's export mark) is
    /// there, and so is each writer's file up to `writersLatest`, of which this store imported
    /// those up to what it imported from the original.
    public func adoptCopy(of original: FolderID, as copy: FolderID, path: String, ownLatest: Int, writersLatest: [ReplicaID: Int]) throws {
        try database.write { db in
            let mark = try Int64.fetchOne(db, sql: "SELECT through_seq FROM written_changesets WHERE folder = ? AND sequence = ?",
                                          arguments: [original.rawValue, ownLatest]) ?? 0
            // A copy of a folder still due everything again, signed, is due it too.
            try db.execute(sql: """
                INSERT INTO sync_targets (target, path, exported_through, last_written, resend_signed)
                VALUES (?, ?, ?, ?, coalesce((SELECT resend_signed FROM sync_targets WHERE target = ?), 0))
                """, arguments: [SyncTarget.folder(id: copy).key, path, mark, ownLatest, SyncTarget.folder(id: original).key])
            try db.execute(sql: """
                INSERT INTO written_changesets (folder, sequence, after_seq, through_seq, written_at)
                SELECT ?, sequence, after_seq, through_seq, written_at FROM written_changesets WHERE folder = ? AND sequence <= ?
                """, arguments: [copy.rawValue, original.rawValue, ownLatest])
            for row in try Row.fetchAll(db, sql: "SELECT writer, sequence FROM imported_changesets WHERE folder = ?", arguments: [original.rawValue]) {
                guard let writer = ReplicaID(row["writer"] as String) else { continue }
                let imported = min(row["sequence"] as Int, writersLatest[writer] ?? 0)
                guard imported > 0 else { continue }
                try db.execute(sql: "INSERT INTO imported_changesets (folder, writer, sequence) VALUES (?, ?, ?)",
                               arguments: [copy.rawValue, writer.rawValue, imported])
                try db.execute(sql: """
                    INSERT INTO received_changesets (folder, writer, sequence, origin, first_seq, last_seq, recarried_in)
                    SELECT ?, writer, sequence, origin, first_seq, last_seq, CASE WHEN recarried_in <= ? THEN recarried_in END
                    FROM received_changesets WHERE folder = ? AND writer = ? AND sequence <= ?
                    """, arguments: [copy.rawValue, ownLatest, original.rawValue, writer.rawValue, imported])
            }
            try db.execute(sql: """
                INSERT INTO received_changesets (folder, writer, sequence, origin, first_seq, last_seq, recarried_in)
                SELECT ?, writer, sequence, origin, first_seq, last_seq, CASE WHEN recarried_in <= ? THEN recarried_in END
                FROM received_changesets WHERE folder = ? AND writer = ''
                """, arguments: [copy.rawValue, ownLatest, original.rawValue])
        }
    }

    /// Remembers what the last sync found wrong with a folder, for `status` (none: clears it).
    public func setNotices(_ notices: [String], for folder: FolderID) throws {
        try setList(notices.map(JSONValue.string), in: "notices", for: folder)
    }

    /// What the last sync of a folder found wrong (none: nothing).
    public func notices(for folder: FolderID) throws -> [String] {
        try list(in: "notices", for: folder).compactMap(\.stringValue)
    }

    /// A list a folder's sync keeps in a column of its sync target, as a JSON array (NULL:
    /// empty). `column` is one of this file's own names, never input.
    func setList(_ items: [JSONValue], in column: String, for folder: FolderID) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE sync_targets SET \(column) = ? WHERE target = ?",
                           arguments: [items.isEmpty ? nil : JSONValue.array(items).canonicalString, SyncTarget.folder(id: folder).key])
        }
    }

    func list(in column: String, for folder: FolderID) throws -> [JSONValue] {
        try database.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT \(column) FROM sync_targets WHERE target = ?",
                                                 arguments: [SyncTarget.folder(id: folder).key]),
                  case .array(let items)? = try? JSONValue(parsing: Array(text.utf8))
            else { return [] }
            return items
        }
    }

    /// The folders whose last sync found something wrong, by the path they were synced at.
    public func folderNotices() throws -> [(path: String, notices: [String])] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT path, notices FROM sync_targets WHERE notices IS NOT NULL ORDER BY path").compactMap { row in
                guard let path = row["path"] as String?, let text = row["notices"] as String?,
                      case .array(let items)? = try? JSONValue(parsing: Array(text.utf8))
                else { return nil }
                return (path, items.compactMap(\.stringValue))
            }
        }
    }
}
