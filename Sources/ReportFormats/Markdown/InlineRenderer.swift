/// Inline Markdown to safe HTML: `*em*` and `_em_`, `**strong**` and `__strong__`, code
/// spans, `[text](url)`, and backslash escapes. Everything else is text, and every character
/// of text is escaped (`HTMLText.escape`).
///
/// A link becomes `<a href>` only to `http:`, `https:` or `mailto:` (nothing on the page
/// loads it; a reader may follow it, and the print stylesheet prints it); any other link is
/// its text followed by its target in parentheses, as text.
///
/// Bound: one pass over the text builds tokens, finding a code span's end and a link's
/// brackets through tables made beforehand in one pass each; matching emphasis looks back at
/// most ``lookBack`` openers per closing mark; a link's text is rendered once more, without
/// links. So O(length × ``lookBack``), with no recursion beyond that one level.
struct InlineRenderer {
    /// How many open emphasis marks a closing mark looks back over.
    static let lookBack = 16

    private let characters: [Character]
    /// For each position, the next unescaped `]`, `[`, `)` and white space at or after it.
    private var nextClosingBracket: [Int] = []
    private var nextOpeningBracket: [Int] = []
    private var nextClosingParenthesis: [Int] = []
    private var nextWhitespace: [Int] = []
    /// For each length, the positions where a run of that many backticks starts, and how far
    /// the search for a closing run has gone.
    private var backtickRuns: [Int: [Int]] = [:]
    private var backtickCursor: [Int: Int] = [:]

    static func html(_ text: String) -> String {
        var renderer = InlineRenderer(Array(text))
        return renderer.render(0..<renderer.characters.count, links: true)
    }

    private init(_ characters: [Character]) {
        self.characters = characters
        let count = characters.count
        nextClosingBracket = Array(repeating: count, count: count + 1)
        nextOpeningBracket = nextClosingBracket
        nextClosingParenthesis = nextClosingBracket
        nextWhitespace = nextClosingBracket
        var escaped = Array(repeating: false, count: count)
        var backslashes = 0
        for index in 0..<count {
            escaped[index] = backslashes % 2 == 1
            backslashes = characters[index] == "\\" ? backslashes + 1 : 0
        }
        if count > 0 {
            for index in stride(from: count - 1, through: 0, by: -1) {
                let character = characters[index]
                nextClosingBracket[index] = character == "]" && !escaped[index] ? index : nextClosingBracket[index + 1]
                nextOpeningBracket[index] = character == "[" && !escaped[index] ? index : nextOpeningBracket[index + 1]
                nextClosingParenthesis[index] = character == ")" ? index : nextClosingParenthesis[index + 1]
                nextWhitespace[index] = character.isWhitespace ? index : nextWhitespace[index + 1]
            }
        }
        var index = 0
        while index < count {
            guard characters[index] == "`" else { index += 1; continue }
            let run = runLength(at: index)
            backtickRuns[run, default: []].append(index)
            index += run
        }
    }

    private func runLength(at start: Int) -> Int {
        var end = start
        while end < characters.count, characters[end] == characters[start] { end += 1 }
        return end - start
    }

    // MARK: Tokens

    private enum Tag: String { case em, strong }

    private struct Delimiter {
        var character: Character
        var remaining: Int
        var canOpen: Bool
        var canClose: Bool
        var opened: [Tag] = []
        var closed: [Tag] = []
    }

    private enum Token {
        case html(String)
        case delimiter(Delimiter)
    }

    private mutating func render(_ range: Range<Int>, links: Bool) -> String {
        var tokens: [Token] = []
        var text = ""
        func flush() {
            if !text.isEmpty { tokens.append(.html(HTMLText.escape(text))); text = "" }
        }
        var index = range.lowerBound
        while index < range.upperBound {
            let character = characters[index]
            switch character {
            case "\\" where index + 1 < range.upperBound && Self.isASCIIPunctuation(characters[index + 1]):
                text.append(characters[index + 1])
                index += 2
            case "`":
                let run = runLength(at: index)
                if let close = closingRun(after: index, length: run), close + run <= range.upperBound {
                    flush()
                    tokens.append(.html("<code>" + HTMLText.escape(codeSpan(index + run..<close)) + "</code>"))
                    index = close + run
                } else {
                    text += String(repeating: "`", count: run)
                    index += run
                }
            case "[" where links:
                if let link = link(at: index, within: range) {
                    flush()
                    tokens.append(.html(link.html))
                    index = link.end
                } else {
                    text += "["
                    index += 1
                }
            case "*", "_":
                let run = min(runLength(at: index), range.upperBound - index)
                let before = index > range.lowerBound ? characters[index - 1] : " "
                let after = index + run < range.upperBound ? characters[index + run] : " "
                let leftFlanking = !after.isWhitespace && (!Self.isPunctuation(after) || before.isWhitespace || Self.isPunctuation(before))
                let rightFlanking = !before.isWhitespace && (!Self.isPunctuation(before) || after.isWhitespace || Self.isPunctuation(after))
                let underscore = character == "_"
                flush()
                tokens.append(.delimiter(Delimiter(
                    character: character, remaining: run,
                    canOpen: leftFlanking && (!underscore || !rightFlanking || Self.isPunctuation(before)),
                    canClose: rightFlanking && (!underscore || !leftFlanking || Self.isPunctuation(after)))))
                index += run
            default:
                text.append(character)
                index += 1
            }
        }
        flush()
        matchEmphasis(&tokens)
        var output = ""
        for token in tokens {
            switch token {
            case .html(let html): output += html
            case .delimiter(let delimiter):
                output += delimiter.closed.map { "</\($0.rawValue)>" }.joined()
                output += String(repeating: delimiter.character, count: delimiter.remaining)
                output += delimiter.opened.reversed().map { "<\($0.rawValue)>" }.joined()
            }
        }
        return output
    }

