import ReportModels
import SyncEngine

/// Builds the versions of one report the way replicas would, without stores: each edit
/// starts from the state of the versions it has seen and gets the joined clock plus one.
struct MergeLab {
    let alice = ReplicaID("aaaaaaaa-0000-4000-8000-000000000001")!
    let bob = ReplicaID("bbbbbbbb-0000-4000-8000-000000000002")!
    let carol = ReplicaID("cccccccc-0000-4000-8000-000000000003")!
    private(set) var versions: [Version] = []
    private var tick: Int64 = 1_000

    func name(_ replica: ReplicaID) -> String {
        [alice: "alice", bob: "bob", carol: "carol"][replica] ?? "someone"
    }

    mutating func create(_ report: Report, by replica: ReplicaID? = nil, _ change: (inout Report) -> Void = { _ in }) -> Version {
        let replica = replica ?? alice
        var snapshot = report
        change(&snapshot)
        snapshot.author = name(replica)
        snapshot.createdAt = nextTime()
        snapshot.updatedAt = snapshot.createdAt
        snapshot.normalize()
        return record(Version(snapshot: snapshot, after: VectorClock(), replica: replica, author: name(replica), time: snapshot.createdAt))
    }

    /// An edit by `replica` that has seen `parents` (and everything before them).
    mutating func edit(_ parents: [Version], by replica: ReplicaID, _ change: (inout Report) throws -> Void) rethrows -> Version {
        var snapshot = state(seenBy: parents)
        try change(&snapshot)
        snapshot.normalize()
        snapshot.updatedAt = nextTime()
        let clock = parents.reduce(VectorClock()) { $0.joined(with: $1.clock) }
        return record(Version(snapshot: snapshot, after: clock, replica: replica, author: name(replica), time: snapshot.updatedAt))
    }

    /// The state of every version that one who has seen `heads` holds.
    func state(seenBy heads: [Version]) -> Report {
        let clock = heads.reduce(VectorClock()) { $0.joined(with: $1.clock) }
        return RecordHistory.state(of: versions.filter { clock.dominates($0.clock) })!
    }

    /// The state of all versions made so far.
    var state: Report { RecordHistory(versions).state! }

    private mutating func record(_ version: Version) -> Version {
        versions.append(version)
        return version
    }

    private mutating func nextTime() -> Timestamp {
        tick += 1_000
        return Timestamp(millisecondsSince1970: tick)
    }
}

extension Report {
    static func sample() -> Report {
        Report(
            title: "Attacks in Dagestan", body: "## Key points\n\nFirst paragraph.\n\n## Assessment\n\nSecond paragraph.",
            status: .draft, tags: ["dagestan", "north-caucasus"], credibility: 3,
            sources: [Source(id: ItemID("s1")!, ref: "Police statement", reliability: .c),
                      Source(id: ItemID("s2")!, ref: "Drone reports", reliability: .d)],
            events: [Event(id: ItemID("e1")!, when: "2024-06-23", place: "Derbent", summary: "Church attacked"),
                     Event(id: ItemID("e2")!, when: "2024-06-23", place: "Makhachkala", killed: 9, injured: 25)])
    }

    /// Values of a conflict's candidates, in dot order.
    func candidates(at path: String) -> [JSONValue]? {
        conflict(at: FieldPath(path)!)?.candidates.map(\.value)
    }
}
