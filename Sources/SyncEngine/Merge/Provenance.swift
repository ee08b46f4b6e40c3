import ReportModels

/// Finds which version wrote the value a version holds in a field — the tag of a conflict
/// candidate (DESIGN.md §4: "each tagged with the version that wrote it").
///
/// A version wrote a field's value unless the state of its causal past already held that
/// same value (a plain value, not a conflict it decided); then the value was written where
/// one of its parents (the heads of that past, tried in dot order) got it. The answer
/// depends only on the versions held.
final class Provenance {
    private let versions: [Version]
    private var writers: [Key: Version] = [:]
    private var pasts: [Dot: Report?] = [:]

    private struct Key: Hashable {
        var dot: Dot
        var field: String
    }

    init(_ versions: [Version]) {
        self.versions = versions
    }

    func writer(of version: Version, at path: FieldPath) -> Version {
        writer(of: version, at: MergedField(path))
    }

    func writer(of version: Version, at field: MergedField) -> Version {
        let key = Key(dot: version.dot, field: field.key)
        if let known = writers[key] { return known }
        let state = field.read(version.snapshot)
        let past = versions.filter { version.clock.isDescendant(of: $0.clock) }
        var found = version
        if let before = stateBefore(version, past: past), field.read(before) == state,
           let parent = RecordHistory.heads(of: past).first(where: { field.read($0.snapshot) == state }) {
            found = writer(of: parent, at: field)
        }
        writers[key] = found
        return found
    }

    private func stateBefore(_ version: Version, past: [Version]) -> Report? {
        if let known = pasts[version.dot] { return known }
        let state = RecordHistory.state(of: past)
        pasts[version.dot] = state
        return state
    }

    /// Whether a version between the base (`common`) and `head` held another state of the
    /// field than `base`: then the head, holding the base's state, wrote it back.
    func rewrote(_ head: Version, _ field: MergedField, since common: VectorClock, base: FieldState?) -> Bool {
        versions.contains { version in
            head.clock.dominates(version.clock) && !common.dominates(version.clock) && field.read(version.snapshot) != base
        }
    }

    /// The candidate for `value` as held by `version`, tagged with the version that wrote it.
    func candidate(_ value: JSONValue, heldBy version: Version, at path: FieldPath) -> Candidate {
        candidate(value, heldBy: version, at: MergedField(path))
    }

    func candidate(_ value: JSONValue, heldBy version: Version, at field: MergedField) -> Candidate {
        let writer = writer(of: version, at: field)
        return Candidate(value: value, version: writer.dot, clock: writer.clock, author: writer.author, time: writer.time)
    }
}

/// A field as the merge reads it: one of the report's field paths, or the membership of one
/// tag (tags merge element by element).
struct MergedField {
    let key: String
    let read: (Report) -> FieldState?

    init(_ path: FieldPath) {
        key = path.description
        read = { $0.fieldState(at: path) }
    }

    init(tag: String) {
        key = "tag " + tag
        read = { .value(.bool($0.tags.contains(tag))) }
    }
}