    /// Pairs closing marks with the nearest open mark of the same character (CommonMark's
    /// rule, without its "multiple of 3" refinement): two characters on each side make
    /// `strong`, one `em`. Marks between a pair are left as text, so tags always nest.
    private func matchEmphasis(_ tokens: inout [Token]) {
        var openers: [Int] = []  // indices into tokens
        for index in tokens.indices {
            guard case .delimiter(var closer) = tokens[index] else { continue }
            if closer.canClose {
                while closer.remaining > 0 {
                    let candidates = openers.indices.reversed().prefix(Self.lookBack)
                    guard let found = candidates.first(where: { position in
                        if case .delimiter(let opener) = tokens[openers[position]] {
                            return opener.character == closer.character && opener.remaining > 0
                        }
                        return false
                    }), case .delimiter(var opener) = tokens[openers[found]] else { break }
                    let used = opener.remaining >= 2 && closer.remaining >= 2 ? 2 : 1
                    let tag: Tag = used == 2 ? .strong : .em
                    opener.remaining -= used
                    closer.remaining -= used
                    opener.opened.append(tag)
                    closer.closed.append(tag)
                    tokens[openers[found]] = .delimiter(opener)
                    openers.removeSubrange((opener.remaining == 0 ? found : found + 1)...)
                }
            }
            tokens[index] = .delimiter(closer)
            if closer.canOpen, closer.remaining > 0 { openers.append(index) }
        }
    }

    // MARK: Code spans and links

    /// The start of the first run of exactly `length` backticks after `start`.
    private mutating func closingRun(after start: Int, length: Int) -> Int? {
        guard let runs = backtickRuns[length] else { return nil }
        var cursor = backtickCursor[length] ?? 0
        while cursor < runs.count, runs[cursor] <= start { cursor += 1 }
        backtickCursor[length] = cursor
        return cursor < runs.count ? runs[cursor] : nil
    }

    /// A code span's text: one space stripped from each end when both have one (and it is not
    /// all spaces).
    private func codeSpan(_ range: Range<Int>) -> String {
        var content = characters[range]
        if content.count >= 2, content.first == " ", content.last == " ", content.contains(where: { $0 != " " }) {
            content = content.dropFirst().dropLast()
        }
        return String(content)
    }

    /// `[text](destination)` at `start`: the text without `[` or `]` in it, the destination
    /// without white space, up to the first `)`.
    private mutating func link(at start: Int, within range: Range<Int>) -> (html: String, end: Int)? {
        let close = nextClosingBracket[start + 1]
        guard close + 1 < range.upperBound, nextOpeningBracket[start + 1] > close, characters[close + 1] == "(" else { return nil }
        let destinationStart = close + 2
        let end = nextClosingParenthesis[destinationStart]
        guard end < range.upperBound, nextWhitespace[destinationStart] > end else { return nil }
        let destination = Self.unescaped(String(characters[destinationStart..<end]))
        let text = render(start + 1..<close, links: false)
        let lowered = destination.lowercased()
        if ["http://", "https://", "mailto:"].contains(where: { lowered.hasPrefix($0) }) {
            return ("<a href=\"\(HTMLText.escape(destination))\">\(text)</a>", end + 1)
        }
        return (text + " (" + HTMLText.escape(destination) + ")", end + 1)
    }

    // MARK: Characters

    private static func unescaped(_ text: String) -> String {
        var output = ""
        var escaping = false
        for character in text {
            if !escaping, character == "\\" { escaping = true; continue }
            if escaping, !isASCIIPunctuation(character) { output.append("\\") }
            output.append(character)
            escaping = false
        }
        if escaping { output.append("\\") }
        return output
    }

    static func isASCIIPunctuation(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (0x21...0x2F).contains(ascii) || (0x3A...0x40).contains(ascii) || (0x5B...0x60).contains(ascii)
            || (0x7B...0x7E).contains(ascii)
    }

    static func isPunctuation(_ character: Character) -> Bool {
        isASCIIPunctuation(character) || character.isPunctuation || character.isSymbol
    }
}
