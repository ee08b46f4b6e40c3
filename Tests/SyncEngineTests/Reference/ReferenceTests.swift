import Foundation
import ReportModels
@testable import SyncEngine
import Testing

/// The engine in Sources/SyncEngine/Merge finds heads by chains, states with an explicit
/// stack, provenance in sweeps and narratives with a capped diff. These tests hold it to the
/// definition written plainly (`ReferenceHistory`) on random histories that replicas could
/// really make — complete, or any part of one, since versions arrive by different paths.
@Suite("The merge engine against the definition")
struct ReferenceTests {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? 20261127
    }

    @Test func randomHistoriesDefineTheSameStatesAsTheDefinition() {
        let seed = Self.seed
        var random = SeededGenerator(state: seed)
        var checked = (states: 0, conflicts: 0, partial: 0)
        for round in 0..<160 {
            var lab = RandomHistory(random: SeededGenerator(state: random.next()), replicas: Int.random(in: 2...4, using: &random))
            var set = lab.make(count: Int.random(in: 2...(round % 10 == 9 ? 60 : 28), using: &random))
            if round % 3 == 1 {
                set = set.filter { _ in Int.random(in: 0..<4, using: &random) > 0 }
                checked.partial += 1
            }
            set.shuffle(using: &random)
            let history = RecordHistory(set)
            let reference = ReferenceHistory(set)
            let context: Comment = "seed \(seed), round \(round) (replay with FIELDNOTES_SEED=\(seed))"
            #expect(history.inconsistency == nil, context)
            #expect(history.heads.map(\.dot) == reference.heads.map(\.dot), context)
            let state = history.state
            #expect(state == reference.state, context)
            if state != reference.state { Self.printDifference(state, reference.state) }
            // Every provenance question through sweeps, none answered on the spot.
            let graph = CausalGraph(set.map(\.header))
            let swept = HistoryEvaluator(graph: graph, quickSteps: 0) { set[$0].snapshot }
            #expect(swept.stateOfAll() == reference.state, context)
            for (index, version) in set.enumerated() {
                let before = reference.state(before: version)
                #expect(history.state(before: version) == before, context)
                #expect(swept.state(before: index) == before, context)
                checked.states += 1
            }
            for conflict in state?.conflicts ?? [] {
                #expect(history.base(of: conflict) == reference.base(of: conflict), context)
                checked.conflicts += 1
            }
        }
        #expect(checked.conflicts > 50, "seed \(seed): too few conflicts to mean anything (\(checked))")
        print("reference: seed \(seed): \(checked.states) states before a version, \(checked.conflicts) conflicts, \(checked.partial) partial histories")
    }

    static func printDifference(_ mine: Report?, _ theirs: Report?) {
        print("engine:    \(mine?.json.canonicalString ?? "nil")")
        print("reference: \(theirs?.json.canonicalString ?? "nil")")
    }

    /// Under its cap the diff is the standard library's, line for line: merges computed by
    /// earlier fieldnotes stay what they were.
    @Test func lineDiffIsTheStandardLibrarysUnderItsCap() {
        let seed = Self.seed
        var random = SeededGenerator(state: seed)
        for round in 0..<400 {
            let alphabet = ["a", "b", "c", "d", "e", "", "a b"].prefix(Int.random(in: 2...7, using: &random))
            let old = (0..<Int.random(in: 0...30, using: &random)).map { _ in Substring(alphabet.randomElement(using: &random)!) }
            var new = old
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                switch Int.random(in: 0..<3, using: &random) {
                case 0 where !new.isEmpty: new.remove(at: Int.random(in: 0..<new.count, using: &random))
                case 1: new.insert(Substring(alphabet.randomElement(using: &random)!), at: Int.random(in: 0...new.count, using: &random))
                default: if !new.isEmpty { new[Int.random(in: 0..<new.count, using: &random)] = Substring(alphabet.randomElement(using: &random)!) }
                }
            }
            let changes = LineDiff.changes(from: old, to: new)
            var removed = Array(repeating: false, count: old.count)
            var inserted = Array(repeating: false, count: new.count)
            for change in new.difference(from: old) {
                switch change {
                case .remove(let offset, _, _): removed[offset] = true
                case .insert(let offset, _, _): inserted[offset] = true
                }
            }
            #expect(changes.removed == removed && changes.inserted == inserted, "seed \(seed), round \(round): \(old) → \(new)")
            #expect(!changes.isWhole)
        }
    }

    /// Merges of narratives agree with the reference's (the standard library's diff, and
    /// clusters found by comparing every hunk).
    @Test func lineMergeAgreesWithTheReference() {
        let seed = Self.seed
        var random = SeededGenerator(state: seed)
        for round in 0..<400 {
            let words = ["alpha", "beta", "gamma", "delta", ""]
            let base = (0..<Int.random(in: 0...12, using: &random)).map { _ in words.randomElement(using: &random)! }
            var sides: [String] = []
            for _ in 0..<Int.random(in: 2...4, using: &random) {
                sides.append(Self.edited(base, words: words, using: &random).joined(separator: "\n"))
            }
            let text = base.joined(separator: "\n")
            let mine = LineMerge.merge(base: text, sides: sides)
            let theirs = ReferenceLineMerge.merge(base: text, sides: sides)
            switch (mine, theirs) {
            case (.merged(let a), .merged(let b)): #expect(a == b, "seed \(seed), round \(round)")
            case (.conflicted(let a), .conflicted(let b)): #expect(a == b, "seed \(seed), round \(round)")
            default: Issue.record("seed \(seed), round \(round): \(mine) against \(theirs)")
            }
            #expect(LineMerge.conflictingRegions(base: text, sides: sides).map(\.line)
                    == ReferenceLineMerge.conflictingRegions(base: text, sides: sides).map(\.line), "seed \(seed), round \(round)")
        }
    }

    static func edited(_ base: [String], words: [String], using random: inout SeededGenerator) -> [String] {
        var lines = base
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !lines.isEmpty: lines.remove(at: Int.random(in: 0..<lines.count, using: &random))
            case 1: lines.insert(words.randomElement(using: &random)!, at: Int.random(in: 0...lines.count, using: &random))
            default: if !lines.isEmpty { lines[Int.random(in: 0..<lines.count, using: &random)] = words.randomElement(using: &random)! }
            }
        }
        return lines
    }

    /// Past the cap the diff gives up on an alignment: the changed middle is one change, so
    /// two rewrites of a long narrative collide as a whole and both are kept.
    @Test func pastItsCapTheDiffTakesTheChangedMiddleWhole() {
        let old: [Substring] = ["keep"] + (0..<50).map { Substring("old \($0)") } + ["tail"]
        let new: [Substring] = ["keep"] + (0..<50).map { Substring("new \($0)") } + ["tail"]
        let middle: [Bool] = [false] + Array(repeating: true, count: 50) + [false]
        let changes = LineDiff.changes(from: old, to: new, maximumEditLines: 20)
        #expect(changes.isWhole)
        #expect(changes.removed == middle)
        #expect(changes.inserted == middle)
        let exact = LineDiff.changes(from: old, to: new)
        #expect(!exact.isWhole && exact.removed == changes.removed)
    }
}

