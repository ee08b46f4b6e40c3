import Foundation
import ReportModels

/// Text layout for an 80-column terminal.
enum Text {
    static let width = 80

    /// Word-wraps one paragraph to `width`: the first line starts with `prefix` (kept as
    /// it is), continuation lines with `indent` spaces.
    static func wrap(_ text: String, width: Int = Text.width, prefix: String = "", indent: Int = 0) -> String {
        var lines: [String] = []
        var line = prefix
        var lineHasWord = false
        // Empty "words" are runs of spaces: kept inside a line, dropped at a break.
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if lineHasWord, line.count + 1 + word.count > width {
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

    /// Reflows a Markdown narrative to `width`: the lines of a paragraph or list item are
    /// joined and wrapped again (list items with a hanging indent); headings, blank lines,
    /// code blocks and tables stay as they are.
    static func wrapMarkdown(_ body: String, width: Int = Text.width) -> String {
        var output: [String] = []
        var paragraph: (prefix: String, indent: Int, words: [String])?
        func flush() {
            if let current = paragraph {
                output.append(wrap(current.words.joined(separator: " "), width: width, prefix: current.prefix, indent: current.indent))
            }
            paragraph = nil
        }
        var inCode = false
        for line in body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { flush(); inCode.toggle(); output.append(line); continue }
            if inCode || line.hasPrefix("    ") || line.hasPrefix("\t") || trimmed.hasPrefix("|") || trimmed.hasPrefix("#") || trimmed.isEmpty {
                flush()
                output.append(line)
                continue
            }
            let leading = line.prefix { $0 == " " }.count
            if let marker = listMarker(trimmed) {
                flush()
                let prefix = String(repeating: " ", count: leading) + marker
                paragraph = (prefix, prefix.count, [String(trimmed.dropFirst(marker.count))])
            } else if paragraph != nil {
                paragraph!.words.append(trimmed)
            } else {
                paragraph = (String(repeating: " ", count: leading), leading, [trimmed])
            }
        }
        flush()
        return output.joined(separator: "\n")
    }

    /// `- `, `* `, `+ ` or `12. ` at the start of a list item.
    private static func listMarker(_ line: String) -> String? {
        for bullet in ["- ", "* ", "+ "] where line.hasPrefix(bullet) { return bullet }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") { return digits + ". " }
        return nil
    }

    /// Cuts a single line to `width` characters with an ellipsis.
    static func truncate(_ text: String, to width: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= width ? flat : flat.prefix(max(0, width - 1)) + "…"
    }

    static func pad(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
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
}
