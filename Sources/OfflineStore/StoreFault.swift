import Foundation
import GRDB

/// What can go wrong with a store's files rather than with what is asked of it: locks, disks,
/// permissions, damage. Each says what to do; none quotes SQL.
public enum StoreFault: Error, Equatable, LocalizedError {
    /// The lock file cannot be opened or locked.
    case cannotLock(path: String, reason: String)
    /// A program other than a fieldnotes command held the database for too long.
    case busy
    /// A file of the store cannot be written; `advice` says what to do about it.
    case readOnly(path: String, advice: String)
    /// A file of the store cannot even be read; `advice` says what to do about it.
    case unreadable(path: String, advice: String)
    /// The disk is full, or a file-size limit (`ulimit -f`) was reached.
    case diskFull
    /// A write failed: a full disk, a file-size limit, or the disk itself.
    case writeFailed
    /// The disk failed a read or a write.
    case ioError
    /// The database is damaged: writes are refused until `fieldnotes verify` passes.
    case damaged(path: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case .cannotLock(let path, let reason):
            "cannot lock \(path) (\(reason)); check that the store's folder is yours and writable"
        case .busy:
            "the store's database has been locked for over a minute by a program that is not a fieldnotes command (an open `sqlite3` shell?); close it and run the command again"
        case .readOnly(let path, let advice):
            "cannot write \(path): it is read-only; \(advice)"
        case .unreadable(let path, let advice):
            "cannot read \(path): permission denied; \(advice)"
        case .diskFull:
            "cannot write the store: the disk is full or a file-size limit (`ulimit -f`) was reached; nothing was changed — free some space (or raise the limit) and run the command again"
        case .writeFailed:
            "cannot write the store: the disk is full, a file-size limit (`ulimit -f`) was reached, or the disk failed; nothing was changed — free some space (or raise the limit) and run the command again"
        case .ioError:
            "the disk failed while reading or writing the store; nothing was changed — check the disk, then run `fieldnotes verify`"
        case .damaged(let path, let detail):
            "the store at \(path) is damaged (\(detail)); nothing was written — run `fieldnotes verify` to see what is wrong, and restore the store from a backup or from a peer (`fieldnotes init` in a new folder, then `fieldnotes sync`)"
        }
    }

    /// The fault an error from SQLite stands for (a fault is itself), nil when it is not a
    /// fault of the files (a constraint, a bug). Paths are the store's folder's when the
    /// caller knows it. (What the store throws is mapped already: ``Store/boundaryError(_:directory:)``.)
    public init?(_ error: Error, store directory: URL? = nil) {
        if let fault = error as? StoreFault {
            self = fault
            return
        }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            self = .diskFull
        case .SQLITE_IOERR:
            // A file-size limit (EFBIG) shows as a failed write.
            self = error.extendedResultCode == .SQLITE_IOERR_WRITE ? .writeFailed : .ioError
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self = .busy
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            self = .readOnly(path: directory?.appending(path: Store.databaseName).path ?? "the store's database",
                             advice: Self.permissionAdvice(directory))
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self = .damaged(path: directory?.path ?? "the store", detail: "SQLite: \(error.message ?? "database disk image is malformed")")
        default:
            return nil
        }
    }

    static func permissionAdvice(_ directory: URL?) -> String {
        guard let directory else { return "make the store's folder and its files yours and writable, and run the command again" }
        return "make the store's folder and its files yours and writable (`chmod u+w '\(directory.path)' '\(directory.path)'/*`) and run the command again"
    }
}
