import Crypto
import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// A cheap derivation for tests that derive many keys (the standard cost takes half a second).
func cheapDerivation() -> KeyDerivation {
    KeyDerivation(logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 7, count: KeyDerivation.saltSize))!
}

func testTeamKey(_ passphrase: String = "correct horse battery staple") -> TeamKey {
    try! KeyDerivation(logN: 10, r: 8, p: 1, salt: Array(passphrase.utf8.prefix(16)) + [UInt8](repeating: 1, count: max(0, 16 - passphrase.utf8.count)))!
        .deriveKey(from: passphrase)
}

/// Team keys and their derivation from a passphrase (DESIGN.md §10).
@Suite("Team keys")
struct TeamKeyTests {
    @Test func aPassphraseGivesTheSameKeyEveryTimeAndAnotherGivesAnother() throws {
        let derivation = cheapDerivation()
        let key = try derivation.deriveKey(from: "correct horse battery staple")
        #expect(try derivation.deriveKey(from: "correct horse battery staple") == key)
        #expect(try derivation.deriveKey(from: "correct horse battery stapler").id != key.id)
        let salted = KeyDerivation(logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 8, count: 16))!
        #expect(try salted.deriveKey(from: "correct horse battery staple").id != key.id)
    }

    /// "é" typed as one code point on one system and as e + accent on another is one key.
    @Test func aPassphraseIsNormalizedBeforeItIsDerived() throws {
        let derivation = cheapDerivation()
        #expect(try derivation.deriveKey(from: "caf\u{E9} au lait").id == derivation.deriveKey(from: "cafe\u{301} au lait").id)
    }

    @Test func theStandardCostIsScryptTwoToTheSeventeenthWithASixteenByteSalt() {
        let fresh = KeyDerivation.fresh()
        #expect((fresh.logN, fresh.r, fresh.p, fresh.salt.count) == (17, 8, 1, 16))
        #expect(KeyDerivation.fresh().salt != fresh.salt)
    }

    /// Parameters come from shared folders: a cost that would take gigabytes is refused.
    @Test func costsBeyondTheBoundsAreRefused() {
        let salt = [UInt8](repeating: 0, count: 16)
        #expect(KeyDerivation(logN: 20, r: 8, p: 1, salt: salt) != nil)
        #expect(KeyDerivation(logN: 21, r: 8, p: 1, salt: salt) == nil)
        #expect(KeyDerivation(logN: 20, r: 9, p: 1, salt: salt) == nil)
        #expect(KeyDerivation(logN: 9, r: 8, p: 1, salt: salt) == nil)
        #expect(KeyDerivation(logN: 17, r: 0, p: 1, salt: salt) == nil)
        #expect(KeyDerivation(logN: 17, r: 8, p: 5, salt: salt) == nil)
        #expect(KeyDerivation(logN: 17, r: 8, p: 1, salt: [1]) == nil)
    }

    @Test func aDerivationRoundTripsThroughJSONAndAnythingElseIsRefused() throws {
        let derivation = KeyDerivation.fresh()
        #expect(KeyDerivation(json: try JSONValue(parsing: Array(derivation.json.canonicalBytes))) == derivation)
        for text in [#"{"kdf":"scrypt","logN":30,"p":1,"r":8,"salt":"00000000000000000000000000000000"}"#,
                     #"{"kdf":"argon2","logN":17,"p":1,"r":8,"salt":"00000000000000000000000000000000"}"#,
                     #"{"kdf":"scrypt","logN":17.5,"p":1,"r":8,"salt":"00000000000000000000000000000000"}"#,
                     #"{"kdf":"scrypt","logN":17,"p":1,"r":8,"salt":"00"}"#,
                     #"{"kdf":"scrypt","logN":17,"p":1,"r":8,"salt":"00000000000000000000000000000000","x":1}"#] {
            #expect(KeyDerivation(json: try JSONValue(parsing: Array(text.utf8))) == nil, "\(text)")
        }
    }
}

/// age's STREAM over AES-256-GCM, at the sizes where chunking goes wrong.
@Suite("The payload cipher")
struct PayloadCipherTests {
    let key = SymmetricKey(size: .bits256)

    func seal(_ plaintext: [UInt8], pieces: Int = 7_777) throws -> [UInt8] {
        var sealer = PayloadCipher.Sealer(key: key)
        var ciphertext: [UInt8] = []
        var offset = 0
        repeat {
            let end = min(plaintext.count, offset + pieces)
            try plaintext[offset..<end].withUnsafeBytes { try sealer.add($0) { ciphertext += $0 } }
            offset = end
        } while offset < plaintext.count
        try sealer.finish { ciphertext += $0 }
        return ciphertext
    }

