import OfflineStore
import ReportModels

/// Adds the versions of a changeset to the store in its import transaction, settling a
/// report's state when the versions of another report begin (changesets are ordered by
/// report) and at the end.
///
/// Memory is bounded per report as well as per file: of the versions arriving for a report
/// only the latest is kept whole; of the others, their headers (up to 20,000) and the most
/// recent snapshots (16 MB), in case a merge needs them. When each version arrives after
/// every one before it — a new report, or one replica's run of edits, the usual case — the
/// state is that latest version's snapshot, prepared already. Otherwise the state is merged
/// from the store: the history's shape from the versions' headers, and snapshots read as the
/// merge needs them (see `HistoryEvaluator`).
struct IncrementalMerge {
    let transaction: ImportTransaction
    let me: ReplicaID
    /// The replica whose changeset this is, by its header (nil: not known).
    let writer: ReplicaID?
    private(set) var imported = 0
    private(set) var newConflicts = 0
    private var current: Arriving?

    /// The report whose versions are arriving.
    private struct Arriving {
        let report: ReportID
        /// The join of its heads' clocks and its open conflicts before this import; nil for a
        /// report new to the store.
        let outline: (clock: VectorClock, conflicts: Int)?
        /// The join of the clocks of everything held, while every version came after it.
        var clock: VectorClock
        /// The latest version, while every version came after all before it.
        var latest: (version: Version, prepared: PreparedState?, seq: Int64)?
        var added = 0
        /// This replica's latest version of the report that the store is known to hold: a
        /// version from elsewhere may count this replica's versions up to there.
        var mineHeld = 0
        /// The snapshots just added, for the merge if one is needed (it reads the versions
        /// between the heads and their common past, often the ones that just arrived).
        let snapshots: SnapshotCache
        /// The headers of the versions just added, in order, while there are not too many to
        /// keep (the merge reads the others' from the store): nil past that.
        var headers: [(seq: Int64, header: Version.Header)]? = []
        static let headersKept = 20_000
    }

    /// The state a version gives its report when it is the only head.
    @Sendable static func prepare(_ version: Version) -> PreparedState {
        .snapshotOfHead(StoredReport(report: version.snapshot, clock: version.clock, heads: [version.dot]),
                        clockJSON: String(version.encodedClock))
    }

    init(transaction: ImportTransaction, me: ReplicaID, writer: ReplicaID? = nil) {
        self.transaction = transaction
        self.me = me
        self.writer = writer
    }

    /// `prepared`: the version's state as its report's only head, made on the decoding thread
    /// when it is the last of its report's versions in a run (nil otherwise).
    /// `signature`: its maker signature, checked by the reader (nil: unsigned). Returns
    /// whether the version was new to the store.
    @discardableResult
    mutating func add(_ version: Version, prepared: PreparedState?, origin: VersionOrigin, signature: Signature? = nil) throws -> Bool {
        if version.reportID != current?.report {
            try finish()
            let outline = try transaction.outline(of: version.reportID)
            current = Arriving(report: version.reportID, outline: outline, clock: outline?.clock ?? VectorClock(),
                               snapshots: SnapshotCache(transaction: transaction))
        }
        // A report the store did not hold before this import holds only the versions added
        // to it since: before the first, no version of it can be known (no look-up — the
        // usual case of a new report).
        if current!.outline != nil || current!.added > 0, let known = try transaction.hash(of: version.reportID, dot: version.dot) {
            // The same version by another path changes nothing; another version with the
            // same dot means two stores share one replica id and must not be merged.
            guard known == version.hash.hex else {
                throw ChangesetError.conflictingVersion(report: version.reportID, version: version.dot)
            }
            // Held unsigned (from before its maker signed), and now signed: keep the signature.
            if let signature, let seq = try transaction.unsignedSeq(of: version.reportID, dot: version.dot) {
                try transaction.addSignature(signature, seq: seq)
            }
            return false
        }
        // Only this store makes versions as this replica: one it does not hold was made by a
        // copy of this store, and would collide with the versions this store makes next.
        guard version.dot.replica != me else {
            throw ChangesetError.versionOfThisReplica(report: version.reportID, version: version.dot)
        }
        // A file that says this replica wrote it holds only versions this store held when
        // it wrote the file, and a store never loses a version.
        if let writer, writer == me {
            throw ChangesetError.notWrittenByThisStore(report: version.reportID, version: version.dot)
        }
        // The version has seen this replica's versions of the report up to its clock's entry
        // for this replica, and only this store makes them: it must hold that one (and so
        // every one before it). Otherwise this store lost versions it made (restored from an
        // older copy) or a copy of it made them, and its next edit would take a number that
        // another version of this replica already has — or, past the gap, jump.
        let mine = version.clock[me]
        if mine > current!.mineHeld {
            guard try transaction.hash(of: version.reportID, dot: Dot(replica: me, counter: mine)) != nil else {
                throw ChangesetError.unknownVersionOfThisReplica(report: version.reportID, version: version.dot,
                                                                 mine: Dot(replica: me, counter: mine))
            }
            current!.mineHeld = mine
        }
        let seq = try transaction.insert(version, origin: origin)
        if let signature { try transaction.addSignature(signature, seq: seq) }
        // Counted by the snapshot's share of the encoding: a clock of thousands of replicas
        // is not kept with it.
        current!.snapshots.keep(version.snapshot, seq: seq, bytes: version.encoded.utf8.count - version.encodedClock.utf8.count)
        if let kept = current!.headers?.count {
            if kept < Arriving.headersKept { current!.headers!.append((seq, version.header)) } else { current!.headers = nil }
        }
        current!.added += 1
        imported += 1
        // After everything held: its clock is above their join, and that join does not count
        // its own dot (a history in which another version had seen it first could only be
        // forged; the full merge below refuses such a history, in whatever order it came).
        // Then it is the only head, and the history stays one real replicas could make.
        if current!.latest != nil || current!.added == 1,
           version.clock.isDescendant(of: current!.clock), current!.clock[version.dot.replica] < version.dot.counter {
            current!.clock = version.clock
            current!.latest = (version, prepared, seq)
        } else {
            current!.latest = nil
        }
        return true
    }

