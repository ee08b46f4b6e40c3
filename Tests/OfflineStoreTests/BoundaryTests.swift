import Foundation
import GRDB
@testable import OfflineStore
import Testing

/// A kind of error SQLite makes, and what the user must be told to do about it.
struct SQLiteErrorKind: Sendable, CustomTestStringConvertible {
    var code: ResultCode
    /// SQLite's message, as it would come.
    var message: String
    /// Words of what to do that the user must see.
    var advice: String
    /// Whether SQLite's message may be shown (damage says what SQLite found; a bug does not
    /// show table and column names).
    var showsMessage = false

    var testDescription: String { "SQLite code \(code.rawValue) (\(message))" }

    static let all: [SQLiteErrorKind] = [
        .init(code: .SQLITE_BUSY, message: "database is locked", advice: "close it and run the command again"),
        .init(code: .SQLITE_LOCKED, message: "database table is locked", advice: "close it and run the command again"),
        .init(code: .SQLITE_FULL, message: "database or disk is full", advice: "free some space"),
        .init(code: .SQLITE_IOERR, message: "disk I/O error", advice: "check the disk"),
        .init(code: .SQLITE_IOERR_READ, message: "disk I/O error", advice: "check the disk"),
        .init(code: .SQLITE_IOERR_WRITE, message: "disk I/O error", advice: "free some space"),
        .init(code: .SQLITE_READONLY, message: "attempt to write a readonly database", advice: "yours and writable"),
        .init(code: .SQLITE_CANTOPEN, message: "unable to open database file", advice: "yours and writable"),
        .init(code: .SQLITE_CORRUPT, message: "database disk image is malformed", advice: "run `fieldnotes verify`", showsMessage: true),
        .init(code: .SQLITE_NOTADB, message: "file is not a database", advice: "run `fieldnotes verify`", showsMessage: true),
        // Not a fault of the files: a bug.
        .init(code: .SQLITE_CONSTRAINT, message: "constraint failed", advice: "run `fieldnotes verify`, and report this"),
        .init(code: .SQLITE_CONSTRAINT_UNIQUE, message: "UNIQUE constraint failed: versions.report_id, versions.replica_id, versions.counter",
              advice: "run `fieldnotes verify`, and report this"),
        .init(code: .SQLITE_CONSTRAINT_TRIGGER, message: "versions are immutable", advice: "run `fieldnotes verify`, and report this"),
        .init(code: .SQLITE_ERROR, message: "no such table: remotes", advice: "run `fieldnotes verify`, and report this"),
        .init(code: .SQLITE_MISUSE, message: "bad parameter or other API misuse", advice: "run `fieldnotes verify`, and report this"),
    ]
}

