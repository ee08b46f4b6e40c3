import Foundation

/// What can stop a sync before it starts, said so that a person knows what to do.
public enum SyncError: Error, Equatable, LocalizedError {
    case folderMissing(String)
    case notAFolder(String)
    case folderDamaged(String, String)
    /// A file or folder that cannot be written; `reason` says why and what to do.
    case cannotWrite(path: String, reason: String)
    /// A file that cannot be made; `reason` says why and what to do.
    case cannotCreate(path: String, reason: String)
    case cannotRead(String)
    case noRemotes
    case replicaInUseElsewhere(folder: String, file: String)
    case ownFileUnreadable(String, reason: String)
    /// A signed changeset that would not be readable as it was asked to be written (its
    /// identities or signatures); `reason` says what. A fault of the store's data or a bug.
    case cannotSign(path: String, reason: String)
    /// An encrypted folder whose current team key this store does not hold (`rekeyed`: it
    /// holds an older one).
    case teamKeyMissing(folder: String, rekeyed: Bool)

    public var errorDescription: String? {
        switch self {
        case .folderMissing(let path): "the folder \(path) does not exist; check the path (is the drive mounted?)"
        case .notAFolder(let path): "\(path) is a file, not a folder; give the shared folder's path"
        case .folderDamaged(let path, let kind):
            "\(path) is \(kind), not a folder; fieldnotes reads only what is inside the shared folder: move it away and sync again"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
        case .cannotRead(let detail): "cannot read \(detail); check its permissions"
        case .replicaInUseElsewhere(let folder, let file):
            "\(folder) holds \(file) written as this replica, which this store did not write: a copy of this store is in use on another laptop (each laptop needs its own `fieldnotes init`); nothing was written"
        case .ownFileUnreadable(let path, let reason):
            "cannot check \(path), written as this replica: \(reason); if it is still being copied, sync again later, and if it is damaged, move it out of the folder"
        case .cannotSign(let path, let reason):
            "cannot write \(path) signed: \(reason); nothing was written (run `fieldnotes verify`, and report this if it passes)"
        case .teamKeyMissing(let folder, false):
            "\(folder) is encrypted: run `fieldnotes team join \(folder)` (with the team's passphrase); nothing was imported from it or written to it"
        case .teamKeyMissing(let folder, true):
            "\(folder)'s team changed its key: run `fieldnotes team join \(folder)` with the new passphrase; nothing was imported from it or written to it"
        case .noRemotes: "no folder given and no remotes set up; run `fieldnotes sync FOLDER` or `fieldnotes remote add NAME FOLDER`"
        }
    }
}
