import Crypto
@testable import ReportModels
import Testing

/// Known answers were computed independently, with Python's `hashlib`, `base64` and
/// `cryptography` (OpenSSL's Ed25519), not with the code under test.
@Suite("Keys, signatures, fingerprints, identity cards and key rotations")
struct TrustTests {
    /// RFC 8032 §7.1, test 1: the seed and the public key it gives.
    static let rfcSeed = bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let rfcPublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

    let replica = ReplicaID("3f2a9c1b-0000-4000-8000-000000000001")!
    let time = Timestamp(millisecondsSince1970: 1_719_144_000_000)

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func flipping(_ bit: Int, of bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        copy[bit / 8] ^= 1 << (bit % 8)
        return copy
    }

    /// `json`'s object with `change` applied.
    func edited(_ json: JSONValue, _ change: (inout JSONObject) -> Void) -> JSONValue {
        guard case .object(var object) = json else { preconditionFailure() }
        change(&object)
        return .object(object)
    }

    // MARK: Keys

    @Test func aSeedGivesTheRFC8032PublicKey() throws {
        let key = try #require(ReplicaSigningKey(rawRepresentation: Self.rfcSeed))
        #expect(key.publicKey.hex == Self.rfcPublicKey)
        #expect(key.rawRepresentation == Self.rfcSeed)
        #expect(ReplicaKey(hex: Self.rfcPublicKey) == key.publicKey)
    }

    @Test func aGeneratedKeySurvivesItsRawRepresentation() throws {
        let key = ReplicaSigningKey()
        #expect(key.rawRepresentation.count == 32)
        let again = try #require(ReplicaSigningKey(rawRepresentation: key.rawRepresentation))
        #expect(again.publicKey == key.publicKey)
        #expect(ReplicaKey(rawRepresentation: key.publicKey.rawRepresentation) == key.publicKey)
        #expect(ReplicaSigningKey().publicKey != key.publicKey)
    }

    @Test func keysOfTheWrongLengthAreRefused() {
        let raw = ReplicaSigningKey().publicKey.rawRepresentation
        #expect(ReplicaKey(rawRepresentation: Array(raw.dropLast())) == nil)
        #expect(ReplicaKey(rawRepresentation: raw + [0]) == nil)
        #expect(ReplicaKey(rawRepresentation: []) == nil)
        #expect(ReplicaSigningKey(rawRepresentation: Array(Self.rfcSeed.dropLast())) == nil)
        #expect(ReplicaSigningKey(rawRepresentation: Self.rfcSeed + [0]) == nil)
    }

    @Test func theHexFormIsStrict() {
        #expect(ReplicaKey(hex: Self.rfcPublicKey.uppercased()) == nil)
        #expect(ReplicaKey(hex: String(Self.rfcPublicKey.dropLast())) == nil)
        #expect(ReplicaKey(hex: Self.rfcPublicKey + "00") == nil)
        #expect(ReplicaKey(hex: "g" + Self.rfcPublicKey.dropFirst()) == nil)
        #expect(ReplicaKey(hex: " " + Self.rfcPublicKey.dropFirst()) == nil)
        #expect(ReplicaKey(hex: String(repeating: "a", count: 10_000_000)) == nil)
        // 32 bytes of base64 are not the key's form.
        #expect(ReplicaKey(hex: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=") == nil)
        #expect(Signature(hex: String(repeating: "0", count: 126)) == nil)
        #expect(Signature(hex: String(repeating: "0", count: 130)) == nil)
        #expect(Signature(hex: String(repeating: "A", count: 128)) == nil)
    }

    /// swift-crypto takes any 32 bytes, and with the neutral point as key, R = B, S = 1 is a
    /// valid signature of every message: a key anyone can sign for.
    @Test func keysOfSmallOrderAreRefused() throws {
        let neutral = Self.bytes("0100000000000000000000000000000000000000000000000000000000000000")
        let forged = Self.bytes("5866666666666666666666666666666666666666666666666666666666666666"
                                + "0100000000000000000000000000000000000000000000000000000000000000")
        let cryptoKey = try Curve25519.Signing.PublicKey(rawRepresentation: neutral)
        #expect(cryptoKey.isValidSignature(forged, for: Array("anything at all".utf8)))
        #expect(ReplicaKey(rawRepresentation: neutral) == nil)
        for encoding in [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ] {
            let bytes = Self.bytes(encoding)
            #expect(ReplicaKey(rawRepresentation: bytes) == nil, "\(encoding)")
            #expect(ReplicaKey(rawRepresentation: Self.flipping(255, of: bytes)) == nil, "\(encoding) with the sign bit flipped")
        }
    }

