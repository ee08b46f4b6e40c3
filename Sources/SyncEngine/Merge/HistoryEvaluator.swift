import ReportModels

/// Computes the states a record's versions define — of all of them, of the past of one, of
/// what several versions have in common — by the definition above `ReportMerge`, without
/// recursion and in time near-linear in the history.
///
/// The state of several heads needs the state of their common past (its base), and each
/// value the merge tags needs the version that wrote it (provenance), found by walking back
/// through versions whose own past held the same value — which, where a version has several
/// parents, is again the state of several heads. Each is a smaller question of the same
/// kind, and they nest as deep as the history is long (an exchange in which every edit
/// crosses another). So nothing here recurses: states are jobs on an explicit stack, a job
/// that needs a state it does not have pushes that state's job and waits, and provenance
/// questions are answered together in sweeps from the newest versions back, which a job
/// pauses while they wait for a state. Every state and provenance found is kept for the
/// others, for the evaluator's lifetime (one import of one record, or one command).
///
/// Cost: the merges of the states asked for and of those they need (each merge once, or
/// again when it asked for provenance not known yet), plus the provenance walks: a walk
/// visits only versions that hold the value it follows (into every parent that holds it,
/// where several do), each version once per sweep whatever the number of questions passing
/// through it, and walks that met before share their answer where they met. Memory: the
/// states kept, and the snapshots of the versions a merge is reading.
final class HistoryEvaluator<Failure: Error> {
    let graph: CausalGraph
    private let load: (Int) throws(Failure) -> Report
    private var states: [[Int]: Report] = [:]
    private var parentsCache: [Int: [Int]] = [:]
    private var writers: [WriterKey: Int] = [:]

    struct WriterKey: Hashable {
        var version: Int
        var field: MergedField
    }

    /// Steps a provenance question may walk on its own before it joins a sweep.
    private let quickSteps: Int

    /// - Parameters:
    ///   - load: the snapshot of a version, by its number in `graph`.
    ///   - quickSteps: how far a provenance question is followed alone, on the spot, before
    ///     it is left to a sweep (tests set 0 to send every question through sweeps).
    init(graph: CausalGraph, quickSteps: Int = 32, load: @escaping (Int) throws(Failure) -> Report) {
        self.graph = graph
        self.quickSteps = quickSteps
        self.load = load
    }

    func snapshot(_ version: Int) throws(Failure) -> Report {
        try load(version)
    }

    func parents(of version: Int) -> [Int] {
        if let known = parentsCache[version] { return known }
        let parents = graph.parents(of: version)
        parentsCache[version] = parents
        return parents
    }

    /// The state of every version.
    func stateOfAll() throws(Failure) -> Report? {
        try state(of: graph.heads)
    }

    /// The state just before a version: of its causal past.
    func state(before version: Int) throws(Failure) -> Report? {
        try state(of: parents(of: version))
    }

    /// The state of the versions `heads` (an antichain, in dot order) have seen: nil for
    /// none, one head's snapshot, or the merge of several against their common past.
    func state(of heads: [Int]) throws(Failure) -> Report? {
        guard heads.count > 1 else { return try heads.first.map { version throws(Failure) in try snapshot(version) } }
        if let known = states[heads] { return known }
        var stack = [Job(heads)]
        while let job = stack.last {
            if states[job.heads] != nil {
                stack.removeLast()
                continue
            }
            switch try advance(job) {
            case .waiting(let needs):
                stack += needs.filter { states[$0] == nil }.map(Job.init)
            case .done(let report):
                states[job.heads] = report
                stack.removeLast()
            }
        }
        return states[heads]
    }

    // MARK: - Jobs

    /// The merge of several heads, as far as it has got.
    private final class Job {
        let heads: [Int]
        var common: CausalGraph.Cut?
        var baseHeads: [Int] = []
        var context: MergeContext?
        var sweep: Sweep?

        init(_ heads: [Int]) { self.heads = heads }
    }

    private enum Progress {
        /// These states are needed first.
        case waiting([[Int]])
        case done(Report)
    }