    func open(_ ciphertext: [UInt8], key: SymmetricKey? = nil) throws -> [UInt8] {
        var opener = PayloadCipher.Opener(key: key ?? self.key, ciphertextSize: ciphertext.count)
        var offset = 0
        var plaintext: [UInt8] = []
        while !opener.isFinished {
            let size = opener.nextChunkSize(remaining: ciphertext.count - offset)
            plaintext += try opener.open(Array(ciphertext[offset..<offset + size]))
            offset += size
        }
        return plaintext
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 131_072, 3 * 1_048_576 + 17])
    func sizesAroundTheChunkBoundaryRoundTrip(size: Int) throws {
        var generator = SeededGenerator(state: UInt64(size))
        let plaintext = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let ciphertext = try seal(plaintext)
        #expect(ciphertext.count == PayloadCipher.ciphertextSize(plaintextSize: size))
        #expect(try open(ciphertext) == plaintext)
    }

    @Test func aFlippedBitAMovedChunkAndAMovedEndAreEachToldApart() throws {
        let plaintext = [UInt8](repeating: 42, count: 3 * 65_536 + 100)
        let ciphertext = try seal(plaintext)
        let chunk = PayloadCipher.sealedChunkSize

        var flipped = ciphertext
        flipped[chunk + 10] ^= 0x01
        #expect(throws: ChangesetError.undecryptable(chunk: 1, count: 4, reason: .damaged)) { try open(flipped) }

        var swapped = ciphertext
        swapped.replaceSubrange(0..<chunk, with: ciphertext[chunk..<2 * chunk])
        swapped.replaceSubrange(chunk..<2 * chunk, with: ciphertext[0..<chunk])
        #expect(throws: ChangesetError.undecryptable(chunk: 0, count: 4, reason: .reordered(from: 1))) { try open(swapped) }

        // Cut after three full chunks: the third was sealed as not last.
        #expect(throws: ChangesetError.undecryptable(chunk: 2, count: 3, reason: .endMoved)) { try open(Array(ciphertext[0..<3 * chunk])) }

        #expect(throws: ChangesetError.undecryptable(chunk: 0, count: 4, reason: .damaged)) {
            try open(ciphertext, key: SymmetricKey(size: .bits256))
        }
    }
}

/// Changeset format 3: signed, then encrypted for a team (DESIGN.md §10).
@Suite("Encrypted changesets")
struct EncryptedChangesetTests {
    let workspace: Workspace
    let writer = SigningReplica("wendy")
    let maker = SigningReplica("mo")
    let team = testTeamKey()
    let folder = FolderID()

    init() throws { workspace = try Workspace() }

    func write(_ versions: [(Version, Signature?)], key: TeamKey? = nil, sequence: Int = 2, level: Int32 = 6,
               name: String = UUID().uuidString) throws -> URL {
        let url = workspace.file("\(name).fnc")
        let lines = [writer.line] + (versions.contains { $0.0.dot.replica == maker.id } ? [maker.line] : [])
        let file = try ChangesetWriter(at: url, writer: writer.id, sequence: sequence, level: level,
                                       signing: ChangesetSigning(key: writer.key, folder: folder, identities: lines),
                                       encryption: ChangesetEncryption(key: key ?? team))
        for (version, signature) in versions { try file.append(version, signature: signature) }
        _ = try file.finish()
        return url
    }

    func read(_ bytes: [UInt8], key: TeamKey?, chunkSize: Int = ChangesetReader.readSize) throws -> [(Version, Signature?)] {
        var versions: [(Version, Signature?)] = []
        try ChangesetReader.read(bytes: bytes, chunkSize: chunkSize, teamKey: key) { versions.append(($0, $1)) }
        return versions
    }

    func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    /// Reports whose text does not compress, so that a few make a stream of many chunks.
    func noisy(_ count: Int, bytesEach: Int, seed: UInt64 = 1) -> [(Version, Signature?)] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { index in
            var report = Report.sample()
            report.title = "Noisy \(index)"
            report.body = String((0..<bytesEach).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789 ".randomElement(using: &generator)! })
            let version = Version(snapshot: report, after: VectorClock(), replica: writer.id, author: writer.analyst, time: .now)
            return (version, writer.sign(version))
        }
    }

    @Test func aFileRoundTripsAndItsHeaderSaysFormatThreeWithTheKeyItNeeds() throws {
        let versions = [writer.signed("Own"), maker.signed("Relayed")]
        let url = try write(versions)
        let header = try ChangesetReader.header(of: url)
        #expect(header.formatVersion == 3)
        #expect(header.encryption?.key == team.id)
        #expect(header.encryption?.derivation == team.derivation)
        let read = try read(bytes(url), key: team)
        #expect(read.map(\.0) == versions.map(\.0))
        #expect(read.map(\.1) == versions.map(\.1))
    }

