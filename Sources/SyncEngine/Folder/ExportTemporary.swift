import Foundation
import ReportModels

/// The temporary file an export writes before renaming it onto its target, and the ones
/// killed exports left behind.
///
/// The name, `.NAME.<replica>.<uuid>.partial`, says which replica's export wrote it. An
/// export holds its store's `sync.lock` from before it picks the name until after the rename,
/// so while an export of this replica holds that lock, no other file of this replica with such
/// a name is being written: each one is what a killed export left, and is removed. Files of
/// other replicas (another laptop exporting to the same stick) are left alone, and so are the
/// `.NAME.<uuid>.partial` files of older fieldnotes, which do not say whose they are.
enum ExportTemporary {
    /// Removes what killed exports of `writer` left next to `url`, then names a new temporary
    /// file there. Call holding the store's `sync.lock`.
    static func prepare(for url: URL, writer: ReplicaID) -> URL {
        let folder = url.deletingLastPathComponent()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where isLeftover(name, of: writer) {
            try? FileManager.default.removeItem(at: folder.appending(path: name))
        }
        return folder.appending(path: ".\(url.lastPathComponent).\(writer.rawValue).\(UUID().uuidString).partial")
    }

    /// Whether `name` is an export temporary of `writer`'s.
    static func isLeftover(_ name: String, of writer: ReplicaID) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".partial") else { return false }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        // "", NAME…, replica, uuid, "partial"
        guard parts.count >= 5 else { return false }
        return parts[parts.count - 3] == writer.rawValue && UUID(uuidString: String(parts[parts.count - 2])) != nil
    }
}
