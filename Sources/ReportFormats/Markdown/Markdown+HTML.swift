extension Markdown {
    /// Safe HTML: every character of the text escaped; only Markdown's own constructs become
    /// tags (paragraphs, headings, lists, code, quotes, tables, rules; emphasis, strong, code
    /// spans, and links — `<a href>` only to `http:`, `https:` and `mailto:`, any other as
    /// text). Raw HTML in the text is text. Nothing in the output loads anything.
    /// O(length × ``maximumQuoteDepth``), as ``blocks(_:)``.
    public static func html(_ text: String) -> String {
        html(blocks(text), headingOffset: 0)
    }

    /// The blocks as HTML, headings `headingOffset` levels deeper (at most `h6`). A quote's
    /// blocks are rendered by a nested call: as deep as quotes nest, at most
    /// ``maximumQuoteDepth`` for blocks from ``blocks(_:)``.
    static func html(_ blocks: [MarkdownBlock], headingOffset: Int) -> String {
        var output: [String] = []
        var lists: [Bool] = []  // each open list, outermost first: ordered?
        func closeLists(to depth: Int) {
            while lists.count > depth, !output.isEmpty {
                output[output.count - 1] += lists.removeLast() ? "</li></ol>" : "</li></ul>"
            }
        }
        for block in blocks {
            if case .listItem(let marker, let depth, let lines) = block {
                let ordered = MarkdownBlock.isOrdered(marker: marker)
                let depth = max(0, min(depth, maximumListDepth - 1))
                if lists.count > depth + 1 { closeLists(to: depth + 1) }
                if lists.count == depth + 1 {
                    if lists.last == ordered, !output.isEmpty { output[output.count - 1] += "</li>" } else { closeLists(to: depth) }
                }
                while lists.count < depth + 1 {
                    let start = ordered ? Int(marker.dropLast()) ?? 1 : 1
                    output.append(ordered ? (start == 1 ? "<ol>" : "<ol start=\"\(start)\">") : "<ul>")
                    lists.append(ordered)
                    if lists.count < depth + 1 { output.append("<li>") }
                }
                output.append("<li dir=\"auto\">" + itemHTML(lines))
                continue
            }
            closeLists(to: 0)
            switch block {
            case .paragraph(let lines):
                output.append("<p dir=\"auto\">" + lines.map(InlineRenderer.html).joined(separator: "<br>\n") + "</p>")
            case .heading(let level, let text):
                let tag = "h\(max(1, min(6, level + headingOffset)))"
                output.append("<\(tag) dir=\"auto\">" + InlineRenderer.html(text) + "</\(tag)>")
            case .code(_, let lines):
                output.append("<pre><code>" + HTMLText.escape(lines.joined(separator: "\n")) + "</code></pre>")
            case .quote(let inner):
                output.append("<blockquote>\n" + html(inner, headingOffset: headingOffset) + "\n</blockquote>")
            case .table(let lines):
                output.append(tableHTML(lines))
            case .thematicBreak:
                output.append("<hr>")
            case .listItem:
                break
            }
        }
        closeLists(to: 0)
        return output.joined(separator: "\n")
    }

    /// An item's paragraphs (separated by empty lines), each line's inline markup rendered.
    private static func itemHTML(_ lines: [String]) -> String {
        let paragraphs = lines.split(separator: "", omittingEmptySubsequences: true)
        let rendered = paragraphs.map { $0.map(InlineRenderer.html).joined(separator: "<br>\n") }
        return rendered.count > 1 ? rendered.map { "<p>" + $0 + "</p>" }.joined() : rendered.first ?? ""
    }

    /// A table with a delimiter row as a `<table>` (cells' inline markup rendered, columns
    /// aligned as the delimiter row says); other `|` lines as preformatted text.
    private static func tableHTML(_ lines: [String]) -> String {
        guard lines.count >= 2, Line.isDelimiterRow(Substring(lines[1])) else {
            return "<pre class=\"table\">" + HTMLText.escape(lines.joined(separator: "\n")) + "</pre>"
        }
        let header = cells(lines[0])
        let alignments = cells(lines[1]).map { cell -> String in
            switch (cell.hasPrefix(":"), cell.hasSuffix(":")) {
            case (true, true): " class=\"center\""
            case (false, true): " class=\"right\""
            default: ""
            }
        }
        func row(_ cells: [String], tag: String) -> String {
            "<tr>" + header.indices.map { column in
                let alignment = column < alignments.count ? alignments[column] : ""
                let text = column < cells.count ? cells[column] : ""
                return "<\(tag)\(alignment) dir=\"auto\">" + InlineRenderer.html(text) + "</\(tag)>"
            }.joined() + "</tr>"
        }
        var html = "<table class=\"narrative-table\">\n<thead>" + row(header, tag: "th") + "</thead>\n<tbody>\n"
        html += lines.dropFirst(2).map { row(cells($0), tag: "td") }.joined(separator: "\n")
        return html + "\n</tbody>\n</table>"
    }

    /// A row's cells: split at each `|` not escaped by a backslash (`\|` is a `|` in a cell),
    /// without the row's outer pipes, trimmed.
    static func cells(_ row: String) -> [String] {
        var text = Substring(row).trimmingWhitespace
        if text.first == "|" { text = text.dropFirst() }
        var cells: [String] = []
        var cell = ""
        var escaping = false
        for character in text {
            if escaping {
                if character != "|" { cell.append("\\") }
                cell.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "|" {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(character)
            }
        }
        if escaping { cell.append("\\") }
        if !Substring(cell).trimmingWhitespace.isEmpty || cells.isEmpty { cells.append(cell) }
        return cells.map { String(Substring($0).trimmingWhitespace) }
    }
}
