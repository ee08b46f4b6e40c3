import ReportModels
@testable import SyncEngine
import Testing

/// Found by the randomized convergence test (seed 2469141480): a removal that reaches a head
/// through a merge with a line that never held the item. Both parents of the merge lack the
/// item, so the merge did not write its absence; the version that did is the removal, not the
/// creation of the report that the other line goes back to.
@Suite("A removal passed on by a merge with a line that never had the item")
struct RemovalThroughAMergeTests {
    let e9 = ItemID("e9")!

    /// alice creates; bob adds e9; carol removes it; alice (not having seen bob) edits the
    /// status; carol merges alice's edit with her removal; bob, not having seen the removal,
    /// edits the title. Bob's head did not touch e9 and carol's line removed it after seeing
    /// it added: the merge has no e9 and no conflict (DESIGN.md §4).
    @Test func theRemovalWinsOverTheAdditionItSaw() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let added = lab.edit([created], by: lab.bob) { $0.events.append(Event(id: self.e9, when: "2024-06-24", place: "Kerch")) }
        let removed = try lab.edit([added], by: lab.carol) { try $0.assign(.bool(false), at: .event(self.e9)) }
        let apart = lab.edit([created], by: lab.alice) { $0.status = .review }
        let merged = lab.edit([apart, removed], by: lab.carol) { $0.tags.insert("merged") }
        let retitled = lab.edit([added], by: lab.bob) { $0.title = "Bob's title" }
        let history = RecordHistory(lab.versions)
        #expect(history.heads.map(\.dot) == [retitled.dot, merged.dot])
        let state = try #require(history.state)
        #expect(state.event(e9) == nil, "the removal was lost: \(state.events.map(\.id))")
        #expect(state.conflicts.isEmpty, "\(state.conflicts)")
        #expect(state.title == "Bob's title" && state.status == .review && state.tags.contains("merged"))
        #expect(state == ReferenceHistory(lab.versions).state)
    }

    /// The same with the merge's parents the other way round in dot order (the removal by a
    /// replica whose id sorts first), which the first engine got right by chance.
    @Test func theOrderOfTheMergesParentsDoesNotMatter() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.carol)
        let added = lab.edit([created], by: lab.bob) { $0.events.append(Event(id: self.e9, when: "2024-06-24", place: "Kerch")) }
        let removed = try lab.edit([added], by: lab.alice) { try $0.assign(.bool(false), at: .event(self.e9)) }
        let apart = lab.edit([created], by: lab.carol) { $0.status = .review }
        _ = lab.edit([apart, removed], by: lab.alice) { $0.tags.insert("merged") }
        _ = lab.edit([added], by: lab.bob) { $0.title = "Bob's title" }
        let state = try #require(RecordHistory(lab.versions).state)
        #expect(state.event(e9) == nil, "the removal was lost: \(state.events.map(\.id))")
        #expect(state.conflicts.isEmpty, "\(state.conflicts)")
        #expect(state == ReferenceHistory(lab.versions).state)
    }

    /// A value set back on one line and held since the base on another: merged, it was
    /// written by the line that set it back, so a change made apart from that (and seen
    /// only the first value) still collides with it.
    @Test func aValueSetBackIsTaggedWithTheVersionThatSetItBack() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.bob)
        let changed = lab.edit([created], by: lab.carol) { $0.title = "Changed" }
        let setBack = lab.edit([changed], by: lab.carol) { $0.title = "Attacks in Dagestan" }
        let apart = lab.edit([created], by: lab.alice) { $0.status = .review }
        let merged = lab.edit([apart, setBack], by: lab.alice) { $0.tags.insert("merged") }
        let other = lab.edit([changed], by: lab.bob) { $0.title = "Bob's title" }
        let state = try #require(RecordHistory(lab.versions).state)
        // Bob had seen "Changed", not carol setting it back: both decisions stand.
        let conflict = try #require(state.conflict(at: .title), "carol's setting back was lost: \(state.title)")
        #expect(Set(conflict.candidates.map(\.version)) == [setBack.dot, other.dot])
        #expect(merged.snapshot.title == "Attacks in Dagestan")
        #expect(state == ReferenceHistory(lab.versions).state)
    }
}
