import ReportModels

/// All the versions of one record that a replica holds, and the states they define.
public struct RecordHistory: Sendable {
    /// Unique by dot.
    public let versions: [Version]

    /// The same versions, by dot.
    private let byDot: [Dot: Version]

    public init(_ versions: [Version]) {
        var byDot: [Dot: Version] = [:]
        self.versions = versions.filter { byDot.updateValue($0, forKey: $0.dot) == nil }
        self.byDot = byDot
    }

    /// What makes this history impossible, if anything: two versions with one clock, or a
    /// replica's later version that has not seen its earlier one. Such a history can only
    /// be forged or corrupted, and no state is computed from it.
    public var inconsistency: String? {
        var byClock: [VectorClock: Version] = [:]
        for version in versions {
            if let other = byClock.updateValue(version, forKey: version.clock) {
                return "versions \(other.dot.short) and \(version.dot.short) of report \(version.reportID.rawValue.prefix(8)) have the same clock"
            }
        }
        // Seeing is transitive, so each version having seen the replica's one before it is enough.
        for (_, chain) in Dictionary(grouping: versions, by: \.dot.replica).sorted(by: { $0.key < $1.key }) {
            let ordered = chain.sorted { $0.dot.counter < $1.dot.counter }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) where !later.clock.dominates(earlier.clock) {
                return "version \(later.dot.short) has not seen \(earlier.dot.short), made before it by the same replica"
            }
        }
        return nil
    }

    /// The versions of `set` (unique by dot) that are no other's ancestor, by dot.
    ///
    /// Each replica's versions of a record form a chain, each having seen the one before, so
    /// only each replica's latest can be a head, and it is one unless another replica's
    /// latest has seen it: linear in the size of the set, where comparing every pair made a
    /// long history's log cubic. A set that breaks the chain or repeats a dot (only a forged
    /// history does, and imports refuse those) is answered by the definition.
    public static func heads(of set: [Version]) -> [Version] {
        var latest: [ReplicaID: Version] = [:]
        var dots = Set<Dot>()
        for version in set {
            dots.insert(version.dot)
            if latest[version.dot.replica].map({ $0.dot.counter < version.dot.counter }) ?? true {
                latest[version.dot.replica] = version
            }
        }
        let chained = dots.count == set.count && set.allSatisfy { version in
            let last = latest[version.dot.replica]!
            return last.dot == version.dot || last.clock.isDescendant(of: version.clock)
        }
        let candidates = chained ? Array(latest.values) : set
        return candidates.filter { version in
            !candidates.contains { $0.clock.isDescendant(of: version.clock) }
        }.sorted { $0.dot < $1.dot }
    }

    public var heads: [Version] { Self.heads(of: versions) }

    /// The record's state: see the invariant above `ReportMerge`.
    public var state: Report? { Self.state(of: versions) }

    /// The join of the heads' clocks: the parents of the next local edit.
    public var clock: VectorClock { heads.reduce(VectorClock()) { $0.joined(with: $1.clock) } }

    /// The state of any set of versions of one record: nil for none; one head → its
    /// snapshot; several → their merge against the state of the versions whose clocks are ≤
    /// the pointwise minimum of the heads' clocks (recursively).
    public static func state(of set: [Version]) -> Report? {
        state(of: set, provenance: Provenance(set))
    }

    private static func state(of set: [Version], provenance: Provenance) -> Report? {
        let heads = heads(of: set)
        guard let first = heads.first else { return nil }
        guard heads.count > 1 else { return first.snapshot }
        let common = heads.dropFirst().reduce(first.clock) { $0.meet($1.clock) }
        let past = set.filter { common.dominates($0.clock) }
        // The past is strictly smaller than the set in any real history; a forged one (two
        // versions with one clock) must not recurse for ever. Imports refuse such histories.
        let base = past.count < set.count ? state(of: past, provenance: provenance) : nil
        return ReportMerge.merge(base: base, heads: heads, provenance: provenance)
    }

    /// The state just before `version`: of every version in its causal past.
    ///
    /// Usually one version of that past has seen all the others — the one it was made from —
    /// and it is among those its clock names: each replica's entry counts that replica's
    /// versions in the past, so the latest is the one with that counter. Since each
    /// replica's versions form a chain, if one of those named versions has seen the others,
    /// it has seen the whole past, which is then its snapshot; no need to go through every
    /// version (which made `log` of a long history quadratic).
    public func state(before version: Version) -> Report? {
        let named = version.clock.counters.compactMap { replica, count -> Version? in
            let counter = replica == version.dot.replica ? count - 1 : count
            return counter > 0 ? byDot[Dot(replica: replica, counter: counter)] : nil
        }
        let expected = version.clock.counters.filter { $0.key != version.dot.replica || $0.value > 1 }.count
        if named.count == expected, named.allSatisfy({ version.clock.isDescendant(of: $0.clock) }),
           let parent = named.first(where: { candidate in named.allSatisfy { candidate.clock.dominates($0.clock) } }) {
            return parent.snapshot
        }
        return Self.state(of: versions.filter { version.clock.isDescendant(of: $0.clock) })
    }

    /// The state the candidates of a conflict diverged from: of the versions that every
    /// candidate's version has seen. Nil when they share no past.
    public func base(of conflict: Conflict) -> Report? {
        guard let first = conflict.candidates.first else { return nil }
        let common = conflict.candidates.dropFirst().reduce(first.clock) { $0.meet($1.clock) }
        return Self.state(of: versions.filter { common.dominates($0.clock) })
    }

    /// Versions that neither precede nor follow `version`: made concurrently with it.
    public func concurrent(with version: Version) -> [Version] {
        versions.filter { $0.clock.compare(version.clock) == .concurrent }
    }
}

// MARK: - Log

extension RecordHistory {
    /// One version, what it changed, and what was made without seeing it.
    public struct LogEntry: Sendable {
        public var version: Version
        /// Fields that differ from the state of the version's causal past.
        public var changed: [FieldPath]
        /// Versions concurrent with this one, by dot.
        public var concurrent: [Dot]
        /// The version has no causal past: it created the report.
        public var isCreation: Bool
        /// Fields whose conflict this version decided.
        public var resolved: [FieldPath]
    }

    /// Every version, ancestors before descendants (then by time and dot).
    public var log: [LogEntry] {
        versions
            .sorted { ($0.clock.total, $0.time, $0.dot) < ($1.clock.total, $1.time, $1.dot) }
            .map { version in
                let before = state(before: version)
                return LogEntry(
                    version: version,
                    changed: version.snapshot.changedFields(since: before),
                    concurrent: concurrent(with: version).map(\.dot).sorted(),
                    isCreation: before == nil,
                    resolved: (before?.conflicts ?? []).map(\.field).filter { version.snapshot.conflict(at: $0) == nil })
            }
    }

    /// The most recently made head: what `diff` compares against its causal past by default.
    public var latestHead: Version? {
        heads.max { ($0.time, $0.dot) < ($1.time, $1.dot) }
    }
}
