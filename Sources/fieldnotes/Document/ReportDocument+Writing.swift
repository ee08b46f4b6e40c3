import ReportModels

extension ReportDocument {
    /// The document as text, in the layout of CLI.md: front matter in a fixed key order,
    /// then the body. Reading the text back gives the same document.
    var text: String { Self.join(lines()) }

    /// The document's lines. `field` may replace the lines of any field (an item's presence
    /// path stands for the whole item, `.body` for the narrative): conflict markers use it.
    func lines(header: [String] = [], field: (FieldPath, [String]) -> [String] = { $1 }) -> [String] {
        let report = report
        func value(at path: FieldPath) -> JSONValue { report.value(at: path) ?? .null }
        func itemLines(_ paths: [FieldPath], id: ItemID) -> [String] {
            ["  - id: \(id)"] + paths.flatMap { field($0, Self.lines(for: $0, value(at: $0))) }
        }
        var lines = ["---"] + header
        for path in [FieldPath.title, .status] {
            lines += field(path, Self.lines(for: path, value(at: path)))
        }
        lines.append("tags: [\(tags.sorted().map(yamlScalar).joined(separator: ", "))]")
        lines += field(.credibility, Self.lines(for: .credibility, value(at: .credibility)))
        if !sources.isEmpty {
            lines.append("sources:")
            for source in sources {
                let paths = Self.sourceKeys.dropFirst().map { FieldPath.sourceField(source.id, FieldPath.SourceField(rawValue: $0)!) }
                lines += field(.source(source.id), itemLines(paths, id: source.id))
            }
        }
        if !events.isEmpty {
            lines.append("events:")
            for event in events {
                let paths = Self.eventKeys.dropFirst().map { FieldPath.eventField(event.id, FieldPath.EventField(rawValue: $0)!) }
                lines += field(.event(event.id), itemLines(paths, id: event.id))
            }
        }
        lines.append("---")
        if !body.isEmpty { lines += field(.body, body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }
        return lines
    }

    /// The line (or none) that shows `value` for a front-matter field.
    static func lines(for path: FieldPath, _ value: JSONValue) -> [String] {
        let (indent, key): (String, String) = switch path {
        case .eventField(_, let field): ("    ", field.rawValue)
        case .sourceField(_, let field): ("    ", field.rawValue)
        default: ("", path.description)
        }
        switch value {
        case .null: return []
        case .string(let text) where text.isEmpty && key == "summary": return []
        case .string(let text) where path == .status || key == "reliability": return ["\(indent)\(key): \(text)"]
        case .string(let text): return ["\(indent)\(key): \(yamlScalar(text))"]
        case .double(let number): return ["\(indent)\(key): \(plainDecimal(number))"]
        default: return ["\(indent)\(key): \(value.canonicalString)"]
        }
    }

    /// A coordinate as the document is read back: plain decimal digits, never `1e-07`, and
    /// the same digits as the shortest form, so it reads back as the same number.
    static func plainDecimal(_ number: Double) -> String {
        let text = "\(number)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(text[text.index(after: e)...]) else {
            return text
        }
        let sign = text.hasPrefix("-") ? "-" : ""
        let mantissa = text[..<e].drop { $0 == "-" }
        let whole = mantissa.prefix { $0 != "." }
        var digits = String(whole) + mantissa.dropFirst(whole.count + 1)
        var point = whole.count + exponent  // digits before the decimal point
        if point < 1 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        }
        if digits.count <= point { digits += String(repeating: "0", count: point - digits.count + 1) }
        var fraction = String(digits.dropFirst(point))
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + digits.prefix(point) + "." + fraction
    }

    static func join(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n"
    }

    /// The line between documents in `list --format md`. Markdown viewers do not show it, and
    /// the pieces between such lines are the documents exactly, each read back by
    /// `add --from` (`csplit -z --suppress-matched FILE '/^<!-- fieldnotes: next report -->$/' '{*}'`).
    static let separator = "<!-- fieldnotes: next report -->"

    /// The documents one after another, ``separator`` on its own line between two.
    static func concatenated(_ documents: [ReportDocument]) -> String {
        documents.map(\.text).joined(separator: separator + "\n")
    }
}

/// A string as a YAML scalar: plain where YAML reads it back as the same text, otherwise
/// double-quoted with JSON-style escapes (which YAML's double-quoted style accepts).
func yamlScalar(_ text: String) -> String {
    yamlNeedsQuotes(text) ? JSONValue.string(text).canonicalString : text
}

private func yamlNeedsQuotes(_ text: String) -> Bool {
    guard let first = text.first, let last = text.last else { return true }
    if first.isWhitespace || last.isWhitespace || "-?:,[]{}#&*!|>'\"%@`".contains(first) { return true }
    if text.contains(": ") || text.contains(" #") || last == ":" { return true }
    if text.contains(where: { $0.isNewline || $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) { return true }
    // Words YAML would read as null or booleans.
    return ["~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"].contains(text.lowercased())
}
