import ReportModels
import Testing

@Suite("Vector clocks")
struct VectorClockTests {
    let a = ReplicaID()
    let b = ReplicaID()

    func clock(_ entries: [ReplicaID: Int]) -> VectorClock { VectorClock(entries) }

    @Test func incrementingAddsOneToTheReplicasEntry() {
        let start = clock([a: 2])
        #expect(start.incremented(for: a) == clock([a: 3]))
        #expect(start.incremented(for: b) == clock([a: 2, b: 1]))
    }

    @Test func joinTakesTheMaximumOfEachEntry() {
        #expect(clock([a: 2, b: 1]).joined(with: clock([a: 1, b: 3])) == clock([a: 2, b: 3]))
    }

    @Test func meetTakesTheMinimumAndDropsMissingEntries() {
        #expect(clock([a: 2, b: 1]).meet(clock([a: 1])) == clock([a: 1]))
        #expect(clock([a: 2]).meet(clock([b: 5])) == VectorClock())
    }

    @Test func comparisonAnswersCausalOrder() {
        #expect(clock([a: 1]).compare(clock([a: 2])) == .before)
        #expect(clock([a: 2, b: 1]).compare(clock([a: 2])) == .after)
        #expect(clock([a: 1, b: 1]).compare(clock([b: 1, a: 1])) == .equal)
        #expect(clock([a: 2]).compare(clock([a: 1, b: 1])) == .concurrent)
        #expect(VectorClock().compare(clock([a: 1])) == .before)
    }

    @Test func zeroEntriesDoNotMakeClocksDifferent() {
        #expect(clock([a: 1, b: 0]) == clock([a: 1]))
        #expect(clock([a: 1, b: 0]).hashValue == clock([a: 1]).hashValue)
    }

    @Test func descendantIsStrict() {
        #expect(clock([a: 2]).isDescendant(of: clock([a: 1])))
        #expect(!clock([a: 1]).isDescendant(of: clock([a: 1])))
        #expect(!clock([a: 1]).isDescendant(of: clock([b: 1])))
    }

    @Test func clocksRoundTripThroughJSON() throws {
        let original = clock([a: 3, b: 1])
        #expect(try VectorClock(json: JSONValue(parsing: original.json.canonicalString)) == original)
    }

    @Test func malformedClocksAreRefused() {
        #expect(throws: ShapeError.self) { try VectorClock(json: JSONValue(parsing: #"{"not-a-uuid": 1}"#)) }
        #expect(throws: ShapeError.self) { try VectorClock(json: JSONValue(parsing: #"{"\#(a.rawValue)": 0}"#)) }
        #expect(throws: ShapeError.self) { try VectorClock(json: JSONValue(parsing: #"{"\#(a.rawValue)": -2}"#)) }
        #expect(throws: ShapeError.self) { try VectorClock(json: JSONValue(parsing: #"{"\#(a.rawValue.uppercased())": 1}"#)) }
    }
}
