/// A line-based n-way three-way merge of texts (diff3), for report bodies.
///
/// Each side's changes against the base are found with a Myers diff (``LineDiff``: the
/// standard library's `difference(from:)`, with a cost cap past which a side's changed middle
/// is taken whole — then a collision keeps both sides whole as a conflict) and cut into
/// hunks: a run of base lines replaced by a run of the side's lines. Hunks of different sides that overlap — share a base line, insert at the
/// same point, or insert strictly inside the other's range — form a cluster. A cluster whose
/// sides all produce the same text is clean; otherwise it is a conflict. Hunks that touch
/// without overlapping (edits of neighbouring lines) merge cleanly.
///
/// The result is a pure function of the base and the ordered sides. Cost: one ``LineDiff``
/// per side, then O(lines + hunks) to cluster and assemble.
public enum LineMerge {
    public enum Outcome: Equatable, Sendable {
        /// Every change applied.
        case merged(String)
        /// For each side, the merged text with that side's version of every conflicting
        /// cluster (clean changes of all sides applied); nil for a side that took part in no
        /// conflicting cluster.
        case conflicted([String?])
    }

    public static func merge(base: String, sides: [String]) -> Outcome {
        let analysis = Analysis(base: base, sides: sides)
        let conflicting = analysis.clusters.filter { $0.clean == nil }
        guard !conflicting.isEmpty else { return .merged(analysis.assemble(side: nil)) }
        let involved = Set(conflicting.flatMap(\.bySide.keys))
        return .conflicted(sides.indices.map { involved.contains($0) ? analysis.assemble(side: $0) : nil })
    }

    /// A place where the sides collide: the base's lines there and each side's.
    public struct Region: Equatable, Sendable {
        /// The first base line of the region, counting from 1.
        public var line: Int
        public var base: [String]
        /// Each side's lines here (the base's for a side that did not touch the region).
        public var sides: [[String]]
    }

    /// A text cut into what all sides agree on and where they collide.
    public enum Segment: Equatable, Sendable {
        case common([String])
        case conflict(Region)
    }

    /// The merge of the sides as segments, in order: runs of lines every side agrees on
    /// (clean merges included) and the regions where their changes collide. Applied to a
    /// conflict's candidates, the conflict segments are exactly the colliding hunks.
    public static func segments(base: String, sides: [String]) -> [Segment] {
        let analysis = Analysis(base: base, sides: sides)
        var segments: [Segment] = []
        var common: [String] = []
        var position = 0
        for cluster in analysis.clusters {
            common += analysis.baseLines[position..<cluster.span.lowerBound].map(String.init)
            if let clean = cluster.clean {
                common += clean.map(String.init)
            } else {
                if !common.isEmpty { segments.append(.common(common)) }
                common = []
                segments.append(.conflict(Region(
                    line: cluster.span.lowerBound + 1,
                    base: analysis.baseLines[cluster.span].map(String.init),
                    sides: sides.indices.map { (cluster.bySide[$0] ?? Array(analysis.baseLines[cluster.span])).map(String.init) })))
            }
            position = cluster.span.upperBound
        }
        common += analysis.baseLines[position...].map(String.init)
        if !common.isEmpty { segments.append(.common(common)) }
        return segments
    }

    /// The regions where the sides' changes collide, in order; empty when they merge.
    public static func conflictingRegions(base: String, sides: [String]) -> [Region] {
        segments(base: base, sides: sides).compactMap { segment in
            if case .conflict(let region) = segment { return region }
            return nil
        }
    }

    /// The sides' hunks against the base, clustered where they overlap.
    private struct Analysis {
        struct Cluster {
            var span: Range<Int>
            /// The cluster's text when every side that touched it agrees.
            var clean: [Substring]?
            var bySide: [Int: [Substring]]
        }

        let baseLines: [Substring]
        let clusters: [Cluster]

        init(base: String, sides: [String]) {
            baseLines = LineDiff.lines(base)
            var hunks: [Hunk] = []
            for (index, side) in sides.enumerated() {
                hunks += LineMerge.hunks(from: baseLines, to: LineDiff.lines(side), side: index)
            }
            hunks.sort { ($0.range.lowerBound, $0.range.upperBound, $0.side) < ($1.range.lowerBound, $1.range.upperBound, $1.side) }
            var groups: [[Hunk]] = []
            var reach = Reach()
            for hunk in hunks {
                if !groups.isEmpty, reach.overlaps(hunk) {
                    groups[groups.count - 1].append(hunk)
                } else {
                    groups.append([hunk])
                    reach = Reach()
                }
                reach.add(hunk)
            }
            let baseLines = baseLines
            clusters = groups.map { group in
                let span = group.map(\.range.lowerBound).min()!..<group.map(\.range.upperBound).max()!
                let bySide = Dictionary(grouping: group, by: \.side).mapValues { LineMerge.apply($0, to: baseLines, within: span) }
                let texts = Array(bySide.values)
                return Cluster(span: span, clean: texts.allSatisfy { $0 == texts[0] } ? texts[0] : nil, bySide: bySide)
            }
        }

