import ReportModels
import SyncEngine

/// A report's document for `edit`, with git-style markers around each open conflict:
///
/// ```
/// <<<<<<< mine (alice, 13b0e1a4:3)
/// title: Dagestan and Sevastopol: two attacks
/// =======
/// title: Flashpoint: Dagestan attacks and the Sevastopol strike
/// >>>>>>> theirs (bob, 55501627:2)
/// ```
///
/// Keeping one side and deleting the marker lines decides the conflict. A block left exactly
/// as it was written keeps its conflict open (so a person can decide some conflicts and leave
/// others). Any other marker line left in the text is refused. Narrative conflicts are marked
/// passage by passage; they are decided together or left together.
struct MarkedDocument {
    /// One marked conflict: the exact lines written, and what stands in for them when the
    /// block is left alone (the field as the report shows it).
    struct Block {
        var field: FieldPath
        var lines: [String]
        var shown: [String]
    }

    let text: String
    let blocks: [Block]
    /// Conflicts the document cannot show as markers (`deleted`, fields inside an item whose
    /// presence is in conflict): they stay open unless the edit changes their value.
    let unmarked: [FieldPath]

    /// A line in the syntax of the markers written here (not, say, a Markdown underline).
    /// Opening and closing lines count whatever follows them, as git's do.
    static func isMarker(_ line: String) -> Bool {
        if line == "=======" || line.hasPrefix("<<<<<<<") || line.hasPrefix(">>>>>>>") { return true }
        return line.hasPrefix("======= ") && ["mine (", "theirs ("].contains { line.dropFirst(8).hasPrefix($0) }
    }

    /// A marker line this document wrote around a conflict (not one the report holds).
    private static func isWrittenMarker(_ line: String) -> Bool {
        ["<<<<<<< ", "======= ", ">>>>>>> "].contains { prefix in
            line.hasPrefix(prefix) && ["mine (", "theirs ("].contains { line.dropFirst(prefix.count).hasPrefix($0) }
        } || line == "======="
    }

    /// - Parameter bodyBase: the narrative the body's candidates diverged from.
    init(report: Report, me: ReplicaID, bodyBase: String?) {
        var blocks: [Block] = []
        var unmarked: [FieldPath] = []
        let conflicts = Dictionary(uniqueKeysWithValues: report.conflicts.map { ($0.field, $0) })
        let contested = Set(report.conflicts.compactMap { conflict -> ItemID? in
            switch conflict.field {
            case .event(let id), .source(let id): id
            default: nil
            }
        })
        let document = ReportDocument(report)
        func label(_ candidate: Candidate) -> String {
            "\(candidate.version.replica == me ? "mine" : "theirs") (\(candidate.author), \(candidate.version.short))"
        }
        /// Candidates in the order they are marked: this replica's first, then by dot.
        func ordered(_ conflict: Conflict) -> [Candidate] {
            conflict.candidates.filter { $0.version.replica == me } + conflict.candidates.filter { $0.version.replica != me }
        }
        func markers(_ sides: [(Candidate, [String])]) -> [String] {
            var lines: [String] = []
            for (index, (candidate, side)) in sides.enumerated() {
                switch index {
                case 0: lines.append("<<<<<<< \(label(candidate))")
                case sides.count - 1: lines.append("=======")
                default: lines.append("======= \(label(candidate))")
                }
                lines += side
            }
            lines.append(">>>>>>> \(label(sides.last!.0))")
            return lines
        }

        var lines = document.lines(field: { path, shown in
            guard let conflict = conflicts[path] else { return shown }
            if let item = path.item, case .eventField = path, contested.contains(item) { unmarked.append(path); return shown }
            if let item = path.item, case .sourceField = path, contested.contains(item) { unmarked.append(path); return shown }
            let sides: [(Candidate, [String])]
            switch path {
            case .body:
                // Passage by passage: what the candidates agree on stays as it is.
                let candidates = ordered(conflict)
                var lines: [String] = []
                for segment in LineMerge.segments(base: bodyBase ?? "", sides: candidates.map { $0.value.stringValue ?? "" }) {
                    switch segment {
                    case .common(let common):
                        lines += common
                    case .conflict(let region):
                        let shownSide = region.sides[candidates.firstIndex { $0.version == conflict.displayed.version }!]
                        let block = markers(Array(zip(candidates, region.sides)))
                        blocks.append(Block(field: .body, lines: block, shown: shownSide))
                        lines += block
                    }
                }
                return lines
            case .event, .source:
                sides = ordered(conflict).map { ($0, $0.value == .bool(true) ? shown : []) }
            default:
                sides = ordered(conflict).map { ($0, ReportDocument.lines(for: path, $0.value)) }
            }
            let block = markers(sides)
            blocks.append(Block(field: path, lines: block, shown: shown))
            return block
        })
        for conflict in report.conflicts where conflict.field == .deleted { unmarked.append(conflict.field) }
        if !report.conflicts.isEmpty {
            var header = [
                "# \(report.conflicts.count == 1 ? "This report has an open conflict" : "This report has \(report.conflicts.count) open conflicts").",
                "# Keep the side you want and delete the marker lines; leave a block as it is to decide later.",
            ]
            if !unmarked.isEmpty {
                header.append("# Not marked here (`fieldnotes resolve` decides them): \(unmarked.map(\.description).joined(separator: ", ")).")
            }
            lines.insert(contentsOf: header, at: 1)
        }
        text = ReportDocument.join(lines)
        self.blocks = blocks
        self.unmarked = unmarked
    }

