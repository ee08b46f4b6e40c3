import Foundation
import ReportFormats
import ReportModels

/// Text layout for the terminal's width.
enum Text {
    /// The columns to lay out in: the terminal's, `COLUMNS`, or ``Display/unbounded`` for
    /// output that is not read on a terminal (never wrapped or cut). 80 until `main` decides.
    static var width: Int { Display.current.width }

    /// Word-wraps one paragraph to `width`: the first line starts with `prefix` (kept as
    /// it is), continuation lines with `indent` spaces.
    static func wrap(_ text: String, width: Int = Text.width, prefix: String = "", indent: Int = 0) -> String {
        var lines: [String] = []
        var line = prefix
        var lineHasWord = false
        // Empty "words" are runs of spaces: kept inside a line, dropped at a break. A run of
        // CJK text wider than a line (it has no spaces) is broken where it must be; a long
        // Latin word (a link) is left whole, so that it still works when copied.
        let pieceWidth = max(10, width - indent)
        let words = text.split(separator: " ", omittingEmptySubsequences: false).flatMap { word in
            columns(word) <= pieceWidth || !word.contains(where: { columns(of: $0) > 1 }) ? [word] : pieces(of: word, width: pieceWidth)
        }
        for word in words {
            if lineHasWord, columns(line) + 1 + columns(word) > width {
                lines.append(line)
                line = String(repeating: " ", count: indent)
                lineHasWord = false
            }
            if word.isEmpty && !lineHasWord { continue }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// Lays out a narrative's Markdown for the terminal (``Markdown/blocks(_:)``): each
    /// paragraph reflowed to `width` — the lines a writer wrapped by hand are joined, and a
    /// hard line break (two trailing spaces or a backslash) still ends a line; list items
    /// with a hanging indent under their marker, two columns deeper for each level of
    /// nesting; headings and rules on lines of their own; quotes prefixed `> `; code
    /// (indented four spaces) and tables kept as they are. Blocks are separated by a blank
    /// line, consecutive list items are not.
    static func wrapNarrative(_ body: String, width: Int = Text.width) -> String {
        narrativeLines(Markdown.blocks(body), width: width).joined(separator: "\n")
    }

    /// The blocks' lines. A quote's blocks are laid out by a nested call, as deep as quotes
    /// nest (at most `Markdown.maximumQuoteDepth`).
    private static func narrativeLines(_ blocks: [MarkdownBlock], width: Int) -> [String] {
        let width = max(width, 20)
        var lines: [String] = []
        func add(_ text: String) { lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        var previousWasItem = false
        for block in blocks {
            var isItem = false
            if case .listItem = block { isItem = true }
            if !lines.isEmpty, !(isItem && previousWasItem) { lines.append("") }
            previousWasItem = isItem
            switch block {
            case .paragraph(let paragraph):
                for line in paragraph { add(wrap(line, width: width)) }
            case .heading(let level, let text):
                let marks = String(repeating: "#", count: level) + " "
                add(wrap(text, width: width, prefix: marks, indent: marks.count))
            case .listItem(let marker, let depth, let item):
                let prefix = String(repeating: " ", count: 2 * depth) + marker + " "
                let hanging = String(repeating: " ", count: columns(prefix))
                if item.isEmpty { lines.append(String(prefix.dropLast())) }
                for (index, line) in item.enumerated() {
                    if line.isEmpty { lines.append(""); continue }
                    add(wrap(line, width: width, prefix: index == 0 ? prefix : hanging, indent: hanging.count))
                }
            case .code(_, let code):
                lines += code.map { $0.isEmpty ? "" : "    " + $0 }
            case .table(let rows):
                lines += rows
            case .thematicBreak:
                lines.append(String(repeating: "─", count: min(width, 40)))
            case .quote(let inner):
                lines += narrativeLines(inner, width: width - 2).map { $0.isEmpty ? ">" : "> " + $0 }
            }
        }
        return lines
    }

    /// Cuts a single line to `width` columns with an ellipsis.
    static func truncate(_ text: String, to width: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard columns(flat) > width else { return flat }
        var cut = ""
        var used = 0
        for character in flat {
            let next = columns(of: character)
            if used + next > width - 1 { break }
            cut.append(character)
            used += next
        }
        return cut + "…"
    }

    static func pad(_ text: String, to width: Int) -> String {
        let used = columns(text)
        return used >= width ? text : text + String(repeating: " ", count: width - used)
    }

    /// The word cut into pieces of at most `width` columns.
    private static func pieces(of word: Substring, width: Int) -> [Substring] {
        var pieces: [Substring] = []
        var start = word.startIndex
        var used = 0
        for index in word.indices {
            let next = columns(of: word[index])
            if used + next > width {
                pieces.append(word[start..<index])
                (start, used) = (index, 0)
            }
            used += next
        }
        pieces.append(word[start...])
        return pieces
    }

    /// How many terminal columns the text takes: CJK and emoji take two.
    static func columns(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + columns(of: $1) }
    }

    /// Style marks (`Terminal.styled`) take none.
    static func columns(of character: Character) -> Int {
        if let scalar = character.unicodeScalars.first, Terminal.isNoncharacter(scalar) { return 0 }
        guard let scalar = character.unicodeScalars.first, scalar.value >= 0x1100 || character.unicodeScalars.count > 1 else { return 1 }
        // An emoji, or a symbol asked to show as one (U+FE0F: ❤️).
        if scalar.properties.isEmojiPresentation || character.unicodeScalars.contains("\u{FE0F}") { return 2 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// `2026-11-24 09:30 UTC`.
    static func time(_ timestamp: Timestamp) -> String {
        let iso = timestamp.description
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + " UTC"
    }

    /// `{3f2a9c1b:4, 77d0e2aa:1}`: each replica's entry, replicas shortened.
    static func clock(_ clock: VectorClock) -> String {
        "{" + clock.counters.sorted { $0.key < $1.key }.map { "\($0.key.short):\($0.value)" }.joined(separator: ", ") + "}"
    }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    /// A field value as people read it.
    static func value(_ value: JSONValue) -> String {
        switch value {
        case .null: "(none)"
        case .string(let text): text
        case .array(let items): items.map { $0.stringValue ?? $0.canonicalString }.joined(separator: ", ")
        default: value.canonicalString
        }
    }

    /// A field's value as people read it, with presence and deletion in words (`diff` and
    /// `conflicts` alike). Nil is a value that is not there.
    static func fieldValue(_ value: JSONValue?, at field: FieldPath) -> String {
        switch (field, value) {
        case (.deleted, .bool(true)?): "deleted"
        case (.deleted, .bool(false)?): "not deleted"
        case (.event, .bool(true)?), (.source, .bool(true)?): "present"
        case (.event, .bool(false)?), (.source, .bool(false)?): "removed"
        case (.event, nil), (.source, nil): "absent"
        case (_, nil): "(none)"
        case (_, let value?): Text.value(value)
        }
    }
}
