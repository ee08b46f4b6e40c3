import ReportModels

// THE INVARIANT. The state of a record is a deterministic function of the *set* of its
// versions: heads by vector clock; one head → its snapshot; several → `ReportMerge.merge`
// of the heads against the state of the versions every head has seen (`HistoryEvaluator`).
// Nothing here may depend on the order versions arrived in, on which replica computes it,
// or on the clock of the machine: heads are sorted by dot before anything reads them, every
// choice between values goes through a total order, and wall times are only compared, never
// read from the machine. Replicas holding the same versions therefore show byte-identical
// reports. The randomized convergence test (SyncEngineTests/ConvergenceTests) enforces it,
// and a randomized test holds this implementation to the definition written plainly
// (SyncEngineTests/ReferenceHistory).

/// The n-way, per-field merge of concurrent heads against their common base (DESIGN.md §4).
///
/// Cost: O(the heads' fields + the fields of the versions between base and heads (each
/// compared with the base) + the diff3 of the narratives), plus the provenance lookups
/// (`HistoryEvaluator`). A field no one touched since the base costs nothing beyond the
/// base's own fields: fields are read from tables, and which heads changed a field is found
/// from the versions that changed it, not by asking every head.
enum ReportMerge {
    /// - Parameters:
    ///   - context: the heads (two or more, concurrent, in dot order), the base and what
    ///     changed between them.
    ///   - writer: which version wrote the value a version holds in a field.
    static func merge(_ context: MergeContext, writer: @escaping (Int, MergedField) -> Int) -> Report {
        let fields = FieldMerge(context: context, writer: writer)
        let origin = context.base ?? context.snapshots[0]
        var merger = Merger(context: context, fields: fields)
        merger.result = Report(
            id: origin.id, title: "", author: origin.author, createdAt: origin.createdAt,
            updatedAt: context.snapshots.map(\.updatedAt).max()!
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

/// What one merge reads, gathered once: the heads and their fields, the base, and which
/// versions between the two changed which field.
final class MergeContext {
    let graph: CausalGraph
    /// Version numbers, in dot order.
    let heads: [Int]
    let snapshots: [Report]
    let tables: [FieldTable]
    let base: Report?
    let baseTable: FieldTable
    /// Per field, the versions some head has seen (or is) and the base has not whose state of
    /// the field differs from the base's.
    private let changedBy: [MergedField: [Int]]
    private let headPosition: [Int: Int]
    /// Per replica number: (a head's entry for it, the head's position), greatest entry first.
    private let seers: [Int32: [(counter: Int, head: Int)]]
    private var touchedCache: [MergedField: [Int]] = [:]
    private var lineMerges: [[String]: LineMerge.Outcome] = [:]

    /// O(the heads' and the base's fields + Σ over the versions between base and heads of
    /// their fields and the base's): each such version's snapshot is read once.
    init<Failure: Error>(graph: CausalGraph, heads: [Int], base: Report?, common: CausalGraph.Cut,
                         snapshot: (Int) throws(Failure) -> Report) throws(Failure) {
        self.graph = graph
        self.heads = heads
        var snapshots: [Report] = []
        for head in heads { snapshots.append(try snapshot(head)) }
        self.snapshots = snapshots
        tables = snapshots.map(FieldTable.init)
        self.base = base
        baseTable = FieldTable(base)
        var headPosition: [Int: Int] = [:]
        for (position, head) in heads.enumerated() { headPosition[head] = position }
        self.headPosition = headPosition
        var seers: [Int32: [(counter: Int, head: Int)]] = [:]
        for (position, head) in heads.enumerated() {
            for entry in graph.cut(of: head).entries { seers[entry.replica, default: []].append((entry.counter, position)) }
        }
        self.seers = seers.mapValues { $0.sorted { $0.counter > $1.counter } }
        var changedBy: [MergedField: [Int]] = [:]
        for version in graph.versions(seenBy: heads, after: common) {
            let table: FieldTable
            if let position = headPosition[version] { table = tables[position] } else { table = FieldTable(try snapshot(version)) }
            for (field, state) in table.states where state != baseTable[field] {
                changedBy[field, default: []].append(version)
            }
            for (field, state) in baseTable.states where table.states[field] == nil && field.absent != state {
                changedBy[field, default: []].append(version)
            }
        }
        self.changedBy = changedBy
    }

    /// Fields some version between base and heads changed.
    var changedFields: Dictionary<MergedField, [Int]>.Keys { changedBy.keys }

    /// The positions of the heads whose line of history changed the field since the base:
    /// they hold another state than the base's, or they have seen a version that did (and
    /// wrote the base's state back since). In position (dot) order.
    func touched(_ field: MergedField) -> [Int] {
        if let known = touchedCache[field] { return known }
        var marked = Set<Int>()
        for version in changedBy[field] ?? [] {
            if let position = headPosition[version] {
                marked.insert(position)
                continue
            }
            let (replica, counter) = (graph.replica(of: version), graph.counter(of: version))
            for seer in seers[replica] ?? [] {
                guard seer.counter >= counter else { break }
                marked.insert(seer.head)
            }
            if marked.count == heads.count { break }
        }
        let touched = marked.sorted()
        touchedCache[field] = touched
        return touched
    }

    /// diff3 of narratives, kept for the merge's next run (a merge runs again when it asked
    /// for provenance that was not known yet).
    func lineMerge(base: String, sides: [String]) -> LineMerge.Outcome {
        if let known = lineMerges[[base] + sides] { return known }
        let outcome = LineMerge.merge(base: base, sides: sides)
        lineMerges[[base] + sides] = outcome
        return outcome
    }
}

/// The merge of one field across concurrent heads, against their common base.
struct FieldMerge {
    let context: MergeContext
    let writer: (Int, MergedField) -> Int

    /// Which heads take part in a field: all of them, or only those holding its item.
    enum Sides {
        case all
        case holders(Set<Int>)
    }

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
    func merge(_ field: MergedField, base: FieldState?, sides: Sides) -> FieldState? {
        var changed = context.touched(field)
        if case .holders(let holders) = sides { changed = changed.filter(holders.contains) }
        let states = changed.compactMap { head in context.tables[head][field].map { (head, $0) } }
        let distinct = Set(states.map(\.1))
        switch distinct.count {
        case 0: return base
        case 1: return distinct.first!
        default: return Self.conflict(of: states.flatMap { candidates(of: $0.0, holding: $0.1, at: field) })
        }
    }

    func candidates(of head: Int, holding state: FieldState, at field: MergedField) -> [Candidate] {
        switch state {
        case .value(let value): [candidate(value, heldBy: head, at: field)]
        case .conflict(let candidates): candidates
        }
    }

    /// The candidate for `value` from the head at `position`, tagged with the version that
    /// wrote what the head holds in `field` (DESIGN.md §4) — `value`'s own field, or, where a
    /// removal or a delete collides with an edit, the edited field. The one way the merge
    /// makes a candidate: tagged with any other version, a candidate would not be dropped
    /// where a later version has seen it, and replicas could tag it differently.
    func candidate(_ value: JSONValue, heldBy position: Int, at field: MergedField) -> Candidate {
        let header = context.graph.header(writer(context.heads[position], field))
        return Candidate(value: value, version: header.dot, clock: header.clock, author: header.author, time: header.time)
    }

    /// The candidates for `value` (keeping an item, or a report, that a removal or a delete
    /// would hide) that the head at `position` offers by what it holds in `field`: tagged with
    /// the version that wrote it — or, where it holds a conflict, one per candidate of that
    /// conflict, tagged as the candidate is.
    ///
    /// A conflict has no writer of its own: each of its values was written by its
    /// candidate's version, and the version that first carried it (the first edit made
    /// after the merge that found it, whose parents none held it) wrote none of them.
    /// Tagged with that carrier, a conflict the merge's base already held — carried
    /// unchanged by a line that never edited the field — looked like an edit the remover
    /// had not seen, and the removal became a conflict shown as kept (convergence seed
    /// 3605094839). Flattened, as a conflict candidate is into a new conflict (DESIGN.md
    /// §4), its candidates are dropped where the remover or deleter had seen them all, and
    /// kept where it had not (values written apart from it).
    func candidates(_ value: JSONValue, heldBy position: Int, at field: MergedField) -> [Candidate] {
        guard case .conflict(let held)? = context.tables[position][field] else {
            return [candidate(value, heldBy: position, at: field)]
        }
        return held.map { Candidate(value: value, version: $0.version, clock: $0.clock, author: $0.author, time: $0.time) }
    }

    /// Drops superseded candidates, keeps one per value, and returns a plain value when only
    /// one is left.
    ///
    /// A candidate's clock counts its own dot, so a clock that dominates it counts that dot
    /// too: only candidates whose clocks do are compared with it. O(the candidates' clock
    /// entries + the comparisons), one comparison per candidate when clocks are true to the
    /// history; at most the square of the candidates for forged ones.
    static func conflict(of candidates: [Candidate]) -> FieldState {
        var counting: [ReplicaID: [(counter: Int, index: Int)]] = [:]
        let dotReplicas = Set(candidates.map(\.version.replica))
        for (index, candidate) in candidates.enumerated() {
            for (replica, counter) in candidate.clock.counters where dotReplicas.contains(replica) {
                counting[replica, default: []].append((counter, index))
            }
        }
        counting = counting.mapValues { $0.sorted { $0.counter > $1.counter } }
        let current = candidates.enumerated().filter { index, candidate in
            for other in counting[candidate.version.replica] ?? [] {
                guard other.counter >= candidate.version.counter else { break }
                if other.index != index, candidates[other.index].clock.isDescendant(of: candidate.clock) { return false }
            }
            return true
        }.map(\.element)
        var byValue: [JSONValue: Candidate] = [:]
        for candidate in current {
            if let kept = byValue[candidate.value], kept.version >= candidate.version { continue }
            byValue[candidate.value] = candidate
        }
        // By version, then by value: one version can stand for two values (a conflict it
        // carried offers its own candidates), and without the value the order of such a tie
        // was the dictionary's, which differs from one process to the next — and the state
        // must be a function of the versions alone.
        let kept = byValue.values.sorted { ($0.version, $0.value.canonicalString) < ($1.version, $1.value.canonicalString) }
        return kept.count == 1 ? .value(kept[0].value) : .conflict(kept)
    }
}

private struct Merger {
    let context: MergeContext
    let fields: FieldMerge
    var result = Report(title: "")
    var conflicts: [Conflict] = []
    /// Where each event and source kept so far sits in `result`.
    private var eventIndex: [ItemID: Int] = [:]
    private var sourceIndex: [ItemID: Int] = [:]

    init(context: MergeContext, fields: FieldMerge) {
        self.context = context
        self.fields = fields
    }

    var heads: Range<Int> { context.heads.indices }

    /// Shows a merged field: its value, or its displayed candidate with the conflict recorded.
    /// Values come from validated snapshots, so setting them cannot fail. Events are put in
    /// order once, at the end.
    mutating func apply(_ state: FieldState, at path: FieldPath) {
        let value: JSONValue
        switch state {
        case .value(let plain):
            value = plain
        case .conflict(let candidates):
            let conflict = Conflict(field: path, candidates: candidates)
            conflicts.append(conflict)
            value = conflict.displayed.value
        }
        switch path {
        case .event, .source:
            break  // a kept item is in the result already
        case .eventField(let id, let field):
            if let index = eventIndex[id] { try? result.events[index].setValue(value, of: field) }
        case .sourceField(let id, let field):
            if let index = sourceIndex[id] { try? result.sources[index].setValue(value, of: field) }
        default:
            try? result.setValue(value, at: path)
        }
    }

    func mergeReportField(_ path: FieldPath) -> FieldState {
        fields.merge(.path(path), base: context.baseTable[.path(path)], sides: .all)!
    }

    // MARK: Body: line by line

    /// Several heads that changed a plain body → diff3; a conflict only where their hunks
    /// overlap, each candidate carrying everyone's clean changes. Merged texts are brought
    /// to the body's normal form, so that the next edit does not change them unasked.
    func mergeBody() -> FieldState {
        let field = MergedField.path(.body)
        let baseState = context.baseTable[field]
        var representatives: [String: Int] = [:]  // each distinct new text, by the head with the greatest dot
        for head in heads where context.tables[head][field] != baseState {
            guard case .value(.string(let text)) = context.tables[head][field] else { return mergeReportField(.body) }
            representatives[text] = head
        }
        guard case .value(.string(let baseText))? = baseState, representatives.count >= 2 else {
            return mergeReportField(.body)
        }
        let texts = representatives.keys.sorted { representatives[$0]! < representatives[$1]! }
        switch context.lineMerge(base: baseText, sides: texts) {
        case .merged(let text):
            return .value(.string(Report.normalizedBody(text)))
        case .conflicted(let candidates):
            return FieldMerge.conflict(of: zip(texts, candidates).compactMap { text, merged in
                merged.map { fields.candidate(.string(Report.normalizedBody($0)), heldBy: representatives[text]!, at: field) }
            })
        }
    }

    // MARK: Tags: a set

    /// Tag by tag, like an item's presence: what anyone added is in, what anyone removed is
    /// out, a removal by someone who had seen the tag added wins over that add, and a tag
    /// added and removed concurrently stays (`(base − removed) ∪ added`). Never a conflict.
    /// Only tags of the base and tags some version changed are looked at.
    func mergeTags() -> Set<String> {
        let baseTags = context.base?.tags ?? []
        var tags = baseTags
        for field in context.changedFields { if case .tag(let tag) = field { tags.insert(tag) } }
        return tags.filter { tag in
            switch fields.merge(.tag(tag), base: .value(.bool(baseTags.contains(tag))), sides: .all)! {
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

        // Base order first, then each head's new items in its order; and who holds each.
        var order: [ItemID] = []
        var holders: [ItemID: [Int]] = [:]
        var seen = Set<ItemID>()
        for id in context.base.map(ids) ?? [] where seen.insert(id).inserted { order.append(id) }
        for head in heads {
            for id in ids(context.snapshots[head]) {
                holders[id, default: []].append(head)
                if seen.insert(id).inserted { order.append(id) }
            }
        }

        for id in order {
            let presence = presencePath(id)
            let holding = holders[id] ?? []
            var presenceState = fields.merge(.path(presence), base: context.baseTable[.path(presence)], sides: .all)!
            let sides = FieldMerge.Sides.holders(Set(holding))
            let fieldStates = fieldPaths(id).map { path in
                (path, fields.merge(.path(path), base: context.baseTable[.path(path)], sides: sides))
            }
            let baseHasItem = context.base?.value(at: presence) != nil
            if presenceState == .value(.bool(false)), baseHasItem {
                // A removal hides the item, so it collides with every value in it that the
                // remover had not seen. Each holder offers the writer of each of the item's
                // fields as a candidate for keeping it; the conflict drops the candidates a
                // remover had seen, so what remains are the edits made apart from the removal,
                // whatever they wrote — an edit that puts back the base's value is an edit all
                // the same (comparing values with the base's missed it). A field holding a
                // conflict offers its candidates, not the version that carried it
                // (`FieldMerge.candidates`): a line that only carried the base's conflict did
                // not edit the item. O(holders × the item's fields) writer lookups (plus the
                // candidates of the conflicts held), only for an item removed in the merge.
                let removers = heads.filter { context.tables[$0][.path(presence)] == .value(.bool(false)) }
                presenceState = FieldMerge.conflict(
                    of: removers.map { fields.candidate(.bool(false), heldBy: $0, at: .path(presence)) }
                        + holding.flatMap { holder in fieldPaths(id).flatMap { fields.candidates(.bool(true), heldBy: holder, at: .path($0)) } })
            }
            let visible = switch presenceState {
            case .value(let value): value == .bool(true)
            case .conflict(let candidates): Conflict(field: presence, candidates: candidates).displayed.value == .bool(true)
            }
            guard visible, let template = holding.last.map({ context.snapshots[$0] }) else { continue }
            switch kind {
            case .events:
                eventIndex[id] = result.events.count
                result.events.append(template.event(id)!)
            case .sources:
                sourceIndex[id] = result.sources.count
                result.sources.append(template.source(id)!)
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
        let deleted = MergedField.path(.deleted)
        let merged = mergeReportField(.deleted)
        guard merged == .value(.bool(true)) else { return merged }
        // The heads whose line deleted since the base: from a live base, or again after a
        // restore when the base was deleted (a delete that puts back the base's tombstone is
        // a delete all the same; comparing with the base's value missed it).
        let deleters = context.touched(deleted).filter { context.tables[$0][deleted] == .value(.bool(true)) }
        guard !deleters.isEmpty else { return merged }
        // Each editor (a head without the tombstone) offers the writer of every field its line
        // changed since the base, as the merge reads a change (`touched`: a field of an item
        // added since, and a value set back, count), and the conflict drops those a deleter
        // had seen: what remains are the edits made apart from the delete. Tagged with one
        // field's writer only, an editor whose other edit no deleter had seen was dropped all
        // the same, and the delete hid that edit. A field holding a conflict offers its
        // candidates (`FieldMerge.candidates`), not the version that carried it. O(the changed
        // fields + the editors' writer lookups), only where the merge deletes.
        let editors = Set(heads.filter { context.tables[$0][deleted] != .value(.bool(true)) })
        var edits: [(Int, MergedField)] = []
        for field in context.changedFields {
            guard case .path(let path) = field, path != .deleted else { continue }  // tags as a whole: `.path(.tags)`
            for head in context.touched(field) where editors.contains(head) { edits.append((head, field)) }
        }
        guard !edits.isEmpty else { return merged }
        return FieldMerge.conflict(
            of: deleters.map { fields.candidate(.bool(true), heldBy: $0, at: deleted) }
                + edits.flatMap { fields.candidates(.bool(false), heldBy: $0.0, at: $0.1) })
    }
}
