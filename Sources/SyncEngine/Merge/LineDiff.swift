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

    /// For each line of the old text, whether it is removed; for each line of the new one,
    /// whether it is inserted. The lines neither removed nor inserted pair up in order.
    public struct Changes: Equatable, Sendable {
        public var removed: [Bool]
        public var inserted: [Bool]
        /// Whether the cap was reached and the changed middle taken whole.
        public var isWhole: Bool
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
