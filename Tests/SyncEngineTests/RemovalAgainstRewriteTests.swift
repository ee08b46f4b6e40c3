import ReportModels
@testable import SyncEngine
import Testing

/// Found by the randomized convergence test (seed 3935661069): an edit that writes an item's
/// field back to the value the merge's base holds is still an edit, and a removal that did
/// not see it must not hide it.
@Suite("A removal against an edit that restores the base's value")
struct RemovalAgainstRewriteTests {
    @Test func theEditIsKeptInAConflictOnTheItemsPresence() throws {
        var lab = MergeLab()
        let (fe, a5, d7, c4, x2) = (lab.alice, lab.bob, lab.carol,
                                    ReplicaID("dddddddd-0000-4000-8000-000000000004")!, ReplicaID("eeeeeeee-0000-4000-8000-000000000005")!)
        let s1 = ItemID("s1")!
        let created = lab.create(.sample(), by: fe) { $0.sources[0].reliability = .a }
        let fe2 = lab.edit([created], by: fe) { $0.events[0].killed = 1 }
        let a51 = lab.edit([fe2], by: a5) { $0.events[0].killed = 2 }
        let d71 = lab.edit([a51], by: d7) { $0.events[1].killed = 3 }
        let a52 = lab.edit([d71], by: a5) { $0.tags.insert("a5") }
        let c41 = lab.edit([a52], by: c4) { $0.sources[0].reliability = .e }
        _ = lab.edit([a52], by: x2) { $0.events[0].killed = 4 }
        _ = lab.edit([c41], by: fe) { $0.sources.removeAll { $0.id == s1 } }
        let c42 = lab.edit([c41], by: c4) { $0.sources[0].reliability = .a }
        _ = lab.edit([c41], by: d7) { $0.events[1].killed = 5 }
        let state = lab.state
        // c4's second edit (back to A) was not seen by the removal: it is not lost.
        let presence = try #require(state.conflict(at: .source(s1)), "the removal hid an edit it had not seen: \(state.sources.map(\.id))")
        #expect(presence.candidates.contains { $0.version == c42.dot && $0.value == .bool(true) })
        #expect(state.source(s1)?.reliability == .a)
    }
}