    /// Several megabytes, read in pieces that never line up with the chunks.
    @Test func aLargeFileRoundTripsReadInOddPieces() throws {
        let versions = noisy(50, bytesEach: 100_000)
        let url = try write(versions, level: 1)
        let data = try bytes(url)
        #expect(data.count > 3 * 1_048_576)
        #expect(try read(data, key: team, chunkSize: 70_001).map(\.0) == versions.map(\.0))
        var fromDisk: [Version] = []
        try ChangesetReader.read(url, teamKey: team) { version, _ in fromDisk.append(version) }
        #expect(fromDisk == versions.map(\.0))
    }

    /// `grep` on the folder finds nothing: no analyst name, no report text, no source.
    @Test func nothingOfTheContentIsInClear() throws {
        let versions = [writer.signed("Ambush near the northern checkpoint"), maker.signed("Convoy at Kessab")]
        let data = try bytes(try write(versions))
        for word in ["Ambush", "checkpoint", "Kessab", "wendy", "title", "snapshot", "card"] {
            #expect(data.firstRange(of: Array(word.utf8)) == nil, "\(word) is in clear")
        }
    }

    @Test func withoutTheKeyOrWithAnotherTheFileIsRefusedAsNeedingItsKey() throws {
        let data = try bytes(try write([writer.signed("Own")]))
        #expect(throws: ChangesetError.unknownTeamKey(team.id)) { try read(data, key: nil) }
        #expect(throws: ChangesetError.unknownTeamKey(team.id)) { try read(data, key: testTeamKey("another passphrase entirely")) }
    }

    @Test func tamperingIsRefusedEachWithItsOwnError() throws {
        let versions = noisy(8, bytesEach: 30_000)
        let data = try bytes(try write(versions, level: 0))
        let header = ChangesetHeader.format3Size
        let chunk = PayloadCipher.sealedChunkSize
        #expect((data.count - header) / chunk >= 3)

        // Cut short, or with bytes after its end: the signed header says its size.
        #expect(throws: ChangesetError.truncated) { try read(Array(data.dropLast(1)), key: team) }
        #expect(throws: ChangesetError.truncated) { try read(Array(data[0..<header + chunk]), key: team) }
        #expect(throws: ChangesetError.trailingData) { try read(data + [0], key: team) }

        var flipped = data
        flipped[header + chunk + 5] ^= 0x80
        #expect(throws: ChangesetError.undecryptable(chunk: 1, count: (data.count - header + chunk - 1) / chunk, reason: .damaged)) {
            try read(flipped, key: team)
        }

        var reordered = data
        reordered.replaceSubrange(header..<header + chunk, with: data[header + chunk..<header + 2 * chunk])
        reordered.replaceSubrange(header + chunk..<header + 2 * chunk, with: data[header..<header + chunk])
        #expect { try read(reordered, key: team) } throws: { error in
            guard case .undecryptable(0, _, .reordered(from: 1)) = error as? ChangesetError else { return false }
            return true
        }

        // A chunk of another file under the same team key: that file's key is another.
        let other = try bytes(try write(noisy(8, bytesEach: 30_000, seed: 2), level: 0))
        var spliced = data
        spliced.replaceSubrange(header + chunk..<header + 2 * chunk, with: other[header + chunk..<header + 2 * chunk])
        #expect { try read(spliced, key: team) } throws: { error in
            guard case .undecryptable(1, _, .damaged) = error as? ChangesetError else { return false }
            return true
        }

        // The header's fields are signed: changing the key id, nonce or salt breaks it.
        for offset in [165, 185, 200] {
            var changed = data
            changed[offset] ^= 0x01
            #expect { try read(changed, key: team) } throws: { error in
                guard case .badWriterSignature = error as? ChangesetError else { return false }
                return true
            }
        }
    }

    /// A file copied to another writer's sequence number or folder does not open there: its
    /// key is bound to them (and the header, which names them, is signed).
    @Test func theFileKeyIsBoundToFolderWriterAndSequence() throws {
        let nonce = [UInt8](repeating: 3, count: 16)
        let base = PayloadCipher.fileKey(teamKey: team, nonce: nonce, folder: folder, writer: writer.id, sequence: 2)
        #expect(base != PayloadCipher.fileKey(teamKey: team, nonce: nonce, folder: FolderID(), writer: writer.id, sequence: 2))
        #expect(base != PayloadCipher.fileKey(teamKey: team, nonce: nonce, folder: folder, writer: maker.id, sequence: 2))
        #expect(base != PayloadCipher.fileKey(teamKey: team, nonce: nonce, folder: folder, writer: writer.id, sequence: 3))
        #expect(base != PayloadCipher.fileKey(teamKey: team, nonce: [UInt8](repeating: 4, count: 16), folder: folder, writer: writer.id, sequence: 2))
    }

    @Test func aHeaderWithACostBeyondTheBoundsIsRefusedBeforeAnythingIsDerived() throws {
        var data = try bytes(try write([writer.signed("Own")]))
        data[177] = 30
        #expect { try read(data, key: team) } throws: { error in
            guard case .malformedHeader(let detail) = error as? ChangesetError else { return false }
            return detail.contains("scrypt cost")
        }
    }
}
