import Foundation
import ReportModels
import Yams

/// A report as a Markdown document with YAML front matter — what `add --from` reads, `edit`
/// opens and `show --format md` prints (see CLI.md, "The document format").
///
/// A document holds every field a person edits; a key left out means the field's empty
/// value. A text without front matter is plain text: its first non-empty line is the title
/// (a leading Markdown `#` is dropped) and the rest the body.
struct ReportDocument: Equatable {
    var title: String
    var body = ""
    var status = Status.draft
    var tags: Set<String> = []
    var credibility: Int?
    var sources: [Source] = []
    var events: [Event] = []

    static let keys = ["title", "status", "tags", "credibility", "sources", "events"]
    static let sourceKeys = ["id", "ref", "reliability"]
    static let eventKeys = ["id", "when", "place", "lat", "lon", "killed", "injured", "summary"]

    init(title: String) { self.title = title }

    init(_ report: Report) {
        title = report.title
        body = report.body
        status = report.status
        tags = report.tags
        credibility = report.credibility
        sources = report.sources
        events = report.events
    }

    /// Overwrites the fields a document holds; ids, authorship and times stay. A conflicted
    /// field is resolved to the document's value when it is in `decided` or the document
    /// changes its value; the other conflicts stay open.
    func apply(to report: inout Report, deciding decided: Set<FieldPath> = []) {
        let before = report
        report.title = title
        report.body = body
        report.status = status
        report.tags = tags
        report.credibility = credibility
        report.sources = sources
        report.events = events
        let after = report
        report.conflicts.removeAll { decided.contains($0.field) || after.value(at: $0.field) != before.value(at: $0.field) }
    }

    /// A new report holding this document's fields.
    var report: Report {
        var report = Report(title: title)
        apply(to: &report)
        return report
    }
}

/// Why a document could not be read: one line, with the line number where it helps.
struct DocumentError: Error, LocalizedError, Equatable {
    var line: Int?
    var message: String

    var errorDescription: String? { line.map { "line \($0): \(message)" } ?? message }
}

// MARK: - Reading

extension ReportDocument {
    /// Reads a document from the bytes of a file: UTF-8 only.
    init(data: Data) throws(DocumentError) {
        guard var text = String(data: data, encoding: .utf8) else {
            throw DocumentError(message: "the text is not UTF-8; save it as UTF-8 and try again")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        try self.init(parsing: text)
    }

    init(parsing text: String) throws(DocumentError) {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        // Blank lines before the front matter (an editor's stray Enter) do not make it text.
        let opening = lines.firstIndex { !$0.allSatisfy(\.isWhitespace) } ?? lines.startIndex
        guard opening < lines.endIndex, lines[opening].trimmingCharacters(in: .whitespaces) == "---" else {
            self = try Self.plainText(lines)
            return
        }
        guard let closing = lines.indices.dropFirst(opening + 1).first(where: { ["---", "..."].contains(lines[$0].trimmingCharacters(in: .whitespaces)) })
        else { throw DocumentError(line: opening + 1, message: "the front matter has no closing '---' line") }
        // Line numbers in messages count from the top of the file.
        let reader = FrontMatterReader(lineOffset: opening + 1)
        let node: Node?
        do {
            node = try Yams.compose(yaml: lines[(opening + 1)..<closing].joined(separator: "\n"))
        } catch {
            throw reader.yamlError(error)
        }
        guard let node, case .mapping(let mapping) = node else {
            throw DocumentError(line: opening + 2, message: "the front matter must be a list of 'key: value' lines")
        }
        let fields = try reader.fields(of: mapping, allowed: Self.keys, what: "front matter")
        guard let titleNode = fields["title"] else { throw DocumentError(line: opening + 1, message: "the front matter has no 'title'") }
        var document = ReportDocument(title: try reader.text(titleNode, field: "title"))
        document.body = Report.normalizedBody(lines[(closing + 1)...].joined(separator: "\n"))
        if let node = fields["status"] {
            document.status = try reader.parse(node, field: "status", FieldRules.status)
        }
        if let node = fields["tags"] { document.tags = try reader.tags(node) }
        if let node = fields["credibility"] {
            document.credibility = try reader.parse(node, field: "credibility") { text throws(InvalidField) in
                try FieldRules.credibility(text)
            }
        }
        if let node = fields["sources"] {
            document.sources = try reader.list(node, field: "sources").enumerated().map { index, item throws(DocumentError) in
                try reader.source(item, index: index)
            }
        }
        if let node = fields["events"] {
            document.events = try reader.list(node, field: "events").enumerated().map { index, item throws(DocumentError) in
                try reader.event(item, index: index)
            }
        }
        self = document
    }

    private static func plainText(_ lines: [Substring]) throws(DocumentError) -> ReportDocument {
        guard let titleIndex = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            throw DocumentError(message: "the text is empty; a report needs at least a title line")
        }
        var title = lines[titleIndex].trimmingCharacters(in: .whitespaces)
        if title.hasPrefix("#") {
            title = String(title.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces)
        }
        var document = ReportDocument(title: title)
        document.body = Report.normalizedBody(lines[(titleIndex + 1)...].joined(separator: "\n"))
        return document
    }
}

/// Reads front-matter nodes into report fields, turning every problem into a `DocumentError`
/// that names the line.
private struct FrontMatterReader {
    var lineOffset: Int

    func line(_ node: Node) -> Int? { node.mark.map { $0.line + lineOffset } }

