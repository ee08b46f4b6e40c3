import Crypto
import CryptoExtras
import Foundation
import ReportModels

/// How a team key is derived from a passphrase (DESIGN.md §10): scrypt, with its cost and
/// salt recorded beside what it encrypts so the cost can be raised later and any member can
/// derive the same key. The parameters come from shared folders and files, so every reader
/// bounds them before deriving: a hostile header must not make a laptop spend gigabytes.
public struct KeyDerivation: Hashable, Sendable {
    /// The cost: N = 2^logN.
    public let logN: Int
    /// scrypt's block size.
    public let r: Int
    /// scrypt's parallelism.
    public let p: Int
    public let salt: [UInt8]

    /// What `team init`, `team rekey` and `export --passphrase-file` use: 2^17 × 8 takes 128 MiB
    /// and about half a second — once per laptop per folder, never per file.
    public static let standardLogN = 17
    public static let standardR = 8
    public static let saltSize = 16
    /// Readers refuse costs above 2^20 (1 GiB at r = 8) and parameters outside these ranges.
    public static let logNRange = 10...20
    public static let rRange = 1...16
    public static let pRange = 1...4
    /// scrypt needs 128 · r · N bytes: at most this.
    public static let maximumMemory = 1 << 30

    /// Checked parameters; nil when any is out of range.
    public init?(logN: Int, r: Int, p: Int, salt: [UInt8]) {
        guard Self.logNRange.contains(logN), Self.rRange.contains(r), Self.pRange.contains(p), salt.count == Self.saltSize,
              128 * r << logN <= Self.maximumMemory
        else { return nil }
        (self.logN, self.r, self.p, self.salt) = (logN, r, p, salt)
    }

    /// The standard cost with a new random salt.
    public static func fresh() -> KeyDerivation {
        KeyDerivation(logN: standardLogN, r: standardR, p: 1, salt: randomBytes(saltSize))!
    }

    /// The key `passphrase` gives (its Unicode NFC form, in UTF-8: the same words typed on two
    /// systems give the same key).
    public func deriveKey(from passphrase: String) throws -> TeamKey {
        let bytes = Array(passphrase.precomposedStringWithCanonicalMapping.utf8)
        let key = try KDF.Scrypt.deriveKey(from: bytes, salt: salt, outputByteCount: TeamKey.byteCount,
                                           rounds: 1 << logN, blockSize: r, parallelism: p)
        return TeamKey(rawRepresentation: key.withUnsafeBytes { Array($0) }, derivation: self)!
    }

    // MARK: JSON (team.json)

    public var json: JSONValue {
        .object(["kdf": .string("scrypt"), "logN": .int(Int64(logN)), "p": .int(Int64(p)), "r": .int(Int64(r)),
                 "salt": .string(Hex.encode(salt))])
    }

    public init?(json: JSONValue) {
        guard case .object(let members) = json, members.members.count == 5, members["kdf"]?.stringValue == "scrypt",
              let logN = members["logN"]?.smallInteger, let r = members["r"]?.smallInteger, let p = members["p"]?.smallInteger,
              let salt = members["salt"]?.stringValue.flatMap({ Hex.decode($0, byteCount: Self.saltSize) })
        else { return nil }
        self.init(logN: logN, r: r, p: p, salt: salt)
    }
}

/// A team's symmetric key (AES-256), with how it was derived. Its ``id`` is derived from the
/// key itself, so a wrong passphrase is told apart from a damaged file, and a file names the
/// key it needs without revealing it.
public struct TeamKey: Hashable, Sendable {
    public static let byteCount = 32
    public let id: TeamKeyID
    public let rawRepresentation: [UInt8]
    public let derivation: KeyDerivation

    public init?(rawRepresentation: [UInt8], derivation: KeyDerivation) {
        guard rawRepresentation.count == Self.byteCount else { return nil }
        self.rawRepresentation = rawRepresentation
        self.derivation = derivation
        let id = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: rawRepresentation),
                                        info: Array("fieldnotes team key id v1".utf8), outputByteCount: TeamKeyID.byteCount)
        self.id = TeamKeyID(bytes: id.withUnsafeBytes { Array($0) })!
    }

    var symmetricKey: SymmetricKey { SymmetricKey(data: rawRepresentation) }

    /// New passphrases shorter than this are refused (one already chosen is whatever it is).
    public static let minimumPassphraseLength = 10

    /// A new key from a new passphrase (`team init`, `team rekey`, `export --encrypt`):
    /// ``TeamError/passphraseTooShort(minimum:)`` for a short one; else derived at the standard
    /// cost with a new salt (`derivation`: a cheaper one, for tests).
    public static func new(from passphrase: String, derivation: KeyDerivation = .fresh()) throws -> TeamKey {
        guard passphrase.count >= minimumPassphraseLength else { throw TeamError.passphraseTooShort(minimum: minimumPassphraseLength) }
        return try derivation.deriveKey(from: passphrase)
    }
}

/// Names a team key: 16 bytes derived from it, written in hex.
public struct TeamKeyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 16
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex, byteCount: Self.byteCount) else { return nil }
        self.bytes = bytes
    }

    public var hex: String { Hex.encode(bytes) }
    /// The first 8 hex digits, enough to tell a team's keys apart in a listing.
    public var short: String { String(hex.prefix(8)) }
    public var description: String { hex }
    public static func < (a: TeamKeyID, b: TeamKeyID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}

extension JSONValue {
    /// An integer from 0 to 2^20, nil for anything else.
    var smallInteger: Int? {
        guard case .int(let value) = self, (0...1_048_576).contains(value) else { return nil }
        return Int(value)
    }
}
