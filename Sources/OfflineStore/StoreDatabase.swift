import Foundation
import GRDB

/// The store's connection to its database, through which every read and write of a
/// ``Store`` passes.
///
/// It is the store's error boundary: whatever SQLite or GRDB throws in there leaves as the
/// store's own error (``Store/boundaryError(_:directory:)``), so that no caller of the store
/// ever meets a `DatabaseError`, its SQL, or GRDB's description of it. What the callers'
/// closures throw themselves passes unchanged.
struct StoreDatabase: Sendable {
    let queue: DatabaseQueue
    /// The store's folder, which the errors name.
    let directory: URL

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingErrors { try queue.read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingErrors { try queue.write(body) }
    }

    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingErrors { try queue.writeWithoutTransaction(body) }
    }

    /// Runs `body`, throwing the store's own error for any error of SQLite's or GRDB's.
    func mappingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Store.boundaryError(error, directory: directory)
        }
    }
}

extension Store {
    /// The error a caller of the store sees for `error`, met using the store in `directory`
    /// (nil: not known). This is the one place where SQLite's and GRDB's errors become the
    /// store's own, each saying what to do and none quoting SQL:
    ///
    /// - a fault of the files (busy past the wait, a full disk, a read-only file, a failing
    ///   disk, a damaged page, a file that is not a database) is a ``StoreFault``;
    /// - a row GRDB cannot decode is a damaged record (``StoreError/corruptRecord(_:)``);
    /// - anything else (a constraint, a statement gone wrong: a bug) is
    ///   ``StoreError/internalError(code:)``, with SQLite's result code only.
    ///
    /// Every other error, the store's own included, is returned as it is, so mapping twice
    /// changes nothing.
    public static func boundaryError(_ error: Error, directory: URL?) -> Error {
        boundaryError(error, directory: directory, opening: false)
    }

    /// ``boundaryError(_:directory:)``; `opening`: met while opening the store, when a file
    /// that is not a database, or cannot be opened, is not a store at all.
    static func boundaryError(_ error: Error, directory: URL?, opening: Bool) -> Error {
        if let error = error as? DatabaseError {
            if opening, let directory {
                switch error.resultCode {
                case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                    // Damage (recorded) if the file was a SQLite database; else no store at all.
                    return StoreDamage.fault(for: error, file: directory.appending(path: databaseName))
                        ?? StoreError.notAStore(path: directory.path)
                case .SQLITE_CANTOPEN:
                    // A database its user may not read is no less a store.
                    let file = directory.appending(path: databaseName).path
                    guard FileManager.default.fileExists(atPath: file), access(file, R_OK) != 0 else {
                        return StoreError.notAStore(path: directory.path)
                    }
                    return StoreFault.unreadable(path: file, advice: StoreFiles.advice(
                        for: file, otherwise: "make it readable and writable (`chmod u+rw '\(file)'`) and run the command again"))
                default:
                    break
                }
            }
            return StoreFault(error, store: directory) ?? StoreError.internalError(code: error.extendedResultCode.rawValue)
        }
        if error is RowDecodingError {
            return StoreError.corruptRecord("a value in the database is not what this fieldnotes expects")
        }
        if String(reflecting: type(of: error)).hasPrefix("GRDB.") {
            return StoreError.internalError(code: nil)
        }
        return error
    }
}
