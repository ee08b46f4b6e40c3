import Crypto

/// What two analysts read to each other to check a key: the first 100 bits of the SHA-256 of
/// the key's 32 bytes, as 20 base32 characters in five groups of four (`K7QF-3MZP-XW2A-…`).
///
/// **Why 100 bits.** Comparing fingerprints defends against a key put in place of another:
/// someone who wants a colleague to take their key for Alice's must find a key whose
/// fingerprint equals the one of Alice's key, which already exists and which they do not
/// choose — a second preimage, about 2^100 key generations and hashes (2^100 / n if any of n
/// keys will do). A collision (two keys with one fingerprint, about 2^50 tries) is no attack
/// here: both keys would be the attacker's own. 100 bits is also what each half of a Signal
/// safety number holds (30 decimal digits).
///
/// **Why base32** (RFC 4648: `A`–`Z` and `2`–`7`). Its alphabet has no `0`, `1`, `8` or `9`,
/// so `O`/`0`, `I`/`l`/`1` and `B`/`8` cannot be confused; it has one case, so it reads aloud
/// letter by letter (in the phonetic alphabet if need be), and it carries 5 bits a character:
/// 20 characters where hex would need 25. Groups of four are what a person holds in mind
/// while the other one reads.
///
/// What it proves: that two people look at the same key, up to the 2^100 above. Nothing
/// about the replica or analyst (those are in the ``IdentityCard``).
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// 20 symbols of 5 bits (0–31): the first 100 bits of the digest, most significant first.
    private let symbols: [UInt8]

    static let symbolCount = 20
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    /// A typed fingerprint longer than this is refused before it is read: 20 characters and
    /// the separators anyone would type.
    static let maximumTypedLength = 64

    public init(of key: ReplicaKey) {
        let digest = Array(SHA256.hash(data: key.rawRepresentation))
        // Symbol i is bits 5i ..< 5i + 5 of the digest.
        symbols = (0..<Self.symbolCount).map { index in
            let bit = index * 5
            let pair = UInt16(digest[bit / 8]) << 8 | UInt16(digest[bit / 8 + 1])
            return UInt8(pair >> (11 - bit % 8) & 0x1F)
        }
    }

    /// What a person typed or pasted: the 20 characters in any case, with spaces and dashes
    /// anywhere; nil for anything else (another number of characters, `0`, `1`, `8`, `9`,
    /// other punctuation, more than 64 bytes in all).
    public init?(typed text: String) {
        let utf8 = text.utf8
        guard utf8.count <= Self.maximumTypedLength else { return nil }
        var symbols: [UInt8] = []
        symbols.reserveCapacity(Self.symbolCount)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "-"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbols.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): symbols.append(byte - UInt8(ascii: "a"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): symbols.append(byte - UInt8(ascii: "2") + 26)
            default: return nil
            }
            guard symbols.count <= Self.symbolCount else { return nil }
        }
        guard symbols.count == Self.symbolCount else { return nil }
        self.symbols = symbols
    }

    /// `XXXX-XXXX-XXXX-XXXX-XXXX`, in capitals.
    public var description: String {
        var output: [UInt8] = []
        for (index, symbol) in symbols.enumerated() {
            if index > 0, index % 4 == 0 { output.append(UInt8(ascii: "-")) }
            output.append(Self.alphabet[Int(symbol)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
