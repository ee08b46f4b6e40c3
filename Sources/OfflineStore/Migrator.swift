import Foundation
import GRDB

/// Brings a store's schema up to date from the migrations compiled into this binary
/// (`Migrations/NNNN_name.sql`).
///
/// The schema version is SQLite's `user_version`: the number of the last migration applied.
/// Each migration runs in its own savepoint together with the `user_version` update, so a
/// store is always at one whole version. A store whose version is higher than any migration
/// known here was written by a newer fieldnotes and is refused untouched.
enum Migrator {
    static var latest: Int { embeddedMigrations.last?.number ?? 0 }

    /// What a migration needs beyond SQL, run in its savepoint after its SQL.
    static func swiftStep(after migration: Int) -> ((Database, URL) throws -> Void)? {
        switch migration {
        case 5: Store.prepareSigning(_:directory:)
        default: nil
        }
    }

    static func migrate(_ db: Database, path: String) throws {
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard current <= latest else {
            throw StoreError.newerSchema(path: path, found: current, supported: latest)
        }
        for migration in embeddedMigrations where migration.number > current {
            do {
                try db.inSavepoint {
                    try db.execute(sql: migration.sql)
                    try swiftStep(after: migration.number)?(db, URL(fileURLWithPath: path))
                    try db.execute(sql: "PRAGMA user_version = \(migration.number)")
                    return .commit
                }
            } catch let error as DatabaseError where StoreFault(error) == nil {
                // A fault of the files (a full disk, a read-only file, damage) is said as such
                // by the store's boundary; what is left is a migration that failed.
                throw StoreError.migrationFailed(path: path, migration: migration.number, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
            }
        }
    }
}
