import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The invariant (see `ReportMerge`): replicas that hold the same versions show byte-identical
/// reports, whatever the order versions arrived in — and no value anyone wrote is lost.
///
/// Five replicas make random changes of every kind and exchange them at random through two
/// shared folders and by hand-carried files (duplicated, reordered, partial). At the end
/// everyone syncs until nothing is new, and every replica must hold every version and the
/// same canonical dump.
///
/// `FIELDNOTES_SEED=<n>` replays a run; `FIELDNOTES_SOAK=<k>` makes it k times longer. Everything
/// the merge reads comes from the seed: replica ids, report, event and source ids, and the
/// times of versions (a simulated clock), so a seed replays the same versions.
@Suite("Randomized convergence")
struct ConvergenceTests {
    /// `FIELDNOTES_SEED` (default: a new one, printed) and `FIELDNOTES_SOAK` (default 1).
    static func seedAndScale() -> (seed: UInt64, scale: Int) {
        let environment = ProcessInfo.processInfo.environment
        return (environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max)),
                environment["FIELDNOTES_SOAK"].flatMap(Int.init) ?? 1)
    }

    @Test func replicasThatExchangeEverythingConverge() throws {
        let (seed, scale) = Self.seedAndScale()
        print("convergence: seed \(seed), \(1_000 * scale) operations (replay with FIELDNOTES_SEED=\(seed))")
        var simulation = try Simulation(seed: seed, replicas: 5, folders: 2)
        try simulation.run(operations: 1_000 * scale)
        try simulation.exchangeEverything()
        try simulation.checkConvergence()
    }

    /// A seed replays a run: the same versions, in the same stores, whatever the machine's
    /// clock and random ids. Without it a failure seen once could not be looked at again.
    @Test func aSeedReplaysTheSameRun() throws {
        let (seed, _) = Self.seedAndScale()
        var runs: [[[String]]] = []
        var made: [Set<String>] = []
        for _ in 0..<2 {
            var simulation = try Simulation(seed: seed, replicas: 3, folders: 2)
            try simulation.run(operations: 250)
            runs.append(try simulation.stores.map { try $0.canonicalDump() })
            try simulation.exchangeEverything()
            runs.append(try simulation.stores.map { try $0.canonicalDump() })
            made.append(simulation.made)
        }
        #expect(made[0] == made[1], "seed \(seed): the two runs made different versions")
        #expect(runs[0] == runs[2], "seed \(seed): the stores differ after the same operations")
        #expect(runs[1] == runs[3], "seed \(seed): the stores differ after exchanging everything")
    }

    /// The same with one folder becoming encrypted a third of the way in (DESIGN.md §10):
    /// replicas that have not joined yet are held off it, join at random later, and files by
    /// hand are sometimes encrypted for the team. Everyone ends with every version.
    @Test func replicasConvergeThroughAFolderThatBecomesEncrypted() throws {
        let (seed, scale) = Self.seedAndScale()
        print("convergence, encrypted: seed \(seed), \(600 * scale) operations (replay with FIELDNOTES_SEED=\(seed))")
        var simulation = try Simulation(seed: seed, replicas: 4, folders: 2)
        simulation.encryptAt = 200 * scale
        try simulation.run(operations: 600 * scale)
        try simulation.exchangeEverything()
        try simulation.checkConvergence()
        for store in simulation.stores {
            for (_, url) in try SharedFolder(simulation.folders[0]).changesets(of: store.identity.replica) {
                let header = try ChangesetReader.header(of: url)
                // Encrypted from the replica's first file after it joined.
                if header.sequence >= (try store.encryption(of: try #require(try store.folderID(atPath: SharedFolder(simulation.folders[0]).root.path)))?.since ?? .max) {
                    #expect(header.formatVersion == 3, simulation.context("\(url.lastPathComponent) of \(store.identity.analyst) is in clear"))
                }
            }
        }
    }

    /// The same with compaction at its most eager (DESIGN.md §11): no grace period, and
    /// snapshots written often, so files are deleted under readers that are behind and
    /// snapshots replace one another throughout. Everyone ends with every version, and so does
    /// a newcomer that joins at the end through one folder.
    @Test func replicasConvergeWhileTheFoldersAreCompacted() throws {
        let (seed, scale) = Self.seedAndScale()
        print("convergence, compacted: seed \(seed), \(800 * scale) operations (replay with FIELDNOTES_SEED=\(seed))")
        var simulation = try Simulation(seed: seed, replicas: 4, folders: 2)
        simulation.compaction = CompactionPolicy(graceMilliseconds: 0)
        try simulation.run(operations: 800 * scale)
        try simulation.exchangeEverything()
        try simulation.checkConvergence()
        #expect(simulation.counts["deleted", default: 0] > 0, simulation.context("nothing was compacted"))
        #expect(simulation.counts["snapshot imported", default: 0] > 0, simulation.context("no reader went through a snapshot"))
        let newcomer = try simulation.workspace.store("newcomer")
        let summary = try simulation.synchronizer(newcomer).sync(with: [simulation.folders[0]])[0].get()
        #expect(!summary.importedSnapshots.isEmpty, simulation.context("the newcomer did not start from a snapshot"))
        #expect(summary.skipped.isEmpty && summary.waiting.isEmpty, simulation.context("newcomer: \(summary)"))
        #expect(try simulation.versions(heldBy: newcomer) == simulation.made, simulation.context("the newcomer lacks versions"))
        #expect(try newcomer.canonicalDump() == simulation.stores[0].canonicalDump())
    }
}