    func yamlError(_ error: Error) -> DocumentError {
        switch error {
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
             YamlError.composer(_, let problem, let mark, _):
            DocumentError(line: mark.line + lineOffset, message: "the front matter is not valid YAML: \(problem)")
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            DocumentError(line: context.mark.line + lineOffset,
                          message: "\(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) appears twice in the front matter")
        default:
            DocumentError(line: nil, message: "the front matter is not valid YAML: \(Console.message(for: error))")
        }
    }

    /// The mapping's values by key, refusing unknown and repeated keys.
    func fields(of mapping: Node.Mapping, allowed: [String], what: String) throws(DocumentError) -> [String: Node] {
        var fields: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else { throw DocumentError(line: line(keyNode), message: "keys in the \(what) must be names") }
            guard allowed.contains(key.string) else {
                throw DocumentError(line: line(keyNode), message: "unknown key '\(key.string)' in the \(what); known keys: \(allowed.joined(separator: ", "))")
            }
            guard fields.updateValue(value, forKey: key.string) == nil else {
                throw DocumentError(line: line(keyNode), message: "'\(key.string)' appears twice in the \(what)")
            }
        }
        return fields
    }

    func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func text(_ node: Node, field: String) throws(DocumentError) -> String {
        guard case .scalar(let scalar) = node else {
            throw DocumentError(line: line(node), message: "\(field) must be a single value, not a list or a mapping")
        }
        return isNull(scalar) ? "" : scalar.string
    }

    func optionalText(_ node: Node, field: String) throws(DocumentError) -> String? {
        let value = try text(node, field: field)
        return value.isEmpty ? nil : value
    }

    func parse<T>(_ node: Node, field: String, _ rule: (String) throws(InvalidField) -> T) throws(DocumentError) -> T {
        let value = try text(node, field: field)
        do {
            return try rule(value)
        } catch {
            throw DocumentError(line: line(node), message: error.description)
        }
    }

    func list(_ node: Node, field: String) throws(DocumentError) -> [Node] {
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar(let scalar) where isNull(scalar): return []
        default: throw DocumentError(line: line(node), message: "\(field) must be a list ('- ' items)")
        }
    }

    func tags(_ node: Node) throws(DocumentError) -> Set<String> {
        let items: [Node]
        if case .scalar = node {
            // `tags: a, b` is read like `tags: [a, b]`.
            items = try text(node, field: "tags").split(separator: ",").map { Node(String($0).trimmingCharacters(in: .whitespaces)) }
        } else {
            items = try list(node, field: "tags")
        }
        var tags = Set<String>()
        for item in items {
            let tagLine = line(item) ?? line(node)
            let value = try text(item, field: "each tag")
            do {
                tags.insert(try FieldRules.tag(value))
            } catch {
                throw DocumentError(line: tagLine, message: error.description)
            }
        }
        return tags
    }

    func itemFields(_ node: Node, list: String, index: Int, allowed: [String]) throws(DocumentError) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw DocumentError(line: line(node), message: "each item of \(list) must be a mapping ('key: value' lines)")
        }
        return try fields(of: mapping, allowed: allowed, what: "\(list) item \(index + 1)")
    }

    /// The item's id (made up when left out) and how messages name it: by its id, or by its
    /// place in the list when it has none yet.
    func itemID(_ fields: [String: Node], prefix: Character, list: String, index: Int) throws(DocumentError) -> (ItemID, String) {
        let position = "\(list)[\(index + 1)]"
        guard let node = fields["id"], try optionalText(node, field: "\(position).id") != nil else {
            return (.random(prefix: prefix), position)
        }
        let id = try parse(node, field: "id") { text throws(InvalidField) in try FieldRules.itemID(text, field: "\(position).id") }
        return (id, "\(list).\(id)")
    }

    func source(_ node: Node, index: Int) throws(DocumentError) -> Source {
        let fields = try itemFields(node, list: "sources", index: index, allowed: ReportDocument.sourceKeys)
        let (id, name) = try itemID(fields, prefix: "s", list: "sources", index: index)
        guard let refNode = fields["ref"], let ref = try optionalText(refNode, field: "\(name).ref") else {
            throw DocumentError(line: line(node), message: "\(name) has no 'ref'")
        }
        var source = Source(id: id, ref: ref)
        if let node = fields["reliability"] {
            source.reliability = try parse(node, field: "reliability") { text throws(InvalidField) in
                try FieldRules.reliability(text, field: "\(name).reliability")
            }
        }
        return source
    }

    func event(_ node: Node, index: Int) throws(DocumentError) -> Event {
        let fields = try itemFields(node, list: "events", index: index, allowed: ReportDocument.eventKeys)
        let (id, name) = try itemID(fields, prefix: "e", list: "events", index: index)
        func required(_ key: String) throws(DocumentError) -> String {
            guard let valueNode = fields[key], let value = try optionalText(valueNode, field: "\(name).\(key)") else {
                throw DocumentError(line: line(node), message: "\(name) has no '\(key)'")
            }
            return value
        }
        var event = Event(id: id, when: try required("when"), place: try required("place"))
        if let node = fields["summary"] { event.summary = try text(node, field: "\(name).summary") }
        for key in ["lat", "lon"] {
            guard let node = fields[key] else { continue }
            let value = try parse(node, field: key) { text throws(InvalidField) in try FieldRules.coordinate(text, field: "\(name).\(key)") }
            if key == "lat" { event.lat = value } else { event.lon = value }
        }
        for key in ["killed", "injured"] {
            guard let node = fields[key] else { continue }
            let value = try parse(node, field: key) { text throws(InvalidField) in try FieldRules.casualties(text, field: "\(name).\(key)") }
            if key == "killed" { event.killed = value } else { event.injured = value }
        }
        do {
            try event.validateEntry(as: name)
        } catch {
            throw DocumentError(line: line(node), message: error.description)
        }
        return event
    }
}
