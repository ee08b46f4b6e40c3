import ReportModels
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
