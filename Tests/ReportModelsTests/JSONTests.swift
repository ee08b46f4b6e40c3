@testable import ReportModels
import Testing

@Suite("Canonical JSON")
struct JSONTests {
    @Test func objectKeysAreSortedAndThereIsNoWhiteSpace() {
        let value = JSONValue.object(["b": .int(1), "a": .array([.bool(true), .null]), "c": .string("x")])
        #expect(value.canonicalString == #"{"a":[true,null],"b":1,"c":"x"}"#)
    }

    @Test func stringsAreEscapedMinimally() {
        #expect(JSONValue.string("quote \" backslash \\ newline \n tab \t bell \u{7} é ☃").canonicalString
            == #""quote \" backslash \\ newline \n tab \t bell \u0007 é ☃""#)
    }

    @Test func numbersKeepTheirKind() throws {
        #expect(JSONValue.double(47.5).canonicalString == "47.5")
        #expect(JSONValue.double(48).canonicalString == "48.0")
        #expect(JSONValue.double(0).canonicalString == "0.0")
        #expect(JSONValue.int(-3).canonicalString == "-3")
        #expect(try JSONValue(parsing: "48.0") == .double(48))
        #expect(try JSONValue(parsing: "48") == .int(48))
        #expect(try JSONValue(parsing: "1e-05") == .double(0.00001))
    }

    @Test func parsingThenEncodingIsTheIdentityOnCanonicalText() throws {
        let text = #"{"a":[1,2.5,"x\ny",{"k":null}],"b":{"c":false},"d":"\u0001"}"#
        #expect(try JSONValue(parsing: text).canonicalString == text)
    }

    @Test func escapesAndSurrogatePairsAreDecoded() throws {
        #expect(try JSONValue(parsing: #""\u00e9\ud83d\ude00\/""#) == .string("é😀/"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"abc", "\"\\x\"", "nul", "{\"a\" 1}", "[1] 2",
        "\"\\ud800\"", "{\"a\":1,\"a\":2}", "\"tab\there\"",
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
    ])
    func malformedJSONIsRefused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func prettyPrintingIsStableAndReadsBack() throws {
        let value = JSONValue.object(["z": .array([.int(1)]), "a": .object([:])])
        #expect(value.prettyString == "{\n  \"a\": {},\n  \"z\": [\n    1\n  ]\n}")
        #expect(try JSONValue(parsing: value.prettyString) == value)
    }
}

/// Versions must be in canonical form (one content, one hash). The parser tells so while it
/// reads, instead of encoding the value again; it must say exactly what re-encoding says.
@Suite("Canonical form, told while parsing")
struct CanonicalParseTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let strings = ["", "a", "quote \" here", "back\\slash", "line\nbreak", "tab\t", "bell\u{7}", "é", "☃", "/slash", "\u{7F}", "\u{1F}"]

    static func value(_ random: inout Generator, depth: Int = 0) -> JSONValue {
        switch random.next(depth > 2 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(random.next(2) == 0)
        case 2: return .int(Int64(random.next(2001)) - 1000)
        case 3: return .double([0.5, -1.25, 48.0, 42.06, 1e-07, 0.0][random.next(6)])
        case 4: return .string(strings[random.next(strings.count)])
        case 5: return .array((0..<random.next(4)).map { _ in value(&random, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<random.next(4) { object[["id", "b", "a", "é", "Z", "ab"][random.next(6)]] = value(&random, depth: depth + 1) }
            return .object(JSONObject(object))
        }
    }

    /// Text that means the same or nearly: white space, other escapes, other number forms,
    /// keys out of order.
    static func mutated(_ text: [UInt8], _ random: inout Generator) -> [UInt8] {
        var text = text
        let replacements: [(String, String)] = [
            (",", ", "), (":", " : "), ("\\n", "\\u000a"), ("\\u0007", "\\u0007".uppercased()), ("\\u0007", "\\b"),
            ("/", "\\/"), ("é", "\\u00e9"), ("0.5", "5e-1"), ("48.0", "48"), ("48.0", "4.8e1"), ("0.0", "-0.0"),
            ("0.0", "0"), ("1", "1.0"), ("{\"a\"", "{\"b\""), ("\"a\":", "\"Z\":"), ("1e-07", "1E-07"), ("-1", "-01"),
            ("[", "[ "), (":0", ":-0"), ("\\u001f", "\\u001F"), ("\u{7F}", "\\u007f"), ("\\\"", "\\u0022"), ("\\t", "\\u0009"),
        ]
        for _ in 0..<1 + random.next(2) {
            let (from, to) = replacements[random.next(replacements.count)]
            let source = Array(from.utf8)
            guard source.count <= text.count else { continue }
            let starts = (0...(text.count - source.count)).filter { Array(text[$0..<$0 + source.count]) == source }
            guard !starts.isEmpty else { continue }
            let start = starts[random.next(starts.count)]
            text.replaceSubrange(start..<start + source.count, with: Array(to.utf8))
        }
        if random.next(10) == 0 { text.append(UInt8(ascii: " ")) }
        return text
    }

    @Test func theParserTellsCanonicalTextExactlyAsReEncodingDoes() throws {
        var random = Generator(state: 20261127)
        var (canonical, other) = (0, 0)
        for round in 0..<20_000 {
            let object = JSONValue.object(["k": Self.value(&random), "v": Self.value(&random)])
            let text = round % 4 == 0 ? object.canonicalBytes : Self.mutated(object.canonicalBytes, &random)
            guard let parsed = try? JSONValue.parseObject(text) else { continue }
            let expected = parsed.value.canonicalBytes == text
            #expect(parsed.isCanonical == expected, "round \(round): \(String(decoding: text, as: UTF8.self))")
            if expected { canonical += 1 } else { other += 1 }
        }
        #expect(canonical > 1_000 && other > 1_000, "\(canonical) canonical, \(other) not")
    }
}

/// Strings are scanned eight bytes at a time; a quote, a backslash or a control character at
/// any offset of a word must still be seen.
@Suite("Strings, scanned fast")
struct StringScanTests {
    @Test func everySpecialCharacterIsSeenWhereverItFalls() throws {
        for special in ["\"", "\\", "\n", "\u{1}", "é", "☃"] {
            for offset in 0..<20 {
                let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
                let encoded = JSONValue.string(text).canonicalBytes
                #expect(try JSONValue(parsing: encoded) == .string(text), "\(special.debugDescription) at \(offset)")
            }
        }
        // A raw control character is refused wherever it falls.
        for offset in 0..<20 {
            let raw = Array("\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: offset) + [0x01] + Array("\"".utf8)
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: raw) }
        }
    }
}