    @Test func aSigningKeyNeverShowsItsSecret() throws {
        let key = try #require(ReplicaSigningKey(rawRepresentation: Self.rfcSeed))
        var dumped = ""
        dump(key, to: &dumped)
        let seedHex = Hex.encode(Self.rfcSeed)
        for shown in [key.description, String(describing: key), String(reflecting: key), "\(key)", dumped] {
            #expect(!shown.contains(seedHex))
            #expect(!shown.contains("157, 97, 177"), "the seed's bytes as an array")
            #expect(shown.contains(key.publicKey.fingerprint.description))
        }
    }

    // MARK: Signatures

    @Test func signaturesVerifyAndAnyFlippedBitFails() throws {
        let key = ReplicaSigningKey()
        let message = Array("a changeset header".utf8)
        let signature = key.signature(for: message, in: .changeset)
        #expect(signature.rawRepresentation.count == 64)
        #expect(signature.verify(message, in: .changeset, by: key.publicKey))
        #expect(Signature(hex: signature.hex) == signature)
        #expect(key.signature(for: message, in: .changeset) == signature, "Ed25519 is deterministic")

        for bit in 0..<(message.count * 8) {
            #expect(!signature.verify(Self.flipping(bit, of: message), in: .changeset, by: key.publicKey))
        }
        for bit in 0..<512 {
            let flipped = try #require(Signature(rawRepresentation: Self.flipping(bit, of: signature.rawRepresentation)))
            #expect(!flipped.verify(message, in: .changeset, by: key.publicKey), "bit \(bit)")
        }
        for bit in 0..<256 {
            // A flipped key may be no key fieldnotes accepts at all; if it is one, it must fail.
            if let flipped = ReplicaKey(rawRepresentation: Self.flipping(bit, of: key.publicKey.rawRepresentation)) {
                #expect(!signature.verify(message, in: .changeset, by: flipped), "bit \(bit)")
            }
        }
        #expect(!signature.verify(message, in: .changeset, by: ReplicaSigningKey().publicKey))
        #expect(!signature.verify(message + [0], in: .changeset, by: key.publicKey))
        #expect(!signature.verify([], in: .changeset, by: key.publicKey))
    }

    @Test func signaturesOfTheWrongLengthAreRefusedCleanly() throws {
        let key = ReplicaSigningKey()
        let signature = key.signature(for: [1, 2, 3], in: .changeset).rawRepresentation
        #expect(Signature(rawRepresentation: Array(signature.dropLast())) == nil)
        #expect(Signature(rawRepresentation: signature + [0]) == nil)
        #expect(Signature(rawRepresentation: []) == nil)
        // And swift-crypto itself says no without trapping, should a caller go round us.
        let cryptoKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
        let message = SignatureContext.changeset.bytes + [1, 2, 3]
        #expect(cryptoKey.isValidSignature(signature, for: message))
        #expect(!cryptoKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!cryptoKey.isValidSignature(signature + [0], for: message))
        #expect(!cryptoKey.isValidSignature([UInt8](), for: message))
    }

    @Test func contextsAreDistinctAndNoneIsAPrefixOfAnother() {
        let all = SignatureContext.allCases.map(\.bytes)
        #expect(Set(all).count == all.count)
        for context in all {
            #expect(context.last == 0)
            #expect(context.dropLast().allSatisfy { $0 != 0 })
            for other in all where other != context {
                #expect(!other.starts(with: context))
            }
        }
        #expect(String(decoding: SignatureContext.version.bytes, as: UTF8.self) == "fieldnotes version signature v1\0")
        #expect(String(decoding: SignatureContext.changeset.bytes, as: UTF8.self) == "fieldnotes changeset signature v1\0")
    }

    @Test func aMakerSignatureIsPinned() throws {
        // SHA-256("fieldnotes"), signed as a version's hash with the RFC 8032 seed.
        let key = try #require(ReplicaSigningKey(rawRepresentation: Self.rfcSeed))
        let hash = ContentHash(bytes: Self.bytes("f0328d62995a88966d983a1f85e436f82c775b434c6b2038186a10ebc1cb5cf5"))
        let signature = MakerSignature.sign(hash: hash, with: key)
        #expect(signature.hex == "59c1cebdcfddf0865df6c449b45ede6221980fd453e7597136c8516b775768c55ffa381f2a51d4119bdaa703018b0d0f2faa860ebe7265b10aa500653cd0de07")
        #expect(MakerSignature.verify(hash: hash, signature: signature, key: key.publicKey))
    }

