import Foundation
import ReportModels
@testable import SyncEngine
import Testing

/// Random histories weighted to the shapes where the convergence test once lost a removal
/// (seed 2469141480): reports deleted and restored while events and sources are added, edited
/// and removed on other lines, with merges of lines that never held an item. The engine must
/// agree with the definition (`ReferenceHistory`); no removal of an item may vanish unless a
/// version that had seen it put the item back or a conflict keeps it; and a report deleted
/// with no conflict over it had every edit seen by a delete (DESIGN.md §1, §4).
///
/// `FIELDNOTES_SEED=<n>` replays; `FIELDNOTES_STRESS=<k>` runs k times as many histories.
@Suite("Items and deletes against the definition")
struct ItemHistoryTests {
    @Test func randomHistoriesOfItemsAndDeletesAgreeAndLoseNoRemoval() {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? 20261128
        let rounds = 120 * (environment["FIELDNOTES_STRESS"].flatMap(Int.init) ?? 1)
        var random = SeededGenerator(state: seed)
        var checked = (removals: 0, conflicts: 0, edits: 0)
        for round in 0..<rounds {
            var lab = ItemHistory(random: SeededGenerator(state: random.next()), replicas: Int.random(in: 3...4, using: &random))
            var set = lab.make(count: Int.random(in: 6...30, using: &random))
            set.shuffle(using: &random)
            let context: Comment = "seed \(seed), round \(round) (replay with FIELDNOTES_SEED=\(seed))"
            let history = RecordHistory(set)
            let reference = ReferenceHistory(set)
            guard let state = history.state else {
                Issue.record("\(context): no state: \(history.inconsistency ?? "")")
                continue
            }
            #expect(state == reference.state, context)
            if state != reference.state { ReferenceTests.printDifference(state, reference.state) }
            checked.conflicts += state.conflicts.count
            // A deleted state with no conflict over it: every edit was seen by a delete.
            let deletedOutright = state.deleted && state.conflict(at: .deleted) == nil
            for version in set {
                let before = reference.state(before: version)
                #expect(history.state(before: version) == before, context)
                if deletedOutright, version.snapshot.changedFields(since: before).contains(where: { $0 != .deleted }) {
                    checked.edits += 1
                    let seen = set.contains { ($0.dot == version.dot || $0.clock.isDescendant(of: version.clock)) && $0.snapshot.deleted }
                    #expect(seen, "\(context): the edit of \(version.dot.short) is hidden by a delete that had not seen it")
                    if !seen { Self.printHistory(history) }
                }
                // Every removal is in the state, a candidate, or undone by a version that saw it.
                for path in version.snapshot.changedFields(since: before) where Self.isPresence(path) && version.snapshot.value(at: path) == nil {
                    checked.removals += 1
                    if state.value(at: path) == nil || state.conflict(at: path)?.candidates.contains(where: { $0.value == .bool(false) }) == true {
                        continue
                    }
                    let undone = set.contains { $0.clock.isDescendant(of: version.clock) && $0.snapshot.value(at: path) != nil }
                    #expect(undone, "\(context): \(path) removed by \(version.dot.short) vanished")
                }
            }
        }
        #expect(checked.removals > 100 && checked.conflicts > 50, "seed \(seed): too little checked (\(checked))")
        print("items: seed \(seed): \(rounds) histories, \(checked.removals) removals, \(checked.edits) edits of deleted states, \(checked.conflicts) conflicts")
    }

    /// For a failure: each version's clock, tombstone and changes, and the state's.
    static func printHistory(_ history: RecordHistory) {
        for entry in history.log {
            let version = entry.version
            let clock = version.clock.counters.sorted { $0.key < $1.key }.map { "\($0.key.short.prefix(2)):\($0.value)" }.joined(separator: ",")
            let conflict = version.snapshot.conflict(at: .deleted).map { " conflict \($0.candidates.map { "\($0.value.canonicalString)@\($0.version.short)" })" } ?? ""
            print("  \(version.dot.short) {\(clock)} deleted=\(version.snapshot.deleted)\(conflict) changed \(entry.changed)")
        }
        if let state = history.state {
            print("  state: deleted=\(state.deleted) \(state.conflict(at: .deleted).map { "\($0.candidates.map { "\($0.value.canonicalString)@\($0.version.short)" })" } ?? "")")
        }
    }

