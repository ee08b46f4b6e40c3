import ReportModels
import Testing

@Suite("Versions and canonical hashing")
struct VersionTests {
    let replica = ReplicaID("3f2a9c1b-0000-4000-8000-000000000001")!
    let reportID = ReportID("9d1c2b3a-0000-4000-8000-000000000002")!
    let time = Timestamp(millisecondsSince1970: 1_719_144_000_000)

    func report(tags: [String]) -> Report {
        Report(id: reportID, title: "Strike on the beach", body: "Line one\nLine two", status: .review, tags: Set(tags),
               credibility: 3, events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "Sevastopol", lat: 44.62, lon: 33.52, killed: 3)],
               author: "alice", createdAt: time, updatedAt: time)
    }

    @Test func theSameReportAlwaysHashesTheSame() {
        let first = Version(snapshot: report(tags: ["a", "b", "c"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        let second = Version(snapshot: report(tags: ["c", "a", "b"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        #expect(first.hash == second.hash)
        #expect(first.json.canonicalString == second.json.canonicalString)
    }

    @Test func theHashIsPinned() {
        // Changing the canonical encoding changes every stored hash: it must be deliberate.
        let version = Version(snapshot: report(tags: ["a"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        #expect(version.hash.hex == "21c146f605de98b8bef85ec75e7e20a164e7751f21d89b4d16ff0e720b6824af")
        #expect(version.snapshot.json.canonicalString.hasPrefix(#"{"author":"alice","body":"Line one\nLine two","conflicts":[],"createdAt":"2024-06-23T12:00:00.000Z","credibility":3,"deleted":false,"events":[{"id":"e1","injured":null,"killed":3,"lat":44.62,"lon":33.52,"place":"Sevastopol","summary":"","when":"2024-06-23"}]"#))
    }

    @Test func anyChangeChangesTheHash() {
        let base = Version(snapshot: report(tags: ["a"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        var edited = report(tags: ["a"])
        edited.events[0].killed = 4
        #expect(Version(snapshot: edited, after: VectorClock(), replica: replica, author: "alice", time: time).hash != base.hash)
        #expect(Version(snapshot: report(tags: ["a"]), after: VectorClock(), replica: replica, author: "bob", time: time).hash != base.hash)
    }

    @Test func aLocalVersionIncrementsItsReplicasEntryOfTheJoinedHeads() {
        let other = ReplicaID()
        let version = Version(snapshot: report(tags: []), after: VectorClock([replica: 2, other: 5]), replica: replica, author: "alice", time: time)
        #expect(version.clock == VectorClock([replica: 3, other: 5]))
        #expect(version.dot == Dot(replica: replica, counter: 3))
    }

    @Test func versionsRoundTripThroughTheirEncoding() throws {
        let version = Version(snapshot: report(tags: ["x"]), after: VectorClock([ReplicaID(): 2]), replica: replica, author: "alice", time: time)
        let decoded = try Version(encoded: Array(version.encoded.utf8))
        #expect(decoded == version)
        #expect(version.encoded == version.json.canonicalString)
    }

    @Test func tamperedContentIsDetected() throws {
        let version = Version(snapshot: report(tags: ["x"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        let tampered = version.json.canonicalString.replacingOccurrences(of: "Sevastopol", with: "Sevastopo1")
        #expect(throws: ShapeError.self) { try Version(encoded: Array(tampered.utf8)) }
        let wrongDot = version.json.canonicalString.replacingOccurrences(of: "\(replica):1", with: "\(replica):2")
        #expect(throws: ShapeError.self) { try Version(encoded: Array(wrongDot.utf8)) }
    }

    @Test func onlyTheCanonicalEncodingIsAccepted() throws {
        let version = Version(snapshot: report(tags: ["x"]), after: VectorClock(), replica: replica, author: "alice", time: time)
        // A space inside the hash member leaves the hashed bytes (and so the hash) as they
        // were; the encoding is no longer canonical, so the same content would have two forms.
        let spaced = version.encoded.replacingOccurrences(of: "\"hash\":\"", with: "\"hash\": \"")
        #expect(spaced != version.encoded)
        let error = #expect(throws: ShapeError.self) { try Version(encoded: Array(spaced.utf8)) }
        #expect(error?.description.contains("not in canonical form") == true)
    }

    @Test func unknownFieldsInASnapshotAreRefused() throws {
        var json = report(tags: []).json
        if case .object(var members) = json { members["priority"] = .string("high"); json = .object(members) }
        #expect(throws: ShapeError(path: "priority", problem: "unknown field")) { try Report(json: json) }
    }
}

@Suite("A version's clock, read from its encoding")
struct EncodedClockTests {
    @Test func theClockInTheEncodingIsTheCanonicalClock() throws {
        let a = ReplicaID("aaaaaaaa-0000-4000-8000-000000000001")!, b = ReplicaID("bbbbbbbb-0000-4000-8000-000000000002")!
        for author in ["alice", #"","clock":{"x":1}},"#, "}", "\u{1}\"quoted\""] {
            let version = Version(snapshot: Report(title: "A report"), after: VectorClock([a: 3, b: 12]), replica: b, author: author,
                                  time: Timestamp(millisecondsSince1970: 0))
            #expect(String(version.encodedClock) == version.clock.json.canonicalString)
            let decoded = try Version(encoded: Array(version.encoded.utf8))
            #expect(String(decoded.encodedClock) == version.clock.json.canonicalString)
        }
    }
}

@Suite("A version's header, read past its snapshot")
struct VersionHeaderTests {
    @Test func theHeaderAndTheSnapshotReadBackWhateverTheTextHolds() throws {
        let replica = ReplicaID("aaaaaaaa-0000-4000-8000-000000000001")!
        for offset in 0..<24 {
            for special in ["\"", "\\", "\\\"", "}", "]\"}", "\n"] {
                let body = String(repeating: "x", count: offset) + special + String(repeating: "y", count: 23 - offset)
                let version = Version(snapshot: Report(title: "T \(special)", body: body), after: VectorClock(), replica: replica,
                                      author: "a\(special)", time: Timestamp(millisecondsSince1970: Int64(offset)))
                let header = try Version.header(encoded: Array(version.encoded.utf8))
                #expect(header == version.header, "\(special.debugDescription) at \(offset)")
                #expect(try Version.snapshot(encoded: Array(version.encoded.utf8)) == version.snapshot)
            }
        }
    }
}
