/// How two versions of one record relate in time.
public enum CausalOrder: Sendable, Equatable {
    /// The left version is an ancestor of the right one.
    case before
    /// The left version descends from the right one.
    case after
    case equal
    /// Neither has seen the other: they were made independently.
    case concurrent
}

/// A record's vector clock: for each replica, how many versions of this record it had made
/// in a version's causal past (the version itself included).
///
/// Deliberately not `Comparable`: two clocks may be concurrent, which a total order cannot say.
/// Use ``compare(_:)``, ``dominates(_:)`` or ``isDescendant(of:)``.
public struct VectorClock: Hashable, Sendable {
    /// Every counter read from outside is below this (2^40): far beyond any real history, and
    /// far from overflowing when incremented or summed.
    public static let counterLimit = 1 << 40

    /// Only positive counters are kept, so equal clocks are equal values.
    public private(set) var counters: [ReplicaID: Int]

    public init() { counters = [:] }

    /// Drops zero entries; callers validate that counters are not negative.
    public init(_ counters: [ReplicaID: Int]) {
        self.counters = counters.filter { $0.value != 0 }
    }

    /// Counters the caller checked are all positive.
    init(positive counters: [ReplicaID: Int]) {
        self.counters = counters
    }

    public subscript(replica: ReplicaID) -> Int { counters[replica] ?? 0 }

    /// The clock of a version that has seen both.
    public func joined(with other: VectorClock) -> VectorClock {
        VectorClock(counters.merging(other.counters, uniquingKeysWith: max))
    }

    /// The clock of a version that has seen all of them: O(their entries), where joining
    /// them one by one would copy the growing clock each time.
    public static func join(_ clocks: some Sequence<VectorClock>) -> VectorClock {
        var counters: [ReplicaID: Int] = [:]
        for clock in clocks {
            for (replica, counter) in clock.counters where counter > counters[replica, default: 0] { counters[replica] = counter }
        }
        return VectorClock(counters)
    }

    /// Pointwise minimum: what both have seen.
    public func meet(_ other: VectorClock) -> VectorClock {
        var result: [ReplicaID: Int] = [:]
        for (replica, counter) in counters {
            let theirs = other[replica]
            if theirs > 0 { result[replica] = min(counter, theirs) }
        }
        return VectorClock(result)
    }

    /// This clock with the replica's entry increased by one: a new local version.
    public func incremented(for replica: ReplicaID) -> VectorClock {
        var copy = self
        copy.counters[replica, default: 0] += 1
        return copy
    }

    /// Every entry ≥ the other's (equal clocks dominate each other).
    public func dominates(_ other: VectorClock) -> Bool {
        other.counters.allSatisfy { self[$0.key] >= $0.value }
    }

    /// Strictly after: dominates and differs.
    public func isDescendant(of other: VectorClock) -> Bool {
        self != other && dominates(other)
    }

    public func compare(_ other: VectorClock) -> CausalOrder {
        switch (other.dominates(self), dominates(other)) {
        case (true, true): .equal
        case (true, false): .before
        case (false, true): .after
        case (false, false): .concurrent
        }
    }

    /// The total of all counters: how many versions are in this clock's causal past.
    public var total: Int { counters.values.reduce(0, +) }
}
