import ReportModels

/// All the versions of one record that a replica holds, and the states they define.
///
/// Heads, pasts and concurrency come from the record's `CausalGraph`; states from a
/// `HistoryEvaluator` over the versions in memory. A history no replica could have made
/// (``inconsistency``) defines no state: its heads are found by the definition, and every
/// state reads nil. Imports refuse such histories and `verify` names them.
public struct RecordHistory: Sendable {
    /// Unique by dot, in the order given (the first of a repeated dot is kept).
    public let versions: [Version]
    private let graph: CausalGraph
    private let position: [Dot: Int]
    /// What makes the history impossible, if anything (see `CausalGraph.inconsistency`).
    public let inconsistency: String?

    /// O(total clock entries) to index, plus the check of `CausalGraph.inconsistency`.
    public init(_ versions: [Version]) {
        var position: [Dot: Int] = [:]
        var kept: [Version] = []
        for version in versions where position[version.dot] == nil {
            position[version.dot] = kept.count
            kept.append(version)
        }
        self.versions = kept
        self.position = position
        let graph = CausalGraph(kept.map(\.header))
        self.graph = graph
        inconsistency = kept.first.flatMap { graph.inconsistency(reportID: $0.reportID) }
    }

    private func evaluator() -> HistoryEvaluator<Never> {
        let versions = versions
        return HistoryEvaluator(graph: graph) { versions[$0].snapshot }
    }

    /// The versions of `set` that are no other's ancestor, by dot.
    public static func heads(of set: [Version]) -> [Version] {
        guard Set(set.map(\.dot)).count == set.count else { return headsByDefinition(set) }
        return RecordHistory(set).heads
    }

    /// Comparing every pair: for sets no replica could have made.
    private static func headsByDefinition(_ set: [Version]) -> [Version] {
        set.filter { version in !set.contains { $0.clock.isDescendant(of: version.clock) } }.sorted { $0.dot < $1.dot }
    }

    /// The versions no other has seen, by dot.
    public var heads: [Version] {
        inconsistency == nil ? graph.heads.map { versions[$0] } : Self.headsByDefinition(versions)
    }

    /// The record's state: see the invariant above `ReportMerge`.
    public var state: Report? {
        guard inconsistency == nil else { return nil }
        return evaluator().stateOfAll()
    }

    /// The join of the heads' clocks: the parents of the next local edit.
    public var clock: VectorClock { VectorClock.join(heads.map(\.clock)) }

    /// The state of any set of versions of one record: nil for none; one head → its
    /// snapshot; several → their merge against the state of the versions whose clocks are ≤
    /// the pointwise minimum of the heads' clocks.
    public static func state(of set: [Version]) -> Report? {
        RecordHistory(set).state
    }

    /// The state just before `version`: of every version in its causal past.
    public func state(before version: Version) -> Report? {
        guard inconsistency == nil else { return nil }
        if let index = position[version.dot] { return evaluator().state(before: index) }
        var parents = version.clock
        parents = VectorClock(parents.counters.merging([version.dot.replica: version.dot.counter - 1]) { $1 })
        return evaluator().state(of: graph.heads(under: graph.cut(of: parents)))
    }

    /// The state the candidates of a conflict diverged from: of the versions that every
    /// candidate's version has seen. Nil when they share no past.
    public func base(of conflict: Conflict) -> Report? {
        guard inconsistency == nil, let first = conflict.candidates.first else { return nil }
        let common = conflict.candidates.dropFirst().reduce(first.clock) { $0.meet($1.clock) }
        return evaluator().state(of: graph.heads(under: graph.cut(of: common)))
    }

    /// Versions that neither precede nor follow `version`: made concurrently with it, by dot.
    public func concurrent(with version: Version) -> [Version] {
        guard inconsistency == nil, let index = position[version.dot] else {
            return versions.filter { $0.clock.compare(version.clock) == .concurrent }.sorted { $0.dot < $1.dot }
        }
        return graph.concurrent(with: index).listed.map { versions[$0] }
    }
}

// MARK: - Log

extension RecordHistory {
    /// One version, what it changed, and what was made without seeing it.
    public struct LogEntry: Sendable {
        public var version: Version
        /// Fields that differ from the state of the version's causal past.
        public var changed: [FieldPath]
        /// Versions concurrent with this one, by dot: the first ``LogEntry/listedConcurrent``.
        public var concurrent: [Dot]
        /// How many versions are concurrent with this one in all.
        public var concurrentCount: Int
        /// The version has no causal past: it created the report.
        public var isCreation: Bool
        /// Fields whose conflict this version decided.
        public var resolved: [FieldPath]

        /// Concurrent versions listed by dot; a report with thousands of concurrent versions
        /// would otherwise make a log quadratic in its history.
        public static let listedConcurrent = 50
    }

    /// Every version, ancestors before descendants (then by time and dot).
    ///
    /// Cost: the states before the versions (each from its parents, one merge for a version
    /// made after several heads, shared by the evaluator), the fields they changed, and the
    /// concurrent versions by binary searches of each replica's chain.
    public var log: [LogEntry] {
        let evaluator = inconsistency == nil ? evaluator() : nil
        return versions.indices
            .sorted { (graph.total[$0], versions[$0].time, versions[$0].dot) < (graph.total[$1], versions[$1].time, versions[$1].dot) }
            .map { index in
                let version = versions[index]
                let before = evaluator?.state(before: index)
                let concurrent: (listed: [Dot], count: Int)
                if evaluator == nil {
                    let all = self.concurrent(with: version).map(\.dot)
                    concurrent = (Array(all.prefix(LogEntry.listedConcurrent)), all.count)
                } else {
                    let found = graph.concurrent(with: index, limit: LogEntry.listedConcurrent)
                    concurrent = (found.listed.map(graph.dot), found.count)
                }
                return LogEntry(
                    version: version,
                    changed: version.snapshot.changedFields(since: before),
                    concurrent: concurrent.listed,
                    concurrentCount: concurrent.count,
                    isCreation: before == nil,
                    resolved: (before?.conflicts ?? []).map(\.field).filter { version.snapshot.conflict(at: $0) == nil })
            }
    }

    /// The most recently made head: what `diff` compares against its causal past by default.
    public var latestHead: Version? {
        heads.max { ($0.time, $0.dot) < ($1.time, $1.dot) }
    }
}
