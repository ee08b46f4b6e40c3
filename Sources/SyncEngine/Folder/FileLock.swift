import Foundation

/// An exclusive advisory lock (flock) on a file, held until the value is released. The
/// kernel releases it if the process dies, so a crash never leaves a store locked.
final class FileLock {
    private let descriptor: Int32

    /// Waits until the lock is free, then takes it.
    init(_ url: URL) throws {
        descriptor = open(url.path, O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw SyncError.cannotWrite("\(url.path): \(String(cString: strerror(errno)))") }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw SyncError.cannotWrite("\(url.path): cannot lock it")
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
