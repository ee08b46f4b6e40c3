import Foundation
import GRDB
import ReportModels

/// This laptop's replica: who it is and which analyst writes here.
public struct ReplicaIdentity: Hashable, Sendable {
    public var replica: ReplicaID
    public var analyst: String
}

/// How a command means to use the store.
public enum StoreAccess: Sendable, Hashable {
    /// Reads only, so it never waits: WAL lets it read while another command writes. (A write
    /// it makes after all — an upgrade of the schema — takes the lock then.)
    case reading
    /// Writes: takes the store's lock (``StoreLock``) first, waiting for as long as another
    /// fieldnotes command holds it, and is refused while the store is marked damaged.
    case writing(command: String)
    /// `verify`: takes the lock like a writer (SQLite's check of the search index is spelt as
    /// a write, and the verdict is recorded), and is never refused for damage, which it is
    /// there to find.
    case verifying
}

/// A replica's SQLite store: every version of every report, the state of each report, the
/// search index, and (later) sync bookkeeping.
///
/// The store *stores*: it writes what it is given, each change in one transaction, and keeps
/// each report's state and search entry in step with it. It does not decide merges; the
/// SyncEngine computes merged states and hands them over.
///
/// Two processes may use one store at once: it runs in WAL mode, so readers never wait; a
/// command that writes takes the store's lock, waiting for the one that holds it, and
/// SQLite's busy handler waits too for as long as a fieldnotes command holds that lock.
public final class Store: Sendable {
    /// Told once when a command starts waiting for another one (nil: a program that is not
    /// a fieldnotes command).
    public typealias Waiting = @Sendable (StoreLock.Holder?) -> Void

    /// The store's folder (readable by its owner only).
    public let directory: URL
    public let identity: ReplicaIdentity
    /// Every read and write goes through it, and so does every error SQLite makes.
    let database: StoreDatabase
    /// The writer lock, held for as long as this value lives when opened to write.
    let lock: StoreLock?
    /// The key this replica signs its versions and changesets with (`STORE/signing.key`); nil
    /// when the file is gone, and then nothing can be made or sent.
    let signingKey: ReplicaSigningKey?

    /// The database file inside the store's folder.
    public static let databaseName = "fieldnotes.sqlite"
    /// Marks a SQLite file as a fieldnotes store (`PRAGMA application_id`, "fnot").
    static let applicationID: Int32 = 0x666E_6F74