/// Whether `text` shows anything of SQL or of GRDB's description of an error.
func showsSQL(_ text: String, statement: String) -> Bool {
    text.range(of: #"\bSQL\b"#, options: .regularExpression) != nil
        || ["SQLite error", "while executing", "INSERT", "SELECT", "UPDATE ", "DELETE ", "GRDB", "arguments"].contains { text.contains($0) }
        || text.contains(statement)
}

/// SQLite's and GRDB's errors at the store's boundary: each becomes the store's own, one line
/// that says what to do and shows no SQL.
@Suite("Errors at the store's boundary")
struct BoundaryTests {
    static let statement = "INSERT INTO versions (report_id, replica_id, counter, hash, encoded) VALUES (?, ?, ?, ?, ?)"
    static let directory = URL(fileURLWithPath: "/tmp/fieldnotes-boundary-\(UUID().uuidString)/store")

    @Test(arguments: SQLiteErrorKind.all)
    func eachKindOfDatabaseErrorSaysWhatToDoWithoutSQL(_ kind: SQLiteErrorKind) throws {
        let error = DatabaseError(resultCode: kind.code, message: kind.message, sql: Self.statement,
                                  arguments: ["3f2a", "b7c1", 2, "hash", "{}"], publicStatementArguments: true)
        #expect(String(describing: error).contains(Self.statement), "the test's error must hold SQL to hide")
        let mapped = Store.boundaryError(error, directory: Self.directory)
        #expect(!(mapped is DatabaseError))
        #expect(mapped is StoreFault || mapped is StoreError, "\(type(of: mapped))")
        let text = try #require((mapped as? LocalizedError)?.errorDescription)
        #expect(!text.contains("\n"), "\(text)")
        #expect(!showsSQL(text, statement: Self.statement), "\(text)")
        #expect(text.contains(kind.advice), "\(text)")
        if !kind.showsMessage {
            #expect(!text.contains(kind.message), "\(text)")
        }
        // Mapped once is mapped for good.
        #expect((Store.boundaryError(mapped, directory: nil) as? LocalizedError)?.errorDescription == text)
        // Said the same with the store's folder not known.
        let unplaced = try #require((Store.boundaryError(error, directory: nil) as? LocalizedError)?.errorDescription)
        #expect(!showsSQL(unplaced, statement: Self.statement) && unplaced.contains(kind.advice), "\(unplaced)")
    }

    @Test func aConstraintIsAnInternalErrorWithItsCode() {
        let error = DatabaseError(resultCode: .SQLITE_CONSTRAINT_UNIQUE, message: "UNIQUE constraint failed: remotes.name", sql: "INSERT INTO remotes …")
        #expect(Store.boundaryError(error, directory: Self.directory) as? StoreError == .internalError(code: 2067))
        let text = StoreError.internalError(code: 2067).errorDescription ?? ""
        #expect(text == "internal error in the store (SQLite code 2067); nothing was changed — run `fieldnotes verify`, and report this")
    }

    @Test func errorsThatAreNotSQLitesPassUnchanged() {
        let missing = StoreError.missing(path: "/nowhere")
        #expect(Store.boundaryError(missing, directory: Self.directory) as? StoreError == missing)
        let fault = StoreFault.diskFull
        #expect(Store.boundaryError(fault, directory: Self.directory) as? StoreFault == fault)
        let file = CocoaError(.fileNoSuchFile)
        #expect(Store.boundaryError(file, directory: Self.directory) is CocoaError)
    }

    // MARK: - Through the store's API

    @Test func theStoresMethodsThrowTheStoresErrorsNotGRDBs() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        // A damaged schema: a table gone (a `sqlite3` shell, a bad copy).
        try store.database.write { try $0.execute(sql: "DROP TABLE remotes") }
        #expect(throws: StoreError.internalError(code: ResultCode.SQLITE_ERROR.rawValue)) { try store.remotes() }
        #expect(throws: StoreError.internalError(code: ResultCode.SQLITE_ERROR.rawValue)) { try store.addRemote(name: "usb", path: "/media/usb") }
        // A row GRDB cannot decode is a damaged record, not GRDB's dump of the row and its SQL.
        #expect(throws: StoreError.corruptRecord("a value in the database is not what this fieldnotes expects")) {
            try store.database.read { try String.fetchAll($0, sql: "SELECT NULL") }
        }
    }

    @Test func openingAFileThatIsNotADatabaseSaysItIsNotAStore() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-garbage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let garbage = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) })
        try garbage.write(to: folder.appending(path: Store.databaseName))
        for access in [StoreAccess.reading, .writing(command: "add"), .verifying] {
            #expect(throws: StoreError.notAStore(path: folder.path)) { try Store.open(at: folder, for: access) }
        }
        #expect(try Data(contentsOf: folder.appending(path: Store.databaseName)) == garbage)
    }

    @Test func theDamageMarkerKeepsSQLitesWordsButNotItsStatement() {
        // SQLite up to 3.4x, and after.
        #expect(StoreDamage.withoutStatement("statement aborts at 7: [SELECT id FROM reports WHERE x = 'a] b'] database disk image is malformed")
                == "database disk image is malformed")
        #expect(StoreDamage.withoutStatement("statement aborts at 12: file is not a database; [PRAGMA journal_mode = WAL]")
                == "file is not a database")
        #expect(StoreDamage.withoutStatement("file is not a database in \"\nPRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\"")
                == "file is not a database")
        #expect(StoreDamage.withoutStatement("database corruption at line 74191 of [df5c253c0b]") == "database corruption at line 74191 of [df5c253c0b]")
    }
}
