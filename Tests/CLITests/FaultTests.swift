import Foundation
import GRDB
import OfflineStore
import ReportModels
import Testing

/// Waiting for another command, and what the disk, the permissions and damage can do to a
/// store: each fault is one `error:` line that says what to do, and changes nothing.
@Suite("Waiting and faults")
struct FaultTests {
    // MARK: - Waiting

    @Test func aCommandThatWritesWaitsForTheOneHoldingTheStoreWhileReadingCommandsDoNot() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try sandbox.add(document: "first")
        // A long import: the store's lock and SQLite's write lock, both held.
        var holder: StoreLock? = try StoreLock.acquire(in: sandbox.store, command: "import") { _ in }
        let database = try Self.holdingConnection(sandbox)
        try database.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }

        let add = try sandbox.start(["add", "--title", "second"])
        let started = Date()
        let list = try sandbox.run(["list"])
        #expect(list.status == 0 && list.stdout.contains("first"), "list: \(list.stderr)")
        #expect(Date().timeIntervalSince(started) < 5, "list waited for the writer")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(add.isRunning, "add did not wait for the holder")

        try database.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        holder = nil
        _ = holder
        let result = try add.finish()
        #expect(result.status == 0, "add failed: \(result.stderr)")
        #expect(result.stderr.isEmpty, "not a terminal, so no word about waiting: \(result.stderr)")
        #expect(try sandbox.ok(["list"]).contains("second"))
        try sandbox.verify()
    }

    @Test func aWriterAlsoWaitsForSQLitesOwnLock() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        // As an import deep in its transaction: the store's lock and SQLite's write lock.
        var holder: StoreLock? = try StoreLock.acquire(in: sandbox.store, command: "sync") { _ in }
        let database = try Self.holdingConnection(sandbox)
        try database.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let add = try sandbox.start(["add", "--title", "waits"])
        Thread.sleep(forTimeInterval: 3)
        #expect(add.isRunning)
        holder = nil  // the command-level lock goes first: the writer then meets SQLite's lock
        _ = holder
        Thread.sleep(forTimeInterval: 1)
        #expect(add.isRunning, "the writer must wait for SQLite's lock too")
        try database.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        let result = try add.finish()
        #expect(result.status == 0, "add failed: \(result.stderr)")
    }

    @Test func onATerminalAWaitingCommandSaysWhatItWaitsFor() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let sandbox = try Sandbox()
        try sandbox.initialize()
        var holder: StoreLock? = try StoreLock.acquire(in: sandbox.store, command: "sync") { _ in }
        // `script` gives the command a terminal.
        let command = "'\(Sandbox.binary.path)' add --title waited"
        let add = try sandbox.start(["-qec", command, "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
        Thread.sleep(forTimeInterval: 1.5)
        holder = nil
        _ = holder
        let result = try add.finish()
        #expect(result.status == 0)
        #expect(result.stdout.contains("waiting for another fieldnotes command (sync, pid \(getpid())) to finish…"), "\(result.stdout)")
    }

    @Test func aKilledHolderNeverBlocks() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        // A command killed while it holds the store: the kernel drops its lock.
        let lock = sandbox.store.appending(path: "lock").path
        let holder = try sandbox.start(["-o", lock, "sleep", "5"], executable: URL(fileURLWithPath: "/usr/bin/flock"))
        Thread.sleep(forTimeInterval: 0.5)
        kill(holder.process.processIdentifier, SIGKILL)
        _ = try holder.finish()
        let started = Date()
        try sandbox.ok(["add", "--title", "after the kill"])
        #expect(Date().timeIntervalSince(started) < 5)
    }

    // MARK: - Disks and limits

    @Test func aFileSizeLimitIsOneErrorLineAndChangesNothing() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try sandbox.add(document: "kept")
        let source = sandbox.folder.appending(path: "source")
        try sandbox.initialize(analyst: "bob", at: source)
        let store = try Store.open(at: source)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<40 {
            // Text that does not compress, so the file and the store outgrow the limit.
            let body = (0..<20_000).map { _ in String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36) }.joined(separator: " ")
            try store.create(Report(title: "Report \(index)", body: String(body.prefix(600_000))))
        }
        let file = sandbox.folder.appending(path: "big.fnc").path
        try sandbox.ok(["export", "-o", file, "--store", source.path])

        let before = try sandbox.dump()
        // 4 MB: the store is far below it, the import far above.
        let limited = "ulimit -f 8000; exec '\(Sandbox.binary.path)' \"$@\""
        let imported = try sandbox.run(["-c", limited, "sh", "import", file], executable: URL(fileURLWithPath: "/bin/sh"))
        #expect(imported.status == 1)
        #expect(imported.stderrLines.count == 1 && imported.stderr.hasPrefix("error: "), "\(imported.stderr)")
        #expect(imported.stderr.contains("file-size limit"), "\(imported.stderr)")
        #expect(!imported.stderr.contains("INSERT") && !imported.stderr.contains("SQLite error"), "\(imported.stderr)")
        #expect(try sandbox.dump() == before, "the store changed")

        let exported = try sandbox.run(["-c", "ulimit -f 100; exec '\(Sandbox.binary.path)' \"$@\"", "sh", "export", "--all",
                                        "-o", sandbox.folder.appending(path: "out.fnc").path, "--store", source.path],
                                       executable: URL(fileURLWithPath: "/bin/sh"))
        #expect(exported.status == 1)
        #expect(exported.stderrLines.count == 1 && exported.stderr.contains("out.fnc") && exported.stderr.contains("file-size limit"),
                "\(exported.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.folder.path).allSatisfy { !$0.hasSuffix(".partial") })

        // Still usable, and nothing lost.
        try sandbox.ok(["import", file])
        try sandbox.ok(["add", "--title", "after"])
        try sandbox.verify()
    }

    // MARK: - Read-only side files

    @Test func aReadOnlyShmAndWalLeftBehindAreMadeWritableAgain() throws {
        let sandbox = try Sandbox()
        let user = try UnprivilegedUser(sandbox)
        try user.ok(["init", "--analyst", "dana"])
        try user.ok(["add", "--title", "before"])
        // The database read-only for a moment while a command reads it: SQLite makes its
        // -wal and -shm files with the database's permissions, and they stay.
        let database = sandbox.store.appending(path: Store.databaseName).path
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: database)
        try user.ok(["list"])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database)
        let shm = try FileManager.default.attributesOfItem(atPath: database + "-shm")[.posixPermissions] as? Int
        #expect(shm == 0o400, "the scenario did not happen: -shm is \(String(shm ?? 0, radix: 8))")

        try user.ok(["add", "--title", "after"])
        #expect(try user.ok(["list"]).contains("after"))
        try user.ok(["verify"])
    }

    @Test func aReadOnlyShmOfAnotherUserIsExplained() throws {
        guard getuid() == 0 else { return }  // making a file another user's takes root
        let sandbox = try Sandbox()
        let user = try UnprivilegedUser(sandbox)
        try user.ok(["init", "--analyst", "dana"])
        try user.ok(["add", "--title", "before"])
        let shm = sandbox.store.appending(path: Store.databaseName + "-shm").path
        #expect(FileManager.default.createFile(atPath: shm, contents: Data(count: 32_768), attributes: [.posixPermissions: 0o644]))
        let result = try user.run(["add", "--title", "refused"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(shm) && result.stderr.contains("belongs to root") && result.stderr.contains("chown"), "\(result.stderr)")
        // Reading still works.
        #expect(try user.ok(["list"]).contains("before"))
    }

    // MARK: - Damage

    @Test func writesToADamagedDatabaseAreRefusedUntilVerifyPasses() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        for index in 0..<30 {
            try sandbox.ok(["add", "--title", "Report \(index)", "--body", String(repeating: "Narrative of report \(index). ", count: 200)])
        }
        let changeset = try Sandbox.changeset(in: sandbox)
        let database = sandbox.store.appending(path: Store.databaseName)
        let whole = try Data(contentsOf: database)
        // The last page overwritten, as a failing disk would.
        var damaged = whole
        damaged.replaceSubrange((whole.count - 16_384)..., with: Data(repeating: 0xA5, count: 16_384))
        try damaged.write(to: database)

        for arguments in [["add", "--title", "on top"], ["import", changeset]] {
            let result = try sandbox.run(arguments)
            #expect(result.status == 1, "\(arguments[0]) was not refused")
            #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("error: "), "\(result.stderr)")
            #expect(result.stderr.contains("damaged") && result.stderr.contains("fieldnotes verify"), "\(result.stderr)")
            #expect(try Data(contentsOf: database) == damaged, "\(arguments[0]) wrote to the damaged database")
        }
        let verify = try sandbox.run(["verify"])
        #expect(verify.status == 1)
        #expect(verify.stderr.hasPrefix("error: ") && verify.stderr.contains("damaged"), "\(verify.stderr)")
        // Reading commands still read what they can.
        #expect(try sandbox.run(["status"]).status == 0)

        // Mended (restored from a backup): refused until verify passes, then writable.
        try whole.write(to: database)
        #expect(try sandbox.run(["add", "--title", "too soon"]).status == 1)
        try sandbox.verify()
        try sandbox.ok(["add", "--title", "mended"])
        try sandbox.ok(["import", changeset])
    }

    @Test func damageACommandMeetsIsRememberedForTheWritesAfterIt() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        for index in 0..<30 {
            try sandbox.ok(["add", "--title", "Report \(index)", "--body", String(repeating: "Narrative of report \(index). ", count: 200)])
        }
        // A page in the middle of the file, filled with zeros: it looks like a page that could
        // be whole, so only reading it shows the damage.
        let database = sandbox.store.appending(path: Store.databaseName)
        var data = try Data(contentsOf: database)
        let pages = data.count / 16_384
        for page in 2..<pages { data.replaceSubrange((page * 16_384)..<((page + 1) * 16_384), with: Data(count: 16_384)) }
        try data.write(to: database)
        let met = try sandbox.run(["search", "narrative"])
        #expect(met.status == 1 && met.stderrLines.count == 1 && met.stderr.contains("damaged"), "\(met.stderr)")
        #expect(try sandbox.run(["add", "--title", "on top"]).stderr.contains("damaged"))
    }
}