    private func advance(_ job: Job) throws(Failure) -> Progress {
        if job.common == nil {
            let common = graph.meet(job.heads)
            job.common = common
            job.baseHeads = graph.heads(under: common)
        }
        if job.baseHeads.count > 1, states[job.baseHeads] == nil { return .waiting([job.baseHeads]) }
        if job.context == nil {
            let base = job.baseHeads.count > 1 ? states[job.baseHeads] : try job.baseHeads.first.map { version throws(Failure) in try snapshot(version) }
            job.context = try MergeContext(graph: graph, heads: job.heads, base: base, common: job.common!, snapshot: load)
        }
        let context = job.context!
        while true {
            if let sweep = job.sweep {
                let needs = try advance(sweep)
                guard needs.isEmpty else { return .waiting(needs) }
                job.sweep = nil
            }
            // Provenance not known yet (and not found in a few steps) is asked for, the merge
            // finished with a stand-in, and run again once it is known. What the merge asks can
            // depend on the answers (a superseded candidate may end a conflict), so a run that
            // still asks something new goes round again; each round learns something.
            let missing = MissingWriters()
            let report = ReportMerge.merge(context) { version, field in self.writer(of: version, at: field, missing: missing) }
            if missing.keys.isEmpty { return .done(report) }
            job.sweep = Sweep(graph: graph, questions: missing.keys)
        }
    }

    // MARK: - Provenance

    /// Which version wrote the value `version` holds in `field`: the tag of a conflict
    /// candidate (DESIGN.md §4: "each tagged with the version that wrote it").
    ///
    /// A version wrote a field's value unless the state of its causal past already held that
    /// same value (a plain value, not a conflict it decided); then the value was written where
    /// its parents holding it got it: the latest of their writers — the first (parents in dot
    /// order) that no other of them has seen. Parents may hold one value for different
    /// reasons (a line that removed an item and one that never had it; one that set a value
    /// back and one that never changed it), and the value was last decided by the writer that
    /// has seen the others: tagged with an earlier one, a candidate would be dropped by a
    /// change that had seen only that earlier decision. The answer depends only on the
    /// versions held.
    private enum Step {
        case wrote
        /// The parents (in dot order) holding the value: the writer is the latest of theirs.
        case from([Int])
        /// The state of these parents is needed to tell.
        case needs([Int])
    }

    private func step(_ version: Int, _ field: MergedField) throws(Failure) -> Step {
        let parents = parents(of: version)
        guard !parents.isEmpty else { return .wrote }
        let here = field.read(try snapshot(version))
        var held: [FieldState?] = []
        for parent in parents { held.append(field.read(try snapshot(parent))) }
        let before: FieldState?
        if held.dropFirst().allSatisfy({ $0 == held[0] }) {
            // Parents that agree on a field pass it on: the merge of their states holds the
            // same (each kind of field merges to the one state all sides hold).
            before = held[0]
        } else if let state = states[parents] {
            before = field.read(state)
        } else {
            return .needs(parents)
        }
        let holders = parents.indices.filter { held[$0] == here }.map { parents[$0] }
        guard before == here, !holders.isEmpty else { return .wrote }
        return .from(holders)
    }

    /// Of the writers of the parents holding a value (in the parents' dot order), the first
    /// that no other has seen.
    private func latest(_ writers: [Int]) -> Int {
        writers.first { writer in !writers.contains { graph.sees($0, writer) } } ?? writers[0]
    }

    private final class MissingWriters {
        var keys: [WriterKey] = []
    }

    /// The writer if known, or found in a few steps that need no state not computed yet;
    /// otherwise the question is noted and the version itself stands in.
    private func writer(of version: Int, at field: MergedField, missing: MissingWriters) -> Int {
        let key = WriterKey(version: version, field: field)
        if let known = writers[key] { return known }
        var current = version
        for _ in 0..<quickSteps {
            if current != version, let known = writers[WriterKey(version: current, field: field)] {
                writers[key] = known
                return known
            }
            guard let step = try? step(current, field) else { break }
            switch step {
            case .wrote:
                writers[key] = current
                return current
            case .from(let holders) where holders.count == 1:
                current = holders[0]
            case .from(let holders):
                // Several lines hold the value: answered here only if all of theirs are known.
                let known = holders.compactMap { writers[WriterKey(version: $0, field: field)] }
                guard known.count == holders.count else {
                    missing.keys.append(key)
                    return version
                }
                let found = latest(known)
                writers[key] = found
                return found
            case .needs:
                missing.keys.append(key)
                return version
            }
        }
        missing.keys.append(key)
        return version
    }

    /// Provenance questions answered together: versions are visited newest first (by the sum
    /// of their clocks, which grows along every causal path), so each is visited once, with
    /// every question that reached it, before any version it was made from.
    ///
    /// Where several parents hold the value, the walk forks: one branch per parent, and the
    /// answer is the latest of the branches' once all are in (`Fork`). Branches of different
    /// walks that reach one version go on together from there, as walks do.
    private final class Sweep {
        /// Versions whose answer is the same as the one being sought: the version a question
        /// was asked about, and versions with several parents a walk passed through (kept,
        /// since other walks meet there); or, for a branch, the fork waiting for it.
        final class Trail {
            let version: Int?
            let joined: [Trail]
            /// The fork this trail is a branch of, and which branch.
            let branch: (fork: Fork, index: Int)?
            init(version: Int?, joined: [Trail], branch: (fork: Fork, index: Int)? = nil) {
                self.version = version
                self.joined = joined
                self.branch = branch
            }
        }

