/// What the block parser asks of one line. Each is O(the line's length).
enum Line {
    /// The line's indentation in columns (a tab goes to the next multiple of 4) and the rest.
    static func measure(_ line: Substring) -> (indent: Int, rest: Substring) {
        var columns = 0
        var index = line.startIndex
        while index < line.endIndex {
            switch line[index] {
            case " ": columns += 1
            case "\t": columns += 4 - columns % 4
            default: return (columns, line[index...])
            }
            index = line.index(after: index)
        }
        return (columns, line[index...])
    }

    static func isBlank(_ text: Substring) -> Bool { text.allSatisfy(\.isWhitespace) }

    /// The line without up to `columns` columns of indentation.
    static func dropIndent(_ line: Substring, columns: Int) -> Substring {
        var used = 0
        var index = line.startIndex
        while index < line.endIndex, used < columns {
            switch line[index] {
            case " ": used += 1
            case "\t": used += 4 - used % 4
            default: return line[index...]
            }
            index = line.index(after: index)
        }
        return line[index...]
    }

    /// `===` under a paragraph makes it a heading of level 1, `---` of level 2.
    static func setextLevel(_ rest: Substring) -> Int? {
        let marks = rest.trimmingWhitespace
        guard let first = marks.first, first == "=" || first == "-", marks.allSatisfy({ $0 == first }) else { return nil }
        return first == "=" ? 1 : 2
    }

    /// A table's delimiter row: cells of `-` with optional `:` at either end, separated by
    /// `|`, with at least one `|` (`|---|:--:|`, `--- | ---`).
    static func isDelimiterRow(_ rest: Substring) -> Bool {
        let row = rest.trimmingWhitespace
        guard row.contains("|") else { return false }
        var cells = row.split(separator: "|", omittingEmptySubsequences: false)
        if row.first == "|" { cells.removeFirst() }
        if row.last == "|", !cells.isEmpty { cells.removeLast() }
        return !cells.isEmpty && cells.allSatisfy { cell in
            var cell = cell.trimmingWhitespace
            if cell.first == ":" { cell = cell.dropFirst() }
            if cell.last == ":" { cell = cell.dropLast() }
            return !cell.isEmpty && cell.allSatisfy { $0 == "-" }
        }
    }

    /// Whether the line closes a fence of `count` `fence` characters.
    static func closes(_ rest: Substring, fence: Character, count: Int) -> Bool {
        let run = rest.prefix { $0 == fence }.count
        return run >= count && isBlank(rest.dropFirst(run))
    }

    /// A heading's text: trimmed, without a closing run of `#`.
    static func headingText(_ after: Substring) -> String {
        var text = after.trimmingWhitespace
        let closing = text.reversed().prefix { $0 == "#" }.count
        if closing > 0 {
            let before = text.dropLast(closing)
            if before.isEmpty || before.last == " " || before.last == "\t" { text = before.trimmingWhitespace }
        }
        return String(text)
    }

    /// `-`, `*` or `+`, or one to nine digits and `.` or `)`, then a space, a tab or the end
    /// of the line: the marker, the columns from it to the item's text, and the text.
    static func listMarker(_ rest: Substring) -> (marker: String, offset: Int, text: Substring)? {
        guard let first = rest.first else { return nil }
        var markerEnd = rest.startIndex
        if first == "-" || first == "*" || first == "+" {
            markerEnd = rest.index(after: rest.startIndex)
        } else {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard (1...9).contains(digits.count), digits.endIndex < rest.endIndex,
                  rest[digits.endIndex] == "." || rest[digits.endIndex] == ")" else { return nil }
            markerEnd = rest.index(after: digits.endIndex)
        }
        let after = rest[markerEnd...]
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        let marker = String(rest[..<markerEnd])
        let spaces = after.prefix { $0 == " " || $0 == "\t" }.count
        let text = after.dropFirst(spaces)
        // Five or more spaces (or none, at the end of the line): the text starts one column in.
        let offset = marker.count + (spaces == 0 || spaces > 4 ? 1 : spaces)
        return (marker, offset, text)
    }

    /// A paragraph's source lines as its lines: joined with a space where the writer only
    /// wrapped; a line ended by two or more spaces or by a backslash ends a line (the last
    /// line's are kept as text, as CommonMark does).
    static func joined(_ raw: [Substring]) -> [String] {
        var lines: [String] = []
        var current = ""
        for (position, line) in raw.enumerated() {
            var text = Substring(line.drop { $0 == " " || $0 == "\t" })
            var hardBreak = false
            if position < raw.count - 1 {
                let trailingSpaces = text.reversed().prefix { $0 == " " }.count
                let trimmed = text.dropLast(trailingSpaces)
                if trailingSpaces >= 2 {
                    hardBreak = true
                } else if trimmed.last == "\\", trimmed.reversed().prefix(while: { $0 == "\\" }).count % 2 == 1 {
                    hardBreak = true
                    text = trimmed.dropLast()
                }
            }
            text = text.trimmingTrailingWhitespace
            if !text.isEmpty { current += (current.isEmpty ? "" : " ") + text }
            if hardBreak {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}

extension Substring {
    var trimmingWhitespace: Substring { drop(while: \.isWhitespace).trimmingTrailingWhitespace }

    var trimmingTrailingWhitespace: Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
