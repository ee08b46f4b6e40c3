import ReportModels

/// The causal order of one record's versions, read from their dots and clocks alone (no
/// snapshot), with each question the merge asks answered in time proportional to the versions
/// and clock entries it concerns rather than to the whole history.
///
/// It rests on what real replicas' histories are, which ``inconsistency`` checks and imports
/// require: each replica's versions form a chain (a later one has seen the earlier ones), and
/// a version that counts another's dot in its clock has seen everything that one had seen
/// (its clock dominates). Then:
/// - "u is an ancestor of v" (v's clock > u's) is "v's clock counts u's dot"
///   (`v.clock[u.replica] ≥ u.counter`): one lookup, not a comparison of whole clocks;
/// - the versions a clock c has seen (clock ≤ c), for c the clock of a version or the meet
///   of several, are per replica a prefix of its chain, the counters ≤ c[replica], and their
///   heads are among each replica's latest in it;
/// - so the past of a version, the common past of heads, and what lies between are found by
///   binary searches in the chains.
///
/// Replicas are numbered in id order, so that dot order is (replica number, counter) order.
struct CausalGraph: Sendable {
    /// Every replica named by a dot or a clock, sorted.
    let replicas: [ReplicaID]
    /// Per version: its replica's number and its counter.
    private let replicaOf: [Int32]
    private let counterOf: [Int]
    /// Per version: its clock entries, sorted by replica number, at `clockOffsets[v] ..<
    /// clockOffsets[v + 1]` of `entryReplica`/`entryCounter`.
    private let clockOffsets: [Int]
    private let entryReplica: [Int32]
    private let entryCounter: [Int]
    /// Per version: the sum of its clock, which grows along every causal path.
    let total: [Int]
    /// Per replica number: its versions, by counter (empty for replicas that hold none).
    private let chains: [[Int]]

    /// A clock in the graph's terms: entries sorted by replica number, zero entries left out.
    struct Cut: Hashable {
        var entries: [(replica: Int32, counter: Int)]

        static func == (a: Cut, b: Cut) -> Bool {
            a.entries.elementsEqual(b.entries) { $0.replica == $1.replica && $0.counter == $1.counter }
        }

        func hash(into hasher: inout Hasher) {
            for entry in entries {
                hasher.combine(entry.replica)
                hasher.combine(entry.counter)
            }
        }