    private init(directory: URL, database: DatabaseQueue, lock: StoreLock?) throws {
        self.directory = directory
        let storeDatabase = StoreDatabase(queue: database, directory: directory)
        self.database = storeDatabase
        self.lock = lock
        // Only a command that holds the lock may finish a rotation another one began.
        if lock != nil { try Self.settleRotation(in: directory, storeDatabase) }
        signingKey = try Self.readSigningKey(in: directory)
        identity = try self.database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, analyst FROM replica"),
                  let replica = ReplicaID(row["id"])
            else { throw StoreError.notAStore(path: directory.path) }
            return ReplicaIdentity(replica: replica, analyst: row["analyst"])
        }
    }

    /// Creates a store with a new replica id in a folder that holds no store yet. The analyst's
    /// name goes into every version this replica makes, so it follows the rule of names there
    /// (`FieldRules.analystName`).
    public static func create(at directory: URL, analyst: String, waiting: Waiting? = nil) throws -> Store {
        try create(at: directory, analyst: analyst, replica: ReplicaID(), waiting: waiting)
    }

    /// The same with a given replica id, for tests that must replay from a seed (a replica id
    /// orders dots, so it decides which candidate a merge shows first). It must be a random
    /// UUID (`ReplicaID.isRandom`); a real store always gets a new one.
    static func create(at directory: URL, analyst: String, replica: ReplicaID, waiting: Waiting? = nil) throws -> Store {
        precondition(replica.isRandom, "replica ids are random UUIDs")
        do {
            try FieldRules.analystName(analyst)
        } catch {
            throw StoreError.invalidAnalyst(error)
        }
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
        let lock = try StoreLock.acquire(in: directory, command: "init") { waiting?($0) }
        if FileManager.default.fileExists(atPath: file.path) { throw StoreError.alreadyExists(path: directory.path) }
        // SQLite gives the -wal and -shm files the permissions of the database file.
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.cannotCreate(path: directory.path, reason: "the database file cannot be written")
        }
        do {
            let database = try openDatabase(at: file, waiting: waiting)
            try database.write { db in
                try db.execute(sql: "PRAGMA application_id = \(applicationID)")
                try Migrator.migrate(db, path: directory.path)
                try db.execute(
                    sql: "INSERT INTO replica (singleton, id, analyst, created_at) VALUES (1, ?, ?, ?)",
                    arguments: [replica.rawValue, analyst, Timestamp.now.description])
                try prepareSigning(db, directory: directory)
            }
            return try Store(directory: directory, database: database, lock: lock)
        } catch {
            // Leave no half-made store behind.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
            try? FileManager.default.removeItem(at: directory.appending(path: signingKeyName))
            throw boundaryError(error, directory: directory)
        }
    }

    /// Opens an existing store, upgrading its schema if this fieldnotes is newer.
    ///
    /// With `.writing`, first takes the store's lock (telling `waiting` if it has to wait for
    /// another command), then refuses a store marked damaged or one whose files cannot be
    /// written, before anything is written. `.reading` takes no lock and waits for nobody.
    public static func open(at directory: URL, for access: StoreAccess = .reading, waiting: Waiting? = nil) throws -> Store {
        let file = directory.appending(path: databaseName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw StoreError.missing(path: directory.path) }
        StoreFiles.repairSideFiles(of: file)
        var lock: StoreLock?
        switch access {
        case .reading:
            break
        case .writing(let command):
            lock = try StoreLock.acquire(in: directory, command: command) { waiting?($0) }
            try StoreDamage.refuseWritesIfMarked(in: directory)
            try StoreFiles.checkWritable(directory)
            try StoreDamage.checkFile(file)
        case .verifying:
            lock = try StoreLock.acquire(in: directory, command: "verify") { waiting?($0) }
        }
        let database: DatabaseQueue
        do {
            database = try openDatabase(at: file, waiting: waiting)
            // Only reads: a reading command must never need the write lock here.
            let schema = try database.read { db in
                guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == applicationID else {
                    throw StoreError.notAStore(path: directory.path)
                }
                return try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            }
            if schema > Migrator.latest {
                throw StoreError.newerSchema(path: directory.path, found: schema, supported: Migrator.latest)
            }
            if schema < Migrator.latest {
                // Upgrading writes, so it happens under the lock, whoever asked.
                let upgrading = try lock ?? StoreLock.acquire(in: directory, command: "upgrade") { waiting?($0) }
                try withExtendedLifetime(upgrading) {
                    try database.write { db in try Migrator.migrate(db, path: directory.path) }
                }
            }
        } catch {
            // A file that is not a database, or cannot be opened, is not a store; damage is
            // recorded.
            throw boundaryError(error, directory: directory, opening: true)
        }
        return try Store(directory: directory, database: database, lock: lock)
    }

    /// Opens a store only to look, for a shell's completion: read-only, without the lock and
    /// without waiting for anyone — a database busy for longer than `timeout` is an error, and
    /// so is a store of another schema version (never upgraded here) or one marked damaged.
    /// Nothing is written, not even a damage record (SQLite may leave the `-wal` and `-shm`
    /// files it reads through, as it does for any reader that cannot remove them).
    public static func openToPeek(at directory: URL, timeout: TimeInterval = 0.25) throws -> Store {
        let file = directory.appending(path: databaseName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw StoreError.missing(path: directory.path) }
        try StoreDamage.refuseWritesIfMarked(in: directory)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(timeout)
        let database = try DatabaseQueue(path: file.path, configuration: configuration)
        let schema = try database.read { db in
            guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == applicationID else {
                throw StoreError.notAStore(path: directory.path)
            }
            return try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        }
        guard schema == Migrator.latest else {
            throw StoreError.newerSchema(path: directory.path, found: schema, supported: Migrator.latest)
        }
        return try Store(directory: directory, database: database, lock: nil)
    }

    static func openDatabase(at file: URL, waiting: Waiting? = nil) throws -> DatabaseQueue {
        StoreDamage.watchSQLiteLog()
        var configuration = Configuration()
        // Another connection holding the lock SQLite needs is waited for: for as long as a
        // fieldnotes command holds the store's lock, else for a minute (see BusyWait).
        let busy = BusyWait(directory: file.deletingLastPathComponent(), waiting: waiting)
        configuration.busyMode = .callback { busy.shouldRetry(after: $0) }
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
