import Foundation
import OfflineStore

/// An exclusive advisory lock (flock) on a file, held until the value is released. The
/// kernel releases it if the process dies, so a crash never leaves a store locked.
final class FileLock {
    private let descriptor: Int32

    /// Waits until the lock is free, then takes it.
    init(_ url: URL) throws {
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // The file is in the store's folder: said like the store's own lock.
        guard descriptor >= 0 else { throw StoreFault.cannotLock(path: url.path, reason: String(cString: strerror(errno))) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw StoreFault.cannotLock(path: url.path, reason: reason)
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
