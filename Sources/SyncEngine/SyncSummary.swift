import Foundation
import ReportModels

/// What a sync or an import did.
public struct SyncSummary: Sendable, Equatable {
    /// A file that was refused, and why. Nothing of it reached the store.
    public struct Skipped: Sendable, Equatable {
        public var file: String
        public var reason: String
    }

    /// A writer whose next file is not in the folder yet; its later files wait for it.
    public struct Waiting: Sendable, Equatable {
        public var writer: ReplicaID
        public var missing: String
    }

    public var importedChangesets = 0
    public var importedVersions = 0
    public var exportedVersions = 0
    public var newConflicts = 0
    public var skipped: [Skipped] = []
    public var waiting: [Waiting] = []
    /// The changeset written, if any.
    public var written: URL?

    public init() {}
}

/// How far a long import has come, for a progress line.
public struct ImportProgress: Sendable {
    public var file: String
    public var versions: Int
    public var total: Int
}