    /// Settles the state of the report whose versions were arriving.
    mutating func finish() throws {
        guard let arriving = current, arriving.added > 0 else { return }
        current = nil
        // Conflicts the report had before, to count the new ones (decoded only if there were).
        let before = arriving.outline.map { $0.conflicts > 0 } == true
            ? Set(try transaction.stored(arriving.report)?.report.conflicts.map(\.field) ?? []) : []
        let replacing = arriving.outline != nil
        let state: Report
        if let latest = arriving.latest {
            state = latest.version.snapshot
            try transaction.save(latest.prepared ?? Self.prepare(latest.version), headSeq: latest.seq, replacing: replacing)
        } else {
            state = try recompute(arriving, replacing: replacing)
        }
        newConflicts += state.conflicts.filter { !before.contains($0.field) }.count
    }

    /// Computes and saves again the state of a report the store holds, from every version
    /// of it (``StateUpgrade``).
    mutating func recomputeStored(_ report: ReportID) throws {
        guard let outline = try transaction.outline(of: report) else { return }
        let arriving = Arriving(report: report, outline: outline, clock: outline.clock, snapshots: SnapshotCache(transaction: transaction))
        _ = try recompute(arriving, replacing: true)
    }

    /// Computes and saves a report's state from every version the store holds of it.
    private func recompute(_ arriving: Arriving, replacing: Bool) throws -> Report {
        let (report, snapshots) = (arriving.report, arriving.snapshots)
        // Versions added in this import come after every other one of the report (seq order).
        let rows: [(seq: Int64, header: Version.Header)]
        if let added = arriving.headers, let first = added.first {
            rows = try transaction.versionHeaders(of: report, before: first.seq) + added
        } else {
            rows = try transaction.versionHeaders(of: report)
        }
        let graph = CausalGraph(rows.map(\.header))
        if let problem = graph.inconsistency(reportID: report) {
            throw ChangesetError.malformedVersion(index: imported - 1, reason: problem)
        }
        let heads = graph.heads
        if heads.count == 1 {
            let snapshot = try snapshots.snapshot(seq: rows[heads[0]].seq)
            let header = rows[heads[0]].header
            try transaction.save(.snapshotOfHead(StoredReport(report: snapshot, clock: header.clock, heads: [header.dot])),
                                 headSeq: rows[heads[0]].seq, replacing: replacing)
            return snapshot
        }
        let evaluator = HistoryEvaluator<any Error>(graph: graph) { try snapshots.snapshot(seq: rows[$0].seq) }
        guard let merged = try evaluator.stateOfAll() else { throw ChangesetError.malformedVersion(index: imported - 1, reason: "no state") }
        let clock = VectorClock.join(heads.map { rows[$0].header.clock })
        try transaction.save(PreparedState(StoredReport(report: merged, clock: clock, heads: heads.map { rows[$0].header.dot })),
                             replacing: replacing)
        return merged
    }
}

/// Snapshots of one report's versions, by local sequence: those that just arrived, and those
/// read from the store as a merge asks for them. The most recent are kept up to a budget in
/// bytes (of their encodings): a merge reads the heads, the versions between them and their
/// common past, and the versions provenance walks back through, each mostly once.
private final class SnapshotCache {
    let transaction: ImportTransaction
    private var kept: [Int64: (report: Report, bytes: Int)] = [:]
    private var order: [Int64] = []
    private var first = 0
    private var bytes = 0
    static let budgetBytes = 16 << 20

    init(transaction: ImportTransaction) {
        self.transaction = transaction
    }

    func keep(_ report: Report, seq: Int64, bytes size: Int) {
        if kept.updateValue((report, size), forKey: seq) == nil {
            order.append(seq)
            bytes += size
        }
        while bytes > Self.budgetBytes, first < order.count - 1 {
            if let dropped = kept.removeValue(forKey: order[first]) { bytes -= dropped.bytes }
            first += 1
        }
        if first > 4096, first * 2 > order.count {
            order.removeFirst(first)
            first = 0
        }
    }

    func snapshot(seq: Int64) throws -> Report {
        if let known = kept[seq] { return known.report }
        let loaded = try transaction.snapshot(seq: seq)
        keep(loaded.report, seq: seq, bytes: loaded.bytes)
        return loaded.report
    }
}
