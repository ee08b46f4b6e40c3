import ReportModels
@testable import SyncEngine
import Testing

/// Found by the randomized convergence test (seed 3605094839): an item whose field holds a
/// conflict in the merge's base, removed on one line and only carried (conflict and all) on
/// the other. The carrying line did not edit the item, so the removal wins (DESIGN.md §4:
/// "removed on one side and edited on the other → conflict"). The carried conflict has no
/// writer of its own — its values were written by its candidates' versions, which the
/// remover had seen — yet it was tagged with the first version that carried it, which the
/// remover had not seen, and the removal became a conflict shown as kept.
@Suite("A removal of an item whose field is in conflict")
struct RemovalOfAnItemInConflictTests {
    let e2 = ItemID("e2")!
    let s1 = ItemID("s1")!

    /// Bob and carol set e2's casualties apart (a conflict); carol, having seen both, removes
    /// e2 and then edits a source. Alice, having seen both too, makes `other` (a delete, or
    /// a title) and carries the conflict.
    func history(_ other: (inout Report) throws -> Void) throws -> (lab: MergeLab, removed: Version, carried: Version, source: Version) {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let bobs = try lab.edit([created], by: lab.bob) { try $0.assign(.int(42), at: .eventField(self.e2, .killed)) }
        let carols = try lab.edit([created], by: lab.carol) { try $0.assign(.int(46), at: .eventField(self.e2, .killed)) }
        let carried = try lab.edit([bobs, carols], by: lab.alice, other)
        let removed = try lab.edit([bobs, carols], by: lab.carol) { try $0.assign(.bool(false), at: .event(self.e2)) }
        let source = try lab.edit([removed], by: lab.carol) { try $0.assign(.string("Police statement, updated"), at: .sourceField(self.s1, .ref)) }
        return (lab, removed, carried, source)
    }

    /// Without a delete: the removal and the title both stand, and nothing is in conflict.
    @Test func theRemovalWinsOverALineThatOnlyCarriedTheConflict() throws {
        let (lab, _, carried, _) = try history { $0.title = "Alice's title" }
        #expect(carried.snapshot.conflict(at: .eventField(e2, .killed)) != nil)
        let state = try #require(RecordHistory(lab.versions).state)
        #expect(state.event(e2) == nil, "the removal was lost: \(state.conflicts)")
        #expect(state.conflicts.isEmpty, "\(state.conflicts)")
        #expect(state.title == "Alice's title" && state.source(s1)?.ref == "Police statement, updated")
        #expect(state == ReferenceHistory(lab.versions).state)
    }

    /// The seed's shape: alice deletes the report. The delete collides with carol's edits
    /// (a conflict on `deleted`), but not with e2's removal: e2 is gone.
    @Test func theRemovalWinsOverADeleteThatCarriedTheConflict() throws {
        let (lab, removed, carried, source) = try history { try $0.assign(.bool(true), at: .deleted) }
        #expect(carried.snapshot.conflict(at: .eventField(e2, .killed)) != nil)
        let state = try #require(RecordHistory(lab.versions).state)
        #expect(state.event(e2) == nil, "the removal was lost: \(state.conflicts)")
        #expect(state.conflict(at: .event(e2)) == nil && state.conflict(at: .eventField(e2, .killed)) == nil)
        let deleted = try #require(state.conflict(at: .deleted), "the delete hid carol's edits")
        #expect(Set(deleted.candidates.filter { $0.value == .bool(false) }.map(\.version)).isSubset(of: [removed.dot, source.dot]))
        #expect(deleted.candidates.contains { $0.value == .bool(false) && $0.version == source.dot })
        #expect(state == ReferenceHistory(lab.versions).state)
    }

    /// Controls: a line that edited the item, or decided its conflict, apart from the
    /// removal still collides with it (the item is kept, its presence in conflict).
    @Test func anEditOrADecisionOfTheConflictStillCollidesWithTheRemoval() throws {
        let edits: [(String, (inout Report) throws -> Void)] = [
            ("place", { try $0.assign(.string("Elsewhere"), at: .eventField(self.e2, .place)) }),
            ("decided", { try $0.assign(.int(42), at: .eventField(self.e2, .killed)) }),
        ]
        for (name, edit) in edits {
            let (lab, removed, carried, _) = try history(edit)
            let state = try #require(RecordHistory(lab.versions).state)
            let presence = try #require(state.conflict(at: .event(e2)), "\(name): the removal hid an edit")
            #expect(presence.candidates.contains { $0.value == .bool(true) && $0.version == carried.dot }, "\(name)")
            #expect(presence.candidates.contains { $0.value == .bool(false) && $0.version == removed.dot }, "\(name)")
            #expect(state == ReferenceHistory(lab.versions).state, "\(name)")
        }
    }

    /// A conflict the remover had not seen made (two edits apart from it), carried by a
    /// third line: its candidates keep the item.
    @Test func aConflictTheRemoverHadNotSeenKeepsTheItem() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let removed = try lab.edit([created], by: lab.carol) { try $0.assign(.bool(false), at: .event(self.e2)) }
        let bobs = try lab.edit([created], by: lab.bob) { try $0.assign(.int(42), at: .eventField(self.e2, .killed)) }
        let alices = try lab.edit([created], by: lab.alice) { try $0.assign(.int(46), at: .eventField(self.e2, .killed)) }
        _ = lab.edit([bobs, alices], by: lab.alice) { $0.title = "Alice's title" }
        let state = try #require(lab.state)
        let presence = try #require(state.conflict(at: .event(e2)), "the removal hid two edits")
        // One candidate per value: the removal, and one of the two edits (a conflict keeps one
        // candidate per value).
        #expect(presence.candidates.contains { $0.value == .bool(false) && $0.version == removed.dot })
        #expect(presence.candidates.contains { $0.value == .bool(true) && [bobs.dot, alices.dot].contains($0.version) })
        #expect(state == ReferenceHistory(lab.versions).state)
    }
}
