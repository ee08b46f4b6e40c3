/// One level of block parsing (the document, or the inside of a quote).
struct BlockParser {
    let quoteDepth: Int
    private var blocks: [MarkdownBlock] = []
    /// The lines of the paragraph being read.
    private var paragraph: [Substring] = []
    /// The list item being read, and the content indentation of each open list level.
    private var item: OpenItem?
    private var levels: [Int] = []

    init(quoteDepth: Int) { self.quoteDepth = quoteDepth }

    private struct OpenItem {
        var marker: String
        var depth: Int
        var contentIndent: Int
        var paragraphs: [[Substring]]
        var sawBlank = false

        mutating func add(_ text: Substring) {
            if sawBlank, paragraphs.last?.isEmpty == false { paragraphs.append([]) }
            paragraphs[paragraphs.count - 1].append(text)
            sawBlank = false
        }

        var block: MarkdownBlock {
            let lines = paragraphs.filter { !$0.isEmpty }.map(Line.joined)
            return .listItem(marker: marker, depth: depth, lines: Array(lines.joined(separator: [""])))
        }
    }

    /// How a line that is not blank starts.
    enum Start: Equatable {
        case fence(Character, count: Int, info: String)
        case heading(level: Int, text: String)
        case thematicBreak
        case quote
        case listItem(marker: String, contentOffset: Int, text: Substring)
        case tableRow
    }

    mutating func parse(_ lines: [Substring]) -> [MarkdownBlock] {
        var index = 0
        while index < lines.count {
            index = read(lines, at: index)
        }
        closeParagraph()
        closeItem()
        return blocks
    }

    /// Reads the line at `index` (and, for a code block, quote or table, the lines that belong
    /// to it); returns the index of the next line to read.
    private mutating func read(_ lines: [Substring], at index: Int) -> Int {
        let line = lines[index]
        let (indent, rest) = Line.measure(line)
        if Line.isBlank(rest) {
            closeParagraph()
            item?.sawBlank = true
            return index + 1
        }
        let start = Self.start(of: rest, indent: indent, inList: !levels.isEmpty, quoteDepth: quoteDepth)
        var isItem = false
        if case .listItem = start { isItem = true }

        if var open = item, !isItem {
            // Text indented under the item, or a line that continues its paragraph, is the
            // item's; anything else ends the list.
            if indent >= open.contentIndent || (!open.sawBlank && start == nil) {
                open.add(rest)
                item = open
                return index + 1
            }
            closeItem()
        }

        if !paragraph.isEmpty, indent < 4 {
            if let level = Line.setextLevel(rest) {
                blocks.append(.heading(level: level, text: Line.joined(paragraph).joined(separator: " ")))
                paragraph = []
                return index + 1
            }
            if Line.isDelimiterRow(rest), let header = paragraph.last, header.contains("|") {
                paragraph.removeLast()
                closeParagraph()
                return readTable(lines, from: index + 1, first: [Line.measure(header).rest, rest])
            }
        }

        switch start {
        case nil:
            if paragraph.isEmpty, indent >= 4 { return readIndentedCode(lines, from: index) }
            paragraph.append(line)
            return index + 1
        case .fence(let character, let count, let info)?:
            closeParagraph()
            return readFencedCode(lines, from: index + 1, fence: character, count: count, info: info, indent: indent)
        case .heading(let level, let text)?:
            closeParagraph()
            blocks.append(.heading(level: level, text: text))
            return index + 1
        case .thematicBreak?:
            closeParagraph()
            blocks.append(.thematicBreak)
            return index + 1
        case .quote?:
            closeParagraph()
            return readQuote(lines, from: index)
        case .listItem(let marker, let offset, let text)?:
            // An empty item, or a numbered one that does not start at 1, does not interrupt
            // a paragraph (a wrapped line that starts "2024. " stays text).
            if !paragraph.isEmpty, Line.isBlank(text) || (MarkdownBlock.isOrdered(marker: marker) && marker.dropLast() != "1") {
                paragraph.append(line)
                return index + 1
            }
            closeParagraph()
            closeItem(endingList: false)
            while let top = levels.last, indent < top { levels.removeLast() }
            if levels.count == Markdown.maximumListDepth { levels.removeLast() }
            levels.append(indent + offset)
            item = OpenItem(marker: marker, depth: levels.count - 1, contentIndent: indent + offset,
                            paragraphs: [Line.isBlank(text) ? [] : [text]])
            return index + 1
        case .tableRow?:
            if !paragraph.isEmpty {
                paragraph.append(line)
                return index + 1
            }
            return readTable(lines, from: index + 1, first: [rest])
        }
    }