/// A history of one report as replicas would make it: each edit starts from the state of
/// what its replica has seen (computed by the reference), and replicas exchange at random.
/// Values come from small sets, so that edits often collide, agree, or set a value back.
struct RandomHistory {
    var random: SeededGenerator
    let replicas: [ReplicaID]
    private(set) var versions: [Version] = []
    private var seen: [VectorClock]
    private var tick: Int64 = 1_000
    let id = ReportID("0f0f0f0f-0000-4000-8000-00000000000f")!

    init(random: SeededGenerator, replicas count: Int) {
        self.random = random
        replicas = (0..<count).map { ReplicaID(String(format: "%08x-0000-4000-8000-%012x", $0 + 1, $0 + 1))! }
        seen = Array(repeating: VectorClock(), count: count)
    }

    static let titles = ["Attack on Derbent", "Strike in Sevastopol", "Unrest in Kerch"]
    static let lines = ["Militants attacked a church.", "Police responded.", "Casualties are unconfirmed.", "A ferry was hit.", "Calm returned."]
    static let tags = ["dagestan", "crimea", "drones", "militants"]
    static let places = ["Derbent", "Kerch", "Grozny"]

    mutating func make(count: Int) -> [Version] {
        while versions.count < count {
            let me = Int.random(in: 0..<replicas.count, using: &random)
            if Int.random(in: 0..<100, using: &random) < 40 {
                let other = Int.random(in: 0..<replicas.count, using: &random)
                seen[me] = seen[me].joined(with: seen[other])
                continue
            }
            let visible = versions.filter { seen[me].dominates($0.clock) }
            var snapshot = ReferenceHistory(visible).state ?? Report(id: id, title: Self.titles[0], body: "Militants attacked a church.\nPolice responded.")
            if visible.isEmpty {
                snapshot.author = "analyst\(me)"
                snapshot.createdAt = Timestamp(millisecondsSince1970: tick)
            }
            for _ in 0..<Int.random(in: 1...2, using: &random) { mutate(&snapshot) }
            snapshot.normalize()
            tick += Int64.random(in: 1...3, using: &random) * 1_000
            snapshot.updatedAt = Timestamp(millisecondsSince1970: tick)
            let version = Version(snapshot: snapshot, after: seen[me], replica: replicas[me], author: "analyst\(me)",
                                  time: Timestamp(millisecondsSince1970: tick))
            versions.append(version)
            seen[me] = version.clock
        }
        return versions
    }