    static func isPresence(_ path: FieldPath) -> Bool {
        switch path {
        case .event, .source: true
        default: false
        }
    }
}

/// A history of one report in which replicas mostly add, edit and remove items and delete and
/// restore the report, exchanging at random. As in real use, the report is created once and
/// item ids are never reused; values come from small sets, so that edits collide, agree and
/// set values back.
struct ItemHistory {
    var random: SeededGenerator
    let replicas: [ReplicaID]
    private(set) var versions: [Version] = []
    private var seen: [VectorClock]
    private var tick: Int64 = 1_000
    private var nextItem = 1
    let id = ReportID("0e0e0e0e-0000-4000-8000-00000000000e")!

    init(random: SeededGenerator, replicas count: Int) {
        self.random = random
        // Ids in random order, so that which line sorts first varies.
        var numbers = Array(1...count)
        numbers.shuffle(using: &self.random)
        replicas = numbers.map { ReplicaID(String(format: "%08x-0000-4000-8000-%012x", $0 * 0x1111_1111, $0))! }
        seen = Array(repeating: VectorClock(), count: count)
    }

    static let places = ["Derbent", "Kerch", "Grozny"]
    static let titles = ["Attack on Derbent", "Strike in Sevastopol", "Unrest in Kerch"]

    mutating func make(count: Int) -> [Version] {
        while versions.count < count {
            let me = Int.random(in: 0..<replicas.count, using: &random)
            if Int.random(in: 0..<100, using: &random) < 40 {
                seen[me] = seen[me].joined(with: seen[Int.random(in: 0..<replicas.count, using: &random)])
                continue
            }
            // One replica creates the report; the others start from having seen that.
            if let first = versions.first, seen[me] == VectorClock() { seen[me] = first.clock }
            let visible = versions.filter { seen[me].dominates($0.clock) }
            var snapshot = ReferenceHistory(visible).state ?? Report(id: id, title: Self.titles[0], events: [event()])
            if visible.isEmpty {
                snapshot.author = "analyst\(me)"
                snapshot.createdAt = Timestamp(millisecondsSince1970: tick)
            }
            for _ in 0..<Int.random(in: 1...2, using: &random) { mutate(&snapshot) }
            snapshot.normalize()
            tick += 1_000
            snapshot.updatedAt = Timestamp(millisecondsSince1970: tick)
            let version = Version(snapshot: snapshot, after: seen[me], replica: replicas[me], author: "analyst\(me)",
                                  time: Timestamp(millisecondsSince1970: tick))
            versions.append(version)
            seen[me] = version.clock
        }
        return versions
    }

    private mutating func event() -> Event {
        nextItem += 1
        return Event(id: ItemID("e\(nextItem)")!, when: "2024-06-23", place: Self.places.randomElement(using: &random)!)
    }

    private mutating func mutate(_ report: inout Report) {
        switch Int.random(in: 0..<20, using: &random) {
        case 0, 1, 2: report.events.append(event())
        case 3, 4, 5: if let item = report.events.randomElement(using: &random) { try? report.assign(.bool(false), at: .event(item.id)) }
        case 6, 7, 8:
            guard let item = report.events.randomElement(using: &random) else { return }
            if Bool.random(using: &random) {
                try? report.assign(.string(Self.places.randomElement(using: &random)!), at: .eventField(item.id, .place))
            } else {
                try? report.assign(.int(Int64.random(in: 0...2, using: &random)), at: .eventField(item.id, .killed))
            }
        case 9:
            nextItem += 1
            report.sources.append(Source(id: ItemID("s\(nextItem)")!, ref: "Police statement"))
        case 10: if let item = report.sources.randomElement(using: &random) { try? report.assign(.bool(false), at: .source(item.id)) }
        case 11, 12, 13: try? report.assign(.bool(!report.deleted), at: .deleted)
        case 14: report.tags.insert(["a", "b"].randomElement(using: &random)!)
        case 15: if let tag = report.tags.sorted().randomElement(using: &random) { report.tags.remove(tag) }
        case 16, 17: try? report.assign(.string(Self.titles.randomElement(using: &random)!), at: .title)
        default:
            guard let conflict = report.conflicts.randomElement(using: &random),
                  let candidate = conflict.candidates.randomElement(using: &random) else { return }
            try? report.assign(candidate.value, at: conflict.field)
        }
    }
}
