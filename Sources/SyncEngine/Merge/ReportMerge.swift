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
    static func merge(base: Report?, heads unsorted: [Version]) -> Report {
        let heads = unsorted.sorted { $0.dot < $1.dot }
        let origin = base ?? heads[0].snapshot
        var merger = Merger(base: base, heads: heads)
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
    var result = Report(title: "")
    var conflicts: [Conflict] = []

    init(base: Report?, heads: [Version]) {
        self.base = base
        self.heads = heads
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
        FieldMerge.merge(base: base?.fieldState(at: path), sides: sides(path))!
    }

    // MARK: Body: line by line

    /// Several heads that changed a plain body → diff3; a conflict only where their hunks
    /// overlap, each candidate carrying everyone's clean changes.
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
            return .value(.string(text))
        case .conflicted(let candidates):
            return FieldMerge.conflict(of: zip(texts, candidates).compactMap { text, candidate in
                candidate.map { FieldMerge.candidate(.string($0), from: representatives[text]!) }
            })
        }
    }

    // MARK: Tags: a set

    /// `(base − removed by anyone) ∪ added by anyone`; never a conflict.
    func mergeTags() -> Set<String> {
        let baseTags = base?.tags ?? []
        var removed = Set<String>()
        var added = Set<String>()
        for head in heads {
            removed.formUnion(baseTags.subtracting(head.snapshot.tags))
            added.formUnion(head.snapshot.tags.subtracting(baseTags))
        }
        return baseTags.subtracting(removed).union(added)
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
            var presenceState = FieldMerge.merge(base: basePresence, sides: sides(presence))!
            let holders = heads.filter { $0.snapshot.value(at: presence) != nil }
            let fieldStates = fieldPaths(id).map { path in
                (path, FieldMerge.merge(base: base?.fieldState(at: path), sides: sides(path, of: holders)))
            }
            let baseHasItem = base?.value(at: presence) != nil
            if presenceState == .value(.bool(false)), baseHasItem {
                let editors = holders.filter { holder in
                    fieldPaths(id).contains { holder.snapshot.fieldState(at: $0) != base?.fieldState(at: $0) }
                }
                if !editors.isEmpty {
                    let removers = heads.filter { $0.snapshot.fieldState(at: presence) == .value(.bool(false)) }
                    presenceState = FieldMerge.conflict(
                        of: removers.map { FieldMerge.candidate(.bool(false), from: $0) }
                            + editors.map { FieldMerge.candidate(.bool(true), from: $0) })
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
        let editors = heads.filter { head in
            head.snapshot.fieldState(at: .deleted) != .value(.bool(true))
                && head.snapshot.changedFields(since: base).contains { $0 != .deleted }
        }
        guard !editors.isEmpty else { return merged }
        return FieldMerge.conflict(
            of: deleters.map { FieldMerge.candidate(.bool(true), from: $0) }
                + editors.map { FieldMerge.candidate(.bool(false), from: $0) })
    }
}
