import ReportModels

/// What one version holds in one field: a plain value, or an open conflict.
public enum FieldState: Hashable, Sendable {
    case value(JSONValue)
    case conflict([Candidate])

    /// The candidate shown while in conflict, or the value.
    var plainValue: JSONValue? {
        if case .value(let value) = self { return value }
        return nil
    }
}

extension Report {
    /// The field's state; nil when the path names an event or source that is not there.
    /// An item's presence reads `false` when the item is absent, so that adding and removing
    /// merge like any other change.
    func fieldState(at path: FieldPath) -> FieldState? {
        if let conflict = conflict(at: path) { return .conflict(conflict.candidates) }
        switch path {
        case .event, .source: return .value(value(at: path) ?? .bool(false))
        default: return value(at: path).map(FieldState.value)
        }
    }
}

/// The merge of one field across concurrent heads, against their common base.
struct FieldMerge {
    /// A head's state of the field, with the head itself.
    struct Side {
        var version: Version
        var state: FieldState
    }

    let provenance: Provenance
    /// What every head has seen: the clock of the base.
    let common: VectorClock

    /// - Nobody changed the field → the base state. A head that holds the base's state
    ///   changed it all the same if it wrote it back after something else was there since
    ///   the base (an item added and removed again, a value set and set back): its decision
    ///   takes part like any other, and the superseding rule below keeps the latest.
    /// - One distinct new state → that state (a plain value, or a conflict a head carries).
    /// - Several → a conflict of every candidate: each plain value tagged with the version
    ///   that wrote it, each carried conflict flattened in; a candidate whose version is an
    ///   ancestor of another candidate's is superseded (that line of history saw it and moved
    ///   on) and dropped; equal values keep one candidate (the greatest dot). One left → a
    ///   plain value.
    ///
    /// `base` is nil when the field did not exist in the base (a new item, or no base).
    func merge(_ path: FieldPath, base: FieldState?, sides: [Side]) -> FieldState? {
        merge(MergedField(path), base: base, sides: sides)
    }

    func merge(_ field: MergedField, base: FieldState?, sides: [Side]) -> FieldState? {
        let changed = sides.filter { $0.state != base || provenance.rewrote($0.version, field, since: common, base: base) }
        var distinct: [FieldState] = []
        for side in changed where !distinct.contains(side.state) { distinct.append(side.state) }
        switch distinct.count {
        case 0: return base
        case 1: return distinct[0]
        default: return Self.conflict(of: changed.flatMap { candidates(of: $0, at: field) })
        }
    }

    func candidates(of side: Side, at field: MergedField) -> [Candidate] {
        switch side.state {
        case .value(let value): [provenance.candidate(value, heldBy: side.version, at: field)]
        case .conflict(let candidates): candidates
        }
    }

    /// Drops superseded candidates, keeps one per value, and returns a plain value when only
    /// one is left.
    static func conflict(of candidates: [Candidate]) -> FieldState {
        let current = candidates.filter { candidate in
            !candidates.contains { $0.clock.isDescendant(of: candidate.clock) }
        }
        var byValue: [JSONValue: Candidate] = [:]
        for candidate in current {
            if let kept = byValue[candidate.value], kept.version >= candidate.version { continue }
            byValue[candidate.value] = candidate
        }
        let kept = byValue.values.sorted { $0.version < $1.version }
        return kept.count == 1 ? .value(kept[0].value) : .conflict(kept)
    }
}