// MARK: - Helpers

extension FaultTests {
    /// A connection that may keep a transaction open between accesses, as a long import does.
    static func holdingConnection(_ sandbox: Sandbox) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        return try DatabaseQueue(path: sandbox.store.appending(path: Store.databaseName).path, configuration: configuration)
    }
}

/// A run of the binary that goes on while the test does other things.
struct RunningCommand {
    let process: Process
    let out: URL
    let err: URL

    var isRunning: Bool { process.isRunning }

    func finish() throws -> RunResult {
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return RunResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                         stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

extension Sandbox {
    /// Starts `fieldnotes ARGUMENTS` (or another program) without waiting for it.
    func start(_ arguments: [String], executable: URL = Sandbox.binary, environment: [String: String] = [:]) throws -> RunningCommand {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ["HOME": folder.path, "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "FIELDNOTES_STORE": store.path, "USER": "tester"]
            .merging(environment) { $1 }
        let id = UUID().uuidString
        let out = folder.appending(path: ".out-\(id)")
        let err = folder.appending(path: ".err-\(id)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningCommand(process: process, out: out, err: err)
    }

    /// Runs another program as `run` runs fieldnotes.
    func run(_ arguments: [String], executable: URL) throws -> RunResult {
        try start(arguments, executable: executable).finish()
    }

    /// A changeset of one new report from another replica; returns its path.
    static func changeset(in sandbox: Sandbox) throws -> String {
        let other = sandbox.folder.appending(path: "other")
        try sandbox.initialize(analyst: "bob", at: other)
        try sandbox.ok(["add", "--title", "From Bob", "--store", other.path])
        let file = sandbox.folder.appending(path: "bob.fnc").path
        try sandbox.ok(["export", "-o", file, "--store", other.path])
        return file
    }
}

/// Runs the binary as a user whom permissions bind: the tester itself, or `nobody` when the
/// tests run as root (root writes read-only files, so their faults would not show).
struct UnprivilegedUser {
    let sandbox: Sandbox

    init(_ sandbox: Sandbox) throws {
        self.sandbox = sandbox
        if getuid() == 0 {
            // The sandbox's folders become nobody's, so that nobody can make the store there.
            for path in [sandbox.folder.path] {
                #expect(chown(path, 65_534, 65_534) == 0)
            }
        }
    }

    func run(_ arguments: [String]) throws -> RunResult {
        guard getuid() == 0 else { return try sandbox.run(arguments) }
        return try sandbox.run(["--reuid=65534", "--regid=65534", "--clear-groups", Sandbox.binary.path] + arguments,
                               executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
    }

    @discardableResult
    func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments)
        #expect(result.status == 0, "fieldnotes \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }
}