        /// A walk that reached a version whose parents hold the value: it waits for the writer
        /// of each of them.
        final class Fork {
            /// The walks that reached the version (the version itself among them).
            let trails: [Trail]
            var writers: [Int?]
            var remaining: Int
            init(trails: [Trail], branches: Int) {
                self.trails = trails
                writers = Array(repeating: nil, count: branches)
                remaining = branches
            }
        }

        private var pending: [Int: [MergedField: [Trail]]] = [:]
        private var queue: Heap
        /// Questions waiting for a state.
        var waiting: [(version: Int, field: MergedField, trails: [Trail])] = []

        init(graph: CausalGraph, questions: [WriterKey]) {
            queue = Heap(graph: graph)
            for question in questions { add(question.version, question.field, [Trail(version: question.version, joined: [])]) }
        }

        func add(_ version: Int, _ field: MergedField, _ trails: [Trail]) {
            if pending[version] == nil { queue.push(version) }
            pending[version, default: [:]][field, default: []] += trails
        }

        /// The next version to visit and the questions at it.
        func next() -> (Int, [MergedField: [Trail]])? {
            while let version = queue.pop() {
                if let questions = pending.removeValue(forKey: version) { return (version, questions) }
            }
            return nil
        }
    }

    /// Walks every question of the sweep back as far as it can go; returns the states some
    /// questions wait for (none when all are answered).
    private func advance(_ sweep: Sweep) throws(Failure) -> [[Int]] {
        let waiting = sweep.waiting
        sweep.waiting = []
        for question in waiting { sweep.add(question.version, question.field, question.trails) }
        var needs = Set<[Int]>()
        while let (version, questions) = sweep.next() {
            for (field, trails) in questions {
                if let known = writers[WriterKey(version: version, field: field)] {
                    settle(trails, field, known)
                    continue
                }
                switch try step(version, field) {
                case .wrote:
                    settle([Sweep.Trail(version: version, joined: trails)], field, version)
                case .from(let holders) where holders.count == 1:
                    let meeting = trails.count > 1 || parents(of: version).count > 1
                    sweep.add(holders[0], field, meeting ? [Sweep.Trail(version: version, joined: trails)] : trails)
                case .from(let holders):
                    let fork = Sweep.Fork(trails: [Sweep.Trail(version: version, joined: trails)], branches: holders.count)
                    for (index, holder) in holders.enumerated() {
                        let branch = Sweep.Trail(version: nil, joined: [], branch: (fork, index))
                        if let known = writers[WriterKey(version: holder, field: field)] {
                            settle([branch], field, known)
                        } else {
                            sweep.add(holder, field, [branch])
                        }
                    }
                case .needs(let parents):
                    sweep.waiting.append((version, field, trails))
                    needs.insert(parents)
                }
            }
        }
        return needs.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Records the answer for every version on the trails, and gives it to the forks they
    /// are branches of: a fork whose branches are all in answers its own trails.
    private func settle(_ trails: [Sweep.Trail], _ field: MergedField, _ writer: Int) {
        var stack = trails.map { ($0, writer) }
        while let (trail, writer) = stack.popLast() {
            if let version = trail.version { writers[WriterKey(version: version, field: field)] = writer }
            stack += trail.joined.map { ($0, writer) }
            if let (fork, index) = trail.branch {
                fork.writers[index] = writer
                fork.remaining -= 1
                if fork.remaining == 0 {
                    let found = latest(fork.writers.map { $0! })
                    stack += fork.trails.map { ($0, found) }
                }
            }
        }
    }
}

/// Versions by priority, greatest first: the sum of the clock, then the dot.
private struct Heap {
    let graph: CausalGraph
    private var items: [Int] = []

    init(graph: CausalGraph) { self.graph = graph }

    private func before(_ a: Int, _ b: Int) -> Bool {
        graph.total[a] != graph.total[b] ? graph.total[a] > graph.total[b] : graph.precedes(b, a)
    }

    mutating func push(_ version: Int) {
        items.append(version)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let (left, right) = (2 * parent + 1, 2 * parent + 2)
                var first = parent
                if left < items.count, before(items[left], items[first]) { first = left }
                if right < items.count, before(items[right], items[first]) { first = right }
                guard first != parent else { break }
                items.swapAt(parent, first)
                parent = first
            }
        }
        return top
    }
}
