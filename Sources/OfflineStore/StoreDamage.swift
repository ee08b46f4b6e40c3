import Foundation
import GRDB

/// Damage to a store's database, remembered until `verify` finds it whole again.
///
/// SQLite notices a damaged page only when it reads it: with the database's last page
/// overwritten, a command that never reads that page writes happily on top of it, and only
/// `verify` (which reads every page, seconds on a large store) says the file is malformed.
/// Checking every page per command is out of the question, so damage, once met, is
/// remembered: whenever a command meets SQLITE_CORRUPT or SQLITE_NOTADB — in whatever
/// statement, seen through SQLite's error log — or `verify` finds a problem, a marker file
/// (`STORE/damaged`, saying what was found) is left in the store's folder, and every command
/// that writes is refused while it is there. `verify` removes it when everything checks out.
///
/// On top of that, a command that writes makes the checks that cost next to nothing
/// (``checkFile(_:)``: two pages read).
public enum StoreDamage {
    static let markerName = "damaged"

    /// Installs the watch on SQLite's error log (once per process, before its first
    /// connection: SQLite takes its log callback only then).
    static func watchSQLiteLog() {
        _ = installWatch
    }

    private static let installWatch: Void = {
        Database.logError = { code, message in
            guard code.primaryResultCode == .SQLITE_CORRUPT || code.primaryResultCode == .SQLITE_NOTADB else { return }
            seen.withLock { $0 = $0 ?? withoutStatement(message) }
        }
    }()

    /// SQLite's log line without the statement it may quote: the marker's words reach the
    /// user, and SQL is not for them. ("statement aborts at 7: [SELECT …] file is not a
    /// database", or "…: file is not a database; [SELECT …]" in newer SQLite, and "file is
    /// not a database in \"SELECT …\"" from a statement being prepared, say "file is not a
    /// database".)
    static func withoutStatement(_ message: String) -> String {
        if message.hasSuffix("\""), let quote = message.range(of: " in \"") {
            return String(message[..<quote.lowerBound])
        }
        guard message.hasPrefix("statement aborts at "), let colon = message.range(of: ": ") else { return message }
        var rest = message[colon.upperBound...]
        if rest.hasPrefix("[") {
            rest = rest.range(of: "] ", options: .backwards).map { rest[$0.upperBound...] } ?? "the statement failed"
        } else if let statement = rest.range(of: "; [") {
            rest = rest[..<statement.lowerBound]
        }
        return String(rest)
    }

    private static let seen = Locked<String?>(nil)

    /// What damage a command of this process met, if any (SQLite's own words).
    public static var metInThisProcess: String? { seen.withLock { $0 } }

    /// Leaves the marker in the store's folder if this process met damage. The CLI calls it
    /// at the end of every command, whether it succeeded or not.
    public static func recordIfMet(in directory: URL) {
        // A marker already there says more than SQLite's log line. A file that is no SQLite
        // database at all is not a damaged store but no store (as opening it says).
        guard let message = metInThisProcess, marked(in: directory) == nil,
              hasSQLiteHeader(directory.appending(path: Store.databaseName))
        else { return }
        record("SQLite met a damaged page: \(message)", in: directory)
    }

    /// Leaves the marker, saying what was found.
    public static func record(_ detail: String, in directory: URL) {
        let marker = directory.appending(path: markerName)
        try? Data("\(detail)\n".utf8).write(to: marker, options: .atomic)
    }

    /// Removes the marker (`verify` found nothing wrong).
    public static func clear(in directory: URL) {
        try? FileManager.default.removeItem(at: directory.appending(path: markerName))
    }

    /// What the marker says, nil when there is none.
    public static func marked(in directory: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: directory.appending(path: markerName).path) else { return nil }
        let text = String(decoding: data.prefix(500), as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
        return text ?? "damage was found"
    }

    static func refuseWritesIfMarked(in directory: URL) throws {
        if let detail = marked(in: directory) {
            throw StoreFault.damaged(path: directory.path, detail: detail)
        }
    }

    /// The checks a command that writes makes before it connects, which read two pages of
    /// the file: its header, and its last page. Damage found is recorded, then thrown.
    ///
    /// They read the file directly, so they run before this process connects to it (closing
    /// a descriptor of a file drops every POSIX lock the process holds on it, SQLite's
    /// included), and only when no write-ahead log holds pages: then the file is the whole
    /// database, and nothing rewrites it while the store's lock is held. What they conclude is
    /// only what no whole database can show (``impossibleLastPage(_:header:)``), so a store is
    /// never refused for what is merely unusual.
    static func checkFile(_ file: URL) throws {
        guard size(of: file.path + "-wal") ?? 0 == 0, let problem = problemInFile(file) else { return }
        let directory = file.deletingLastPathComponent()
        record(problem, in: directory)
        throw StoreFault.damaged(path: directory.path, detail: problem)
    }

