import OfflineStore
import ReportModels

/// Adds the versions of a changeset to the store in its import transaction, recomputing a
/// report's state whenever the versions of another report begin (changesets are ordered by
/// report) and at the end.
struct IncrementalMerge {
    let transaction: ImportTransaction
    let me: ReplicaID
    private(set) var imported = 0
    private(set) var newConflicts = 0
    private var current: ReportID?
    private var added: [(version: Version, prepared: PreparedState, seq: Int64)] = []

    /// The state a version gives its report when it is the only head.
    @Sendable static func prepare(_ version: Version) -> PreparedState {
        .snapshotOfHead(StoredReport(report: version.snapshot, clock: version.clock, heads: [version.dot]))
    }

    init(transaction: ImportTransaction, me: ReplicaID) {
        self.transaction = transaction
        self.me = me
    }

    mutating func add(_ version: Version, prepared: PreparedState, origin: VersionOrigin) throws {
        if let known = try transaction.hash(of: version.reportID, dot: version.dot) {
            // The same version by another path changes nothing; another version with the
            // same dot means two stores share one replica id and must not be merged.
            guard known == version.hash.hex else {
                throw ChangesetError.conflictingVersion(report: version.reportID, version: version.dot)
            }
            return
        }
        // Only this store makes versions as this replica: one it does not hold was made by a
        // copy of this store, and would collide with the versions this store makes next.
        guard version.dot.replica != me else {
            throw ChangesetError.versionOfThisReplica(report: version.reportID, version: version.dot)
        }
        if version.reportID != current {
            try finish()
            current = version.reportID
        }
        let seq = try transaction.insert(version, origin: origin)
        added.append((version, prepared, seq))
        imported += 1
    }

    /// Recomputes the current report's state from all its versions.
    mutating func finish() throws {
        guard let report = current, !added.isEmpty else { return }
        defer { added = [] }
        let outline = try transaction.outline(of: report)
        // Conflicts the report had before, to count the new ones (decoded only if there were).
        let before = outline.map { $0.conflicts > 0 } == true
            ? Set(try transaction.stored(report)?.report.conflicts.map(\.field) ?? []) : []
        let state: Report
        if added.count == 1, outline.map({ added[0].version.clock.isDescendant(of: $0.clock) }) ?? true {
            // A new report, or one version made after every head (the usual case): it is the
            // only head, so the state is its snapshot, prepared already. Strictly after: a
            // version whose clock equals the heads' join is forged, and the full merge below
            // refuses it as the same history would be refused in any other order.
            let (version, prepared, seq) = added[0]
            state = version.snapshot
            try transaction.save(prepared, headSeq: seq, replacing: outline != nil)
        } else {
            let history = RecordHistory(try transaction.versions(of: report))
            if let problem = history.inconsistency {
                throw ChangesetError.malformedVersion(index: imported - 1, reason: problem)
            }
            guard let merged = history.state else { return }
            state = merged
            try transaction.save(PreparedState(StoredReport(report: merged, clock: history.clock, heads: history.heads.map(\.dot))),
                                 replacing: outline != nil)
        }
        newConflicts += state.conflicts.filter { !before.contains($0.field) }.count
    }
}
