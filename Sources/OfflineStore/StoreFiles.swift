import Foundation

/// The files of a store's folder around the database: SQLite's `-wal` and `-shm`, and what
/// a command that writes needs of them.
enum StoreFiles {
    /// Makes SQLite's `-wal` and `-shm` files writable again when they were left read-only
    /// while the database is writable.
    ///
    /// SQLite creates them with the database file's permissions, so a database made read-only
    /// for a moment (0400) while a command opened it leaves a read-only `-shm` (and `-wal`)
    /// behind, and every later write fails with "attempt to write a readonly database"
    /// although the database is writable again. What is safe to do about it:
    ///
    /// - Giving such a file back its owner's write permission (chmod, when it is ours)
    ///   changes no byte and no inode: a process that has it open goes on as before, so this
    ///   is safe whoever else is using the store, and needs no lock. It is what is done here.
    /// - Removing a `-shm` would be safe only while no connection has it open: it is an index
    ///   of the `-wal` that the first connection rebuilds, but a process still mapping the old
    ///   one would work from an index nobody else sees. Not done; not needed when chmod works.
    /// - Removing a `-wal` loses every transaction committed since the last checkpoint, so
    ///   it is never done.
    ///
    /// A file that belongs to another user (fieldnotes once run as root) cannot be changed;
    /// ``checkWritable(_:)`` then tells a writer what to do.
    static func repairSideFiles(of database: URL) {
        guard access(database.path, W_OK) == 0 else { return }
        var databaseStatus = stat()
        guard stat(database.path, &databaseStatus) == 0 else { return }
        for side in sideFiles(of: database) {
            var status = stat()
            guard lstat(side, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(side, W_OK) != 0,
                  status.st_uid == geteuid()
            else { continue }
            _ = chmod(side, (databaseStatus.st_mode & 0o666) | S_IRUSR | S_IWUSR)
        }
    }

    /// Throws, saying what to do, when a command that writes could not write the store's
    /// folder or its files.
    static func checkWritable(_ directory: URL) throws {
        let database = directory.appending(path: Store.databaseName).path
        if access(directory.path, W_OK) != 0 {
            throw StoreFault.readOnly(path: directory.path, advice: "make it writable (`chmod u+w '\(directory.path)'`) and run the command again")
        }
        if access(database, W_OK) != 0 {
            throw StoreFault.readOnly(path: database, advice: advice(for: database, otherwise: "make it writable (`chmod u+w '\(database)'`) and run the command again"))
        }
        for side in sideFiles(of: URL(fileURLWithPath: database)) where access(side, F_OK) == 0 && access(side, W_OK) != 0 {
            let otherwise = side.hasSuffix("-shm")
                ? "with no fieldnotes command running, remove it (`rm '\(side)'`: it only indexes the -wal file) and run the command again"
                : "make it writable (`chmod u+w '\(side)'`) and run the command again; do not remove it: it holds the latest changes"
            throw StoreFault.readOnly(path: side, advice: advice(for: side, otherwise: otherwise))
        }
    }

    private static func sideFiles(of database: URL) -> [String] {
        [database.path + "-wal", database.path + "-shm"]
    }

    /// What to do about a read-only file: its owner's, when it is not ours.
    static func advice(for path: String, otherwise: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0, status.st_uid != geteuid() else { return otherwise }
        let owner = getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(status.st_uid)"
        let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "$USER"
        return "it belongs to \(owner) (was fieldnotes run as \(owner)?): give it back with `sudo chown \(me) '\(path)'` and run the command again"
    }
}
