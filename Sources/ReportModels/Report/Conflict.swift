/// A field that concurrent versions set to different values, with every value still in the
/// running. Conflicts are data: they travel in snapshots and stay until someone resolves them.
public struct Conflict: Hashable, Sendable {
    public var field: FieldPath
    /// Sorted by version dot; at least two, all with different values.
    public var candidates: [Candidate]

    public init(field: FieldPath, candidates: [Candidate]) {
        self.field = field
        self.candidates = candidates.sorted { $0.version < $1.version }
    }

    /// The candidate that the report shows in the field while the conflict is open, chosen
    /// the same way on every replica: a candidate that keeps something visible (not deleted,
    /// not removed) first, then the latest wall time, then the greatest dot.
    public var displayed: Candidate {
        candidates.max { a, b in
            (keepsVisible(a) ? 1 : 0, a.time, a.version) < (keepsVisible(b) ? 1 : 0, b.time, b.version)
        }!
    }

    /// `deleted: false` and an item's presence `true` keep data in view: an edit is never
    /// hidden by a concurrent delete.
    private func keepsVisible(_ candidate: Candidate) -> Bool {
        switch field {
        case .deleted: candidate.value == .bool(false)
        case .event, .source: candidate.value == .bool(true)
        default: false
        }
    }
}

/// One value of a conflicted field, with the version that holds it.
public struct Candidate: Hashable, Sendable {
    public var value: JSONValue
    /// The version whose snapshot held this value when the collision was found.
    public var version: Dot
    /// That version's clock, so that a later merge can tell a superseded candidate.
    public var clock: VectorClock
    public var author: String
    public var time: Timestamp

    public init(value: JSONValue, version: Dot, clock: VectorClock, author: String, time: Timestamp) {
        self.value = value
        self.version = version
        self.clock = clock
        self.author = author
        self.time = time
    }
}
