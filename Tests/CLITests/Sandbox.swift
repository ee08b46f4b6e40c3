import Foundation
import GRDB
import Testing

/// What a run of the `fieldnotes` binary did.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// A temporary folder in which the real `fieldnotes` binary runs against real stores, with
/// HOME pointing inside it so nothing touches the tester's own files.
final class Sandbox {
    let folder: URL
    /// The store the runs use unless told otherwise (FIELDNOTES_STORE).
    var store: URL

    static let binary: URL = {
        // The test runner sits next to the products it was built with.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appending(path: "fieldnotes")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appending(path: ".build/debug/fieldnotes")
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appending(path: "Fixtures")

    init() throws {
        folder = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = folder.appending(path: "store")
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Runs `fieldnotes ARGUMENTS` and waits for it; through `launcher` (a command and its
    /// arguments, such as `setpriv …`) if one is given.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], launcher: [String] = []) throws -> RunResult {
        let process = Process()
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = launcher.dropFirst() + [Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        var env = ["HOME": folder.path, "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "FIELDNOTES_STORE": store.path, "USER": "tester"]
        env.merge(environment) { $1 }
        process.environment = env
        let id = UUID().uuidString
        let outURL = folder.appending(path: ".out-\(id)")
        let errURL = folder.appending(path: ".err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus,
                         stdout: try String(contentsOf: outURL, encoding: .utf8),
                         stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// Runs a command that must succeed; returns its stdout.
    @discardableResult
    func ok(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments, stdin: stdin, environment: environment)
        #expect(result.status == 0, "fieldnotes \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a command with `--json` and parses its stdout.
    func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        let output = try ok(arguments + ["--json"], sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])
    }

    /// Runs a command that must fail the way CLI.md says: exit 1, one `error:` line on stderr,
    /// nothing on stdout, and the store left exactly as it was. Returns the error line.
    @discardableResult
    func refused(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let before = try dump()
        let result = try run(arguments, stdin: stdin, environment: environment)
        #expect(result.status == 1, "expected exit 1 from \(arguments), got \(result.status)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "expected one line on stderr, got: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
        #expect(try dump() == before, "the store changed", sourceLocation: sourceLocation)
        return result.stderr
    }

    /// `init` a store for an analyst (at the default store unless told otherwise).
    func initialize(analyst: String = "alice", at store: URL? = nil) throws {
        try ok(["init", "--analyst", analyst] + (store.map { ["--store", $0.path] } ?? []))
    }

    /// Adds a report from a fixture or a document; returns its id.
    func add(document: String) throws -> String {
        try ok(["add", "--from", "-"], stdin: document).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func addSample() throws -> String {
        try ok(["add", "--from", Self.fixtures.appending(path: "flashpoint-sitrep.md").path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every row of the store's tables that hold data; nil rows when there is no store.
    func dump(_ store: URL? = nil) throws -> [String] {
        let file = (store ?? self.store).appending(path: "fieldnotes.sqlite")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: file.path, configuration: configuration)
        return try database.read { db in
            var rows: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'reports_search_%' ORDER BY name") {
                rows += try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid").map { "\(table): \($0)" }
            }
            return rows + ["user_version: \(try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)"]
        }
    }

    /// `fieldnotes verify` must pass on every store a test makes.
    func verify(_ store: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ok(["verify"] + (store.map { ["--store", $0.path] } ?? []), sourceLocation: sourceLocation)
    }

    /// Writes a file into the sandbox; returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let url = folder.appending(path: name)
        try Data(contents.utf8).write(to: url)
        return url.path
    }

    /// Writes a shell script (a fake `$EDITOR`) and returns the command that runs it.
    ///
    /// The shell reads the script rather than the kernel executing it: a file just written
    /// can still be open for writing in a process that another test (running in parallel)
    /// started meanwhile, and Linux refuses to execute such a file ("Text file busy").
    func script(_ name: String, _ contents: String) throws -> String {
        "/bin/sh '\(try write(name, contents))'"
    }
}
