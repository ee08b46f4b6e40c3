import SyncEngine

/// A unified diff of two texts, line by line, for people.
enum UnifiedDiff {
    /// `@@ -a,b +c,d @@` hunks with `context` unchanged lines around each change.
    static func lines(from old: String, to new: String, context: Int = 2) -> [String] {
        let before = LineDiff.lines(old)
        let after = LineDiff.lines(new)
        // The merge's diff: past its cost cap, the changed middle is shown whole.
        let changes = LineDiff.changes(from: before, to: after)
        // The edit script as (kind, old line index, new line index): each hunk's removed lines,
        // then its added ones, with the unchanged lines between hunks.
        enum Kind { case same, removed, added }
        var script: [(kind: Kind, old: Int, new: Int)] = []
        var (i, j) = (0, 0)
        func same(upTo end: Int) {
            while i < end {
                script.append((.same, i, j))
                i += 1
                j += 1
            }
        }
        for hunk in changes.hunks {
            same(upTo: hunk.removed.lowerBound)
            for line in hunk.removed { script.append((.removed, line, hunk.inserted.lowerBound)) }
            for line in hunk.inserted { script.append((.added, hunk.removed.upperBound, line)) }
            (i, j) = (hunk.removed.upperBound, hunk.inserted.upperBound)
        }
        same(upTo: before.count)
        let changed = script.indices.filter { script[$0].kind != .same }
        guard !changed.isEmpty else { return [] }
        // Group changes whose context windows touch.
        var groups: [ClosedRange<Int>] = []
        for index in changed {
            let window = max(0, index - context)...min(script.count - 1, index + context)
            if let last = groups.last, window.lowerBound <= last.upperBound + 1 {
                groups[groups.count - 1] = last.lowerBound...window.upperBound
            } else {
                groups.append(window)
            }
        }
        var output: [String] = []
        for group in groups {
            let entries = script[group]
            let oldCount = entries.filter { $0.kind != .added }.count
            let newCount = entries.filter { $0.kind != .removed }.count
            let first = entries.first!
            output.append("@@ -\(first.old + (oldCount > 0 ? 1 : 0)),\(oldCount) +\(first.new + (newCount > 0 ? 1 : 0)),\(newCount) @@")
            for entry in entries {
                switch entry.kind {
                case .same: output.append(" " + before[entry.old])
                case .removed: output.append("-" + before[entry.old])
                case .added: output.append("+" + after[entry.new])
                }
            }
        }
        return output
    }
}
