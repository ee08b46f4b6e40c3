/// Markdown narratives read as blocks, and rendered as safe HTML.
public enum Markdown {
    /// Quotes nest at most this deep; a `>` deeper than that is text.
    public static let maximumQuoteDepth = 8
    /// List items nest at most this deep (depths 0 to 7); an item indented deeper is shown
    /// at the deepest depth.
    public static let maximumListDepth = 8

    /// The text's blocks, in order.
    ///
    /// Bound: each line is looked at a fixed number of times at each quote level that holds
    /// it, and quotes nest at most ``maximumQuoteDepth`` deep (the only recursion, one call
    /// per level); list nesting is a stack, not recursion. So the time is
    /// O(length × ``maximumQuoteDepth``) — linear in the text — and the stack depth is fixed.
    public static func blocks(_ text: String) -> [MarkdownBlock] {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        var parser = BlockParser(quoteDepth: 0)
        return parser.parse(lines)
    }
}
