import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The rules of changing and deciding reports, at the engine: what `set`, `event`, `source`,
/// `rm`, `restore`, `edit`, `resolve` and `conflicts` only parse for and render.
@Suite("Editing and resolving")
struct EditingTests {
    /// Alice and Bob each hold the sample report, and have each changed `change` concurrently
    /// and synced: both stores hold the conflicts.
    static func conflicted(_ alice: (inout Report) -> Void, _ bob: (inout Report) -> Void,
                           in workspace: Workspace) throws -> (alice: Store, bob: Store, id: ReportID) {
        let (first, second) = (try workspace.store("alice"), try workspace.store("bob"))
        let shared = try workspace.folder("shared")
        let id = try first.add("Attacks in Dagestan")
        _ = try first.sync(shared)
        _ = try second.sync(shared)
        try first.commitChange(to: id, alice)
        try second.commitChange(to: id, bob)
        _ = try first.sync(shared)
        _ = try second.sync(shared)
        _ = try first.sync(shared)
        return (first, second, id)
    }

    // MARK: Deleted reports

    @Test func aDeletedReportIsNotChangedUntilItIsRestored() throws {
        let workspace = try Workspace()
        let store = try workspace.store("alice")
        let id = try store.add("Attacks in Dagestan")
        #expect(try store.setDeleted(true, of: id).version != nil)
        let before = try store.rawDump()
        #expect(throws: EditError.deleted(id)) { try store.changeContent(of: id) { $0.title = "Changed" } }
        #expect(throws: EditError.deleted(id)) { try store.add(Source(id: ItemID("s9")!, ref: "Radio"), to: id) }
        #expect(throws: EditError.deleted(id)) { try store.remove(.event(ItemID("e1")!), from: id) }
        #expect(throws: EditError.deleted(id)) { try store.beginEdit(of: id) }
        #expect(try store.rawDump() == before)
        // Deleting again changes nothing; restoring makes a version, and then it can be changed.
        #expect(try store.setDeleted(true, of: id).version == nil)
        #expect(try store.setDeleted(false, of: id).version != nil)
        #expect(try store.changeContent(of: id) { $0.title = "Changed" }.version?.snapshot.title == "Changed")
    }

    @Test func aReportDeletedOnOneReplicaAndEditedOnAnotherCanStillBeChanged() throws {
        let workspace = try Workspace()
        let (alice, _, id) = try Self.conflicted({ $0.deleted = true }, { $0.status = .final }, in: workspace)
        let report = try alice.stored(id).report
        #expect(report.conflict(at: .deleted) != nil)
        // Shown as kept while the delete is in conflict: a change is not lost from view.
        let result = try alice.changeContent(of: id) { $0.title = "Still open" }
        #expect(result.version != nil && result.decided.isEmpty && result.openConflicts == 1)
    }

    // MARK: Items

