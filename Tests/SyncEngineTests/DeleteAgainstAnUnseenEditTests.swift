import ReportModels
@testable import SyncEngine
import Testing

/// "`deleted = true` on one side while another side changed any field → conflict on `deleted`
/// (an edit is never hidden by a concurrent delete)" (DESIGN.md §4) — in the shapes where the
/// first engine, and the definition as first written, let the delete win: found by the
/// randomized histories of `ItemHistoryTests`. In each, a third line has deleted too (or
/// stayed deleted), so that the merge's base has not seen the edit's line.
@Suite("A delete against an edit it had not seen")
struct DeleteAgainstAnUnseenEditTests {
    let dave = ReplicaID("dddddddd-0000-4000-8000-000000000004")!
    let e9 = ItemID("e9")!

    func expectConflict(_ lab: MergeLab, keeping edit: Version, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let state = try #require(lab.state)
        let conflict = try #require(state.conflict(at: .deleted), "the delete hid \(edit.dot.short)'s edit", sourceLocation: sourceLocation)
        #expect(conflict.candidates.contains { $0.value == .bool(false) && $0.version == edit.dot }, sourceLocation: sourceLocation)
        #expect(state == ReferenceHistory(lab.versions).state, sourceLocation: sourceLocation)
    }

    /// Bob changed the status, then the title; carol deleted after seeing the status only.
    /// The editor was tagged with the writer of its first changed field (the status), which
    /// the delete had seen, and dropped.
    @Test func anEditorIsKeptByTheEditTheDeleteHadNotSeen() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let status = lab.edit([created], by: lab.bob) { $0.status = .review }
        _ = try lab.edit([status], by: lab.carol) { try $0.assign(.bool(true), at: .deleted) }
        let title = lab.edit([status], by: lab.bob) { $0.title = "Bob's title" }
        _ = try lab.edit([created], by: dave) { try $0.assign(.bool(true), at: .deleted) }
        try expectConflict(lab, keeping: title)
    }

    /// The report was deleted, bob restored it and edited the title; carol, having seen the
    /// restore only, deleted it again. The base was deleted, so the second delete, putting
    /// back the base's tombstone, was not taken for a delete.
    @Test func aDeleteAgainAfterARestoreIsADelete() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let deleted = try lab.edit([created], by: lab.alice) { try $0.assign(.bool(true), at: .deleted) }
        let restored = try lab.edit([deleted], by: lab.bob) { try $0.assign(.bool(false), at: .deleted) }
        let title = lab.edit([restored], by: lab.bob) { $0.title = "Bob's title" }
        _ = try lab.edit([restored], by: lab.carol) { try $0.assign(.bool(true), at: .deleted) }
        _ = lab.edit([deleted], by: lab.alice) { $0.credibility = 5 }
        try expectConflict(lab, keeping: title)
    }

    /// Bob added an event, carol deleted after seeing it, and bob then set its casualties.
    /// Compared with the base, bob's change was "an event added" (whose writer the delete
    /// had seen); its field's later edit was not looked at.
    @Test func anEditOfAnItemAddedSinceTheBaseIsAnEdit() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let added = lab.edit([created], by: lab.bob) { $0.events.append(Event(id: self.e9, when: "2024-06-24", place: "Kerch")) }
        _ = try lab.edit([added], by: lab.carol) { try $0.assign(.bool(true), at: .deleted) }
        let killed = lab.edit([added], by: lab.bob) { $0.events[$0.events.count - 1].killed = 3 }
        _ = try lab.edit([created], by: dave) { try $0.assign(.bool(true), at: .deleted) }
        try expectConflict(lab, keeping: killed)
    }

    /// The delete had seen every edit: deleted, no conflict.
    @Test func aDeleteThatSawEveryEditDeletes() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let status = lab.edit([created], by: lab.bob) { $0.status = .review }
        let title = lab.edit([status], by: lab.bob) { $0.title = "Bob's title" }
        _ = try lab.edit([title], by: lab.carol) { try $0.assign(.bool(true), at: .deleted) }
        _ = try lab.edit([created], by: dave) { try $0.assign(.bool(true), at: .deleted) }
        let state = try #require(lab.state)
        #expect(state.deleted && state.conflict(at: .deleted) == nil)
        #expect(state == ReferenceHistory(lab.versions).state)
    }
}
