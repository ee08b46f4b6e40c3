import Foundation
import OfflineStore

/// A shared folder to sync, and the name a person gave it by: a remote's name, or the path
/// as typed.
public struct SyncTarget: Sendable {
    public let name: String
    public let url: URL
}

extension Store {
    /// The folders `names` stand for. A name is a remote's (as with `git fetch origin`) before
    /// it is a path — remote names hold no '/' (`Remote.checkName`); `path` turns the others
    /// into folders. No names: every remote, and having none is an error.
    public func syncTargets(named names: [String], path: (String) throws -> URL) throws -> [SyncTarget] {
        let remotes = try remotes()
        let remote = { (remote: Remote) in SyncTarget(name: remote.name, url: URL(fileURLWithPath: remote.path)) }
        guard !names.isEmpty else {
            guard !remotes.isEmpty else { throw SyncError.noRemotes }
            return remotes.map(remote)
        }
        return try names.map { name in
            try remotes.first { $0.name == name }.map(remote) ?? SyncTarget(name: name, url: try path(name))
        }
    }
}
