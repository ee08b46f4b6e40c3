import Foundation
import GRDB
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// A temporary folder holding stores and shared folders, removed at the end.
final class Workspace {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A new store; with `replica`, under that replica id (for runs replayed from a seed).
    func store(_ analyst: String, replica: ReplicaID? = nil) throws -> Store {
        let directory = root.appending(path: "store-\(analyst)")
        guard let replica else { return try Store.create(at: directory, analyst: analyst) }
        return try Store.create(at: directory, analyst: analyst, replica: replica)
    }

    func folder(_ name: String) throws -> URL {
        let url = root.appending(path: name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func file(_ name: String) -> URL { root.appending(path: name) }
}

extension Store {
    func sync(_ folder: URL) throws -> SyncSummary { try Synchronizer(store: self).sync(with: folder) }

    /// Where this replica's changesets go in a shared folder (DESIGN.md §5).
    func directory(in folder: URL) -> URL {
        folder.appending(path: "fieldnotes/replicas/\(identity.replica)")
    }

    /// Every row of the tables holding data: equal dumps mean an unchanged store.
    func rawDump() throws -> [String] {
        try database.read { db in
            var rows: [String] = []
            for table in ["versions", "reports", "sync_targets", "imported_changesets", "remotes", "team_keys", "encrypted_writers"] {
                rows += try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { "\(table): \($0)" }
            }
            return rows
        }
    }

    func expectVerified(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let summary = try StoreVerifier.verify(self)
        #expect(summary.problems.isEmpty, "\(summary.problems)", sourceLocation: sourceLocation)
    }

    @discardableResult
    func add(_ title: String, _ change: (inout Report) -> Void = { _ in }) throws -> ReportID {
        var report = Report.sample()
        report.title = title
        change(&report)
        return try create(report).reportID
    }
}

/// Writes a changeset from raw lines (for malformed payloads) and returns its URL.
func writeRawChangeset(_ lines: [String], to url: URL, writer: ReplicaID = ReplicaID(), sequence: Int = 1) throws -> URL {
    let changeset = try ChangesetWriter(at: url, writer: writer, sequence: sequence, level: 6, signing: nil)
    for line in lines { try changeset.append(encodedVersion: line, signature: nil) }
    _ = try changeset.finish()
    return url
}

/// Overwrites bytes of a file.
func patch(_ url: URL, at offset: Int, with bytes: [UInt8]) throws {
    var data = try Data(contentsOf: url)
    data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    try data.write(to: url)
}
