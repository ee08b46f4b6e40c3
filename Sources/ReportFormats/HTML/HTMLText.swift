/// Text as HTML: every character that could start markup escaped, and every character that
/// could change how the page reads shown instead of obeyed.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references, and `=`, `(` and `@` too. C0 controls (but tab and line
    /// break), DEL, the C1 controls, the bidirectional embeddings, overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069: "Trojan Source") and the noncharacters are shown as
    /// `\u{…}`, as the terminal shows them: a page must not reorder or hide what a report
    /// says. O(length).
    static func escape(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output.append(contentsOf: "&amp;".unicodeScalars)
            case "<": output.append(contentsOf: "&lt;".unicodeScalars)
            case ">": output.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": output.append(contentsOf: "&quot;".unicodeScalars)
            case "'": output.append(contentsOf: "&#39;".unicodeScalars)
            // So that no text, whatever it says, reads as `src=`, `url(` or `@import`: a check
            // for those strings on the page then holds for any report.
            case "=": output.append(contentsOf: "&#61;".unicodeScalars)
            case "(": output.append(contentsOf: "&#40;".unicodeScalars)
            case "@": output.append(contentsOf: "&#64;".unicodeScalars)
            default:
                if isShownEscaped(scalar) {
                    output.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
                } else {
                    output.append(scalar)
                }
            }
        }
        return String(output)
    }

    static func isShownEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        case 0xFDD0...0xFDEF: true
        default: scalar.value & 0xFFFE == 0xFFFE
        }
    }
}