struct Simulation {
    let seed: UInt64
    let workspace: Workspace
    var random: SeededGenerator
    let stores: [Store]
    let folders: [URL]
    /// Files exported by hand, waiting to be carried.
    var pouch: [URL] = []
    /// Every version anyone made: dot and hash.
    var made: Set<String> = []
    var counts: [String: Int] = [:]
    /// The step at which the first replica makes the first folder encrypted (nil: never).
    var encryptAt: Int?
    /// The replicas (by index) holding the first folder's team key, once it is encrypted.
    var joined: Set<Int> = []
    /// Compaction as syncs do it (nil: the standard week, so nothing is deleted in a run);
    /// given, one sync in six also writes a snapshot (`fieldnotes compact`).
    var compaction: CompactionPolicy?
    /// The simulated wall clock, in milliseconds: versions are stamped with it, not the
    /// machine's, so that a seed replays the same versions (their times order `list`, which
    /// picks the reports edited, and are part of their hashes).
    var clock: Int64 = 1_718_000_000_000
    static let passphrase = "correct horse battery staple"
    var encrypted: Bool { !joined.isEmpty }

    init(seed: UInt64, replicas: Int, folders: Int) throws {
        self.seed = seed
        var random = SeededGenerator(state: seed)
        let workspace = try Workspace()
        self.workspace = workspace
        stores = try (0..<replicas).map { try workspace.store("analyst\($0)", replica: Self.replicaID(using: &random)) }
        self.random = random
        self.folders = try (0..<folders).map { try workspace.folder("folder\($0)") }
    }