    private mutating func closeParagraph() {
        guard !paragraph.isEmpty else { return }
        blocks.append(.paragraph(lines: Line.joined(paragraph)))
        paragraph = []
    }

    private mutating func closeItem(endingList: Bool = true) {
        if let open = item { blocks.append(open.block) }
        item = nil
        if endingList { levels = [] }
    }

    // MARK: Groups of lines

    private mutating func readFencedCode(_ lines: [Substring], from first: Int, fence: Character, count: Int, info: String,
                                         indent: Int) -> Int {
        var code: [String] = []
        var index = first
        while index < lines.count {
            let (lineIndent, rest) = Line.measure(lines[index])
            index += 1
            if lineIndent < 4, Line.closes(rest, fence: fence, count: count) { break }
            code.append(String(Line.dropIndent(lines[index - 1], columns: indent)))
        }
        blocks.append(.code(info: info, lines: code))
        return index
    }

    private mutating func readIndentedCode(_ lines: [Substring], from first: Int) -> Int {
        var code: [String] = []
        var index = first
        while index < lines.count {
            let (indent, rest) = Line.measure(lines[index])
            if Line.isBlank(rest) {
                code.append("")
            } else if indent >= 4 {
                code.append(String(Line.dropIndent(lines[index], columns: 4)))
            } else {
                break
            }
            index += 1
        }
        while code.last == "" { code.removeLast() }
        blocks.append(.code(info: "", lines: code))
        return index
    }

    /// The lines that start with `>`, and lines that lazily continue a paragraph in them,
    /// read as blocks one level deeper.
    private mutating func readQuote(_ lines: [Substring], from first: Int) -> Int {
        var inner: [Substring] = []
        var index = first
        var continuable = false
        while index < lines.count {
            let (indent, rest) = Line.measure(lines[index])
            if indent < 4, rest.first == ">" {
                var content = rest.dropFirst()
                if content.first == " " || content.first == "\t" { content = content.dropFirst() }
                inner.append(content)
                continuable = !Line.isBlank(content)
            } else if continuable, !Line.isBlank(rest),
                      Self.start(of: rest, indent: indent, inList: false, quoteDepth: quoteDepth) == nil {
                inner.append(lines[index])
            } else {
                break
            }
            index += 1
        }
        var parser = BlockParser(quoteDepth: quoteDepth + 1)
        blocks.append(.quote(parser.parse(inner)))
        return index
    }

    /// A table's rows: the lines after its first ones, up to a blank line or one without `|`.
    private mutating func readTable(_ lines: [Substring], from next: Int, first rows: [Substring]) -> Int {
        var rows = rows.map(String.init)
        var index = next
        while index < lines.count {
            let (_, rest) = Line.measure(lines[index])
            guard !Line.isBlank(rest), rest.contains("|") else { break }
            rows.append(String(rest))
            index += 1
        }
        blocks.append(.table(lines: rows))
        return index
    }

    // MARK: How a line starts

    static func start(of rest: Substring, indent: Int, inList: Bool, quoteDepth: Int) -> Start? {
        guard indent < 4 || inList, let first = rest.first else { return nil }
        if indent < 4 {
            if first == "`" || first == "~" {
                let count = rest.prefix { $0 == first }.count
                let info = rest.dropFirst(count).trimmingWhitespace
                if count >= 3, first == "~" || !info.contains("`") { return .fence(first, count: count, info: String(info)) }
            }
            if first == "#" {
                let level = rest.prefix { $0 == "#" }.count
                let after = rest.dropFirst(level)
                if level <= 6, after.isEmpty || after.first == " " || after.first == "\t" {
                    return .heading(level: level, text: Line.headingText(after))
                }
            }
            if first == "*" || first == "-" || first == "_" {
                let marks = rest.filter { $0 != " " && $0 != "\t" }
                if marks.count >= 3, marks.allSatisfy({ $0 == first }) { return .thematicBreak }
            }
            if first == ">", quoteDepth < Markdown.maximumQuoteDepth { return .quote }
        }
        if let item = Line.listMarker(rest) { return .listItem(marker: item.marker, contentOffset: item.offset, text: item.text) }
        if indent < 4, first == "|" { return .tableRow }
        return nil
    }
}
