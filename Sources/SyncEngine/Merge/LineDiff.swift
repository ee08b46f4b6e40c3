/// Which lines one text removes from another and which it inserts, for the narrative merge
/// and for `diff`.
///
/// Under its cost cap the answer is exactly the standard library's
/// `new.difference(from: old)` — merges computed by earlier fieldnotes stay byte-identical —
/// computed on lines interned to integers (the diff only compares lines, so equal lines
/// getting equal numbers changes nothing but the cost of a comparison). Past the cap, more
/// than ``maximumEditLines`` lines removed plus inserted, it gives up on an alignment and
/// says that everything between the common prefix and the common suffix changed: a line
/// merge then keeps both sides whole, as a conflict, instead of spending minutes — a Myers
/// diff costs O((n + m) · d) time and the standard library's keeps O(d²) memory, for d edits.
///
/// Cost: O(n + m) to intern, a Myers descent that only measures d (O((n + m) · min(d, cap))
/// time, O(cap) memory), then, under the cap, the standard library's diff.
public enum LineDiff {
    /// Lines removed plus lines inserted beyond which no alignment is sought.
    public static let maximumEditLines = 2_000

    /// A text's lines as the diff compares them: split at every newline, so a text ending
    /// in one has an empty last line, and the empty text is one empty line.
    public static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// For each line of the old text, whether it is removed; for each line of the new one,
    /// whether it is inserted. The lines neither removed nor inserted pair up in order.
    public struct Changes: Equatable, Sendable {
        public var removed: [Bool]
        public var inserted: [Bool]
        /// Whether the cap was reached and the changed middle taken whole.
        public var isWhole: Bool

        /// The changes as maximal hunks, in order: the one place where the lines neither
        /// removed nor inserted are paired up (the merge cuts a side into these hunks, `diff`
        /// prints them). Walked as they are asked for; nothing is allocated.
        public var hunks: Hunks { Hunks(changes: self) }
    }

    /// A run of old lines replaced by a run of new ones (either run may be empty, not both).
    /// Before the first hunk, between two and after the last, old and new lines are
    /// unchanged and pair up one to one.
    public struct Hunk: Equatable, Sendable {
        /// The old lines removed, or the point of a pure insertion.
        public var removed: Range<Int>
        /// The new lines inserted, or the point of a pure removal.
        public var inserted: Range<Int>
    }

    public struct Hunks: Sequence, IteratorProtocol {
        let changes: Changes
        /// The next old line and the next new line.
        private var i = 0
        private var j = 0

        init(changes: Changes) { self.changes = changes }

        public mutating func next() -> Hunk? {
            let (removed, inserted) = (changes.removed, changes.inserted)
            while i < removed.count, j < inserted.count, !removed[i], !inserted[j] {
                i += 1
                j += 1
            }
            guard i < removed.count || j < inserted.count else { return nil }
            let (startI, startJ) = (i, j)
            while i < removed.count, removed[i] { i += 1 }
            while j < inserted.count, inserted[j] { j += 1 }
            if (i, j) == (startI, startJ) {
                // Only reachable if the pairing is broken (one text has more unchanged lines
                // than the other); the rest is taken as one change.
                (i, j) = (removed.count, inserted.count)
            }
            return Hunk(removed: startI..<i, inserted: startJ..<j)
        }
    }

    public static func changes(from old: [Substring], to new: [Substring], maximumEditLines cap: Int = maximumEditLines) -> Changes {
        // Equal lines (by String equality, as `difference(from:)` compares them) get equal numbers.
        var numbers: [Substring: Int32] = [:]
        numbers.reserveCapacity(old.count + new.count)
        func intern(_ line: Substring) -> Int32 {
            if let known = numbers[line] { return known }
            let number = Int32(numbers.count)
            numbers[line] = number
            return number
        }
        let a = old.map(intern)
        let b = new.map(intern)
        var changes = Changes(removed: Array(repeating: false, count: a.count), inserted: Array(repeating: false, count: b.count),
                              isWhole: false)
        if editDistance(a, b, atMost: cap) != nil {
            for change in b.difference(from: a) {
                switch change {
                case .remove(let offset, _, _): changes.removed[offset] = true
                case .insert(let offset, _, _): changes.inserted[offset] = true
                }
            }
            return changes
        }
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        for index in prefix..<(a.count - suffix) { changes.removed[index] = true }
        for index in prefix..<(b.count - suffix) { changes.inserted[index] = true }
        changes.isWhole = true
        return changes
    }

    /// The least number of lines removed plus inserted to turn `a` into `b`, if at most
    /// `limit`: Myers' greedy descent, keeping only the furthest x reached on each diagonal.
    static func editDistance(_ a: [Int32], _ b: [Int32], atMost limit: Int) -> Int? {
        let (n, m) = (a.count, b.count)
        var start = 0
        while start < n, start < m, a[start] == b[start] { start += 1 }
        if start == n, start == m { return 0 }
        let offset = limit + 1
        var furthest = Array(repeating: 0, count: 2 * limit + 3)
        furthest[offset + 1] = start
        for d in 0...limit {
            var k = -d
            while k <= d {
                var x = k == -d || (k != d && furthest[offset + k - 1] < furthest[offset + k + 1])
                    ? furthest[offset + k + 1] : furthest[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                furthest[offset + k] = x
                if x >= n, y >= m { return d }
                k += 2
            }
        }
        return nil
    }
}
