/// The narrative's Markdown, as blocks: shared by the HTML page and the terminal's reflow.
///
/// A subset of CommonMark (with GitHub's tables) that field reports use. Inline markup
/// (`*em*`, `**strong**`, code spans, links) is kept as written in the blocks' text;
/// ``Markdown/html(_:)`` renders it.
public enum MarkdownBlock: Sendable, Hashable {
    /// A paragraph, as a reader sees its lines: source lines the writer only wrapped are
    /// joined with a space; a line the writer ended with two spaces or a backslash (a hard
    /// line break) ends a line here. Never empty.
    case paragraph(lines: [String])
    /// `#` to `######`, or a line underlined with `===` (1) or `---` (2): the level (1–6) and
    /// the text without the marks.
    case heading(level: Int, text: String)
    /// One list item: its marker as written (`-`, `*`, `+`, `1.`, `3)`), its depth (0 at the
    /// margin, one more for each item it is indented under, at most
    /// ``Markdown/maximumListDepth``), and its text as a paragraph's ``paragraph(lines:)``.
    /// An empty string among the lines separates two paragraphs of the item (text after a
    /// blank line, indented under the item).
    case listItem(marker: String, depth: Int, lines: [String])
    /// Code, fenced (`` ``` `` or `~~~`, with its info string) or indented by four spaces:
    /// its lines exactly as written, without the fences or the indentation.
    case code(info: String, lines: [String])
    /// Lines that start with `>`, read as blocks (quotes nest at most
    /// ``Markdown/maximumQuoteDepth`` deep; deeper `>` are text).
    indirect case quote([MarkdownBlock])
    /// A table (lines starting with `|`, or a header row over a `---|---` delimiter row): its
    /// lines as written, indentation removed.
    case table(lines: [String])
    /// `---`, `***` or `___` on a line of its own.
    case thematicBreak
}

extension MarkdownBlock {
    /// Whether the marker is a number (`1.`, `2)`): an item of an ordered list.
    public static func isOrdered(marker: String) -> Bool {
        marker.first?.isASCII == true && marker.first?.isNumber == true
    }
}