    @Test func aMakerSignatureIsNotAWriterSignature() {
        let key = ReplicaSigningKey()
        let version = Version(snapshot: Report(id: ReportID(), title: "Strike", author: "alice", createdAt: time, updatedAt: time),
                              after: VectorClock(), replica: replica, author: "alice", time: time)
        let maker = MakerSignature.sign(hash: version.hash, with: key)
        #expect(MakerSignature.verify(hash: version.hash, signature: maker, key: key.publicKey))
        #expect(!MakerSignature.verify(hash: version.hash, signature: maker, key: ReplicaSigningKey().publicKey))
        // The same 32 bytes, as a changeset header: refused either way round.
        #expect(!WriterSignature.verify(header: version.hash.bytes, signature: maker, key: key.publicKey))
        let writer = WriterSignature.sign(header: version.hash.bytes, with: key)
        #expect(WriterSignature.verify(header: version.hash.bytes, signature: writer, key: key.publicKey))
        #expect(!MakerSignature.verify(hash: version.hash, signature: writer, key: key.publicKey))
        // Nor is either any other kind.
        for context in SignatureContext.allCases {
            #expect(maker.verify(version.hash.bytes, in: context, by: key.publicKey) == (context == .version))
        }
        // A hash of another length is no version's.
        #expect(!MakerSignature.verify(hash: ContentHash(bytes: Array(version.hash.bytes.dropLast())), signature: maker, key: key.publicKey))
    }

    // MARK: Fingerprints

    @Test func theFingerprintIsPinned() throws {
        // base64.b32encode(hashlib.sha256(key).digest())[:20], in groups of four.
        let key = try #require(ReplicaKey(hex: Self.rfcPublicKey))
        #expect(key.fingerprint.description == "EH7D-DX5B-KSRG-CYTL-7BKA")
        #expect(Fingerprint(of: key) == key.fingerprint)
        #expect(ReplicaSigningKey().publicKey.fingerprint != key.fingerprint)
    }

    @Test func whateverIsTypedReadsAsTheSameFingerprint() throws {
        let fingerprint = try #require(ReplicaKey(hex: Self.rfcPublicKey)).fingerprint
        for typed in ["EH7D-DX5B-KSRG-CYTL-7BKA", "eh7d-dx5b-ksrg-cytl-7bka", "EH7DDX5BKSRGCYTL7BKA",
                      "eh7d dx5b ksrg cytl 7bka", " Eh7D - dX5b -- KSRG CYTL-7bka ", "E-H-7-D-D-X-5-B-K-S-R-G-C-Y-T-L-7-B-K-A"] {
            #expect(Fingerprint(typed: typed) == fingerprint, "\(typed)")
        }
        let other = try #require(Fingerprint(typed: "EH7D-DX5B-KSRG-CYTL-7BKB"))
        #expect(other != fingerprint)
        #expect(other.description == "EH7D-DX5B-KSRG-CYTL-7BKB")
    }

    @Test func whatIsNotAFingerprintIsRefused() {
        for typed in ["", "EH7D-DX5B-KSRG-CYTL-7BK", "EH7D-DX5B-KSRG-CYTL-7BKAA", "EH7D-DX5B-KSRG-CYTL-7BK0",
                      "EH7D-DX5B-KSRG-CYTL-7BK1", "EH7D-DX5B-KSRG-CYTL-7BK8", "EH7D-DX5B-KSRG-CYTL-7BK9",
                      "EH7D_DX5B_KSRG_CYTL_7BKA", "EH7D.DX5B.KSRG.CYTL.7BKA", "EH7D-DX5B-KSRG-CYTL-7BKÅ",
                      "EH7D\tDX5B-KSRG-CYTL-7BKA", "EH7D-DX5B-KSRG-CYTL-7BKA=",
                      String(repeating: " ", count: 60) + "EH7DDX5BKSRGCYTL7BKA",
                      String(repeating: "A", count: 1_000_000)] {
            #expect(Fingerprint(typed: typed) == nil, "\(typed.prefix(80))")
        }
    }
}
