import Testing
@testable import ReportModels

/// `--since`, `--until` and `--place`: the event an analyst means by a date or a place.
@Suite("Choosing events by time and place")
struct EventFilterTests {
    func event(_ when: String, _ place: String = "Derbent, Dagestan") -> Event { Event(when: when, place: place) }

    @Test func aDateIsItsWholeDayOnBothSides() throws {
        let june = try EventFilter(since: "2024-06-01", until: "2024-06-30")
        #expect(june.matches(event("2024-06-01")))
        #expect(june.matches(event("2024-06-30T23:59:59.999Z")))
        #expect(!june.matches(event("2024-07-01")))
        #expect(!june.matches(event("2024-05-31T23:59Z")))
        // An offset moves the moment: 1 July 01:00 at +03:00 is 30 June 22:00 UTC.
        #expect(june.matches(event("2024-07-01T01:00+03:00")))
        // A day-long event meets a range that starts during that day.
        #expect(try EventFilter(since: "2024-06-23T18:00Z").matches(event("2024-06-23")))
        #expect(!(try EventFilter(until: "2024-06-22T23:59Z")).matches(event("2024-06-23")))
    }

    @Test func aDateTimeBoundIsOneMomentIncluded() throws {
        let moment = try EventFilter(since: "2024-06-23T14:30Z", until: "2024-06-23T14:30Z")
        #expect(moment.matches(event("2024-06-23T14:30Z")))
        #expect(!moment.matches(event("2024-06-23T14:31Z")))
    }

    @Test func placesMatchByPartOfTheNameWithoutCaseOrAccents() throws {
        let filter = try EventFilter(place: "sevastopol")
        #expect(filter.matches(event("2024-06-23", "Sévastopol, Crimea")))
        #expect(!filter.matches(event("2024-06-23", "Kyiv")))
    }

    @Test func badBoundsAreRefusedNamingTheOption() {
        #expect(throws: InvalidField.self) { try EventFilter(since: "2024-02-30") }
        #expect(throws: InvalidField.self) { try EventFilter(until: "yesterday") }
        #expect(throws: InvalidField.self) { try EventFilter(since: "2024-06-02", until: "2024-06-01") }
        #expect(throws: InvalidField.self) { try EventFilter(place: " ") }
        #expect((try? EventFilter(since: "2024-06-01", until: "2024-06-01")) != nil)  // one whole day
    }

    @Test func aReportMatchesThroughAnyEventAndIsTrimmedToThem() throws {
        let report = Report(title: "t", events: [event("2024-05-01", "Kharkiv"), event("2024-06-23")])
        let june = try EventFilter(since: "2024-06-01")
        #expect(june.matches(report))
        #expect(june.events(of: report).events.map(\.place) == ["Derbent, Dagestan"])
        #expect(!(try EventFilter(place: "kyiv")).matches(report))
        #expect(EventFilter.everything.matches(Report(title: "no events")))
        #expect(!june.matches(Report(title: "no events")))
    }
}
