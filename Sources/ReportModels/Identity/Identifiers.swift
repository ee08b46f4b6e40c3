import Foundation

/// The id of a report: a UUID, always written in lowercase.
public struct ReportID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The lowercase UUID string.
    public let rawValue: String

    /// Accepts a UUID in any case; returns nil for anything else.
    public init?(_ string: String) {
        guard let parsed = parseUUID(string) else { return nil }
        rawValue = parsed.lowercase
    }

    /// A new random id.
    public init() { rawValue = UUID().uuidString.lowercased() }

    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A UUID written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of any case: in
/// lowercase (the same string when it already is), with its 128 bits; nil for anything else.
/// Every clock entry is keyed by one, so it is read in one pass here rather than through
/// Foundation (whose parser goes through `sscanf`).
func parseUUID(_ string: String) -> (lowercase: String, high: UInt64, low: UInt64)? {
    var copy = string
    return copy.withUTF8 { bytes -> (String, UInt64, UInt64)? in
        guard bytes.count == 36 else { return nil }
        var (high, low): (UInt64, UInt64) = (0, 0)
        var isLowercase = true
        var digits = 0
        for index in 0..<36 {
            let byte = bytes[index]
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                digit = byte &- UInt8(ascii: "A") &+ 10
                isLowercase = false
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(digit) } else { low = low << 4 | UInt64(digit) }
            digits += 1
        }
        return (isLowercase ? string : String(decoding: bytes, as: UTF8.self).lowercased(), high, low)
    }
}

/// The id of a replica (one store on one laptop): a UUID, always written in lowercase.
///
/// Every clock is keyed by replica ids, so they are compared and hashed by the UUID's 128
/// bits rather than by its 36 characters. Fixed-width lowercase hex sorts as its value, so
/// the order is the order of the written ids.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    private let high: UInt64
    private let low: UInt64

    public init?(_ string: String) {
        guard let parsed = parseUUID(string) else { return nil }
        (rawValue, high, low) = parsed
    }

    public init() {
        let (lowercase, high, low) = parseUUID(UUID().uuidString)!
        (rawValue, self.high, self.low) = (lowercase, high, low)
    }

    /// Whether it is a random UUID (RFC 9562 version 4), as every replica id fieldnotes
    /// makes is: the nil UUID, or one with another version or variant, was not made by it.
    public var isRandom: Bool { (high >> 12) & 0xF == 4 && low >> 62 == 0b10 }

    public var description: String { rawValue }
    /// The first characters, enough to tell replicas apart on screen.
    public var short: String { String(rawValue.prefix(8)) }
    public static func < (a: Self, b: Self) -> Bool { (a.high, a.low) < (b.high, b.low) }
    public static func == (a: Self, b: Self) -> Bool { a.high == b.high && a.low == b.low }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
    }
}

/// The id of an event or a source within its report: short, so people can type it
/// (`e1`, `s2`), and unique within the report.
///
/// Ids made up by fieldnotes are random (`e` or `s` and six letters or digits) so that two
/// analysts adding items to the same report offline do not pick the same id.
public struct ItemID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Letters, digits, `-` and `_`, starting with a letter or digit, at most 32 characters.
    public init?(_ string: String) {
        guard Self.isValid(string) else { return nil }
        rawValue = string
    }

    /// A new random id with the given one-letter prefix.
    public static func random(prefix: Character) -> ItemID {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<6).map { _ in alphabet.randomElement(using: &generator)! })
        return ItemID("\(prefix)\(suffix)")!
    }

    static func isValid(_ string: String) -> Bool {
        let scalars = string.unicodeScalars
        guard let first = scalars.first, scalars.count <= 32, first.isASCIIAlphanumeric else { return false }
        return scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" }
    }

    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}

/// A version's identity: the replica that made it and that replica's count of versions of
/// this record at that point (its own entry in the version's clock). Written `REPLICA:COUNTER`.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var replica: ReplicaID
    public var counter: Int

    public init(replica: ReplicaID, counter: Int) {
        self.replica = replica
        self.counter = counter
    }

    /// Parses `REPLICA:COUNTER` with a full replica id, the counter written as ``description``
    /// writes it: decimal digits without sign or leading zero (`X:+1` and `X:01` are other
    /// spellings of `X:1`, which would give one version a second encoding), below
    /// ``VectorClock/counterLimit``.
    public init?(_ string: String) {
        guard let colon = string.lastIndex(of: ":"),
              let replica = ReplicaID(String(string[..<colon])),
              let counter = Self.canonicalCounter(string.utf8[string.utf8.index(after: colon)...])
        else { return nil }
        self.init(replica: replica, counter: counter)
    }

    /// A counter in canonical decimal, 1 to ``VectorClock/counterLimit`` − 1; nil for anything
    /// else. Reads at most 13 digits, so it cannot overflow.
    static func canonicalCounter(_ digits: Substring.UTF8View) -> Int? {
        guard let first = digits.first, first != UInt8(ascii: "0"), digits.count <= 13 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value < VectorClock.counterLimit ? value : nil
    }

    public var description: String { "\(replica.rawValue):\(counter)" }
    /// `3f2a9c1b:2`, for people.
    public var short: String { "\(replica.short):\(counter)" }

    /// A total order used wherever a deterministic choice between versions is needed.
    public static func < (a: Self, b: Self) -> Bool {
        a.replica != b.replica ? a.replica < b.replica : a.counter < b.counter
    }
}
