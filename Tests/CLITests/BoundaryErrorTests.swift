import Foundation
import GRDB
import OfflineStore
import SyncEngine
import Testing
@testable import fieldnotes

/// SQLite's errors as a user meets them: one `error:` line that says what to do, and no SQL,
/// no GRDB description — whatever the kind, wherever it comes from.
@Suite("SQLite's errors at the boundary")
struct BoundaryErrorTests {
    static let statement = "SELECT id, analyst FROM replica WHERE id = ?"

    /// Whether a line shows anything of SQL or of GRDB's description of an error.
    static func showsSQL(_ text: String) -> Bool {
        text.range(of: #"\bSQL\b"#, options: .regularExpression) != nil
            || ["SQLite error", "while executing", "INSERT", "SELECT", "UPDATE ", "DELETE ", "DROP ", "PRAGMA", "GRDB"].contains { text.contains($0) }
    }

    // MARK: - Each kind, through the CLI's renderer

    /// Each kind, with SQLite's message for it and what the user must be told to do.
    static let kinds: [(code: ResultCode, message: String, advice: String)] = [
        (.SQLITE_BUSY, "database is locked", "close it and run the command again"),
        (.SQLITE_FULL, "database or disk is full", "free some space"),
        (.SQLITE_READONLY, "attempt to write a readonly database", "writable"),
        (.SQLITE_IOERR, "disk I/O error", "check the disk"),
        (.SQLITE_IOERR_WRITE, "disk I/O error", "free some space"),
        (.SQLITE_CORRUPT, "database disk image is malformed", "run `fieldnotes verify`"),
        (.SQLITE_NOTADB, "file is not a database", "run `fieldnotes verify`"),
        // Bugs: SQLite's message names the schema, and is not for the user either.
        (.SQLITE_CONSTRAINT, "FOREIGN KEY constraint failed", "run `fieldnotes verify`, and report this"),
        (.SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: remotes.name", "run `fieldnotes verify`, and report this"),
        (.SQLITE_ERROR, "no such table: remotes", "run `fieldnotes verify`, and report this"),
    ]

    @Test func aDatabaseErrorOfEachKindIsOneLineWithoutSQL() {
        for (code, sqliteMessage, advice) in Self.kinds {
            let error = DatabaseError(resultCode: code, message: sqliteMessage, sql: Self.statement, arguments: ["3f2a"], publicStatementArguments: true)
            // However it reaches the CLI: from the store (mapped there), or past it.
            for reaching in [Store.boundaryError(error, directory: URL(fileURLWithPath: "/home/dana/.fieldnotes")), error] {
                let message = Console.message(for: reaching)
                #expect(!message.contains("\n") && !message.isEmpty, "\(code): \(message)")
                #expect(!Self.showsSQL(message) && !message.contains(Self.statement) && !message.contains("3f2a"), "\(code): \(message)")
                #expect(!message.contains("constraint failed") && !message.contains("remotes"), "\(code): \(message)")
                #expect(message.contains(advice), "\(code): \(message)")
                #expect(describeError(reaching) == message, "SyncEngine says it as the CLI does")
            }
        }
    }

    @Test func aRefusedFileKeepsItsErrorAndIsSaidByTheSameRenderer() {
        let error = DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full", sql: "INSERT INTO versions VALUES (?)")
        let skipped = SyncSummary.Skipped(file: "3f2a/00000002.fnc", error: error, consequence: "it is tried again at the next sync")
        #expect(skipped.error is DatabaseError, "the error itself is kept")
        let reason = SyncOutput.reason(skipped)
        #expect(reason == Console.message(for: error) + "; it is tried again at the next sync")
        #expect(!Self.showsSQL(reason) && reason.contains("free some space"), "\(reason)")
        #expect(skipped.reason == reason)
    }

    // MARK: - Real conditions, through the binary

    /// A store whose database file holds no database at all (a bad copy, a file put in its
    /// place): every command says so in one line, and the file is left as it was.
    @Test func aDatabaseFileThatIsNotADatabaseIsOneErrorLine() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try sandbox.add(document: "kept")
        let database = sandbox.store.appending(path: Store.databaseName)
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try garbage.write(to: database)
        for side in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + side) }
        let shared = sandbox.folder.appending(path: "shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)

        for arguments in [["list"], ["add", "--title", "on top"], ["verify"], ["status", "--json"], ["sync", shared.path], ["remote", "list"]] {
            let result = try sandbox.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            #expect(!Self.showsSQL(result.stderr), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("is not a fieldnotes store") && result.stderr.contains("`fieldnotes init`"),
                    "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(try Data(contentsOf: database) == garbage, "\(arguments) changed the file")
        }
        // Not a damaged store, so nothing is remembered as damage.
        #expect(!FileManager.default.fileExists(atPath: sandbox.store.appending(path: "damaged").path))
    }

