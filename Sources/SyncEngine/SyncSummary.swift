import Foundation
import ReportModels

/// What a sync or an import did.
public struct SyncSummary: Sendable, Equatable {
    /// A file that was refused, and why. Nothing of it reached the store.
    public struct Skipped: Sendable, Equatable {
        public var file: String
        /// Why: the error itself, for the caller to say (the CLI, through its one renderer).
        public var error: any Error
        /// What becomes of the file, said after the error ("it is tried again at the next
        /// sync"), if anything.
        public var consequence: String?

        public init(file: String, error: any Error, consequence: String? = nil) {
            self.file = file
            self.error = error
            self.consequence = consequence
        }

        /// Why, in one line: the error as `render` says it, then the consequence.
        public func reason(renderedBy render: (Error) -> String) -> String {
            render(error) + (consequence.map { "; \($0)" } ?? "")
        }

        /// Why, in one line, as ``describeError(_:)`` says the error.
        public var reason: String { reason(renderedBy: describeError) }

        /// The same file refused for the same reason, as said.
        public static func == (lhs: Skipped, rhs: Skipped) -> Bool {
            lhs.file == rhs.file && lhs.reason == rhs.reason
        }
    }

    /// A writer whose next file is not in the folder yet; its later files wait for it.
    public struct Waiting: Sendable, Equatable {
        public var writer: ReplicaID
        public var missing: String
    }

    public var importedChangesets = 0
    /// The writers whose snapshots were imported (DESIGN.md §11).
    public var importedSnapshots: [ReplicaID] = []
    public var importedVersions = 0
    public var exportedVersions = 0
    public var newConflicts = 0
    public var skipped: [Skipped] = []
    public var waiting: [Waiting] = []
    /// Files of this replica's that had vanished from the folder and were written again.
    public var rewrittenChangesets = 0
    public var notices: [SyncNotice] = []
    /// Keys pinned and rotations followed by the imports.
    public var keys: [KeyEvent] = []
    /// The changeset written, if any.
    public var written: URL?
    /// Whether this replica wrote its snapshot.
    public var wroteSnapshot = false
    /// This replica's changesets (and snapshot) it deleted from the folder, every reader having
    /// them or a snapshot that covers them (DESIGN.md §11).
    public var deletedChangesets = 0
    public var deletedSnapshot = false

    public init() {}
}

/// Something about a folder that a person should know, though the sync went on.
public enum SyncNotice: Equatable, Sendable, CustomStringConvertible {
    /// Changesets this replica wrote had vanished from the folder; they were written again.
    case ownFilesVanished([Int])
    /// This replica's replica.json in the folder was older than what it last wrote there.
    case ownInfoReverted(found: Int, written: Int)
    /// Versions this replica imported from changesets that are no longer in the folder, which it
    /// now carries itself, and the replicas whose files they were.
    case recarried(versions: Int, writers: [String])
    /// A peer synced, by its own clock, well after this replica's changeset was written, and
    /// still has not imported it.
    case notReceived(peer: ReplicaID, analyst: String?, syncedAt: Timestamp, sequence: Int)
    /// A snapshot covers this replica's changesets by its frontier but lacks versions they
    /// carry: they are not deleted on its account.
    case snapshotLacksVersions(writer: ReplicaID)

    public var description: String {
        switch self {
        case .snapshotLacksVersions(let writer):
            return "the snapshot of replica \(writer.short) says it covers changesets of this replica's but lacks versions they carry; they are kept, and its writer should sync again"

        case .ownFilesVanished(let sequences):
            let names = sequences.prefix(3).map(SharedFolder.fileName(sequence:)).joined(separator: ", ") + (sequences.count > 3 ? ", …" : "")
            return "\(sequences.count == 1 ? "a changeset" : "\(sequences.count) changesets") this replica wrote had vanished from the folder (\(names)) and \(sequences.count == 1 ? "was" : "were") written again; if files keep vanishing, something removes them (a backup restored over the folder, a sync tool reverting local changes)"
        case .ownInfoReverted(let found, let written):
            return "this replica's replica.json in the folder said changeset \(found), but it last wrote \(written): the folder was restored from a backup or a sync tool reverted the file; it was written again"
        case .recarried(let versions, let writers):
            let who = writers.map { $0.isEmpty ? "files imported before fieldnotes kept a record of each" : "replica \($0.prefix(8))" }
            return "carried again \(versions == 1 ? "1 version" : "\(versions) versions") imported from changesets no longer in the folder (\(who.joined(separator: ", "))), so newcomers still get them"
        case .notReceived(let peer, let analyst, let syncedAt, let sequence):
            let who = analyst.map { "\($0) (replica \(peer.rawValue.prefix(8)))" } ?? "replica \(peer.rawValue.prefix(8))"
            return "\(who) synced at \(syncedAt) without receiving this replica's \(SharedFolder.fileName(sequence: sequence)): if the folder is receive-only or read-only on this laptop (Syncthing: the folder type must be \"Send & Receive\"), what this replica writes never leaves it"
        }
    }
}

/// How far a long step of a sync, an import or an export has come, for a progress line.
/// Told at a step's start and then every ``Synchronizer/progressInterval`` versions; how often
/// to show it is the caller's choice.
public struct SyncProgress: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// Reading a changeset or a snapshot into the store.
        case importing
        /// A first sync from a snapshot: the snapshot and the files after it, read in one go.
        case catchingUp
        /// Writing a changeset or a snapshot.
        case writing
    }

    public var step: Step
    /// The file's name.
    public var file: String
    public var versions: Int
    public var total: Int
}