    @Test func itemsAreAddedOnceChangedAndRemovedOnlyWhenPresent() throws {
        let workspace = try Workspace()
        let store = try workspace.store("alice")
        let id = try store.add("Attacks in Dagestan")
        let e1 = ItemID("e1")!
        let duplicate = Event(id: e1, when: "2024-06-24", place: "Kaspiysk")
        #expect(throws: EditError.itemExists(.event(e1), report: id)) { try store.add(duplicate, to: id) }
        let missing = ItemID("e9")!
        #expect(throws: EditError.noItem(.event(missing), report: id)) {
            try store.set([(.eventField(missing, .place), .string("Kaspiysk"))], of: .event(missing), in: id)
        }
        #expect(throws: EditError.noItem(.source(missing), report: id)) { try store.remove(.source(missing), from: id) }
        // A position is given whole: one coordinate alone is refused, and nothing is written.
        let before = try store.rawDump()
        #expect(throws: InvalidField.self) { try store.set([(.eventField(e1, .lat), .double(42.0))], of: .event(e1), in: id) }
        #expect(throws: InvalidField.self) { try store.add(Event(id: ItemID("e3")!, when: "2024-06-24", place: "Kaspiysk", lat: 42), to: id) }
        #expect(try store.rawDump() == before)
        let moved = try store.set([(.eventField(e1, .lat), .double(42.06)), (.eventField(e1, .lon), .double(48.29))], of: .event(e1), in: id)
        #expect(moved.version?.snapshot.event(e1)?.lat == 42.06)
        #expect(try store.remove(.event(e1), from: id).version?.snapshot.event(e1) == nil)
    }

    // MARK: What a change decided

    @Test func settingAConflictedFieldDecidesItAndSaysSo() throws {
        let workspace = try Workspace()
        let (alice, _, id) = try Self.conflicted({ $0.title = "Alice's"; $0.status = .review },
                                                 { $0.title = "Bob's"; $0.status = .final }, in: workspace)
        #expect(try alice.stored(id).report.conflicts.map(\.field) == [.status, .title])
        let result = try alice.changeContent(of: id) { try $0.assign(.string("Agreed"), at: .title) }
        #expect(result.decided == [.title])
        #expect(result.openConflicts == 1)
        let unrelated = try alice.changeContent(of: id) { $0.credibility = 2 }
        #expect(unrelated.decided.isEmpty && unrelated.openConflicts == 1)
    }

    // MARK: Resolving

    @Test func oneBadChoiceAmongGoodOnesDecidesNothing() throws {
        let workspace = try Workspace()
        let (alice, bob, id) = try Self.conflicted({ $0.title = "Alice's"; $0.status = .review; $0.credibility = 2 },
                                                   { $0.title = "Bob's"; $0.status = .final; $0.credibility = 5 }, in: workspace)
        let before = try alice.rawDump()
        // Bob's replica wrote a candidate of every field; "c0ffee" names none of them.
        #expect(throws: ResolutionError.self) {
            try alice.resolve(id, fields: [.title, .status], by: .take(.replica("c0ffee")))
        }
        // A field that is not in conflict, among ones that are.
        #expect(throws: ResolutionError.notInConflict(.tags)) {
            try alice.resolve(id, fields: [.title, .tags, .status], by: .take(.mine))
        }
        // One value for several fields.
        #expect(throws: DecisionError.oneValueForSeveral(open: [.credibility, .status, .title])) {
            try alice.resolve(id, fields: [], by: .set("x"))
        }
        // A value the field does not allow, after a good one would have been set.
        #expect(throws: InvalidField.self) { try alice.resolve(id, fields: [.credibility], by: .set("9")) }
        #expect(try alice.rawDump() == before)

        let bobsPrefix = String(bob.identity.replica.rawValue.prefix(6))
        let result = try alice.resolve(id, fields: [.title, .title, .status], by: .take(.replica(bobsPrefix)))
        #expect(result.decided == [.title, .status])
        let report = try alice.stored(id).report
        #expect(report.title == "Bob's" && report.status == .final)
        #expect(report.conflicts.map(\.field) == [.credibility])
        // The decision has every head as parent.
        #expect(try alice.stored(id).heads == [result.version!.dot])
    }

    @Test func aNarrativeDecisionReadsItsTextThroughTheGivenReader() throws {
        let workspace = try Workspace()
        let (alice, _, id) = try Self.conflicted({ $0.body = "Alice's account." }, { $0.body = "Bob's account." }, in: workspace)
        let result = try alice.resolve(id, fields: [.body], by: .set("@notes")) { name in
            #expect(name == "@notes")
            return "The agreed account."
        }
        #expect(result.decided == [.body])
        #expect(try alice.stored(id).report.body == "The agreed account.")
    }

    @Test func theConflictsOfADeletedReportAreDecidedWithoutRestoringIt() throws {
        let workspace = try Workspace()
        let (alice, _, id) = try Self.conflicted({ $0.deleted = true }, { $0.status = .final }, in: workspace)
        // Taking the delete: the report is deleted and its conflict is gone.
        let mine = try alice.resolve(id, fields: [.deleted], by: .take(.mine))
        #expect(mine.decided == [.deleted])
        let report = try alice.stored(id).report
        #expect(report.deleted && report.conflicts.isEmpty)
    }

    @Test func anItemRemovedByTheDecisionTakesItsFieldsConflictsWithIt() throws {
        let workspace = try Workspace()
        let e2 = ItemID("e2")!
        let (alice, _, id) = try Self.conflicted({ $0.events.removeAll { $0.id == e2 } },
                                                 { $0.events[1].killed = 12 }, in: workspace)
        #expect(try alice.stored(id).report.conflict(at: .event(e2)) != nil)
        let result = try alice.resolve(id, fields: [], by: .take(.mine))
        #expect(result.decided.contains(.event(e2)))
        let report = try alice.stored(id).report
        #expect(report.event(e2) == nil && report.conflicts.isEmpty)
    }

    // MARK: Explaining conflicts

    @Test func aRemovalIsExplainedWithTheEditsItWouldHide() throws {
        let workspace = try Workspace()
        let e2 = ItemID("e2")!
        let (alice, bob, id) = try Self.conflicted({ $0.events.removeAll { $0.id == e2 } },
                                                   { $0.events[1].killed = 12; $0.events[1].place = "Kaspiysk" }, in: workspace)
        let explanations = try alice.explainConflicts(of: id)
        #expect(explanations.count == 1)
        let explanation = try #require(explanations.first)
        #expect(explanation.conflict.field == .event(e2))
        #expect(explanation.base == .bool(true))
        // Bob's candidate keeps the event; taking Alice's removal would hide his edits.
        let bobs = try #require(explanation.conflict.candidates.first { $0.version.replica == bob.identity.replica })
        #expect(explanation.hidden[bobs.version] == [
            .init(field: .eventField(e2, .killed), before: .int(9), after: .int(12)),
            .init(field: .eventField(e2, .place), before: .string("Makhachkala"), after: .string("Kaspiysk")),
        ])
        let alices = try #require(explanation.conflict.candidates.first { $0.version.replica == alice.identity.replica })
        #expect(explanation.hidden[alices.version] == nil)
        #expect(explanation.regions.isEmpty)
    }

    @Test func aDeleteIsExplainedWithEverythingChangedSince() throws {
        let workspace = try Workspace()
        let (alice, bob, id) = try Self.conflicted({ $0.deleted = true },
                                                   { $0.status = .final; $0.credibility = 1 }, in: workspace)
        // Every report with an open conflict, deleted ones too.
        let explanation = try #require(try alice.explainConflicts().first)
        #expect(explanation.conflict.field == .deleted && explanation.report.id == id)
        #expect(explanation.base == .bool(false))
        let bobs = try #require(explanation.conflict.candidates.first { $0.version.replica == bob.identity.replica })
        #expect(explanation.hidden[bobs.version]?.map(\.field) == [.credibility, .status])
        #expect(explanation.hidden[bobs.version]?.last?.before == .string("draft"))
    }

    @Test func aNarrativeConflictIsExplainedByItsCollidingPassagesAndItsBase() throws {
        let workspace = try Workspace()
        let base = "## Key points\n\nFirst paragraph.\n\n## Assessment\n\nSecond paragraph."
        let (alice, _, id) = try Self.conflicted({ $0.body = base.replacingOccurrences(of: "Second", with: "Alice's second") },
                                                 { $0.body = base.replacingOccurrences(of: "Second", with: "Bob's second") }, in: workspace)
        let explanation = try #require(try alice.explainConflicts(of: id).first)
        #expect(explanation.base == .string(base))
        #expect(explanation.regions.map(\.base) == [["Second paragraph."]])
        // `edit` starts from the same base.
        #expect(try alice.beginEdit(of: id).bodyBase == base)
    }

    // MARK: Editing a whole report

    @Test func anEditOfAReportThatChangedMeanwhileIsRefused() throws {
        let workspace = try Workspace()
        let store = try workspace.store("alice")
        let id = try store.add("Attacks in Dagestan")
        let draft = try store.beginEdit(of: id)
        #expect(draft.bodyBase == nil)
        try store.changeContent(of: id) { $0.status = .review }
        let before = try store.rawDump()
        #expect(throws: EditError.changedMeanwhile(id)) { try store.finishEdit(draft) { $0.title = "Edited" } }
        #expect(try store.rawDump() == before)
        let again = try store.beginEdit(of: id)
        #expect(try store.finishEdit(again) { $0.title = "Edited" }.version?.snapshot.title == "Edited")
    }

    // MARK: Comparing

    @Test func aComparisonWithoutVersionsIsOfTheLatestChange() throws {
        let workspace = try Workspace()
        let store = try workspace.store("alice")
        let id = try store.add("Attacks in Dagestan")
        let first = try store.compare(id, from: nil, to: nil)
        #expect(first.old == nil)
        try store.changeContent(of: id) { $0.status = .final }
        let latest = try store.compare(id, from: nil, to: nil)
        #expect(latest.fields == [.status] && latest.old?.status == .draft && latest.new.status == .final)
    }
}
