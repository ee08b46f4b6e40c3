import Foundation

/// The store's writer lock: `STORE/lock`, held by the one fieldnotes command that writes to
/// the store, which records in it its process id and command so that others can say what
/// they wait for.
///
/// It is an advisory `flock` on the file: the kernel drops it when its holder exits however
/// it exits (kill -9 included), so a dead command never blocks another, and no stale lock
/// file ever needs removing — the file stays and only its lock comes and goes. Reading
/// commands never take it: WAL lets them read while a writer writes.
///
/// SQLite's own locks still guard every transaction; this lock sits above them so that a
/// command waits for another whole command (an import can hold the database for minutes)
/// rather than for one transaction, and knows whom it waits for.
public final class StoreLock: Sendable {
    /// The command that holds the lock.
    public struct Holder: Sendable, Hashable {
        public var pid: Int32
        public var command: String
    }

    static let fileName = "lock"
    private let descriptor: Int32

    /// Takes the lock of the store in `directory`, first calling `waiting` once (with the
    /// holder, when it said who it is) if another process holds it, then waiting for as long
    /// as that process holds it.
    public static func acquire(in directory: URL, command: String, waiting: (Holder?) -> Void) throws -> StoreLock {
        let path = directory.appending(path: fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreFault.cannotLock(path: path, reason: String(cString: strerror(errno))) }
        if !lock(descriptor, LOCK_EX | LOCK_NB) {
            guard errno == EWOULDBLOCK else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw StoreFault.cannotLock(path: path, reason: reason)
            }
            waiting(readHolder(descriptor))
            guard lock(descriptor, LOCK_EX) else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw StoreFault.cannotLock(path: path, reason: reason)
            }
        }
        // Who holds it now, for those who will wait. Best effort: a full disk must not stop a
        // command that may be about to free space.
        let record = Array("\(getpid()) \(command)\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = record.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        return StoreLock(descriptor: descriptor)
    }

    /// The process holding the lock of the store in `directory`, nil when nobody holds it.
    /// (A holder that is this very process is returned too, with its own pid.)
    public static func holder(in directory: URL) -> Holder? {
        let descriptor = open(directory.appending(path: fileName).path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // A shared lock is refused only while someone holds the exclusive one; taken, it is
        // let go at once (closing the descriptor releases it).
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 { return nil }
        return readHolder(descriptor) ?? Holder(pid: 0, command: "")
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func lock(_ descriptor: Int32, _ operation: Int32) -> Bool {
        while flock(descriptor, operation) != 0 {
            guard errno == EINTR else { return false }
        }
        return true
    }

    private static func readHolder(_ descriptor: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0, let text = String(validating: buffer[..<count], as: UTF8.self) else { return nil }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0 else { return nil }
        return Holder(pid: pid, command: String(parts[1]))
    }
}

/// SQLite's busy handler: what a connection does when another one holds the lock it needs.
///
/// While a fieldnotes command holds the store's lock, the wait lasts as long as it does —
/// that command is alive (the kernel drops a dead one's lock) and will finish. Otherwise the
/// lock is held by a program that is not a fieldnotes command (or by a reading command
/// checkpointing as it closes, which takes milliseconds): that is waited for a minute, then
/// the command fails with SQLITE_BUSY, said as ``StoreFault/busy``.
final class BusyWait: @unchecked Sendable {
    private let directory: URL
    private let waiting: Store.Waiting?
    private let state = NSLock()
    private var started = Date()
    private var told = false
    static let patience: TimeInterval = 60

    init(directory: URL, waiting: Store.Waiting?) {
        self.directory = directory
        self.waiting = waiting
    }

    /// Called by SQLite with how many times it has asked during this wait; true to try again.
    func shouldRetry(after tries: Int) -> Bool {
        state.lock()
        defer { state.unlock() }
        if tries == 0 { started = Date() }
        let waited = Date().timeIntervalSince(started)
        let holder = StoreLock.holder(in: directory).flatMap { $0.pid == getpid() ? nil : $0 }
        guard holder != nil || waited < Self.patience else { return false }
        // Said only once a wait is real: most last a few milliseconds.
        if !told, holder != nil || waited > 1 {
            told = true
            waiting?(holder)
        }
        usleep(UInt32(min(tries + 1, 10)) * 10_000)
        return true
    }
}