    /// What an edited text decides. Throws if markers are left anywhere but in blocks kept
    /// exactly as written, or if the narrative's blocks are partly decided.
    func read(_ edited: String) throws -> (document: ReportDocument, decided: Set<FieldPath>) {
        let (lines, kept) = unmarked(edited)
        // Lines of the report itself that look like markers (a deep Markdown quote) are text.
        let ownLines = Set(unmarked(text).lines + blocks.flatMap { $0.lines.filter { !Self.isWrittenMarker($0) } })
        if !blocks.isEmpty, let stray = lines.firstIndex(where: { Self.isMarker($0) && !ownLines.contains($0) }) {
            throw CLIError("conflict markers are left at line \(stray + 1): keep the side you want and delete the marker lines (or leave a whole block as it was to decide later)")
        }
        let bodyBlocks = blocks.indices.filter { blocks[$0].field == .body }
        let bodyKept = bodyBlocks.filter(kept.contains)
        if !bodyKept.isEmpty && bodyKept.count != bodyBlocks.count {
            throw CLIError("the narrative's conflicts were partly decided: decide all of its marked passages, or leave them all as they were")
        }
        let document = try ReportDocument(parsing: lines.joined(separator: "\n"))
        // A narrative whose conflict stays open must stay as it was: the conflict is over the
        // whole text, and saving the shown side with other changes would drop the other sides.
        if !bodyKept.isEmpty, document.body != (try ReportDocument(parsing: unmarked(text).lines.joined(separator: "\n"))).body {
            throw CLIError("the narrative was changed but its conflict was left open: decide its marked passages first (or leave the narrative as it was)")
        }
        let decided = Set(blocks.indices.filter { !kept.contains($0) }.map { blocks[$0].field })
        return (document, decided)
    }

    /// The text with each block left exactly as written replaced by what stands in for it,
    /// and the indices of those blocks.
    private func unmarked(_ text: String) -> (lines: [String], kept: Set<Int>) {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept = Set<Int>()
        var position = 0
        for (index, block) in blocks.enumerated() {
            guard let start = Self.find(block.lines, in: lines, from: position) else { continue }
            lines.replaceSubrange(start..<start + block.lines.count, with: block.shown)
            position = start + block.shown.count
            kept.insert(index)
        }
        return (lines, kept)
    }

    private static func find(_ block: [String], in lines: [String], from position: Int) -> Int? {
        guard block.count <= lines.count else { return nil }
        return (position...max(position, lines.count - block.count)).first { start in
            start + block.count <= lines.count && Array(lines[start..<start + block.count]) == block
        }
    }
}
