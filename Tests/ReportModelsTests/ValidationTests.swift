@testable import ReportModels
import Testing

@Suite("Report validation")
struct ValidationTests {
    func report(_ change: (inout Report) -> Void = { _ in }) -> Report {
        var report = Report(title: "Shelling near the bridge", body: "Narrative.", tags: ["bridge"], credibility: 2,
                            sources: [Source(id: ItemID("s1")!, ref: "Local police", reliability: .b)],
                            events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "Derbent", lat: 42.06, lon: 48.29, killed: 1)])
        change(&report)
        return report
    }

    func failure(_ report: Report) -> InvalidField? {
        do {
            try report.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test func aWellFormedReportPasses() throws {
        try report().validate()
    }

    @Test func eachRuleNamesTheFieldTheValueAndWhatIsAllowed() {
        let cases: [(String, (inout Report) -> Void, String)] = [
            ("title", { $0.title = "  " }, "must not be empty"),
            ("title", { $0.title = "two\nlines" }, "single line"),
            ("tags", { $0.tags = ["Capital"] }, "lowercase"),
            ("tags", { $0.tags = ["two words"] }, "one lowercase word"),
            ("credibility", { $0.credibility = 7 }, "1 to 6"),
            ("sources.s1.ref", { $0.sources[0].ref = "" }, "must not be empty"),
            ("sources", { $0.sources.append(Source(id: ItemID("s1")!, ref: "again")) }, "only once"),
            ("events.e1.when", { $0.events[0].when = "2024-13-01" }, "ISO date"),
            ("events.e1.when", { $0.events[0].when = "2023-02-29" }, "ISO date"),
            ("events.e1.when", { $0.events[0].when = "23 June" }, "ISO date"),
            ("events.e1.place", { $0.events[0].place = "" }, "must not be empty"),
            ("events.e1.lat", { $0.events[0].lat = 91 }, "between -90 and 90"),
            ("events.e1.lon", { $0.events[0].lon = -180.5 }, "between -180 and 180"),
            ("events.e1.killed", { $0.events[0].killed = -3 }, "0 or more"),
            ("events.e1.injured", { $0.events[0].injured = -1 }, "0 or more"),
            ("events", { $0.events.append(Event(id: ItemID("e1")!, when: "2024-06-24", place: "x")) }, "only once"),
        ]
        for (field, change, allowed) in cases {
            let error = failure(report(change))
            #expect(error?.field == field, "\(field)")
            #expect(error?.allowed.contains(allowed) == true, "\(field): \(error?.allowed ?? "no error")")
            #expect(error?.description.hasPrefix("invalid \(field) '") == true)
        }
    }

    @Test func whatAPersonEntersGivesLatAndLonTogether() throws {
        var event = report().events[0]
        event.lon = nil
        try report { $0.events[0] = event }.validate()  // a merge may separate them
        #expect(throws: InvalidField(field: "events.e1.lon", value: "none", allowed: "give both lat and lon, or neither")) {
            try event.validateEntry()
        }
    }

    @Test func controlCharactersAndOversizedTextAreRefused() {
        #expect(failure(report { $0.title = "red\u{1B}[31m" })?.allowed.contains("control characters") == true)
        #expect(failure(report { $0.body = "tab\tand\nnewline are fine, bell \u{7} is not" })?.field == "body")
        #expect(failure(report { $0.body = String(repeating: "x", count: Report.maximumBodyBytes + 1) })?.field == "body")
        #expect(failure(report { $0.events = (0...Report.maximumItems).map { Event(id: ItemID("e\($0)")!, when: "2024-06-23", place: "x") } })?.field == "events")
        #expect(failure(report { $0.body = "tab\tand\nnewline are fine" }) == nil)
    }

    @Test func eventsAreOrderedByTheMomentTheyHappened() {
        var report = Report(title: "t", events: [
            Event(id: ItemID("a")!, when: "2024-06-23T20:00Z", place: "x"),
            Event(id: ItemID("b")!, when: "2024-06-23T23:00+05:00", place: "x"),  // 18:00Z
            Event(id: ItemID("c")!, when: "2024-06-23T10:00-12:00", place: "x"),  // 22:00Z
            Event(id: ItemID("d")!, when: "2024-06-23", place: "x"),
        ])
        report.sortEvents()
        #expect(report.events.map(\.id.rawValue) == ["d", "b", "a", "c"])
    }

    @Test func eventTimesAcceptDatesAndDateTimes() throws {
        for when in ["2024-06-23", "2024-02-29", "2024-06-23T14:30", "2024-06-23T14:30:05Z", "2024-06-23T14:30:05.25+03:00"] {
            try report { $0.events[0].when = when }.validate()
        }
    }

    @Test(arguments: [("status", "done"), ("credibility", "0"), ("credibility", "seven")])
    func fieldRulesRefuseBadText(field: String, text: String) {
        #expect(throws: InvalidField.self) {
            switch field {
            case "status": _ = try FieldRules.status(text)
            default: _ = try FieldRules.credibility(text)
            }
        }
    }

    @Test func reliabilityIsALetterFromAToF() throws {
        #expect(try FieldRules.reliability("c", field: "r") == .c)
        #expect(try FieldRules.reliability("none", field: "r") == nil)
        #expect(throws: InvalidField(field: "sources.s1.reliability", value: "G",
                                     allowed: "Admiralty reliability is a letter from A to F (or 'none')")) {
            try FieldRules.reliability("G", field: "sources.s1.reliability")
        }
    }

    @Test func tagsAreLowercasedOnTheWayIn() throws {
        #expect(try FieldRules.tag("North-Caucasus") == "north-caucasus")
        #expect(try FieldRules.tag("крым") == "крым")
        #expect(throws: InvalidField.self) { try FieldRules.tag("-leading") }
    }

    @Test func aConflictMustShowItsDisplayedCandidateAndHoldValidValues() {
        let a = ReplicaID(), b = ReplicaID()
        func candidate(_ value: JSONValue, _ replica: ReplicaID) -> Candidate {
            Candidate(value: value, version: Dot(replica: replica, counter: 1), clock: VectorClock([replica: 1]),
                      author: "x", time: Timestamp(millisecondsSince1970: 0))
        }
        let conflict = Conflict(field: .status, candidates: [candidate(.string("draft"), a), candidate(.string("final"), b)])
        let shown = report { $0.status = Status(rawValue: conflict.displayed.value.stringValue!)!; $0.conflicts = [conflict] }
        #expect(failure(shown) == nil)
        #expect(failure(report { $0.status = .review; $0.conflicts = [conflict] })?.field == "conflicts")
        let bad = Conflict(field: .status, candidates: [candidate(.string("draft"), a), candidate(.string("done"), b)])
        #expect(failure(report { $0.status = Status(rawValue: bad.displayed.value.stringValue!) ?? .draft; $0.conflicts = [bad] })?.field == "conflicts")
        let onTags = Conflict(field: .tags, candidates: [candidate(.array([]), a), candidate(.array([.string("x")]), b)])
        #expect(failure(report { $0.conflicts = [onTags] })?.field == "conflicts")
    }
}

