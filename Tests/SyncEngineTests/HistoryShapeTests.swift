import Foundation
import ReportModels
import SyncEngine
import Testing

/// `RecordHistory` finds heads and impossible histories without comparing every pair of
/// versions (`CausalGraph`); these tests hold those shortcuts to the definitions on random
/// histories, real and forged.
@Suite("Heads and impossible histories, against their definitions")
struct HistoryShapeTests {
    let replicas = (1...4).map { ReplicaID("0000000\($0)-0000-4000-8000-00000000000\($0)")! }
    let report = Report(title: "A report")

    /// A version as `replica` with exactly `clock` (whose entry for `replica` is its counter).
    func version(_ replica: ReplicaID, clock: VectorClock) -> Version {
        var parents = clock.counters
        parents[replica]! -= 1
        var snapshot = report
        snapshot.title = "Written as \(replica.short):\(clock[replica])"
        return Version(snapshot: snapshot, after: VectorClock(parents), replica: replica, author: "someone",
                       time: Timestamp(millisecondsSince1970: 0))
    }

    /// Replicas that edit and exchange at random: a history that could really happen.
    func realHistory(_ random: inout SeededGenerator, size: Int) -> [Version] {
        var seen = Array(repeating: VectorClock(), count: replicas.count)
        var versions: [Version] = []
        while versions.count < size {
            let me = Int.random(in: 0..<replicas.count, using: &random)
            if Bool.random(using: &random) {
                seen[me] = seen[me].incremented(for: replicas[me])
                versions.append(version(replicas[me], clock: seen[me]))
            } else {
                seen[me] = seen[me].joined(with: seen[Int.random(in: 0..<replicas.count, using: &random)])
            }
        }
        return versions
    }

    /// Any clocks at all: most such histories are impossible.
    func forgedHistory(_ random: inout SeededGenerator, size: Int) -> [Version] {
        var dots = Set<Dot>()
        return (0..<size).compactMap { _ in
            let me = replicas.randomElement(using: &random)!
            var counters = Dictionary(uniqueKeysWithValues: replicas.map { ($0, Int.random(in: 0...3, using: &random)) })
            counters[me] = Int.random(in: 1...4, using: &random)
            let forged = version(me, clock: VectorClock(counters))
            return dots.insert(forged.dot).inserted ? forged : nil
        }
    }

    func headsByDefinition(_ set: [Version]) -> [Version] {
        set.filter { version in !set.contains { $0.clock.isDescendant(of: version.clock) } }.sorted { $0.dot < $1.dot }
    }

    /// Two versions with one clock, or a version that counts another's dot in its clock
    /// without having seen all that one had seen (a replica's later version not having seen
    /// its earlier one is a case of it).
    func isImpossibleByDefinition(_ set: [Version]) -> Bool {
        set.contains { a in
            set.contains { b in
                a.dot != b.dot && (a.clock == b.clock || (b.clock[a.dot.replica] >= a.dot.counter && !b.clock.dominates(a.clock)))
            }
        }
    }

    @Test func headsAndImpossibilityMatchTheirDefinitions() {
        let seed = ProcessInfo.processInfo.environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? 20261125
        var random = SeededGenerator(state: seed)
        for round in 0..<300 {
            let size = Int.random(in: 1...40, using: &random)
            var set = round % 3 == 2 ? forgedHistory(&random, size: size) : realHistory(&random, size: size)
            // A store may hold any part of a history: versions arrive by different paths.
            if round % 3 == 1 { set = set.filter { _ in Bool.random(using: &random) } }
            set.shuffle(using: &random)
            // A set that repeats a dot (with any clock) is answered by the definition too.
            if round % 2 == 0, let repeated = set.randomElement(using: &random) {
                var counters = Dictionary(uniqueKeysWithValues: replicas.map { ($0, Int.random(in: 0...3, using: &random)) })
                counters[repeated.dot.replica] = repeated.dot.counter
                let doubled = set + [version(repeated.dot.replica, clock: VectorClock(counters))]
                #expect(RecordHistory.heads(of: doubled).map(\.hash.hex).sorted() == headsByDefinition(doubled).map(\.hash.hex).sorted(),
                        "seed \(seed), round \(round)")
            }
            let history = RecordHistory(set)
            #expect(history.heads.map(\.dot) == headsByDefinition(set).map(\.dot), "seed \(seed), round \(round)")
            #expect((history.inconsistency != nil) == isImpossibleByDefinition(set), "seed \(seed), round \(round)")
            if round % 3 != 2 {
                #expect(history.inconsistency == nil, "seed \(seed), round \(round)")
                for version in set {
                    let past = set.filter { version.clock.isDescendant(of: $0.clock) }
                    #expect(history.state(before: version) == RecordHistory.state(of: past), "seed \(seed), round \(round)")
                }
            }
        }
    }
}

/// Shapes that made the first engine recurse as deep as the history or compare every pair.
@Suite("Histories of any shape")
struct DeepHistoryTests {
    let alice = ReplicaID("aaaaaaaa-0000-4000-8000-000000000001")!
    let bob = ReplicaID("bbbbbbbb-0000-4000-8000-000000000002")!

    func version(_ replica: ReplicaID, clock: [ReplicaID: Int], title: String, body: String) -> Version {
        var parents = clock
        parents[replica]! -= 1
        let snapshot = Report(id: ReportID("0d0d0d0d-0000-4000-8000-00000000000d")!, title: title, body: body)
        return Version(snapshot: snapshot, after: VectorClock(parents), replica: replica, author: "someone",
                       time: Timestamp(millisecondsSince1970: Int64(clock.values.reduce(0, +)) * 1000))
    }

    /// Two analysts who each edit after seeing all but the other's latest edit, 1,500 times:
    /// every state needs the one before it, 1,500 merges deep.
    @Test func aCrissCrossHistoryOfThousandsOfMergesNeedsNoRecursion() {
        var versions: [Version] = []
        for level in 1...1_500 {
            versions.append(version(alice, clock: [alice: level, bob: level - 1], title: "Alice \(level % 7)", body: "a\n\(level % 5)\nz"))
            versions.append(version(bob, clock: [alice: level - 1, bob: level], title: "Bob \(level % 3)", body: "a\nb\n\(level % 4)"))
        }
        let history = RecordHistory(versions.shuffled())
        #expect(history.inconsistency == nil)
        #expect(history.heads.map(\.dot) == [Dot(replica: alice, counter: 1_500), Dot(replica: bob, counter: 1_500)])
        let state = history.state
        #expect(state?.conflict(at: .title)?.candidates.map(\.value) == [.string("Alice 2"), .string("Bob 0")])
        #expect(history.log.count == 3_000)
    }

    /// Thousands of concurrent first versions: `log` lists the first fifty of each version's
    /// concurrent ones and counts them all.
    @Test func thousandsOfConcurrentVersionsAreCountedNotAllListed() {
        let versions = (1...2_000).map { index in
            version(ReplicaID(String(format: "%08x-0000-4000-8000-%012x", index, index))!, clock: [ReplicaID(String(format: "%08x-0000-4000-8000-%012x", index, index))!: 1],
                    title: "Title \(index % 10)", body: "")
        }
        let history = RecordHistory(versions)
        #expect(history.heads.count == 2_000)
        #expect(history.state?.conflict(at: .title)?.candidates.count == 10)
        let entry = history.log[0]
        #expect(entry.concurrent.count == RecordHistory.LogEntry.listedConcurrent)
        #expect(entry.concurrentCount == 1_999)
    }
}