    private mutating func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &random) }

    private mutating func mutate(_ report: inout Report) {
        switch Int.random(in: 0..<17, using: &random) {
        case 0, 1: try? report.assign(.string(pick(Self.titles)!), at: .title)
        case 2, 3:
            var lines = report.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let index = Int.random(in: 0..<max(1, lines.count), using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !lines.isEmpty: lines[index] = pick(Self.lines)!
            case 1: lines.insert(pick(Self.lines)!, at: min(index, lines.count))
            default: if lines.count > 1 { lines.remove(at: index) }
            }
            try? report.assign(.string(lines.joined(separator: "\n")), at: .body)
        case 4: try? report.assign(.string(pick(Status.allCases)!.rawValue), at: .status)
        case 5: try? report.assign(Bool.random(using: &random) ? .int(Int64.random(in: 1...3, using: &random)) : .null, at: .credibility)
        case 6: report.tags.insert(pick(Self.tags)!)
        case 7: if let tag = pick(Array(report.tags).sorted()) { report.tags.remove(tag) }
        case 8:
            let id = ItemID(pick(["e1", "e2", "e3"])!)!
            if report.event(id) == nil { report.events.append(Event(id: id, when: "2024-06-23", place: pick(Self.places)!)) }
        case 9, 10:
            guard let event = pick(report.events) else { return }
            switch Int.random(in: 0..<3, using: &random) {
            case 0: try? report.assign(.string(pick(Self.places)!), at: .eventField(event.id, .place))
            case 1: try? report.assign(.int(Int64.random(in: 0...3, using: &random)), at: .eventField(event.id, .killed))
            default: try? report.assign(.string("2024-06-2\(Int.random(in: 1...4, using: &random))"), at: .eventField(event.id, .when))
            }
        case 11: if let event = pick(report.events) { try? report.assign(.bool(false), at: .event(event.id)) }
        case 12:
            let id = ItemID(pick(["s1", "s2"])!)!
            if report.source(id) == nil { report.sources.append(Source(id: id, ref: "Police statement")) }
            else { try? report.assign(.string(pick(["A", "B", "C"])!), at: .sourceField(id, .reliability)) }
        case 13: if let source = pick(report.sources) { try? report.assign(.bool(false), at: .source(source.id)) }
        case 14: try? report.assign(.bool(Bool.random(using: &random)), at: .deleted)
        default:
            // Decide a conflict: take one candidate's value.
            guard let conflict = pick(report.conflicts), let candidate = pick(conflict.candidates) else { return }
            try? report.assign(candidate.value, at: conflict.field)
        }
    }
}
