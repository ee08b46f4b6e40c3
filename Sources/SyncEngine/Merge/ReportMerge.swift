import ReportModels

// THE INVARIANT. The state of a record is a deterministic function of the *set* of its
// versions: heads by vector clock; one head → its snapshot; several → `ReportMerge.merge`
// of the heads against the state of the versions every head has seen (`RecordHistory`).
// Nothing here may depend on the order versions arrived in, on which replica computes it,
// or on the clock of the machine: heads are sorted by dot before anything reads them, every
// choice between values goes through a total order, and wall times are only compared, never
// read from the machine. Replicas holding the same versions therefore show byte-identical
// reports. The randomized convergence test (SyncEngineTests/ConvergenceTests) enforces it.

/// The n-way, per-field merge of concurrent heads against their common base (DESIGN.md §4).
enum ReportMerge {
    /// - Parameters:
    ///   - base: the state of the versions all heads have seen; nil when there are none.
    ///   - heads: two or more concurrent versions of one report.
    ///   - provenance: which version wrote each value, for tagging candidates.
    static func merge(base: Report?, heads unsorted: [Version], provenance: Provenance) -> Report {
        let heads = unsorted.sorted { $0.dot < $1.dot }
        let origin = base ?? heads[0].snapshot
        let common = heads.dropFirst().reduce(heads[0].clock) { $0.meet($1.clock) }
        var merger = Merger(base: base, heads: heads, fields: FieldMerge(provenance: provenance, common: common))
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

private struct Merger {
    let base: Report?
    let heads: [Version]
    let fields: FieldMerge
    var result = Report(title: "")
    var conflicts: [Conflict] = []

    init(base: Report?, heads: [Version], fields: FieldMerge) {
        self.base = base
        self.heads = heads
        self.fields = fields
    }

    func candidate(_ value: JSONValue, heldBy version: Version, at path: FieldPath) -> Candidate {
        fields.provenance.candidate(value, heldBy: version, at: path)
    }

    func sides(_ path: FieldPath, of versions: [Version]? = nil) -> [FieldMerge.Side] {
        (versions ?? heads).compactMap { version in
            version.snapshot.fieldState(at: path).map { FieldMerge.Side(version: version, state: $0) }
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
        switch LineMerge.merge(base: baseText, sides: texts) {
        case .merged(let text):
            return .value(.string(Report.normalizedBody(text)))
        case .conflicted(let candidates):
            return FieldMerge.conflict(of: zip(texts, candidates).compactMap { text, merged in
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
            let field = MergedField(tag: tag)
            let sides = heads.map { FieldMerge.Side(version: $0, state: field.read($0.snapshot)!) }
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
                // Each editor is tagged with the version that wrote its first edited field.
                let edits = holders.compactMap { holder -> (Version, FieldPath)? in
                    fieldPaths(id).first { holder.snapshot.fieldState(at: $0) != base?.fieldState(at: $0) }.map { (holder, $0) }
                }
                if !edits.isEmpty {
                    let removers = heads.filter { $0.snapshot.fieldState(at: presence) == .value(.bool(false)) }
                    presenceState = FieldMerge.conflict(
                        of: removers.map { candidate(.bool(false), heldBy: $0, at: presence) }
                            + edits.map { candidate(.bool(true), heldBy: $0.0, at: $0.1) })
                }
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
        guard merged == .value(.bool(true)), baseState != .value(.bool(true)) else { return merged }
        let deleters = heads.filter { $0.snapshot.fieldState(at: .deleted) == .value(.bool(true)) }
        // Each editor is tagged with the version that wrote its first edited field.
        let edits = heads.compactMap { head -> (Version, FieldPath)? in
            guard head.snapshot.fieldState(at: .deleted) != .value(.bool(true)) else { return nil }
            return head.snapshot.changedFields(since: base).first { $0 != .deleted }.map { (head, $0) }
        }
        guard !edits.isEmpty else { return merged }
        return FieldMerge.conflict(
            of: deleters.map { candidate(.bool(true), heldBy: $0, at: .deleted) }
                + edits.map { edit in
                    let writer = fields.provenance.writer(of: edit.0, at: edit.1)
                    return Candidate(value: .bool(false), version: writer.dot, clock: writer.clock, author: writer.author, time: writer.time)
                })
    }
}
