import ReportModels

extension ReportDocument {
    /// The document as text, in the layout of CLI.md: front matter in a fixed key order,
    /// then the body. Reading the text back gives the same document.
    var text: String {
        var lines = ["---", "title: \(yamlScalar(title))", "status: \(status.rawValue)"]
        lines.append("tags: [\(tags.sorted().map(yamlScalar).joined(separator: ", "))]")
        if let credibility { lines.append("credibility: \(credibility)") }
        if !sources.isEmpty {
            lines.append("sources:")
            for source in sources {
                lines.append("  - id: \(source.id)")
                lines.append("    ref: \(yamlScalar(source.ref))")
                if let reliability = source.reliability { lines.append("    reliability: \(reliability.rawValue)") }
            }
        }
        if !events.isEmpty {
            lines.append("events:")
            for event in events {
                lines.append("  - id: \(event.id)")
                lines.append("    when: \(yamlScalar(event.when))")
                lines.append("    place: \(yamlScalar(event.place))")
                if let lat = event.lat { lines.append("    lat: \(lat)") }
                if let lon = event.lon { lines.append("    lon: \(lon)") }
                if let killed = event.killed { lines.append("    killed: \(killed)") }
                if let injured = event.injured { lines.append("    injured: \(injured)") }
                if !event.summary.isEmpty { lines.append("    summary: \(yamlScalar(event.summary))") }
            }
        }
        lines.append("---")
        return lines.joined(separator: "\n") + "\n" + (body.isEmpty ? "" : body + "\n")
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