        func counter(of replica: Int32) -> Int {
            var (low, high) = (0, entries.count)
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].replica < replica { low = middle + 1 } else { high = middle }
            }
            return low < entries.count && entries[low].replica == replica ? entries[low].counter : 0
        }
    }

    /// Per version: its dot, clock, maker and time.
    let headers: [Version.Header]

    /// Versions by their headers, in the order given; each dot once (callers deduplicate).
    /// O(total clock entries · log replicas).
    init(_ versions: [Version.Header]) {
        headers = versions
        var ids = Set<ReplicaID>()
        for version in versions {
            ids.insert(version.dot.replica)
            for replica in version.clock.counters.keys { ids.insert(replica) }
        }
        let replicas = ids.sorted()
        var number: [ReplicaID: Int32] = [:]
        number.reserveCapacity(replicas.count)
        for (index, replica) in replicas.enumerated() { number[replica] = Int32(index) }
        var replicaOf: [Int32] = []
        var counterOf: [Int] = []
        var clockOffsets = [0]
        var entryReplica: [Int32] = []
        var entryCounter: [Int] = []
        var total: [Int] = []
        var chains = Array(repeating: [Int](), count: replicas.count)
        for (index, version) in versions.enumerated() {
            let replica = number[version.dot.replica]!
            replicaOf.append(replica)
            counterOf.append(version.dot.counter)
            let entries = version.clock.counters.map { (number[$0.key]!, $0.value) }.sorted { $0.0 < $1.0 }
            entryReplica += entries.map(\.0)
            entryCounter += entries.map(\.1)
            clockOffsets.append(entryReplica.count)
            total.append(entries.reduce(0) { $0 + $1.1 })
            chains[Int(replica)].append(index)
        }
        for replica in chains.indices where chains[replica].count > 1 {
            chains[replica].sort { counterOf[$0] < counterOf[$1] }
        }
        self.replicas = replicas
        self.replicaOf = replicaOf
        self.counterOf = counterOf
        self.clockOffsets = clockOffsets
        self.entryReplica = entryReplica
        self.entryCounter = entryCounter
        self.total = total
        self.chains = chains
    }

    var count: Int { counterOf.count }

    func header(_ version: Int) -> Version.Header { headers[version] }

    func dot(_ version: Int) -> Dot {
        Dot(replica: replicas[Int(replicaOf[version])], counter: counterOf[version])
    }

    /// The number of the version's replica, and its counter.
    func replica(of version: Int) -> Int32 { replicaOf[version] }
    func counter(of version: Int) -> Int { counterOf[version] }

    /// Dot order, on numbers.
    func precedes(_ a: Int, _ b: Int) -> Bool {
        (replicaOf[a], counterOf[a]) < (replicaOf[b], counterOf[b])
    }

    func cut(of version: Int) -> Cut {
        Cut(entries: (clockOffsets[version]..<clockOffsets[version + 1]).map { (entryReplica[$0], entryCounter[$0]) })
    }

    /// A clock from outside (a conflict candidate's); replicas the graph does not know hold
    /// no version here, so they are left out.
    func cut(of clock: VectorClock) -> Cut {
        let index = Dictionary(uniqueKeysWithValues: replicas.enumerated().map { ($0.element, Int32($0.offset)) })
        return Cut(entries: clock.counters.compactMap { replica, counter in index[replica].map { ($0, counter) } }.sorted { $0.0 < $1.0 })
    }

    /// The version's entry for a replica (0 if none): a binary search of its clock.
    func counter(in version: Int, of replica: Int32) -> Int {
        var (low, high) = (clockOffsets[version], clockOffsets[version + 1])
        while low < high {
            let middle = (low + high) / 2
            if entryReplica[middle] < replica { low = middle + 1 } else { high = middle }
        }
        return low < clockOffsets[version + 1] && entryReplica[low] == replica ? entryCounter[low] : 0
    }

    /// Whether `ancestor` is in the causal past of `version` (for the histories described above).
    func sees(_ version: Int, _ ancestor: Int) -> Bool {
        version != ancestor && counter(in: version, of: replicaOf[ancestor]) >= counterOf[ancestor]
    }

    /// Whether `version`'s clock is ≥ `other`'s in every entry — by the clocks themselves,
    /// for checking histories. O(|other| · log |version|).
    func dominates(_ version: Int, _ other: Int) -> Bool {
        (clockOffsets[other]..<clockOffsets[other + 1]).allSatisfy { counter(in: version, of: entryReplica[$0]) >= entryCounter[$0] }
    }

    /// The replica's latest version with a counter ≤ `limit`, if any.
    private func latest(of replica: Int32, atMost limit: Int) -> Int? {
        let chain = chains[Int(replica)]
        var (low, high) = (0, chain.count)
        while low < high {
            let middle = (low + high) / 2
            if counterOf[chain[middle]] <= limit { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? chain[low - 1] : nil
    }

    // MARK: - Heads

    /// The heads of all the versions, in dot order.
    var heads: [Int] {
        heads(among: chains.compactMap(\.last))
    }

    /// The heads of the versions a cut has seen (clock ≤ cut), in dot order.
    /// O(entries of the cut · log versions + the candidates' clock entries).
    func heads(under cut: Cut) -> [Int] {
        heads(among: cut.entries.compactMap { latest(of: $0.replica, atMost: $0.counter) })
    }

    /// The heads of the causal past of a version (the versions it was made after), in dot order.
    func parents(of version: Int) -> [Int] {
        let own = replicaOf[version]
        return heads(among: (clockOffsets[version]..<clockOffsets[version + 1]).compactMap { index in
            let replica = entryReplica[index]
            return latest(of: replica, atMost: replica == own ? counterOf[version] - 1 : entryCounter[index])
        })
    }

    /// Of versions of distinct replicas, those no other one has seen, in dot order.
    /// O(Σ min(|clock|, candidates · log |clock|)) over the candidates.
    func heads(among candidates: [Int]) -> [Int] {
        guard candidates.count > 1 else { return candidates }
        var position: [Int32: Int] = [:]
        for (index, candidate) in candidates.enumerated() { position[replicaOf[candidate]] = index }
        var seen = Array(repeating: false, count: candidates.count)
        for candidate in candidates {
            let entries = clockOffsets[candidate]..<clockOffsets[candidate + 1]
            if entries.count <= 2 * candidates.count {
                for entry in entries where entryReplica[entry] != replicaOf[candidate] {
                    if let other = position[entryReplica[entry]], entryCounter[entry] >= counterOf[candidates[other]] { seen[other] = true }
                }
            } else {
                for (other, version) in candidates.enumerated() where version != candidate && sees(candidate, version) {
                    seen[other] = true
                }
            }
        }
        return candidates.indices.filter { !seen[$0] }.map { candidates[$0] }.sorted(by: precedes)
    }

    // MARK: - Between heads and their common past

    /// The pointwise minimum of the versions' clocks: what all of them have seen.
    func meet(_ versions: [Int]) -> Cut {
        guard let first = versions.first else { return Cut(entries: []) }
        var entries = cut(of: first).entries
        for version in versions.dropFirst() {
            entries = entries.compactMap { entry in
                let theirs = counter(in: version, of: entry.replica)
                return theirs > 0 ? (entry.replica, min(entry.counter, theirs)) : nil
            }
        }
        return Cut(entries: entries)
    }

    /// The versions some of `heads` have seen (or are) that `common` has not: per replica, the
    /// counters in (common, the heads' greatest]. O(the heads' clock entries · log + the answer).
    func versions(seenBy heads: [Int], after common: Cut) -> [Int] {
        var reach: [Int32: Int] = [:]
        for head in heads {
            for entry in clockOffsets[head]..<clockOffsets[head + 1] {
                reach[entryReplica[entry], default: 0] = max(reach[entryReplica[entry], default: 0], entryCounter[entry])
            }
        }
        var found: [Int] = []
        for (replica, greatest) in reach.sorted(by: { $0.key < $1.key }) {
            let chain = chains[Int(replica)]
            let floor = common.counter(of: replica)
            guard !chain.isEmpty, greatest > floor else { continue }
            var index = firstIndex(in: chain) { counterOf[$0] > floor }
            while index < chain.count, counterOf[chain[index]] <= greatest {
                found.append(chain[index])
                index += 1
            }
        }
        return found
    }

    /// Versions that neither precede nor follow `version`, in dot order: per replica, the
    /// part of its chain after what the version has seen and before the first version that
    /// has seen it. Lists at most `limit` of them and counts them all.
    /// O(replicas · log versions + the listed).
    func concurrent(with version: Int, limit: Int = .max) -> (listed: [Int], count: Int) {
        var listed: [Int] = []
        var count = 0
        let (replica, counter) = (replicaOf[version], counterOf[version])
        for chain in chains where !chain.isEmpty {
            let seenUpTo = self.counter(in: version, of: replicaOf[chain[0]])
            let start = firstIndex(in: chain) { counterOf[$0] > seenUpTo }
            let end = firstIndex(in: chain) { self.counter(in: $0, of: replica) >= counter }
            guard start < end else { continue }
            count += end - start
            if listed.count < limit { listed += chain[start..<min(end, start + limit - listed.count)] }
        }
        return (listed, count)
    }

    /// The first index of a chain whose version passes `test`, for a test that fails on a
    /// prefix of the chain and holds on the rest.
    private func firstIndex(in chain: [Int], where test: (Int) -> Bool) -> Int {
        var (low, high) = (0, chain.count)
        while low < high {
            let middle = (low + high) / 2
            if test(chain[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    // MARK: - Checking

    /// What makes this history one no replica could have made, if anything: two versions with
    /// one clock; a replica's later version that has not seen its earlier one; or a version
    /// whose clock counts another's dot without having seen all that one had seen (a clock
    /// that is not ≥ it). Such a history can only be forged or corrupted; nothing above holds
    /// for it, and imports refuse it.
    ///
    /// O(Σ over versions v, over the replicas r its clock names that hold versions here, of
    /// |clock of r's latest version v has seen| · log |v's clock|): for clocks of a few
    /// replicas, linear in the versions.
    func inconsistency(reportID: ReportID) -> String? {
        var byClock: [Cut: Int] = [:]
        for version in 0..<count {
            if let other = byClock.updateValue(version, forKey: cut(of: version)) {
                return "versions \(dot(other).short) and \(dot(version).short) of report \(reportID.rawValue.prefix(8)) have the same clock"
            }
        }
        // Seeing is transitive, so each version having seen the replica's one before it is enough.
        for chain in chains {
            for (earlier, later) in zip(chain, chain.dropFirst()) where !dominates(later, earlier) {
                return "version \(dot(later).short) has not seen \(dot(earlier).short), made before it by the same replica"
            }
        }
        // And each version having seen all that the latest version it counts of each other
        // replica had seen (the earlier ones of that replica are in that one's past).
        for version in 0..<count {
            for entry in clockOffsets[version]..<clockOffsets[version + 1] where entryReplica[entry] != replicaOf[version] {
                guard let counted = latest(of: entryReplica[entry], atMost: entryCounter[entry]) else { continue }
                if !dominates(version, counted) {
                    return "version \(dot(version).short) counts \(dot(counted).short) in its clock but has not seen all that it had seen"
                }
            }
        }
        return nil
    }
}
