import ReportModels
@testable import SyncEngine
import Testing

/// One story per merge rule of DESIGN.md section 4: alice, bob and carol edit one report
/// offline, and the state is computed from the set of versions they made.
@Suite("Merge rules")
struct MergeTests {
    @Test func twoAnalystsEditDifferentFieldsMergeCleanly() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.title = "Attacks in Derbent and Makhachkala" }
        _ = lab.edit([created], by: lab.bob) { $0.status = .review; $0.credibility = 2 }
        let state = lab.state
        #expect(state.title == "Attacks in Derbent and Makhachkala")
        #expect(state.status == .review)
        #expect(state.credibility == 2)
        #expect(state.conflicts.isEmpty)
        try state.validate()
    }

    @Test func twoAnalystsSetTheSameFieldToDifferentValuesConflict() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        let state = lab.state
        let conflict = try #require(state.conflict(at: .title))
        #expect(conflict.candidates.map(\.value) == [.string("Alice's title"), .string("Bob's title")])
        #expect(conflict.candidates.map(\.version) == [mine.dot, theirs.dot])
        #expect(conflict.candidates.map(\.author) == ["alice", "bob"])
        // The field shows the latest candidate, whichever replica computes it.
        #expect(state.title == "Bob's title")
        try state.validate()
    }

    @Test func twoAnalystsSettingTheSameValueDoNotConflict() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.status = .final }
        _ = lab.edit([created], by: lab.bob) { $0.status = .final }
        #expect(lab.state.status == .final)
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func threeConcurrentValuesMakeOneConflictOfThree() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        for (replica, value) in [(lab.alice, 1), (lab.bob, 2), (lab.carol, 6)] {
            _ = lab.edit([created], by: replica) { $0.credibility = value }
        }
        #expect(lab.state.candidates(at: "credibility") == [.int(1), .int(2), .int(6)])
    }

    @Test func tagsMergeAsSetsAndNeverConflict() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.tags.insert("crimea"); $0.tags.remove("dagestan") }
        _ = lab.edit([created], by: lab.bob) { $0.tags.insert("escalation"); $0.tags.remove("north-caucasus") }
        #expect(lab.state.tags == ["crimea", "escalation"])
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func aTagRemovedByOneAndKeptByTheOtherIsRemoved() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.tags.remove("dagestan") }
        _ = lab.edit([created], by: lab.bob) { $0.title = "Renamed" }
        #expect(lab.state.tags == ["north-caucasus"])
    }

    @Test func bodyEditsOfDifferentParagraphsMergeLineByLine() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.body = $0.body.replacingOccurrences(of: "First paragraph.", with: "First paragraph, revised.") }
        _ = lab.edit([created], by: lab.bob) { $0.body += "\n\nA third paragraph." }
        #expect(lab.state.body == "## Key points\n\nFirst paragraph, revised.\n\n## Assessment\n\nSecond paragraph.\n\nA third paragraph.")
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func bodyEditsOfTheSameLinesConflictAndKeepEveryonesOtherChanges() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) {
            $0.body = $0.body.replacingOccurrences(of: "Second paragraph.", with: "Alice's assessment.")
        }
        _ = lab.edit([created], by: lab.bob) {
            $0.body = $0.body.replacingOccurrences(of: "Second paragraph.", with: "Bob's assessment.")
                .replacingOccurrences(of: "## Key points", with: "## Key points (bob)")
        }
        let candidates = try #require(lab.state.candidates(at: "body"))
        #expect(candidates == [
            .string("## Key points (bob)\n\nFirst paragraph.\n\n## Assessment\n\nAlice's assessment."),
            .string("## Key points (bob)\n\nFirst paragraph.\n\n## Assessment\n\nBob's assessment."),
        ])
        try lab.state.validate()
    }

    @Test func twoAnalystsEditDifferentEventsMergeCleanly() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.events[0].summary = "Church and synagogue attacked" }
        _ = lab.edit([created], by: lab.bob) { $0.events[1].killed = 11 }
        #expect(lab.state.event(ItemID("e1")!)?.summary == "Church and synagogue attacked")
        #expect(lab.state.event(ItemID("e2")!)?.killed == 11)
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func twoAnalystsEditDifferentFieldsOfOneEventMergeCleanly() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.events[1].killed = 10 }
        _ = lab.edit([created], by: lab.bob) { $0.events[1].injured = 30 }
        #expect(lab.state.event(ItemID("e2")!)?.killed == 10)
        #expect(lab.state.event(ItemID("e2")!)?.injured == 30)
    }

    @Test func twoAnalystsChangeOneCasualtyFigureDifferentlyAndConflict() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.events[1].killed = 10 }
        _ = lab.edit([created], by: lab.bob) { $0.events[1].killed = 12 }
        #expect(lab.state.candidates(at: "events.e2.killed") == [.int(10), .int(12)])
        #expect(lab.state.conflicts.count == 1)
    }

    @Test func eventsAddedByEitherAnalystAreBothPresent() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.events.append(Event(id: ItemID("ea")!, when: "2024-06-24", place: "Kaspiysk")) }
        _ = lab.edit([created], by: lab.bob) { $0.events.append(Event(id: ItemID("eb")!, when: "2024-06-22", place: "Grozny")) }
        #expect(lab.state.events.map(\.id.rawValue) == ["eb", "e1", "e2", "ea"])
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func anEventRemovedHereAndEditedThereIsAConflictThatKeepsTheEdit() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let removal = lab.edit([created], by: lab.alice) { $0.events.removeAll { $0.id.rawValue == "e2" } }
        let edit = lab.edit([created], by: lab.bob) { $0.events[1].killed = 12 }
        let state = lab.state
        let conflict = try #require(state.conflict(at: FieldPath("events.e2")!))
        #expect(conflict.candidates.map(\.value) == [.bool(false), .bool(true)])
        #expect(conflict.candidates.map(\.version) == [removal.dot, edit.dot])
        #expect(state.event(ItemID("e2")!)?.killed == 12)
        try state.validate()
    }

    @Test func anEventRemovedHereAndUntouchedThereIsGone() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.events.removeAll { $0.id.rawValue == "e2" } }
        _ = lab.edit([created], by: lab.bob) { $0.events[0].place = "Derbent, Dagestan" }
        #expect(lab.state.events.map(\.id.rawValue) == ["e1"])
        #expect(lab.state.event(ItemID("e1")!)?.place == "Derbent, Dagestan")
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func aSourceRemovedHereAndReratedThereIsAConflict() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.sources.removeAll { $0.id.rawValue == "s2" } }
        _ = lab.edit([created], by: lab.bob) { $0.sources[1].reliability = .b }
        #expect(lab.state.candidates(at: "sources.s2") == [.bool(false), .bool(true)])
        #expect(lab.state.source(ItemID("s2")!)?.reliability == .b)
    }

    @Test func sourcesAddedByBothKeepBaseOrderThenEachAnalystsAdditions() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.bob) { $0.sources.append(Source(id: ItemID("sb")!, ref: "Bob's source")) }
        _ = lab.edit([created], by: lab.alice) { $0.sources.insert(Source(id: ItemID("sa")!, ref: "Alice's source"), at: 0) }
        #expect(lab.state.sources.map(\.id.rawValue) == ["s1", "s2", "sa", "sb"])
    }

    @Test func aDeleteConcurrentWithAnEditIsAConflictOnDeletedThatHidesNothing() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.deleted = true }
        _ = lab.edit([created], by: lab.bob) { $0.events[0].place = "Derbent, Dagestan" }
        let state = lab.state
        #expect(state.candidates(at: "deleted") == [.bool(true), .bool(false)])
        #expect(state.deleted == false)
        #expect(state.event(ItemID("e1")!)?.place == "Derbent, Dagestan")
        try state.validate()
    }

    @Test func theEditAgainstADeleteIsTaggedWithTheVersionThatWroteIt() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let delete = lab.edit([created], by: lab.alice) { $0.deleted = true }
        let wrote = lab.edit([created], by: lab.bob) { $0.events[0].place = "Derbent, Dagestan" }
        // The head, which holds that edit and makes another: the editor offers the writer of
        // each, and keeps the latest (one candidate per value), which a later delete has to
        // have seen to supersede it (DeleteAgainstAnUnseenEditTests).
        let retitled = lab.edit([wrote], by: lab.bob) { $0.title = "Bob's title" }
        let conflict = try #require(lab.state.conflict(at: .deleted))
        #expect(conflict.candidates.map(\.version) == [delete.dot, retitled.dot])
    }

    @Test func aDeleteWithNoConcurrentEditDeletes() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.deleted = true }
        _ = lab.edit([created], by: lab.bob) { $0.deleted = true }
        #expect(lab.state.deleted)
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func aLaterEditCarriesTheConflictsItDidNotResolve() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        // Carol has seen both and edits another field: the title conflict travels on.
        let carol = lab.edit([mine, theirs], by: lab.carol) { $0.status = .review }
        #expect(carol.snapshot.candidates(at: "title") == [.string("Alice's title"), .string("Bob's title")])
        #expect(RecordHistory.heads(of: lab.versions) == [carol])
        #expect(lab.state.status == .review)
        #expect(lab.state.candidates(at: "title") == [.string("Alice's title"), .string("Bob's title")])
    }

    @Test func aConflictCarriedAlongsideAConcurrentEditStaysOpen() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        _ = lab.edit([mine, theirs], by: lab.carol) { $0.status = .review }
        _ = lab.edit([mine, theirs], by: lab.bob) { $0.credibility = 1 }
        #expect(lab.state.candidates(at: "title") == [.string("Alice's title"), .string("Bob's title")])
        #expect(lab.state.status == .review && lab.state.credibility == 1)
    }

    @Test func twoAnalystsResolvingTheSameWayConvergeWithoutANewConflict() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        _ = lab.edit([mine, theirs], by: lab.alice) { try! $0.assign(.string("Bob's title"), at: .title) }
        _ = lab.edit([mine, theirs], by: lab.bob) { try! $0.assign(.string("Bob's title"), at: .title) }
        #expect(lab.state.title == "Bob's title")
        #expect(lab.state.conflicts.isEmpty)
    }

    @Test func twoAnalystsResolvingDifferentlyMakeANewConflictOfTheirResolutions() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        let a = lab.edit([mine, theirs], by: lab.alice) { try! $0.assign(.string("Alice's title"), at: .title) }
        let c = lab.edit([mine, theirs], by: lab.carol) { try! $0.assign(.string("Carol's compromise"), at: .title) }
        let conflict = try #require(lab.state.conflict(at: .title))
        #expect(conflict.candidates.map(\.value) == [.string("Alice's title"), .string("Carol's compromise")])
        #expect(conflict.candidates.map(\.version) == [a.dot, c.dot])
    }

    @Test func aCandidateSupersededByALaterVersionOfItsLineIsDropped() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let mine = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        // Carol carries the conflict; meanwhile alice, who never saw bob's title, changes hers.
        _ = lab.edit([mine, theirs], by: lab.carol) { $0.status = .review }
        _ = lab.edit([mine], by: lab.alice) { $0.title = "Alice's second title" }
        #expect(lab.state.candidates(at: "title") == [.string("Alice's second title"), .string("Bob's title")])
    }

    @Test func theStateDependsOnlyOnTheSetOfVersions() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let a = lab.edit([created], by: lab.alice) { $0.title = "A"; $0.tags.insert("x"); $0.events[0].killed = 1 }
        let b = lab.edit([created], by: lab.bob) { $0.title = "B"; $0.body += "\n\nMore."; $0.events.remove(at: 1) }
        let c = lab.edit([created], by: lab.carol) { $0.deleted = true }
        _ = lab.edit([a, c], by: lab.alice) { $0.status = .final }
        _ = lab.edit([b], by: lab.bob) { $0.credibility = 5 }
        let expected = lab.state
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            #expect(RecordHistory(lab.versions.shuffled(using: &generator)).state == expected)
        }
    }

    // MARK: Decisions made after a branch point that another head never saw

    @Test func anEventRemovedBySomeoneWhoSawItAddedStaysRemoved() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.carol) { $0.status = .review }  // never sees the new event
        let added = lab.edit([created], by: lab.alice) { $0.events.append(Event(id: ItemID("ea")!, when: "2024-06-24", place: "Kaspiysk")) }
        _ = lab.edit([added], by: lab.alice) { $0.title = "Alice keeps working" }
        _ = lab.edit([added], by: lab.bob) { $0.events.removeAll { $0.id.rawValue == "ea" } }
        #expect(lab.state.event(ItemID("ea")!) == nil)
        #expect(lab.state.conflicts.isEmpty)
        #expect(lab.state.status == .review && lab.state.title == "Alice keeps working")
    }

    @Test func aTagRemovedBySomeoneWhoSawItAddedStaysRemoved() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.carol) { $0.status = .review }
        let added = lab.edit([created], by: lab.alice) { $0.tags.insert("crimea") }
        _ = lab.edit([added], by: lab.alice) { $0.title = "Alice keeps working" }
        _ = lab.edit([added], by: lab.bob) { $0.tags.remove("crimea") }
        #expect(!lab.state.tags.contains("crimea"))
    }

    @Test func aTagAddedAndRemovedConcurrentlyStays() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.alice) { $0.tags.remove("dagestan") }
        let readded = lab.edit([created], by: lab.bob) { $0.tags.remove("dagestan") }
        _ = lab.edit([readded], by: lab.bob) { $0.tags.insert("dagestan") }
        #expect(lab.state.tags.contains("dagestan"))
    }

    @Test func aValueSetBackBySomeoneWhoSawTheChangeWins() {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        _ = lab.edit([created], by: lab.carol) { $0.status = .review }
        let changed = lab.edit([created], by: lab.alice) { $0.title = "A new title" }
        _ = lab.edit([changed], by: lab.alice) { $0.credibility = 1 }
        _ = lab.edit([changed], by: lab.bob) { $0.title = "Attacks in Dagestan" }  // set back
        #expect(lab.state.title == "Attacks in Dagestan")
        #expect(lab.state.conflicts.isEmpty)
        #expect(lab.state.credibility == 1 && lab.state.status == .review)
    }

    @Test func candidatesAreTaggedWithTheVersionThatWroteThem() throws {
        var lab = MergeLab()
        let created = lab.create(.sample(), by: lab.alice)
        let wrote = lab.edit([created], by: lab.alice) { $0.title = "Alice's title" }
        _ = lab.edit([wrote], by: lab.alice) { $0.status = .review }  // a later version holds it
        let theirs = lab.edit([created], by: lab.bob) { $0.title = "Bob's title" }
        let conflict = try #require(lab.state.conflict(at: .title))
        #expect(conflict.candidates.map(\.version) == [wrote.dot, theirs.dot])
    }

    @Test func aMergedNarrativeIsInNormalForm() {
        var lab = MergeLab()
        let created = lab.create(.sample()) { $0.body = "a\nb\n\nc" }
        _ = lab.edit([created], by: lab.alice) { $0.body = "b\n\nc" }
        _ = lab.edit([created], by: lab.bob) { $0.body = "a\n\nc" }
        #expect(lab.state.body == "c")
    }
}
