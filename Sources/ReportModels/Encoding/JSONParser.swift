#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a JSON text could not be read.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses one JSON document (RFC 8259), refusing trailing content and nesting deeper
    /// than 64 levels. Integers that fit in 64 bits become `.int`, other numbers `.double`.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        let array = Array(bytes)
        // The parser reads through a buffer pointer: no bounds checks in the hot loops (every
        // read is guarded by an explicit `position < bytes.count`).
        let result: Result<JSONValue, JSONParseError> = array.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            do throws(JSONParseError) { return .success(try parser.parseDocument()) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a JSON object whose top-level members named in `skipping` are stepped over
    /// without being decoded (they read as null): to read a version's header without its
    /// snapshot. The skipped values are only scanned for their end, not checked.
    static func parseObject(_ bytes: [UInt8], skipping keys: Set<String>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            parser.skippedKeys = keys
            do throws(JSONParseError) { return .success(try parser.parseDocument()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses a JSON object and also says where each of its members lies in the bytes (from
    /// the opening quote of the key to the end of the value), and whether the bytes are the
    /// value's canonical encoding (`canonicalBytes`) — found while parsing, in the same pass.
    static func parseObject(_ bytes: [UInt8]) throws(JSONParseError) -> (value: JSONValue, members: [String: Range<Int>], isCanonical: Bool) {
        let result: Result<(JSONValue, [String: Range<Int>], Bool), JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            parser.recordsMembers = true
            do throws(JSONParseError) {
                let value = try parser.parseDocument()
                return .success((value, parser.members, parser.isCanonical))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    static let maximumDepth = 64
    /// Whether to note where the top-level object's members lie, in `members`.
    var recordsMembers = false
    var members: [String: Range<Int>] = [:]
    /// Top-level members whose values are skipped, not decoded.
    var skippedKeys: Set<String> = []
    /// Whether everything read so far is written as `JSONValue.canonicalBytes` writes it: no
    /// white space, keys in byte order, only the escapes it makes (`\"`, `\\`, `\n`, `\r`,
    /// `\t`, `\u00xx` for other control characters), numbers in its form.
    private(set) var isCanonical = true

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected content after the document") }
        return value
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: position, reason: reason) }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D:
                position += 1
                isCanonical = false
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of input") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for index in 0..<count where bytes[position + index] != expected[index] {
            throw fail("unknown literal")
        }
        position += count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested too deeply") }
        position += 1
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject(members))
        }
        // Whether the keys come in strictly increasing byte order, told by comparing the bytes
        // of each key as written with the one before (a key with escapes is compared decoded).
        var sorted = true
        var previousKey: Range<Int>?
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let start = position
            let key = try parseString()
            let written = (start + 1)..<(position - 1)
            if sorted {
                if let previous = previousKey {
                    sorted = bytes[previous].contains(UInt8(ascii: "\\")) || bytes[written].contains(UInt8(ascii: "\\"))
                        ? JSONObject.precedes(members[members.count - 1].key, key)
                        : bytesPrecede(previous, written)
                }
                previousKey = written
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            if depth == 1, !skippedKeys.isEmpty, skippedKeys.contains(key) {
                try skipValue()
                members.append(JSONObject.Member(key: key, value: .null))
            } else {
                members.append(JSONObject.Member(key: key, value: try parseValue()))
            }
            if recordsMembers && depth == 1 { self.members[key] = start..<position }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw fail("expected ',' or '}'")
        }
        depth -= 1
        // Canonical input is sorted already; anything else is sorted, and a key given twice refused.
        guard sorted else {
            isCanonical = false
            let object = JSONObject(members)
            guard object.count == members.count else { throw fail("duplicate key") }
            return .object(object)
        }
        return .object(JSONObject(sortedMembers: members))
    }

    /// Moves past one value, reading only its brackets and strings. Linear in its bytes.
    mutating func skipValue() throws(JSONParseError) {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        guard bytes[position] == UInt8(ascii: "{") || bytes[position] == UInt8(ascii: "[") else {
            _ = try parseValue()
            return
        }
        var nesting = 0
        repeat {
            guard position < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
                position += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                nesting -= 1
                position += 1
            case UInt8(ascii: "\""):
                position += 1
                while true {
                    skipPlainBytes()
                    guard position < bytes.count else { throw fail("unterminated string") }
                    let byte = bytes[position]
                    position += byte == UInt8(ascii: "\\") ? 2 : 1
                    if byte == UInt8(ascii: "\"") { break }
                }
            default:
                position += 1
            }
        } while nesting > 0
    }

    /// Moves past bytes of a string that are neither a quote nor a backslash, eight at a time
    /// (stopping where a word may hold one: the test never misses, and may stop early).
    mutating func skipPlainBytes() {
        guard let base = bytes.baseAddress else { return }
        let ones: UInt64 = 0x0101_0101_0101_0101
        while position + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            if (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & (ones &* 0x80) != 0 { return }
            position += 8
        }
    }

    /// Whether the bytes in `a` come strictly before those in `b` (byte order, a prefix first).
    func bytesPrecede(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        let common = min(a.count, b.count)
        let order = memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, common)
        return order != 0 ? order < 0 : a.count < b.count
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; break }
            throw fail("expected ',' or ']'")
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Eight bytes at a time past those that cannot end the string, start an escape or be
        // refused (a test that may fire without cause, never miss): most text is plain.
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            var scan = position
            while scan + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + scan).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let found = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                if found & (ones &* 0x80) != 0 { break }
                scan += 8
            }
            position = scan
        }
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = try decodeUTF8(start..<position)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            position += 1
        }
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: buffer, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw fail("unexpected end of input") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"):
                    buffer.append(UInt8(ascii: "/"))
                    isCanonical = false
                case UInt8(ascii: "b"):
                    buffer.append(0x08)
                    isCanonical = false
                case UInt8(ascii: "f"):
                    buffer.append(0x0C)
                    isCanonical = false
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    // Canonical only for a control character without a short escape, in
                    // lowercase hex: `\u00` and two digits.
                    let digits = position + 4 <= bytes.count ? Array(UnsafeBufferPointer(rebasing: bytes[position..<position + 4])) : []
                    var scalar = try parseHex4()
                    if scalar >= 0x20 || [0x09, 0x0A, 0x0D].contains(scalar)
                        || digits.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }) {
                        isCanonical = false
                    }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    buffer.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: throw fail("unknown escape")
                }
            default:
                if byte < 0x20 { throw fail("control character in string") }
                buffer.append(byte)
                position += 1
            }
        }
        throw fail("unterminated string")
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    func decodeUTF8(_ range: Range<Int>) throws(JSONParseError) -> String {
        guard let decoded = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw JSONParseError(offset: range.lowerBound, reason: "invalid UTF-8")
        }
        return decoded
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let value = Int64(text) {
            // The grammar above already refuses leading zeros and `+`; `-0` is written `0`.
            if text == "-0" { isCanonical = false }
            return .int(value)
        }
        guard let value = Double(text), value.isFinite else { throw JSONParseError(offset: start, reason: "number out of range") }
        if JSONValue.canonicalNumber(value) != text { isCanonical = false }
        return .double(value)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
