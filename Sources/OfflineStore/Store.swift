import Foundation
import GRDB
import ReportModels

/// This laptop's replica: who it is and which analyst writes here.
public struct ReplicaIdentity: Hashable, Sendable {
    public var replica: ReplicaID
    public var analyst: String
}

/// A replica's SQLite store: every version of every report, the state of each report, the
/// search index, and (later) sync bookkeeping.
///
/// The store *stores*: it writes what it is given, each change in one transaction, and keeps
/// each report's state and search entry in step with it. It does not decide merges; the
/// SyncEngine computes merged states and hands them over.
///
/// Two processes may use one store at once: it runs in WAL mode with a busy timeout, so a
/// writer waits for the other instead of failing.
public final class Store: Sendable {
    /// The store's folder (readable by its owner only).
    public let directory: URL
    public let identity: ReplicaIdentity
    let database: DatabaseQueue

    /// The database file inside the store's folder.
    public static let databaseName = "fieldnotes.sqlite"
    /// Marks a SQLite file as a fieldnotes store (`PRAGMA application_id`, "fnot").
    static let applicationID: Int32 = 0x666E_6F74

    private init(directory: URL, database: DatabaseQueue) throws {
        self.directory = directory
        self.database = database
        identity = try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, analyst FROM replica"),
                  let replica = ReplicaID(row["id"])
            else { throw StoreError.notAStore(path: directory.path) }
            return ReplicaIdentity(replica: replica, analyst: row["analyst"])
        }
    }

    /// Creates a store with a new replica id in a folder that holds no store yet.
    public static func create(at directory: URL, analyst: String) throws -> Store {
        let file = directory.appending(path: databaseName)
        if FileManager.default.fileExists(atPath: file.path) { throw StoreError.alreadyExists(path: directory.path) }
        let ownerOnly = [FileAttributeKey.posixPermissions: 0o700]
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StoreError.cannotCreate(path: directory.path, reason: "a file is in the way")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: ownerOnly)
            try FileManager.default.setAttributes(ownerOnly, ofItemAtPath: directory.path)
        } catch {
            throw StoreError.cannotCreate(path: directory.path, reason: "the folder cannot be made there")
        }
        // SQLite gives the -wal and -shm files the permissions of the database file.
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.cannotCreate(path: directory.path, reason: "the database file cannot be written")
        }
        do {
            let database = try openDatabase(at: file)
            try database.write { db in
                try db.execute(sql: "PRAGMA application_id = \(applicationID)")
                try Migrator.migrate(db, path: directory.path)
                try db.execute(
                    sql: "INSERT INTO replica (singleton, id, analyst, created_at) VALUES (1, ?, ?, ?)",
                    arguments: [ReplicaID().rawValue, analyst, Timestamp.now.description])
            }
            return try Store(directory: directory, database: database)
        } catch {
            // Leave no half-made store behind.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
            throw error
        }
    }

    /// Opens an existing store, upgrading its schema if this fieldnotes is newer.
    public static func open(at directory: URL) throws -> Store {
        let file = directory.appending(path: databaseName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw StoreError.missing(path: directory.path) }
        let database: DatabaseQueue
        do {
            database = try openDatabase(at: file)
            try database.write { db in
                guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == applicationID else {
                    throw StoreError.notAStore(path: directory.path)
                }
                try Migrator.migrate(db, path: directory.path)
            }
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CANTOPEN, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw StoreError.notAStore(path: directory.path)
        }
        return try Store(directory: directory, database: database)
    }

    static func openDatabase(at file: URL) throws -> DatabaseQueue {
        var configuration = Configuration()
        // Another fieldnotes process holding the write lock is waited for, not reported.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // page_size only takes effect on a new, empty file, before WAL is set: ~4 KB
            // reports fit in 16 KB pages without overflow pages. Setting WAL here rather than
            // through GRDB's option writes nothing to a store that is already in WAL mode.
            // A 64 MB page cache keeps a large store's indexes in memory for searches and
            // imports; it is also what bounds a command's memory. synchronous = FULL makes each
            // commit durable before the command reports it: with NORMAL a power cut could undo
            // a version already written to a shared folder, and the next edit would reuse its
            // dot for other content, which every peer then refuses. (One fsync per command or
            // per imported changeset.)
            try db.execute(sql: """
                PRAGMA page_size = 16384;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA cache_size = -65536;
                """)
        }
        return try DatabaseQueue(path: file.path, configuration: configuration)
    }
}
