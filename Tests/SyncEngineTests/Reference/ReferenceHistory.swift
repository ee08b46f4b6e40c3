// The merge as it was first written: the definition of DESIGN.md §4 applied literally —
// every set filtered by comparing whole clocks, provenance and bases found by recursion, the
// narrative diffed by the standard library. Quadratic and recursive, so only for small
// histories; `ReferenceTests` holds the engine in Sources/SyncEngine/Merge to it.

import ReportModels
@testable import SyncEngine


/// All the versions of one record that a replica holds, and the states they define.
struct ReferenceHistory: Sendable {
    /// Unique by dot.
    let versions: [Version]

    /// The same versions, by dot.
    private let byDot: [Dot: Version]

    init(_ versions: [Version]) {
        var byDot: [Dot: Version] = [:]
        self.versions = versions.filter { byDot.updateValue($0, forKey: $0.dot) == nil }
        self.byDot = byDot
    }

    /// What makes this history impossible, if anything: two versions with one clock, or a
    /// replica's later version that has not seen its earlier one. Such a history can only
    /// be forged or corrupted, and no state is computed from it.
    var inconsistency: String? {
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
    static func heads(of set: [Version]) -> [Version] {
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

    var heads: [Version] { Self.heads(of: versions) }

    /// The record's state: see the invariant above `ReferenceMerge`.
    var state: Report? { Self.state(of: versions) }

    /// The join of the heads' clocks: the parents of the next local edit.
    var clock: VectorClock { heads.reduce(VectorClock()) { $0.joined(with: $1.clock) } }

    /// The state of any set of versions of one record: nil for none; one head → its
    /// snapshot; several → their merge against the state of the versions whose clocks are ≤
    /// the pointwise minimum of the heads' clocks (recursively).
    static func state(of set: [Version]) -> Report? {
        state(of: set, provenance: ReferenceProvenance(set))
    }

    private static func state(of set: [Version], provenance: ReferenceProvenance) -> Report? {
        let heads = heads(of: set)
        guard let first = heads.first else { return nil }
        guard heads.count > 1 else { return first.snapshot }
        let common = heads.dropFirst().reduce(first.clock) { $0.meet($1.clock) }
        let past = set.filter { common.dominates($0.clock) }
        // The past is strictly smaller than the set in any real history; a forged one (two
        // versions with one clock) must not recurse for ever. Imports refuse such histories.
        let base = past.count < set.count ? state(of: past, provenance: provenance) : nil
        return ReferenceMerge.merge(base: base, heads: heads, provenance: provenance)
    }

    /// The state just before `version`: of every version in its causal past.
    ///
    /// Usually one version of that past has seen all the others — the one it was made from —
    /// and it is among those its clock names: each replica's entry counts that replica's
    /// versions in the past, so the latest is the one with that counter. Since each
    /// replica's versions form a chain, if one of those named versions has seen the others,
    /// it has seen the whole past, which is then its snapshot; no need to go through every
    /// version (which made `log` of a long history quadratic).
    func state(before version: Version) -> Report? {
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
    func base(of conflict: Conflict) -> Report? {
        guard let first = conflict.candidates.first else { return nil }
        let common = conflict.candidates.dropFirst().reduce(first.clock) { $0.meet($1.clock) }
        return Self.state(of: versions.filter { common.dominates($0.clock) })
    }

    /// Versions that neither precede nor follow `version`: made concurrently with it.
    func concurrent(with version: Version) -> [Version] {
        versions.filter { $0.clock.compare(version.clock) == .concurrent }
    }
}

/// Finds which version wrote the value a version holds in a field — the tag of a conflict
/// candidate (DESIGN.md §4: "each tagged with the version that wrote it").
///
/// A version wrote a field's value unless the state of its causal past already held that
/// same value (a plain value, not a conflict it decided); then the value was written where
/// its parents (the heads of that past) holding it got it: the latest of their writers, the
/// first (parents in dot order) that no other of them has seen. The answer depends only on
/// the versions held.
final class ReferenceProvenance {
    let versions: [Version]
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
        writer(of: version, at: ReferenceMergedField(path))
    }

    func writer(of version: Version, at field: ReferenceMergedField) -> Version {
        let key = Key(dot: version.dot, field: field.key)
        if let known = writers[key] { return known }
        let state = field.read(version.snapshot)
        let past = versions.filter { version.clock.isDescendant(of: $0.clock) }
        var found = version
        if let before = stateBefore(version, past: past), field.read(before) == state {
            let holders = ReferenceHistory.heads(of: past).filter { field.read($0.snapshot) == state }
            let theirs = holders.map { writer(of: $0, at: field) }
            found = theirs.first { writer in !theirs.contains { $0.clock.isDescendant(of: writer.clock) } } ?? found
        }
        writers[key] = found
        return found
    }

    private func stateBefore(_ version: Version, past: [Version]) -> Report? {
        if let known = pasts[version.dot] { return known }
        let state = ReferenceHistory.state(of: past)
        pasts[version.dot] = state
        return state
    }

    /// Whether a version between the base (`common`) and `head` held another state of the
    /// field than `base`: then the head, holding the base's state, wrote it back.
    func rewrote(_ head: Version, _ field: ReferenceMergedField, since common: VectorClock, base: FieldState?) -> Bool {
        versions.contains { version in
            head.clock.dominates(version.clock) && !common.dominates(version.clock) && field.read(version.snapshot) != base
        }
    }

    /// The candidate for `value` as held by `version`, tagged with the version that wrote it.
    func candidate(_ value: JSONValue, heldBy version: Version, at path: FieldPath) -> Candidate {
        candidate(value, heldBy: version, at: ReferenceMergedField(path))
    }

    func candidate(_ value: JSONValue, heldBy version: Version, at field: ReferenceMergedField) -> Candidate {
        let writer = writer(of: version, at: field)
        return Candidate(value: value, version: writer.dot, clock: writer.clock, author: writer.author, time: writer.time)
    }

    /// The candidates for `value` (keeping what a removal or a delete would hide) that
    /// `version` offers by what it holds in `field`: tagged with its writer, or, where it holds
    /// a conflict, the conflict's candidates (flattened, as into any new conflict): a conflict
    /// has no writer of its own, its values were written by its candidates' versions.
    func candidates(_ value: JSONValue, heldBy version: Version, at field: ReferenceMergedField) -> [Candidate] {
        guard case .conflict(let held)? = field.read(version.snapshot) else { return [candidate(value, heldBy: version, at: field)] }
        return held.map { Candidate(value: value, version: $0.version, clock: $0.clock, author: $0.author, time: $0.time) }
    }
}

/// A field as the merge reads it: one of the report's field paths, or the membership of one
/// tag (tags merge element by element).
struct ReferenceMergedField {
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


// THE INVARIANT. The state of a record is a deterministic function of the *set* of its
// versions: heads by vector clock; one head → its snapshot; several → `ReferenceMerge.merge`
// of the heads against the state of the versions every head has seen (`ReferenceHistory`).
// Nothing here may depend on the order versions arrived in, on which replica computes it,
// or on the clock of the machine: heads are sorted by dot before anything reads them, every
// choice between values goes through a total order, and wall times are only compared, never
// read from the machine. Replicas holding the same versions therefore show byte-identical
// reports. The randomized convergence test (SyncEngineTests/ConvergenceTests) enforces it.

/// The n-way, per-field merge of concurrent heads against their common base (DESIGN.md §4).
enum ReferenceMerge {
    /// - Parameters:
    ///   - base: the state of the versions all heads have seen; nil when there are none.
    ///   - heads: two or more concurrent versions of one report.
    ///   - provenance: which version wrote each value, for tagging candidates.
    static func merge(base: Report?, heads unsorted: [Version], provenance: ReferenceProvenance) -> Report {
        let heads = unsorted.sorted { $0.dot < $1.dot }
        let origin = base ?? heads[0].snapshot
        let common = heads.dropFirst().reduce(heads[0].clock) { $0.meet($1.clock) }
        var merger = ReferenceMerger(base: base, heads: heads, fields: ReferenceFieldMerge(provenance: provenance, common: common))
        merger.result = Report(
            id: origin.id, title: "", author: origin.author, createdAt: origin.createdAt,
            updatedAt: heads.map(\.snapshot.updatedAt).max()!
        )
        for path in [FieldPath.title, .status, .credibility] {
            merger.apply(merger.mergeReportField(path), at: path)
        }
        merger.apply(merger.mergeBody(), at: .body)
        merger.result.tags = merger.mergeTags()
        merger.mergeItems(of: .sources)
        merger.mergeItems(of: .events)
        merger.apply(merger.mergeDeleted(), at: .deleted)
        merger.result.sortEvents()
        merger.result.conflicts = merger.conflicts.sorted { $0.field < $1.field }
        return merger.result
    }
}

private struct ReferenceMerger {
    let base: Report?
    let heads: [Version]
    let fields: ReferenceFieldMerge
    var result = Report(title: "")
    var conflicts: [Conflict] = []

    init(base: Report?, heads: [Version], fields: ReferenceFieldMerge) {
        self.base = base
        self.heads = heads
        self.fields = fields
    }

    func candidate(_ value: JSONValue, heldBy version: Version, at path: FieldPath) -> Candidate {
        fields.provenance.candidate(value, heldBy: version, at: path)
    }

    func sides(_ path: FieldPath, of versions: [Version]? = nil) -> [ReferenceFieldMerge.Side] {
        (versions ?? heads).compactMap { version in
            version.snapshot.fieldState(at: path).map { ReferenceFieldMerge.Side(version: version, state: $0) }
        }
    }

    /// Shows a merged field: its value, or its displayed candidate with the conflict recorded.
    /// Values come from validated snapshots, so setting them cannot fail.
    mutating func apply(_ state: FieldState, at path: FieldPath) {
        switch state {
        case .value(let value):
            try? result.setValue(value, at: path)
        case .conflict(let candidates):
            let conflict = Conflict(field: path, candidates: candidates)
            conflicts.append(conflict)
            try? result.setValue(conflict.displayed.value, at: path)
        }
    }

    func mergeReportField(_ path: FieldPath) -> FieldState {
        fields.merge(path, base: base?.fieldState(at: path), sides: sides(path))!
    }

    // MARK: Body: line by line

    /// Several heads that changed a plain body → diff3; a conflict only where their hunks
    /// overlap, each candidate carrying everyone's clean changes. Merged texts are brought
    /// to the body's normal form, so that the next edit does not change them unasked.
    func mergeBody() -> FieldState {
        let baseState = base?.fieldState(at: .body)
        let sides = sides(.body)
        var representatives: [String: Version] = [:]  // each distinct new text, by its greatest dot
        for side in sides where side.state != baseState {
            guard case .value(.string(let text)) = side.state else { return mergeReportField(.body) }
            if let kept = representatives[text], kept.dot > side.version.dot { continue }
            representatives[text] = side.version
        }
        guard case .value(.string(let baseText))? = baseState, representatives.count >= 2 else {
            return mergeReportField(.body)
        }
        let texts = representatives.keys.sorted { representatives[$0]!.dot < representatives[$1]!.dot }
        switch ReferenceLineMerge.merge(base: baseText, sides: texts) {
        case .merged(let text):
            return .value(.string(Report.normalizedBody(text)))
        case .conflicted(let candidates):
            return ReferenceFieldMerge.conflict(of: zip(texts, candidates).compactMap { text, merged in
                merged.map { candidate(.string(Report.normalizedBody($0)), heldBy: representatives[text]!, at: .body) }
            })
        }
    }

    // MARK: Tags: a set

    /// Tag by tag, like an item's presence: what anyone added is in, what anyone removed is
    /// out, a removal by someone who had seen the tag added wins over that add, and a tag
    /// added and removed concurrently stays (`(base − removed) ∪ added`). Never a conflict.
    func mergeTags() -> Set<String> {
        let baseTags = base?.tags ?? []
        var all = baseTags
        for head in heads { all.formUnion(head.snapshot.tags) }
        return all.filter { tag in
            let field = ReferenceMergedField(tag: tag)
            let sides = heads.map { ReferenceFieldMerge.Side(version: $0, state: field.read($0.snapshot)!) }
            switch fields.merge(field, base: .value(.bool(baseTags.contains(tag))), sides: sides)! {
            case .value(let value): return value == .bool(true)
            case .conflict: return true
            }
        }
    }

    // MARK: Events and sources: by id

    enum ItemKind { case events, sources }

    /// Matched by id: added by anyone → present; each field merged as a plain field; removed
    /// on one side while edited on another → a conflict on the item's presence.
    mutating func mergeItems(of kind: ItemKind) {
        func ids(_ report: Report) -> [ItemID] {
            kind == .events ? report.events.map(\.id) : report.sources.map(\.id)
        }
        func presencePath(_ id: ItemID) -> FieldPath { kind == .events ? .event(id) : .source(id) }
        func fieldPaths(_ id: ItemID) -> [FieldPath] {
            kind == .events
                ? FieldPath.EventField.allCases.map { .eventField(id, $0) }
                : FieldPath.SourceField.allCases.map { .sourceField(id, $0) }
        }

        // Base order first, then each head's new items in its order.
        var order: [ItemID] = []
        var seen = Set<ItemID>()
        for id in (base.map(ids) ?? []) + heads.flatMap({ ids($0.snapshot) }) where seen.insert(id).inserted {
            order.append(id)
        }

        for id in order {
            let presence = presencePath(id)
            let basePresence = base?.fieldState(at: presence) ?? .value(.bool(false))
            var presenceState = fields.merge(presence, base: basePresence, sides: sides(presence))!
            let holders = heads.filter { $0.snapshot.value(at: presence) != nil }
            let fieldStates = fieldPaths(id).map { path in
                (path, fields.merge(path, base: base?.fieldState(at: path), sides: sides(path, of: holders)))
            }
            let baseHasItem = base?.value(at: presence) != nil
            if presenceState == .value(.bool(false)), baseHasItem {
                // A removal collides with every value in the item the remover had not seen:
                // every field of every holder is a candidate for keeping it, tagged with its
                // writer (a conflict: with its candidates' versions), and the conflict drops
                // those a remover had seen.
                let removers = heads.filter { $0.snapshot.fieldState(at: presence) == .value(.bool(false)) }
                presenceState = ReferenceFieldMerge.conflict(
                    of: removers.map { candidate(.bool(false), heldBy: $0, at: presence) }
                        + holders.flatMap { holder in
                            fieldPaths(id).flatMap { fields.provenance.candidates(.bool(true), heldBy: holder, at: ReferenceMergedField($0)) }
                        })
            }
            let visible = switch presenceState {
            case .value(let value): value == .bool(true)
            case .conflict(let candidates): Conflict(field: presence, candidates: candidates).displayed.value == .bool(true)
            }
            guard visible, let template = holders.last?.snapshot else { continue }
            switch kind {
            case .events: result.events.append(template.event(id)!)
            case .sources: result.sources.append(template.source(id)!)
            }
            if case .conflict = presenceState { apply(presenceState, at: presence) }
            for (path, state) in fieldStates {
                if let state { apply(state, at: path) }
            }
        }
    }

    // MARK: Deleted: never hides an edit

    /// A delete concurrent with an edit of any other field is a conflict on `deleted`.
    func mergeDeleted() -> FieldState {
        let baseState = base?.fieldState(at: .deleted)
        let merged = mergeReportField(.deleted)
        guard merged == .value(.bool(true)) else { return merged }
        // The heads whose line deleted since the base (again, after a restore, when the base
        // was deleted).
        let deleters = heads.filter { head in
            head.snapshot.fieldState(at: .deleted) == .value(.bool(true))
                && (baseState != .value(.bool(true))
                    || fields.provenance.rewrote(head, ReferenceMergedField(.deleted), since: fields.common, base: baseState))
        }
        guard !deleters.isEmpty else { return merged }
        // Each editor offers the writer of every field its line changed since the base (holds
        // another state than the base's, or wrote the base's back; a conflict: its candidates'
        // versions); the conflict drops those a deleter had seen.
        let edits = heads.flatMap { head -> [(Version, FieldPath)] in
            guard head.snapshot.fieldState(at: .deleted) != .value(.bool(true)) else { return [] }
            let between = fields.provenance.versions.filter { head.clock.dominates($0.clock) && !fields.common.dominates($0.clock) }
            var paths = Set(base?.fieldPaths ?? [])
            for version in between { paths.formUnion(version.snapshot.fieldPaths) }
            return paths.sorted().filter { path in
                let baseState: FieldState? = switch path {
                case .event, .source: base?.fieldState(at: path) ?? .value(.bool(false))
                default: base?.fieldState(at: path)
                }
                return path != .deleted && (head.snapshot.fieldState(at: path) != baseState
                    || fields.provenance.rewrote(head, ReferenceMergedField(path), since: fields.common, base: baseState))
            }.map { (head, $0) }
        }
        guard !edits.isEmpty else { return merged }
        return ReferenceFieldMerge.conflict(
            of: deleters.map { candidate(.bool(true), heldBy: $0, at: .deleted) }
                + edits.flatMap { fields.provenance.candidates(.bool(false), heldBy: $0.0, at: ReferenceMergedField($0.1)) })
    }
}


/// The merge of one field across concurrent heads, against their common base.
struct ReferenceFieldMerge {
    /// A head's state of the field, with the head itself.
    struct Side {
        var version: Version
        var state: FieldState
    }

    let provenance: ReferenceProvenance
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
        merge(ReferenceMergedField(path), base: base, sides: sides)
    }

    func merge(_ field: ReferenceMergedField, base: FieldState?, sides: [Side]) -> FieldState? {
        let changed = sides.filter { $0.state != base || provenance.rewrote($0.version, field, since: common, base: base) }
        var distinct: [FieldState] = []
        for side in changed where !distinct.contains(side.state) { distinct.append(side.state) }
        switch distinct.count {
        case 0: return base
        case 1: return distinct[0]
        default: return Self.conflict(of: changed.flatMap { candidates(of: $0, at: field) })
        }
    }

    func candidates(of side: Side, at field: ReferenceMergedField) -> [Candidate] {
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

/// A line-based n-way three-way merge of texts (diff3), for report bodies.
///
/// Each side's changes against the base are found with a Myers diff (the standard library's
/// `difference(from:)`) and cut into hunks: a run of base lines replaced by a run of the
/// side's lines. Hunks of different sides that overlap — share a base line, insert at the
/// same point, or insert strictly inside the other's range — form a cluster. A cluster whose
/// sides all produce the same text is clean; otherwise it is a conflict. Hunks that touch
/// without overlapping (edits of neighbouring lines) merge cleanly.
///
/// The result is a pure function of the base and the ordered sides.
enum ReferenceLineMerge {
    enum Outcome: Equatable, Sendable {
        /// Every change applied.
        case merged(String)
        /// For each side, the merged text with that side's version of every conflicting
        /// cluster (clean changes of all sides applied); nil for a side that took part in no
        /// conflicting cluster.
        case conflicted([String?])
    }

    static func merge(base: String, sides: [String]) -> Outcome {
        let analysis = Analysis(base: base, sides: sides)
        let conflicting = analysis.clusters.filter { $0.clean == nil }
        guard !conflicting.isEmpty else { return .merged(analysis.assemble(side: nil)) }
        let involved = Set(conflicting.flatMap(\.bySide.keys))
        return .conflicted(sides.indices.map { involved.contains($0) ? analysis.assemble(side: $0) : nil })
    }

    /// A place where the sides collide: the base's lines there and each side's.
    struct Region: Equatable, Sendable {
        /// The first base line of the region, counting from 1.
        var line: Int
        var base: [String]
        /// Each side's lines here (the base's for a side that did not touch the region).
        var sides: [[String]]
    }

    /// A text cut into what all sides agree on and where they collide.
    enum Segment: Equatable, Sendable {
        case common([String])
        case conflict(Region)
    }

    /// The merge of the sides as segments, in order: runs of lines every side agrees on
    /// (clean merges included) and the regions where their changes collide. Applied to a
    /// conflict's candidates, the conflict segments are exactly the colliding hunks.
    static func segments(base: String, sides: [String]) -> [Segment] {
        let analysis = Analysis(base: base, sides: sides)
        var segments: [Segment] = []
        var common: [String] = []
        var position = 0
        for cluster in analysis.clusters {
            common += analysis.baseLines[position..<cluster.span.lowerBound].map(String.init)
            if let clean = cluster.clean {
                common += clean.map(String.init)
            } else {
                if !common.isEmpty { segments.append(.common(common)) }
                common = []
                segments.append(.conflict(Region(
                    line: cluster.span.lowerBound + 1,
                    base: analysis.baseLines[cluster.span].map(String.init),
                    sides: sides.indices.map { (cluster.bySide[$0] ?? Array(analysis.baseLines[cluster.span])).map(String.init) })))
            }
            position = cluster.span.upperBound
        }
        common += analysis.baseLines[position...].map(String.init)
        if !common.isEmpty { segments.append(.common(common)) }
        return segments
    }

    /// The regions where the sides' changes collide, in order; empty when they merge.
    static func conflictingRegions(base: String, sides: [String]) -> [Region] {
        segments(base: base, sides: sides).compactMap { segment in
            if case .conflict(let region) = segment { return region }
            return nil
        }
    }

    /// The sides' hunks against the base, clustered where they overlap.
    private struct Analysis {
        struct Cluster {
            var span: Range<Int>
            /// The cluster's text when every side that touched it agrees.
            var clean: [Substring]?
            var bySide: [Int: [Substring]]
        }

        let baseLines: [Substring]
        let clusters: [Cluster]

        init(base: String, sides: [String]) {
            baseLines = ReferenceLineMerge.lines(base)
            var hunks: [Hunk] = []
            for (index, side) in sides.enumerated() {
                hunks += ReferenceLineMerge.hunks(from: baseLines, to: ReferenceLineMerge.lines(side), side: index)
            }
            hunks.sort { ($0.range.lowerBound, $0.range.upperBound, $0.side) < ($1.range.lowerBound, $1.range.upperBound, $1.side) }
            var groups: [[Hunk]] = []
            for hunk in hunks {
                if let last = groups.last, last.contains(where: { $0.overlaps(hunk) }) {
                    groups[groups.count - 1].append(hunk)
                } else {
                    groups.append([hunk])
                }
            }
            let baseLines = baseLines
            clusters = groups.map { group in
                let span = group.map(\.range.lowerBound).min()!..<group.map(\.range.upperBound).max()!
                var bySide: [Int: [Substring]] = [:]
                for side in Set(group.map(\.side)) {
                    bySide[side] = ReferenceLineMerge.apply(group.filter { $0.side == side }, to: baseLines, within: span)
                }
                let texts = Array(bySide.values)
                return Cluster(span: span, clean: texts.allSatisfy { $0 == texts[0] } ? texts[0] : nil, bySide: bySide)
            }
        }

        /// The merged text, taking `side`'s version of every colliding cluster (the base's
        /// when `side` is nil or did not touch it).
        func assemble(side: Int?) -> String {
            var output: [Substring] = []
            var position = 0
            for cluster in clusters {
                output += baseLines[position..<cluster.span.lowerBound]
                if let clean = cluster.clean {
                    output += clean
                } else {
                    output += side.flatMap { cluster.bySide[$0] } ?? Array(baseLines[cluster.span])
                }
                position = cluster.span.upperBound
            }
            output += baseLines[position...]
            return output.joined(separator: "\n")
        }
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    struct Hunk {
        /// Base lines replaced (empty for a pure insertion before `range.lowerBound`).
        var range: Range<Int>
        var replacement: [Substring]
        var side: Int

        func overlaps(_ other: Hunk) -> Bool {
            guard side != other.side else { return false }
            if range.isEmpty && other.range.isEmpty { return range.lowerBound == other.range.lowerBound }
            if range.isEmpty { return other.range.lowerBound < range.lowerBound && range.lowerBound < other.range.upperBound }
            if other.range.isEmpty { return range.lowerBound < other.range.lowerBound && other.range.lowerBound < range.upperBound }
            return range.overlaps(other.range)
        }
    }

    /// The side's changes as maximal hunks, in base order.
    static func hunks(from base: [Substring], to side: [Substring], side index: Int) -> [Hunk] {
        let difference = side.difference(from: base)
        guard !difference.isEmpty else { return [] }
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        // Lines neither removed nor inserted pair up, in order, as the common lines.
        var hunks: [Hunk] = []
        var (i, j) = (0, 0)
        while i < base.count || j < side.count {
            if i < base.count, j < side.count, !removed.contains(i), !inserted.contains(j) {
                i += 1
                j += 1
                continue
            }
            let (startI, startJ) = (i, j)
            while i < base.count, removed.contains(i) { i += 1 }
            while j < side.count, inserted.contains(j) { j += 1 }
            if (i, j) == (startI, startJ) {
                // Only reachable if the pairing is broken; treat the rest as one change.
                (i, j) = (base.count, side.count)
            }
            hunks.append(Hunk(range: startI..<i, replacement: Array(side[startJ..<j]), side: index))
        }
        return hunks
    }

    /// The base lines of `span` with the given hunks (all inside it) applied.
    static func apply(_ hunks: [Hunk], to base: [Substring], within span: Range<Int>) -> [Substring] {
        var output: [Substring] = []
        var position = span.lowerBound
        for hunk in hunks.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            output += base[position..<hunk.range.lowerBound]
            output += hunk.replacement
            position = hunk.range.upperBound
        }
        output += base[position..<span.upperBound]
        return output
    }
}