    /// A schema that lost a table (a `sqlite3` shell, a bad copy) meets SQLite with errors no
    /// command expects: said as an internal error with SQLite's code, never with the statement.
    @Test func aStatementSQLiteRefusesIsAnInternalErrorWithoutSQL() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        _ = try sandbox.add(document: "kept")
        let database = try DatabaseQueue(path: sandbox.store.appending(path: Store.databaseName).path)
        try database.write { try $0.execute(sql: "DROP TABLE remotes") }
        try database.close()
        let shared = sandbox.folder.appending(path: "shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)

        for arguments in [["remote", "list"], ["remote", "add", "usb", shared.path], ["sync"], ["status"]] {
            let error = try sandbox.refused(arguments)
            #expect(error == "error: internal error in the store (SQLite code 1); nothing was changed — run `fieldnotes verify`, and report this\n",
                    "\(arguments): \(error)")
            #expect(!Self.showsSQL(error) && !error.contains("remotes"), "\(arguments): \(error)")
        }
        // What needs no such table still works.
        #expect(try sandbox.ok(["list"]).contains("kept"))
    }

    /// `verify` names what SQLite's check of the search index found, not the statement that
    /// runs the check.
    @Test func aDamagedSearchIndexIsNamedWithoutTheStatementThatChecksIt() throws {
        let sandbox = try Sandbox()
        try sandbox.initialize()
        for index in 0..<5 { try sandbox.ok(["add", "--title", "Report \(index)", "--body", "words of report \(index)"]) }
        let database = try DatabaseQueue(path: sandbox.store.appending(path: Store.databaseName).path)
        try database.write { try $0.execute(sql: "UPDATE reports_search_data SET block = x'0000000000' WHERE id > 10") }
        try database.close()

        let result = try sandbox.run(["verify"])
        #expect(result.status == 1)
        #expect(result.stderrLines.allSatisfy { $0.hasPrefix("error: ") }, "\(result.stderr)")
        #expect(result.stderrLines.contains("error: search index: database disk image is malformed"), "\(result.stderr)")
        #expect(!Self.showsSQL(result.stderr), "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(sandbox.run(["verify", "--json"]).stdout.utf8)) as? [String: Any])
        let problems = try #require(json["problems"] as? [String])
        #expect(problems.contains("search index: database disk image is malformed") && !problems.contains { Self.showsSQL($0) }, "\(problems)")
    }

    /// A database file its user may not read (mode 000): said as that, not as no store.
    @Test func aDatabaseFileThatCannotBeReadSaysSo() throws {
        let sandbox = try Sandbox()
        let user = try UnprivilegedUser(sandbox)
        try user.ok(["init", "--analyst", "dana"])
        try user.ok(["add", "--title", "kept"])
        let database = sandbox.store.appending(path: Store.databaseName)
        let before = try Data(contentsOf: database)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: database.path)

        let result = try user.run(["list"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr == "error: cannot read \(database.path): permission denied; make it readable and writable (`chmod u+rw '\(database.path)'`) and run the command again\n",
                "\(result.stderr)")
        #expect(!Self.showsSQL(result.stderr))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database.path)
        #expect(try Data(contentsOf: database) == before)
        #expect(try user.ok(["list"]).contains("kept"))
    }

    // MARK: - Files the sync cannot make

    /// A shared folder this user may not write: the file or folder that cannot be made is
    /// named, with why and what to do — not said to be unreadable.
    @Test func aSharedFolderThatCannotBeWrittenSaysWhatToDo() throws {
        let sandbox = try Sandbox()
        let user = try UnprivilegedUser(sandbox)
        try user.ok(["init", "--analyst", "dana"])
        try user.ok(["add", "--title", "kept"])
        let replica = try #require((try JSONSerialization.jsonObject(with: Data(user.ok(["status", "--json"]).utf8)) as? [String: Any])?["replica"] as? String)
        // Folders of another user's (root's when the tests run as root; else made read-only).
        func folder(_ name: String, layout: String?) throws -> URL {
            let url = sandbox.folder.appending(path: name)
            try FileManager.default.createDirectory(at: url.appending(path: layout ?? ""), withIntermediateDirectories: true)
            if getuid() != 0 {
                try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.appending(path: layout ?? "").path)
            }
            return url
        }
        let empty = try folder("empty", layout: nil)
        let laidOut = try folder("laid-out", layout: "fieldnotes/replicas")
        let ownDirectory = try folder("own", layout: "fieldnotes/replicas/\(replica)")
        let cases: [(URL, String)] = [
            (empty, "cannot write \(empty.path)/fieldnotes: permission denied; make its folder writable for you (or choose another) and run the command again"),
            (laidOut, "cannot write \(laidOut.path)/fieldnotes/replicas/\(replica): permission denied; make its folder writable for you (or choose another) and run the command again"),
            (ownDirectory, "cannot create \(ownDirectory.path)/fieldnotes/replicas/\(replica)/.writing-"),
        ]
        for (shared, expected) in cases {
            let result = try user.run(["sync", shared.path])
            #expect(result.status == 1)
            #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("error: \(shared.path): \(expected)"), "\(result.stderr)")
            #expect(result.stderr.contains("make its folder writable"), "\(result.stderr)")
            #expect(!result.stderr.contains("cannot read"), "\(result.stderr)")
        }

        let out = try folder("out", layout: nil)
        let export = try user.run(["export", "--all", "-o", out.appending(path: "x.fnc").path])
        #expect(export.status == 1)
        #expect(export.stderr == "error: cannot write \(out.path)/x.fnc: permission denied; make its folder writable for you (or choose another) and run the command again; nothing was exported\n",
                "\(export.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }
}
