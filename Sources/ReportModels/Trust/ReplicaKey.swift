import Crypto

/// A replica's public key: the 32 bytes of an Ed25519 public key (RFC 8032).
///
/// What it proves: a ``Signature`` that verifies under it was made by whoever holds the
/// matching ``ReplicaSigningKey``. What it does not: who that is. A key is bound to a replica
/// and an analyst only by an ``IdentityCard``, and to a person only when two analysts have
/// compared its ``Fingerprint``.
///
/// Its text form, in JSON, is lowercase hex (64 characters), as ``ContentHash`` is written:
/// one spelling per key, read by a check of length and alphabet. Base64 would be 20 characters
/// shorter but has several spellings of one key (padding or none, and the two spare bits of
/// the last character, which most decoders ignore) that a strict reader would have to refuse
/// one by one; and once zlib has compressed a changeset, either text costs about the 32 bytes.
public struct ReplicaKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    /// The key's 32 bytes, as Ed25519 encodes a point.
    public let rawRepresentation: [UInt8]

    /// Fails on anything but 32 bytes, on a key swift-crypto refuses, and on the encodings of
    /// the eight points of small order.
    ///
    /// swift-crypto (BoringSSL) checks only the length, and a small-order key is one for which
    /// anyone can make signatures that verify, without any private key: with the neutral
    /// point, `R = [S]B` verifies for every message and every `S`. Such a key would make a
    /// self-signed ``IdentityCard`` or the new key's signature on a ``KeyRotation`` prove
    /// nothing. (32 bytes that encode no point at all are kept: no signature verifies under
    /// them, so no card holding one verifies.)
    public init?(rawRepresentation bytes: [UInt8]) {
        guard bytes.count == Self.byteCount,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil,
              !Self.hasSmallOrder(bytes)
        else { return nil }
        rawRepresentation = bytes
    }

    /// A key made by swift-crypto from a private key, which is never of small order.
    init(generated key: Curve25519.Signing.PublicKey) {
        rawRepresentation = Array(key.rawRepresentation)
    }

    /// The key from its ``hex`` form: exactly 64 lowercase hex digits.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex, byteCount: Self.byteCount) else { return nil }
        self.init(rawRepresentation: bytes)
    }

    /// Lowercase hex, 64 characters: the JSON form.
    public var hex: String { Hex.encode(rawRepresentation) }

    public var description: String { hex }

    public var fingerprint: Fingerprint { Fingerprint(of: self) }

    /// swift-crypto's key, for verifying.
    var cryptoKey: Curve25519.Signing.PublicKey? { try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) }

    /// The encodings of the points of order 1, 2, 4 and 8, with the sign bit (the top bit of
    /// the last byte) cleared: y = 0, 1, the two y of the points of order 8, p − 1, and the
    /// non-canonical p and p + 1 (p = 2^255 − 19). The same list as libsodium's; checked by
    /// computing the 8-torsion of the curve.
    private static let smallOrderEncodings: [[UInt8]] = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ].map { Hex.decode($0, byteCount: 32)! }

    static func hasSmallOrder(_ bytes: [UInt8]) -> Bool {
        var masked = bytes
        masked[31] &= 0x7F
        return smallOrderEncodings.contains(masked)
    }
}

/// A replica's private key (Ed25519), which signs the versions it makes, the changesets it
/// writes, its ``IdentityCard`` and its ``KeyRotation``s.
///
/// It signs only within a ``SignatureContext``: there is no way to sign bare bytes, so no
/// signature it makes for one purpose can be presented as made for another. Its description,
/// debug description and mirror show the public key's fingerprint, never the private key.
public struct ReplicaSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let key: Curve25519.Signing.PrivateKey
    public let publicKey: ReplicaKey

    /// A new random key.
    public init() {
        self.init(Curve25519.Signing.PrivateKey())
    }

    /// The key from its ``rawRepresentation`` (its 32-byte seed); nil for any other length.
    public init?(rawRepresentation bytes: [UInt8]) {
        guard bytes.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else { return nil }
        self.init(key)
    }

    private init(_ key: Curve25519.Signing.PrivateKey) {
        self.key = key
        publicKey = ReplicaKey(generated: key.publicKey)
    }

    /// The 32-byte seed (RFC 8032's private key), for the store to keep. Secret.
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// Signs `context`'s bytes followed by `message` (deterministic, as Ed25519 is).
    public func signature(for message: [UInt8], in context: SignatureContext) -> Signature {
        do {
            return Signature(unchecked: Array(try key.signature(for: context.bytes + message)))
        } catch {
            // BoringSSL's ED25519_sign cannot fail; swift-crypto declares that it throws.
            preconditionFailure("Ed25519 signing failed: \(error)")
        }
    }

    public var description: String { "ReplicaSigningKey(public key \(publicKey.fingerprint))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}
