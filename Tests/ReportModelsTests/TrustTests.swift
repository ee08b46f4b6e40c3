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

    // MARK: Identity cards

    @Test func anIdentityCardIsPinned() throws {
        let key = try #require(ReplicaSigningKey(rawRepresentation: Self.rfcSeed))
        let card = try IdentityCard.make(replica: replica, analyst: "Dana Ølund", signingKey: key, created: time)
        #expect(card.signature.hex == "9d8e553cffd3c09ff29ad1dc7136de53278dcb51fbb37ec8fd29a1923d270b22a365342cd06ed6cf09666db6a724810df8311eef92c1ec0c66f72742239e2d01")
        #expect(card.verify())
        #expect(String(decoding: card.encoded, as: UTF8.self)
            == #"{"analyst":"Dana Ølund","created":"2024-06-23T12:00:00.000Z","key":"\#(Self.rfcPublicKey)","replica":"\#(replica)","signature":"\#(card.signature.hex)"}"#)
    }

    @Test func identityCardsRoundTrip() throws {
        let key = ReplicaSigningKey()
        for created in [time, nil] {
            let card = try IdentityCard.make(replica: replica, analyst: "bob \"the\" analyst", signingKey: key, created: created)
            #expect(card.verify())
            #expect(card.key == key.publicKey)
            let read = try IdentityCard(encoded: card.encoded)
            #expect(read == card)
            #expect(read.verify())
            #expect(try IdentityCard(json: card.json) == card)
        }
        #expect(try IdentityCard.make(replica: replica, analyst: "x", signingKey: key).json["created"] == .null)
    }

    @Test func aCardIsMadeOnlyForAnAnalystNameFieldnotesAccepts() {
        #expect(throws: InvalidField.self) { try IdentityCard.make(replica: replica, analyst: "two\nlines", signingKey: ReplicaSigningKey()) }
        #expect(throws: InvalidField.self) { try IdentityCard.make(replica: replica, analyst: " ", signingKey: ReplicaSigningKey()) }
        #expect(throws: InvalidField.self) {
            try IdentityCard.make(replica: replica, analyst: String(repeating: "a", count: 201), signingKey: ReplicaSigningKey())
        }
    }

    @Test func aCardChangedAfterSigningDoesNotVerify() throws {
        let key = ReplicaSigningKey()
        let card = try IdentityCard.make(replica: replica, analyst: "alice", signingKey: key, created: time)
        let changes: [(String, (inout JSONObject) -> Void)] = [
            ("analyst", { $0["analyst"] = .string("mallory") }),
            ("replica", { $0["replica"] = .string(ReplicaID().rawValue) }),
            ("created", { $0["created"] = .string(Timestamp(millisecondsSince1970: 1_719_144_000_001).description) }),
            ("created removed", { $0["created"] = .null }),
            ("key", { $0["key"] = .string(ReplicaSigningKey().publicKey.hex) }),
            ("signature of another card", {
                $0["signature"] = .string(try! IdentityCard.make(replica: replica, analyst: "mallory", signingKey: key, created: time).signature.hex)
            }),
        ]
        for (name, change) in changes {
            let tampered = try IdentityCard(json: edited(card.json, change))
            #expect(!tampered.verify(), "\(name)")
        }
        // Mallory's own card for Alice's replica verifies: a card proves a claim, not its truth.
        let mallory = ReplicaSigningKey()
        let claim = try IdentityCard.make(replica: replica, analyst: "alice", signingKey: mallory, created: time)
        #expect(claim.verify())
        #expect(claim.key.fingerprint != card.key.fingerprint)
    }

    @Test func malformedCardsAreRefused() throws {
        let card = try IdentityCard.make(replica: replica, analyst: "alice", signingKey: ReplicaSigningKey(), created: time)
        let changes: [(String, (inout JSONObject) -> Void)] = [
            ("unknown member", { $0["comment"] = .string("hi") }),
            ("missing analyst", { $0["analyst"] = nil }),
            ("missing created", { $0["created"] = nil }),
            ("missing signature", { $0["signature"] = nil }),
            ("analyst a number", { $0["analyst"] = .int(7) }),
            ("analyst two lines", { $0["analyst"] = .string("alice\nbob") }),
            ("analyst control", { $0["analyst"] = .string("alice\u{1B}[2J") }),
            ("analyst empty", { $0["analyst"] = .string("") }),
            ("analyst too long", { $0["analyst"] = .string(String(repeating: "a", count: 201)) }),
            ("key a number", { $0["key"] = .int(1) }),
            ("key an array", { $0["key"] = .array([]) }),
            ("key short", { $0["key"] = .string(String(card.key.hex.dropLast(2))) }),
            ("key uppercase", { $0["key"] = .string(card.key.hex.uppercased()) }),
            ("key of small order", { $0["key"] = .string("01" + String(repeating: "0", count: 62)) }),
            ("signature 63 bytes", { $0["signature"] = .string(String(card.signature.hex.dropLast(2))) }),
            ("signature 65 bytes", { $0["signature"] = .string(card.signature.hex + "00") }),
            ("signature null", { $0["signature"] = .null }),
            ("created a number", { $0["created"] = .int(1_719_144_000_000) }),
            ("created not canonical", { $0["created"] = .string("2024-06-23T12:00:00Z") }),
            ("created a date", { $0["created"] = .string("2024-06-23") }),
            ("created long", { $0["created"] = .string(String(repeating: "2", count: 1_000_000)) }),
            ("replica uppercase", { $0["replica"] = .string(card.replica.rawValue.uppercased()) }),
            ("replica not random", { $0["replica"] = .string("00000000-0000-0000-0000-000000000000") }),
            ("replica not an id", { $0["replica"] = .string("alice") }),
            ("replica a number", { $0["replica"] = .int(3) }),
        ]
        for (name, change) in changes {
            #expect(throws: ShapeError.self, "\(name)") { try IdentityCard(json: edited(card.json, change)) }
        }
        #expect(throws: ShapeError.self) { try IdentityCard(json: .array([card.json])) }
        #expect(throws: ShapeError.self) { try IdentityCard(json: .string(String(decoding: card.encoded, as: UTF8.self))) }
    }

    @Test func cardBytesAreReadStrictlyAndBounded() throws {
        let card = try IdentityCard.make(replica: replica, analyst: "alice", signingKey: ReplicaSigningKey(), created: time)
        let text = String(decoding: card.encoded, as: UTF8.self)
        // Another spelling of the same card: white space, keys out of order, an escaped letter.
        for spelling in [" " + text, text.replacingOccurrences(of: ",", with: ", "),
                         text.replacingOccurrences(of: #""alice""#, with: #""\u0061lice""#),
                         #"{"replica":"\#(replica)","#
                             + text.dropFirst().replacingOccurrences(of: #","replica":"\#(replica)""#, with: "")] {
            #expect(throws: ShapeError.self, "\(spelling)") { try IdentityCard(encoded: Array(spelling.utf8)) }
            #expect(try IdentityCard(json: JSONValue(parsing: spelling)) == card)
        }
        for garbage in ["", "{", "null", "[]", "{}", text + "x", String(text.dropLast())] {
            #expect(throws: ShapeError.self, "\(garbage)") { try IdentityCard(encoded: Array(garbage.utf8)) }
        }
        // Too long is refused before it is parsed: this one is not even JSON.
        let huge = [UInt8](repeating: UInt8(ascii: "["), count: IdentityCard.maximumEncodedSize + 1)
        #expect { try IdentityCard(encoded: huge) } throws: { ($0 as? ShapeError)?.problem.contains("at most") == true }
        // The longest name fieldnotes accepts fits.
        let longest = try IdentityCard.make(replica: replica, analyst: String(repeating: "\u{1F469}\u{200D}\u{1F52C}", count: 200),
                                            signingKey: ReplicaSigningKey(), created: time)
        #expect(longest.encoded.count <= IdentityCard.maximumEncodedSize)
        #expect(try IdentityCard(encoded: longest.encoded) == longest)
    }

    // MARK: Key rotations

    @Test func aRotationVerifiesAndRoundTrips() throws {
        let old = ReplicaSigningKey(), new = ReplicaSigningKey()
        let rotation = KeyRotation.make(replica: replica, from: old, to: new, time: time)
        #expect(rotation.verify())
        #expect(rotation.oldKey == old.publicKey && rotation.newKey == new.publicKey)
        #expect(try KeyRotation(encoded: rotation.encoded) == rotation)
        #expect(try KeyRotation(json: rotation.json) == rotation)
        #expect(rotation.encoded.count <= KeyRotation.maximumEncodedSize)
        #expect(String(decoding: rotation.encoded, as: UTF8.self).hasPrefix(#"{"newKey":"\#(new.publicKey.hex)","newSignature":"#))
    }

    @Test func aRotationNeedsBothKeys() throws {
        let old = ReplicaSigningKey(), new = ReplicaSigningKey(), third = ReplicaSigningKey()
        let rotation = KeyRotation.make(replica: replica, from: old, to: new, time: time)
        let bytes = rotation.signedBytes
        let changes: [(String, (inout JSONObject) -> Void)] = [
            ("signed only by the new key", { $0["oldSignature"] = .string(new.signature(for: bytes, in: .keyRotation).hex) }),
            ("old signature by a third key", { $0["oldSignature"] = .string(third.signature(for: bytes, in: .keyRotation).hex) }),
            ("new signature by a third key", { $0["newSignature"] = .string(third.signature(for: bytes, in: .keyRotation).hex) }),
            ("new signature by the old key", { $0["newSignature"] = .string(old.signature(for: bytes, in: .keyRotation).hex) }),
            ("signatures swapped", {
                $0["oldSignature"] = .string(rotation.newSignature.hex)
                $0["newSignature"] = .string(rotation.oldSignature.hex)
            }),
            ("to a third key", { $0["newKey"] = .string(third.publicKey.hex) }),
            ("from a third key", { $0["oldKey"] = .string(third.publicKey.hex) }),
            ("another replica", { $0["replica"] = .string(ReplicaID().rawValue) }),
            ("another time", { $0["time"] = .string(Timestamp(millisecondsSince1970: time.millisecondsSince1970 + 1).description) }),
            ("the old key's signature in another context", {
                $0["oldSignature"] = .string(old.signature(for: bytes, in: .identityCard).hex)
            }),
        ]
        for (name, change) in changes {
            let tampered = try KeyRotation(json: edited(rotation.json, change))
            #expect(!tampered.verify(), "\(name)")
        }
        // Someone holding only a third key can make a valid rotation, but only from their own key:
        // whether that key is the one pinned for the replica is for the store to check.
        let fromThird = KeyRotation.make(replica: replica, from: third, to: new, time: time)
        #expect(fromThird.verify())
        #expect(fromThird.oldKey != rotation.oldKey)
    }

    @Test func malformedRotationsAreRefused() throws {
        let rotation = KeyRotation.make(replica: replica, from: ReplicaSigningKey(), to: ReplicaSigningKey(), time: time)
        let changes: [(String, (inout JSONObject) -> Void)] = [
            ("unknown member", { $0["analyst"] = .string("alice") }),
            ("missing time", { $0["time"] = nil }),
            ("missing new signature", { $0["newSignature"] = nil }),
            ("time null", { $0["time"] = .null }),
            ("time a number", { $0["time"] = .int(1) }),
            ("time with an offset", { $0["time"] = .string("2024-06-23T15:00:00.000+03:00") }),
            ("old key a number", { $0["oldKey"] = .int(1) }),
            ("new key the old one", { $0["newKey"] = .string(rotation.oldKey.hex) }),
            ("new key long", { $0["newKey"] = .string(rotation.newKey.hex + "00") }),
            ("old signature short", { $0["oldSignature"] = .string(String(rotation.oldSignature.hex.dropLast(2))) }),
            ("new signature bool", { $0["newSignature"] = .bool(true) }),
            ("replica not an id", { $0["replica"] = .string("") }),
        ]
        for (name, change) in changes {
            #expect(throws: ShapeError.self, "\(name)") { try KeyRotation(json: edited(rotation.json, change)) }
        }
        let text = String(decoding: rotation.encoded, as: UTF8.self)
        #expect(throws: ShapeError.self) { try KeyRotation(encoded: Array((text + "\n").utf8)) }
        #expect(throws: ShapeError.self) { try KeyRotation(encoded: [UInt8](repeating: UInt8(ascii: " "), count: 1025)) }
    }
}
