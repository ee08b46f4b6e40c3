import ReportModels
import Testing

@Suite("Field paths and values")
struct FieldPathTests {
    @Test(arguments: ["title", "body", "status", "credibility", "tags", "deleted", "events.e1", "events.e1.killed",
                      "sources.s-2", "sources.s-2.reliability"])
    func pathsRoundTrip(text: String) {
        #expect(FieldPath(text)?.description == text)
    }

    @Test(arguments: ["", "author", "events", "events.e1.colour", "sources.s1.when", "events..place", "events.e1.place.x"])
    func unknownPathsAreRefused(text: String) {
        #expect(FieldPath(text) == nil)
    }

    @Test func valuesAreReadAndWrittenByPath() throws {
        var report = Report(title: "t", events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "Derbent")])
        try report.setValue(.int(9), at: FieldPath("events.e1.killed")!)
        #expect(report.events[0].killed == 9)
        #expect(report.value(at: FieldPath("events.e1.killed")!) == .int(9))
        #expect(report.value(at: .event(ItemID("e1")!)) == .bool(true))
        #expect(report.value(at: .event(ItemID("e2")!)) == nil)
        try report.setValue(.bool(false), at: .event(ItemID("e1")!))
        #expect(report.events.isEmpty)
        #expect(throws: InvalidField.self) { try report.setValue(.string("9"), at: .credibility) }
    }

    @Test func changedFieldsNameItemsAddedRemovedAndEdited() {
        let before = Report(title: "t", tags: ["a"], events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "A")])
        var after = before
        after.title = "u"
        after.events[0].place = "B"
        after.events.append(Event(id: ItemID("e2")!, when: "2024-06-24", place: "C"))
        #expect(after.changedFields(since: before).map(\.description) == ["events.e1.place", "events.e2", "title"])
    }
}
