import Foundation

/// The one way text reaches a person: every line on stdout and stderr that is not JSON (or a
/// document piped to a file) goes through ``write(_:to:multiline:)``, which shows control
/// characters escaped. Titles, narratives, analyst names and file names come from documents,
/// other replicas and shared folders, and a terminal obeys what they hold: an escape sequence
/// can recolour, move the cursor, retitle the window, or make a link say one thing and open
/// another. Escaping is the default, so no command can forget it.
///
/// Escaped (shown as `\u{1B}`, in Swift's notation):
/// - C0 controls (U+0000–U+001F) but the tab, and the line break where a command prints
///   several lines (narratives keep their shape; an `error:` line stays one line);
/// - DEL (U+007F) and the C1 controls (U+0080–U+009F: U+009B is a second way to start an
///   escape sequence);
/// - the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
///   which make a terminal show text in another order than it is read ("Trojan Source").
///   The marks (U+200E, U+200F, U+061C) stay: they only nudge neutral characters, and right-
///   to-left text needs them;
/// - the noncharacters U+FDD0–U+FDEF, which the styles below use internally.
///
/// Everything else — letters of any script, emoji and their joiners, U+2028 in a narrative —
/// is shown as it is. JSON needs none of this (its escaping keeps every byte exact) and goes
/// out through ``writeExact(_:)``.
enum Terminal {
    /// A style fieldnotes itself applies (on a terminal, without `NO_COLOR`).
    enum Style: String, CaseIterable {
        case bold = "1", dim = "2", warning = "33"
    }

    /// Text in a style. The style is marked in the string by noncharacters: a key that is new
    /// in every process (60 random bits), then one for the style — so that text from elsewhere
    /// cannot pose as a style, and the marks take no columns in a layout (`Text.columns`).
    /// ``write(_:to:multiline:)`` turns the marks into escape sequences (or drops them without
    /// colour) and escapes every other control character, and any noncharacter left.
    static func styled(_ text: String, _ style: Style) -> String {
        mark(style) + text + mark(nil)
    }

    /// Where a style starts (`nil`: where styles end).
    static func mark(_ style: Style?) -> String {
        var mark = key
        mark.unicodeScalars.append(styleScalars[style.map { Style.allCases.firstIndex(of: $0)! + 1 } ?? 0])
        return mark
    }

    /// Writes `text` for a person: styles applied or dropped, control characters escaped.
    static func write(_ text: String, to stream: Stream = .standardOutput, multiline: Bool = true) {
        let colour = stream == .standardOutput && Console.usesColor
        let bytes = Data(safe(text, multiline: multiline, colour: colour).utf8)
        switch stream {
        case .standardOutput: Pager.write(bytes)
        case .standardError: FileHandle.standardError.write(bytes)
        }
    }

    /// Writes `text` exactly as it is: JSON, or a document piped to a file.
    static func writeExact(_ text: String) {
        Pager.write(Data(text.utf8))
    }

    enum Stream { case standardOutput, standardError }

    /// `text` with styles turned into escape sequences (`colour`) or dropped, and every other
    /// control character escaped.
    static func safe(_ text: String, multiline: Bool, colour: Bool = false) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isNoncharacter(scalar), let style = styleMark(in: scalars, at: index) {
                if colour { output.append(contentsOf: "\u{1B}[\(style?.rawValue ?? "0")m".unicodeScalars) }
                index += keyLength + 1
                continue
            }
            if needsEscape(scalar, multiline: multiline) {
                output.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                output.append(scalar)
            }
            index += 1
        }
        return String(output)
    }

    static func needsEscape(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x0A: !multiline
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: isNoncharacter(scalar)
        }
    }

    static func isNoncharacter(_ scalar: Unicode.Scalar) -> Bool { (0xFDD0...0xFDEF).contains(scalar.value) }

    // MARK: - Style marks

    /// 15 of U+FDD0–U+FDDF: 60 bits.
    private static let keyLength = 15
    private static let keyScalars: [Unicode.Scalar] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<keyLength).map { _ in Unicode.Scalar(0xFDD0 + UInt32.random(in: 0..<16, using: &generator))! }
    }()
    private static let key = String(String.UnicodeScalarView(keyScalars))
    /// After the key: U+FDE0 ends styles, U+FDE1… start each style.
    private static let styleScalars = (0...Style.allCases.count).map { Unicode.Scalar(0xFDE0 + UInt32($0))! }

    /// The style whose mark is at `index` (`.some(nil)`: the end of styles); nil for no mark.
    private static func styleMark(in scalars: [Unicode.Scalar], at index: Int) -> Style?? {
        guard scalars.count - index > keyLength, Array(scalars[index..<index + keyLength]) == keyScalars,
              let code = styleScalars.firstIndex(of: scalars[index + keyLength])
        else { return nil }
        return .some(code == 0 ? nil : Style.allCases[code - 1])
    }
}

/// Every `print` in fieldnotes is this one (it shadows the standard library's): what it
/// prints goes through ``Terminal/write(_:to:multiline:)``, escaped.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Terminal.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