        /// The merged text, taking `side`'s version of every colliding cluster (the base's
        /// when `side` is nil or did not touch it).
        func assemble(side: Int?) -> String {
            var output: [Substring] = []
            var position = 0
            for cluster in clusters {
                output += baseLines[position..<cluster.span.lowerBound]
                if let clean = cluster.clean {
                    output += clean
                } else {
                    output += side.flatMap { cluster.bySide[$0] } ?? Array(baseLines[cluster.span])
                }
                position = cluster.span.upperBound
            }
            output += baseLines[position...]
            return output.joined(separator: "\n")
        }
    }

    struct Hunk {
        /// Base lines replaced (empty for a pure insertion before `range.lowerBound`).
        var range: Range<Int>
        var replacement: [Substring]
        var side: Int

        /// Hunks of different sides overlap when they share a base line, insert at the same
        /// point, or one inserts strictly inside the other's range.
        func overlaps(_ other: Hunk) -> Bool {
            guard side != other.side else { return false }
            if range.isEmpty && other.range.isEmpty { return range.lowerBound == other.range.lowerBound }
            if range.isEmpty { return other.range.lowerBound < range.lowerBound && range.lowerBound < other.range.upperBound }
            if other.range.isEmpty { return range.lowerBound < other.range.lowerBound && other.range.lowerBound < range.upperBound }
            return range.overlaps(other.range)
        }
    }

    /// Whether a hunk overlaps any hunk of a cluster, in O(1), for hunks added in sorted order
    /// (by lower bound, then upper bound, then side).
    ///
    /// A hunk h that comes after g in that order overlaps it (`Hunk.overlaps`) exactly when
    /// they are of different sides and either g is not empty and reaches past h's start
    /// (`g.upper > h.lower`: for an empty h, a non-empty g starting at h's point sorts after
    /// h, so every g seen has started before it), or both are empty at the same point. So it
    /// is enough to keep the two furthest reaches of non-empty hunks by different sides, and
    /// the sides of empty hunks at the latest point.
    struct Reach {
        private var best: (upper: Int, side: Int)?
        private var second: (upper: Int, side: Int)?
        private var emptyPoint: Int?
        private var emptySides: Set<Int> = []

        func overlaps(_ hunk: Hunk) -> Bool {
            let start = hunk.range.lowerBound
            for reach in [best, second] {
                if let reach, reach.side != hunk.side, reach.upper > start { return true }
            }
            return hunk.range.isEmpty && emptyPoint == start && !emptySides.subtracting([hunk.side]).isEmpty
        }

        mutating func add(_ hunk: Hunk) {
            if hunk.range.isEmpty {
                if emptyPoint != hunk.range.lowerBound { (emptyPoint, emptySides) = (hunk.range.lowerBound, []) }
                emptySides.insert(hunk.side)
                return
            }
            // `best` reaches furthest; `second` furthest among the other sides.
            let (upper, side) = (hunk.range.upperBound, hunk.side)
            if let current = best, current.side == side {
                best = (max(current.upper, upper), side)
            } else if best.map({ upper > $0.upper }) ?? true {
                (second, best) = (best, (upper, side))
            } else if second.map({ upper > $0.upper }) ?? true {
                second = (upper, side)
            }
        }
    }

    /// The side's changes as maximal hunks, in base order.
    static func hunks(from base: [Substring], to side: [Substring], side index: Int) -> [Hunk] {
        LineDiff.changes(from: base, to: side).hunks.map { Hunk(range: $0.removed, replacement: Array(side[$0.inserted]), side: index) }
    }

    /// The base lines of `span` with the given hunks (all inside it) applied.
    static func apply(_ hunks: [Hunk], to base: [Substring], within span: Range<Int>) -> [Substring] {
        var output: [Substring] = []
        var position = span.lowerBound
        for hunk in hunks.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            output += base[position..<hunk.range.lowerBound]
            output += hunk.replacement
            position = hunk.range.upperBound
        }
        output += base[position..<span.upperBound]
        return output
    }
}
