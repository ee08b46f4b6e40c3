/// What a signature is for: every signed message starts with its context's fixed string.
///
/// The strings are distinct, hold no NUL but the last byte, and so none is a prefix of
/// another: a message of one context never reads as a message of another, and a signature
/// made for one purpose — a version, say — can never be replayed as another — a changeset
/// header over the same bytes. (Ed25519 as swift-crypto offers it has no context parameter of
/// its own; this is the prefix RFC 8032 would otherwise put in Ed25519ctx.) A new kind of
/// signature gets a new case, and a new format of an old one a new version number.
public enum SignatureContext: CaseIterable, Sendable {
    /// A maker signature: ``MakerSignature``.
    case version
    /// A writer signature: ``WriterSignature``.
    case changeset
    /// An ``IdentityCard``'s self-signature.
    case identityCard
    /// Both signatures of a ``KeyRotation``.
    case keyRotation
    /// A replica's `replica.json` in a shared folder (what it imported, whom it retired).
    case replicaInfo
    /// A member's `team.json` in an encrypted folder (the team keys it holds).
    case teamFile

    /// The fixed string, NUL included.
    public var bytes: [UInt8] {
        switch self {
        case .version: Array("fieldnotes version signature v1\0".utf8)
        case .changeset: Array("fieldnotes changeset signature v1\0".utf8)
        case .identityCard: Array("fieldnotes identity card v1\0".utf8)
        case .keyRotation: Array("fieldnotes key rotation v1\0".utf8)
        case .replicaInfo: Array("fieldnotes replica.json v1\0".utf8)
        case .teamFile: Array("fieldnotes team.json v1\0".utf8)
        }
    }
}

/// An Ed25519 signature: 64 bytes.
///
/// What it proves, once ``verify(_:in:by:)`` says so: the holder of the private key of `key`
/// signed exactly this message in this context. Not when, not who holds the key, and not that
/// the message is true.
///
/// Its JSON form is lowercase hex (128 characters), for the reasons given at ``ReplicaKey``.
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 64

    public let rawRepresentation: [UInt8]

    /// Exactly 64 bytes; nil for any other length.
    public init?(rawRepresentation bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        rawRepresentation = bytes
    }

    /// From swift-crypto, which always makes 64 bytes.
    init(unchecked bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount)
        rawRepresentation = bytes
    }

    /// Exactly 128 lowercase hex digits; nil for anything else (the length is checked first).
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex, byteCount: Self.byteCount) else { return nil }
        rawRepresentation = bytes
    }

    public var hex: String { Hex.encode(rawRepresentation) }

    public var description: String { hex }

    /// Whether `key`'s holder signed `context`'s string followed by `message` (RFC 8032
    /// Ed25519, as BoringSSL checks it). False — never a trap — for a key that is no point and
    /// for anything that is not such a signature.
    public func verify(_ message: [UInt8], in context: SignatureContext, by key: ReplicaKey) -> Bool {
        guard rawRepresentation.count == Self.byteCount, let cryptoKey = key.cryptoKey else { return false }
        return cryptoKey.isValidSignature(rawRepresentation, for: context.bytes + message)
    }
}

/// The signature a replica makes on each version it makes, over the version's ``ContentHash``
/// (context ``SignatureContext/version``), kept beside the version and relayed unchanged.
///
/// What it proves: the holder of the maker's key made a version with exactly this content
/// (the hash covers dot, clock, author, time and snapshot). Not that the key is the replica's
/// (that is the store's pinned key), nor that the version's `author` is a person's real name.
public enum MakerSignature {
    /// Signs the 32 bytes of a version's hash.
    public static func sign(hash: ContentHash, with key: ReplicaSigningKey) -> Signature {
        precondition(hash.bytes.count == 32, "a version's hash is a SHA-256 digest")
        return key.signature(for: hash.bytes, in: .version)
    }

    /// Whether `signature` is `key`'s maker signature of the version with this hash (false for
    /// a hash that is not 32 bytes).
    public static func verify(hash: ContentHash, signature: Signature, key: ReplicaKey) -> Bool {
        hash.bytes.count == 32 && signature.verify(hash.bytes, in: .version, by: key)
    }
}

/// The signature a replica makes on each changeset file it writes, over the file's header
/// (context ``SignatureContext/changeset``). The header's bytes are the changeset format's
/// business (SyncEngine); they must name the writer and hold the payload's hash.
///
/// What it proves: the holder of the writer's key wrote a file with this header, hence (by
/// the payload hash in it) this payload. For versions the file relays from other makers, only
/// that the writer passed them on: their own ``MakerSignature`` says who made them.
public enum WriterSignature {
    public static func sign(header: [UInt8], with key: ReplicaSigningKey) -> Signature {
        key.signature(for: header, in: .changeset)
    }

    public static func verify(header: [UInt8], signature: Signature, key: ReplicaKey) -> Bool {
        signature.verify(header, in: .changeset, by: key)
    }
}

/// The bytes a card or a rotation signs: each field as its length (4 bytes, big-endian) and
/// its bytes, so that no two different lists of fields give the same bytes — unlike JSON,
/// whose bytes depend on an encoder.
struct SignedFields {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ field: [UInt8]) {
        precondition(field.count <= Int(UInt32.max))
        let length = UInt32(field.count)
        bytes.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        bytes.append(contentsOf: field)
    }

    mutating func append(_ text: String) { append(Array(text.utf8)) }

    /// A time as its milliseconds since 1970, 8 bytes big-endian (two's complement).
    mutating func append(_ time: Timestamp) {
        let value = UInt64(bitPattern: time.millisecondsSince1970)
        append((0..<8).map { UInt8(value >> (56 - 8 * $0) & 0xFF) })
    }
}