    /// A random (version 4) UUID drawn from the generator.
    static func uuid(using generator: inout SeededGenerator) -> String {
        let (high, low) = (generator.next() & ~0xF000 | 0x4000, generator.next() & ~(UInt64(0b11) << 62) | UInt64(0b10) << 62)
        let hex = String(format: "%016llx%016llx", high, low)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    static func replicaID(using generator: inout SeededGenerator) -> ReplicaID { ReplicaID(uuid(using: &generator))! }

    /// The simulated clock, a few seconds on.
    mutating func tick() -> Timestamp {
        clock += Int64.random(in: 1...5_000, using: &random)
        return Timestamp(millisecondsSince1970: clock)
    }

    func context(_ text: String) -> Comment { "seed \(seed): \(text)" }

    mutating func run(operations: Int) throws {
        for step in 0..<operations {
            if step == encryptAt {
                _ = try Synchronizer(store: stores[0]).teamInit(folders[0], passphrase: Self.passphrase, derivation: cheapDerivation())
                joined = [0]
            }
            let index = Int.random(in: 0..<stores.count, using: &random)
            let store = stores[index]
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<10: try create(in: store)
            case 10..<62: try edit(in: store)
            case 62..<88:
                let folder = Int.random(in: 0..<folders.count, using: &random)
                if folder == 0, encrypted, !joined.contains(index) {
                    // Held off the encrypted folder until it joins; sometimes it joins now.
                    #expect(throws: SyncError.self, context("a replica without the key synced")) { try store.sync(folders[0]) }
                    if Bool.random(using: &random) { try join(index) }
                } else {
                    let snapshot = compaction != nil && Int.random(in: 0..<6, using: &random) == 0
                    let summary = try synchronizer(store).sync(with: [folders[folder]], snapshot: snapshot)[0].get()
                    counts["deleted", default: 0] += summary.deletedChangesets
                    counts["snapshot imported", default: 0] += summary.importedSnapshots.count
                }
                counts["sync", default: 0] += 1
            case 88..<94: try exportByHand(from: store, step: step)
            default: try carryByHand(to: store)
            }
        }
        print("convergence: \(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
    }

    // MARK: Operations

    mutating func create(in store: Store) throws {
        var report = Report(id: ReportID(Self.uuid(using: &random))!, title: sentence(), body: paragraph(lines: Int.random(in: 1...6, using: &random)))
        report.tags = Set((0..<Int.random(in: 0...3, using: &random)).map { _ in tag() })
        report.events = (0..<Int.random(in: 0...2, using: &random)).map { _ in event() }
        report.sources = (0..<Int.random(in: 0...2, using: &random)).map { _ in source() }
        record(try store.create(report, at: tick()))
        counts["create", default: 0] += 1
    }

    mutating func edit(in store: Store) throws {
        let known = try store.summaries(ReportFilter()) + store.summaries(ReportFilter(deleted: true))
        // Half the edits go to the few most recently updated reports, so that replicas often
        // edit the same reports concurrently.
        let hot = Bool.random(using: &random) ? Array(known.prefix(4)) : known
        guard let target = hot.randomElement(using: &random) else { return try create(in: store) }
        let time = tick()
        var generator = random
        let kind = Int.random(in: 0..<16, using: &generator)
        let version = try store.commitChange(to: target.id, at: time) { report in
            mutate(&report, kind: kind, using: &generator)
        }
        random = generator
        if let version { record(version) }
        counts["edit", default: 0] += 1
    }

    /// One random change of one kind.
    func mutate(_ report: inout Report, kind: Int, using generator: inout SeededGenerator) {
        func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &generator) }
        switch kind {
        case 0: try? report.assign(.string(sentence(using: &generator)), at: .title)
        case 1, 2:
            var lines = report.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let index = Int.random(in: 0..<max(1, lines.count), using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0 where !lines.isEmpty: lines[index] = sentence(using: &generator)
            case 1: lines.insert(sentence(using: &generator), at: min(index, lines.count))
            default: if !lines.isEmpty { lines.remove(at: index) }
            }
            try? report.assign(.string(Report.normalizedBody(lines.joined(separator: "\n"))), at: .body)
        case 3: try? report.assign(.string(pick(Status.allCases)!.rawValue), at: .status)
        case 4: try? report.assign(Bool.random(using: &generator) ? .int(Int64.random(in: 1...6, using: &generator)) : .null, at: .credibility)
        case 5: report.tags.insert(tag(using: &generator))
        case 6: if let tag = pick(report.tags.sorted()) { report.tags.remove(tag) }  // a set's order is not the seed's
        case 7: report.events.append(event(using: &generator))
        case 8, 9:
            guard let event = pick(report.events) else { return }
            let field = pick(FieldPath.EventField.allCases)!
            let value: JSONValue = switch field {
            case .when: .string("2024-06-\(10 + Int.random(in: 0..<20, using: &generator))")
            case .place, .summary: .string(sentence(using: &generator))
            case .lat, .lon: event.lat == nil ? .null : .double(Double(Int.random(in: -80...80, using: &generator)))
            case .killed, .injured: .int(Int64.random(in: 0...50, using: &generator))
            }
            try? report.assign(value, at: .eventField(event.id, field))
        case 10: if let event = pick(report.events) { try? report.assign(.bool(false), at: .event(event.id)) }
        case 11: report.sources.append(source(using: &generator))
        case 12:
            guard let source = pick(report.sources) else { return }
            if Bool.random(using: &generator) {
                try? report.assign(.string(sentence(using: &generator)), at: .sourceField(source.id, .ref))
            } else {
                try? report.assign(.string(pick(Reliability.allCases)!.rawValue), at: .sourceField(source.id, .reliability))
            }
        case 13: if let source = pick(report.sources) { try? report.assign(.bool(false), at: .source(source.id)) }
        case 14: try? report.assign(.bool(true), at: .deleted)
        default: try? report.assign(.bool(false), at: .deleted)
        }
    }

    mutating func join(_ index: Int) throws {
        try Synchronizer(store: stores[index]).teamJoin(folders[0], passphrase: Self.passphrase)
        joined.insert(index)
        counts["join", default: 0] += 1
    }

    mutating func exportByHand(from store: Store, step: Int) throws {
        let file = workspace.file("carried-\(step).fnc")
        // Once the team exists, a member sometimes encrypts what it carries for the team; a
        // replica that does not hold the key opens it with the team's passphrase (`carryByHand`).
        let key = encrypted && joined.contains(stores.firstIndex { $0 === store }!) && Bool.random(using: &random)
            ? try Synchronizer(store: store).teamKey(forFolder: folders[0]) : nil
        if try Synchronizer(store: store).export(to: file, all: Bool.random(using: &random), encryption: key) > 0 {
            pouch.append(file)
        }
        counts["export", default: 0] += 1
    }

    /// Imports some carried files, shuffled, some twice.
    mutating func carryByHand(to store: Store) throws {
        guard !pouch.isEmpty else { return }
        var files = (0..<Int.random(in: 1...4, using: &random)).map { _ in pouch.randomElement(using: &random)! }
        files.shuffle(using: &random)
        // A file encrypted for the team opens with the team's passphrase where the key is not held.
        let summary = Synchronizer(store: store).importFiles(files) { try $0.derivation.deriveKey(from: Self.passphrase) }
        #expect(summary.skipped.isEmpty, context("hand import refused: \(summary.skipped)"))
        counts["import", default: 0] += 1
    }

    func synchronizer(_ store: Store) -> Synchronizer {
        Synchronizer(store: store, compaction: compaction ?? .standard)
    }

    /// Every version a store holds: dot and hash.
    func versions(heldBy store: Store) throws -> Set<String> {
        var held: Set<String> = []
        try store.forEachRecord { record in
            for version in record.versions { held.insert("\(version.replicaID):\(version.counter)=\(version.hash)") }
        }
        return held
    }

    mutating func record(_ version: Version) {
        made.insert("\(version.dot)=\(version.hash.hex)")
    }

    // MARK: The end

    /// Everyone syncs with every folder until a whole round brings nothing new.
    mutating func exchangeEverything() throws {
        if encrypted {
            for index in stores.indices where !joined.contains(index) { try join(index) }
        }
        for round in 1...6 {
            var moved = 0
            for store in stores {
                for folder in folders {
                    let summary = try synchronizer(store).sync(with: [folder])[0].get()
                    #expect(summary.skipped.isEmpty && summary.waiting.isEmpty, context("round \(round): \(summary)"))
                    moved += summary.importedVersions + summary.exportedVersions
                }
            }
            if moved == 0 { return }
        }
        Issue.record(context("replicas were still exchanging versions after six rounds"))
    }

    func checkConvergence() throws {
        let reference = try stores[0].canonicalDump()
        #expect(reference.count > 10, context("too few reports to mean anything"))
        let counts = try stores[0].counts()
        print("convergence: \(counts.reports) reports (\(counts.deletedReports) deleted), \(counts.versions) versions, \(counts.conflicts) open conflicts in \(counts.conflictedReports) reports, digest \(Self.digest(reference))")
        #expect(counts.conflicts > 0, context("the run made no conflicts, so it tested little"))
        for (index, store) in stores.enumerated() {
            let dump = try store.canonicalDump()
            #expect(dump == reference, context("replica \(index) differs from replica 0"))
            if dump != reference, let first = zip(dump, reference).first(where: { $0 != $1 }) {
                print("seed \(seed): first difference\n\(first.0)\n---\n\(first.1)")
            }
            try store.expectVerified()
        }
        let held = try versions(heldBy: stores[0])
        #expect(held == made, context("versions made: \(made.count), held: \(held.count)"))
        try checkNothingVanished(in: stores[0])
    }

    /// FNV-1a of a dump: equal in two runs of one seed (on any machine) when the seed replays.
    static func digest(_ dump: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in dump.joined(separator: "\n").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Every value a version wrote is in the state, a conflict candidate, or was replaced by
    /// a later version that had seen it (DESIGN.md §1: nothing is silently lost); every tag a
    /// version added is in the state or was removed by a later version that had seen it.
    /// Narratives merge line by line, so they are left to the convergence check.
    func checkNothingVanished(in store: Store) throws {
        var checked = 0
        try store.forEachRecord { record in
            let versions = record.versions.compactMap { try? $0.decoded.get() }
            let history = RecordHistory(versions)
            guard let state = history.state else { return }
            for version in versions {
                let before = history.state(before: version)
                for path in version.snapshot.changedFields(since: before) where path != .body && path != .tags {
                    let value = Self.value(version.snapshot, at: path)
                    checked += 1
                    if Self.value(state, at: path) == value { continue }
                    if state.conflict(at: path)?.candidates.contains(where: { $0.value == value }) == true { continue }
                    let replaced = versions.contains { later in
                        later.clock.isDescendant(of: version.clock) && Self.value(later.snapshot, at: path) != value
                    }
                    #expect(replaced, context("report \(record.id): \(path) = \(value.map(\.canonicalString) ?? "absent") by \(version.dot) vanished"))
                    if !replaced { Self.printHistory(history, at: path) }
                }
                for tag in version.snapshot.tags.subtracting(before?.tags ?? []) where !state.tags.contains(tag) {
                    checked += 1
                    let removed = versions.contains { $0.clock.isDescendant(of: version.clock) && !$0.snapshot.tags.contains(tag) }
                    #expect(removed, context("report \(record.id): tag \(tag) added by \(version.dot) vanished"))
                }
            }
        }
        #expect(checked > 100, context("too few values checked"))
    }

    /// For a failure: each version's clock, value and conflict at `path`, and the state.
    static func printHistory(_ history: RecordHistory, at path: FieldPath) {
        for entry in history.log {
            let version = entry.version
            let conflict = version.snapshot.conflict(at: path).map { " conflict \($0.candidates.map { "\($0.value.canonicalString)@\($0.version.short)" })" } ?? ""
            print("  \(version.dot.short) \(Text.clock(version.clock)) \(path)=\(value(version.snapshot, at: path)?.canonicalString ?? "nil")\(conflict) changed \(entry.changed)")
        }
        if let state = history.state {
            print("  state: \(value(state, at: path)?.canonicalString ?? "nil") \(state.conflict(at: path).map { "\($0.candidates.map { "\($0.value.canonicalString)@\($0.version.short)" })" } ?? "")")
        }
    }

    /// A field's value, with an absent item reading as not present.
    static func value(_ report: Report, at path: FieldPath) -> JSONValue? {
        switch path {
        case .event, .source: report.value(at: path) ?? .bool(false)
        default: report.value(at: path)
        }
    }

    // MARK: Random content

    static let words = ["attack", "border", "bridge", "convoy", "drone", "ferry", "harbour", "militia", "patrol",
                        "refinery", "shelling", "strike", "village", "checkpoint", "ceasefire", "protest", "port", "railway"]
    static let places = ["Derbent", "Makhachkala", "Sevastopol", "Grozny", "Kaspiysk", "Kerch", "Mariupol", "Nalchik"]

    func sentence(using generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 2...6, using: &generator)).map { _ in Self.words.randomElement(using: &generator)! }
            .joined(separator: " ").capitalized
    }

    func tag(using generator: inout SeededGenerator) -> String { Self.words.randomElement(using: &generator)! }

    func event(using generator: inout SeededGenerator) -> Event {
        let located = Bool.random(using: &generator)
        return Event(
            id: ItemID("e\(UInt32.random(in: 0...UInt32.max, using: &generator))")!, when: "2024-06-\(10 + Int.random(in: 0..<20, using: &generator))",
            place: Self.places.randomElement(using: &generator)!, lat: located ? 43.0 : nil, lon: located ? 47.0 : nil,
            summary: sentence(using: &generator), killed: Bool.random(using: &generator) ? Int.random(in: 0...20, using: &generator) : nil)
    }

    func source(using generator: inout SeededGenerator) -> Source {
        Source(id: ItemID("s\(UInt32.random(in: 0...UInt32.max, using: &generator))")!, ref: sentence(using: &generator),
               reliability: Reliability.allCases.randomElement(using: &generator))
    }

    mutating func sentence() -> String { sentence(using: &random) }
    mutating func tag() -> String { tag(using: &random) }
    mutating func event() -> Event { event(using: &random) }
    mutating func source() -> Source { source(using: &random) }
    mutating func paragraph(lines: Int) -> String { (0..<lines).map { _ in sentence() }.joined(separator: "\n") }
}

private enum Text {
    static func clock(_ clock: VectorClock) -> String {
        "{" + clock.counters.sorted { $0.key < $1.key }.map { "\($0.key.short):\($0.value)" }.joined(separator: ",") + "}"
    }
}