    static func problemInFile(_ file: URL) -> String? {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, let header = read(descriptor, count: 100, at: 0), header.count == 100,
              header.starts(with: Array("SQLite format 3\0".utf8))
        else { return nil }  // not for these checks to judge: SQLite says "not a database"
        let pageSize = header.be16(16) == 1 ? 65_536 : header.be16(16)
        guard pageSize >= 512, pageSize & (pageSize - 1) == 0 else { return "the database's header is damaged" }
        let size = Int(status.st_size)
        // The page count in the header is valid when its change counter and "version valid
        // for" number agree (always, for SQLite 3.7 and later).
        let pages = header.be32(24) == header.be32(92) ? header.be32(28) : 0
        guard pages > 0 else { return nil }
        if size < pages * pageSize {
            return "the database file holds \(size / pageSize) of its \(pages) pages: it was cut short"
        }
        guard let last = read(descriptor, count: pageSize, at: (pages - 1) * pageSize), last.count == pageSize,
              let problem = impossibleLastPage(last, pageNumber: pages, header: header)
        else { return nil }
        return problem
    }

    /// What makes the database's last page one that no whole database holds, nil when it
    /// could be whole.
    ///
    /// Any page of a database without auto-vacuum is a b-tree page, an overflow page, a page
    /// of the freelist, or the lock-byte page. With an empty freelist (the header counts its
    /// pages) and the lock-byte page elsewhere, the last page is then a b-tree page — its first
    /// byte 2, 5, 10 or 13, and its header consistent: the cell pointers after it, and each
    /// pointer into the cell content area — or an overflow page, which begins with the number
    /// of the next one (0 or a page of the file: its first byte 0, below 2^24 pages). A page
    /// that is neither is damaged. (A page overwritten with zeros looks like the last page of
    /// an overflow chain, and is not caught here: `verify` finds it.)
    static func impossibleLastPage(_ page: [UInt8], pageNumber: Int, header: [UInt8]) -> String? {
        let pageSize = page.count
        let usable = pageSize - Int(header[20])
        let lockBytePage = 1_073_741_824 / pageSize + 1
        guard header.be32(36) == 0,  // freelist pages: any content
              header.be32(52) == 0,  // auto-vacuum: pointer-map pages
              pageNumber != lockBytePage, pageNumber > 1, pageNumber < 1 << 24
        else { return nil }
        let damaged = "its last page (\(pageNumber)) is neither a b-tree page nor an overflow page"
        switch page[0] {
        case 0:
            return page.be32(0) <= pageNumber ? nil : damaged
        case 2, 5, 10, 13:
            let headerSize = page[0] == 2 || page[0] == 5 ? 12 : 8
            let cells = page.be16(3)
            let contentStart = page.be16(5) == 0 ? 65_536 : page.be16(5)
            let pointersEnd = headerSize + 2 * cells
            guard pointersEnd <= contentStart, contentStart <= usable else { return damaged }
            for cell in 0..<cells {
                let pointer = page.be16(headerSize + 2 * cell)
                guard pointer >= contentStart, pointer < usable else { return damaged }
            }
            return nil
        default:
            return damaged
        }
    }

    private static func read(_ descriptor: Int32, count: Int, at offset: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        guard read >= 0 else { return nil }
        return Array(bytes[..<read])
    }

    /// The fault for SQLITE_CORRUPT or SQLITE_NOTADB met on opening: damage if the file was
    /// a SQLite database (its header says so), recorded; nil for a file that never was one.
    static func fault(for error: DatabaseError, file: URL) -> StoreFault? {
        let directory = file.deletingLastPathComponent()
        guard error.resultCode == .SQLITE_CORRUPT || hasSQLiteHeader(file) else { return nil }
        let detail = "SQLite: \(error.message ?? "database disk image is malformed")"
        record(detail, in: directory)
        return .damaged(path: directory.path, detail: detail)
    }

    private static func hasSQLiteHeader(_ file: URL) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) == Data("SQLite format 3\0".utf8)
    }

    private static func size(of path: String) -> Int? {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : nil
    }
}

extension [UInt8] {
    /// Big-endian integers of SQLite's file format.
    func be16(_ offset: Int) -> Int { Int(self[offset]) << 8 | Int(self[offset + 1]) }
    func be32(_ offset: Int) -> Int { be16(offset) << 16 | be16(offset + 2) }
}

/// A value behind a lock, for state that SQLite's callbacks share across threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