/// The scan for control characters skips printable ASCII eight bytes at a time; it must find
/// exactly what a byte-by-byte scan finds, wherever the character falls in a word.
@Suite("Control characters, found fast")
struct ControlScanTests {
    static func byteByByte(_ text: String, allowing allowed: [UInt8], orLineSeparators: Bool) -> Bool {
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte < 0x20, !allowed.contains(byte) { return true }
            if byte == 0x7F { return true }
            if index >= 1, bytes[index - 1] == 0xC2, (0x80...0x9F).contains(byte) { return true }
            if orLineSeparators, index >= 2, bytes[index - 2] == 0xE2, bytes[index - 1] == 0x80, byte == 0xA8 || byte == 0xA9 { return true }
        }
        return false
    }

    @Test func theFastScanFindsWhatTheByteByByteScanFinds() {
        let pieces = ["a", "Derbent ", "0123456", "\t", "\n", "\u{1B}", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "é", "\u{2028}", "\u{2029}",
                      "\u{2027}", "€", "🙂", "~", " "]
        var state: UInt64 = 20261127
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<3_000 {
            var text = ""
            for _ in 0..<next(24) {
                text += next(4) == 0 ? pieces[next(pieces.count)] : pieces[next(4)]
            }
            for (allowed, separators) in [([UInt8](), true), ([UInt8(ascii: "\n"), UInt8(ascii: "\t")], false)] {
                #expect(Report.containsControl(text, allowing: allowed, orLineSeparators: separators)
                        == Self.byteByByte(text, allowing: allowed, orLineSeparators: separators),
                        "round \(round): \(text.debugDescription)")
            }
        }
    }
}
