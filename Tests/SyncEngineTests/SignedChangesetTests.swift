import Crypto
import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// A replica with a key and an identity line, making versions and signing them.
struct SigningReplica {
    let id: ReplicaID
    let analyst: String
    let key: ReplicaSigningKey
    let line: IdentityLine

    init(_ analyst: String, id: ReplicaID = ReplicaID(), key: ReplicaSigningKey = ReplicaSigningKey(), rotations: [KeyRotation] = []) {
        self.id = id
        self.analyst = analyst
        self.key = key
        line = try! IdentityLine(card: IdentityCard.make(replica: id, analyst: analyst, signingKey: key), rotations: rotations)
    }

    /// A new report's first version, made by this replica.
    func version(_ title: String) -> Version {
        var report = Report.sample()
        report.title = title
        report.author = analyst
        return Version(snapshot: report, after: VectorClock(), replica: id, author: analyst, time: .now)
    }

    func sign(_ version: Version) -> Signature { MakerSignature.sign(hash: version.hash, with: key) }

    /// The version with this replica's maker signature.
    func signed(_ title: String) -> (Version, Signature?) {
        let made = version(title)
        return (made, sign(made))
    }
}

/// Changeset format 2 (DESIGN.md §9): the writer signature over the header, checked before
/// the payload; identity lines; maker signatures of relayed versions, checked by the reader.
@Suite("Signed changesets")
struct SignedChangesetTests {
    let workspace: Workspace
    let writer = SigningReplica("wendy")
    let maker = SigningReplica("mo")
    let legacy = SigningReplica("lee")

    init() throws { workspace = try Workspace() }

    /// Writes a format-2 file of `versions` by `writer`, with the identity lines of the
    /// writer and of the makers of its signed versions (or `identities`).
    func write(_ versions: [(Version, Signature?)], by writer: SigningReplica? = nil, identities: [IdentityLine]? = nil,
               folder: FolderID? = FolderID(), level: Int32 = 6, name: String = UUID().uuidString) throws -> URL {
        let writer = writer ?? self.writer
        let url = workspace.file("\(name).fnc")
        let lines = identities ?? [writer.line] + [maker, legacy].filter { replica in
            versions.contains { $0.0.dot.replica == replica.id && $0.1 != nil }
        }.map(\.line)
        let file = try ChangesetWriter(at: url, writer: writer.id, sequence: 2, level: level,
                                       signing: ChangesetSigning(key: writer.key, folder: folder, identities: lines))
        for (version, signature) in versions { try file.append(version, signature: signature) }
        _ = try file.finish()
        return url
    }

    /// Own versions, relayed signed ones and relayed unsigned ones.
    var mixed: [(Version, Signature?)] {
        [writer.signed("Own 1"), maker.signed("Relayed signed 1"), (legacy.version("Relayed unsigned"), nil),
         writer.signed("Own 2"), maker.signed("Relayed signed 2")]
    }

    /// Reads `bytes`, counting the maker signatures verified.
    func read(_ bytes: [UInt8], chunkSize: Int = ChangesetReader.readSize) throws -> (ChangesetContents, [(Version, Signature?)], verified: Int) {
        let counter = VerificationCounter()
        var versions: [(Version, Signature?)] = []
        let contents = try ChangesetReader.read(bytes: bytes, chunkSize: chunkSize, verifier: counter.verifier) { versions.append(($0, $1)) }
        return (contents, versions, counter.count)
    }

    func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    func expectRefusal(_ bytes: [UInt8], _ expected: (ChangesetError) -> Bool, _ comment: Comment? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try read(bytes) } throws: { error in
            guard let error = error as? ChangesetError, expected(error) else {
                Issue.record("\(comment.map { "\($0): " } ?? "")refused with \(error)", sourceLocation: sourceLocation)
                return true
            }
            return true
        }
    }

    // MARK: Round trip

    @Test func ownAndRelayedVersionsRoundTripWithTheirSignatures() throws {
        let folder = FolderID()
        let written = mixed
        let url = try write(written, folder: folder)
        for chunkSize in [ChangesetReader.readSize, 1, 7, 1_000] {
            let (contents, versions, verified) = try read(try bytes(url), chunkSize: chunkSize)
            #expect(versions.map(\.0) == written.map(\.0))
            #expect(versions.map(\.1) == written.map(\.1))
            #expect(contents.identities == [writer.line, maker.line])
            #expect(contents.writerIdentity == writer.line)
            #expect(verified == 2, "the two relayed signed versions, not the writer's own")
            let header = contents.header
            #expect(header.formatVersion == 2 && header.size == 224)
            #expect(header.writer == writer.id && header.sequence == 2 && header.count == 5)
            #expect(header.folder == folder && header.writerKey == writer.key.publicKey)
            #expect(header.signed?.identityCount == 2)
            #expect(header.signed?.compressedSize == (try bytes(url)).count - 224)
        }
        // From a file, and in the background, the same.
        let opened = try ChangesetReader.OpenFile(url)
        #expect(opened.header.formatVersion == 2)
        var background: [(Version, Signature?)] = []
        let contents = try ChangesetReader.readInBackground(opened, prepare: { _ in 0 }) { version, signature, _ in
            background.append((version, signature))
        }
        #expect(background.map(\.0) == written.map(\.0) && background.map(\.1) == written.map(\.1))
        #expect(contents.identities.count == 2 && contents.header == opened.header)
        var fromURL = 0
        #expect(try ChangesetReader.read(url) { _, _ in fromURL += 1 }.identities.count == 2 && fromURL == 5)
    }

    @Test func aFileByHandNamesNoFolderAndAnEmptyFileHoldsTheWritersLine() throws {
        let url = try write([writer.signed("Own")], folder: nil)
        let (contents, _, _) = try read(try bytes(url))
        #expect(contents.header.folder == nil && contents.header.formatVersion == 2)
        #expect(Array(try bytes(url)[86..<104]) == [0, 1] + [UInt8](repeating: 0, count: 16))
        let empty = try write([])
        let (nothing, versions, _) = try read(try bytes(empty))
        #expect(versions.isEmpty && nothing.identities == [writer.line] && nothing.header.count == 0)
    }

    @Test func aSignedFileImportsIntoAStore() throws {
        let store = try workspace.store("reader")
        let url = try write(mixed)
        let summary = Synchronizer(store: store).importFiles([url])
        #expect(summary.skipped.isEmpty && summary.importedVersions == 5, "\(summary.skipped)")
        try store.expectVerified()
    }

    /// The writer's own versions are covered by the writer signature; relayed ones are
    /// verified on the thread that reads the file, not the one the versions are handed to.
    @Test func relayedSignaturesAreVerifiedOnTheReadingThreadAndOwnOnesNotAtAll() throws {
        let own = (0..<200).map { writer.signed("Own \($0)") }
        let relayed = (0..<3).map { maker.signed("Relayed \($0)") }
        let url = try write(own + relayed)
        let counter = VerificationCounter()
        let consumer = pthread_self()
        var handed = 0
        try ChangesetReader.readInBackground(try ChangesetReader.OpenFile(url), verifier: counter.verifier, prepare: { _ in 0 }) { _, _, _ in
            #expect(pthread_equal(pthread_self(), consumer) != 0)
            handed += 1
        }
        #expect(handed == 203)
        #expect(counter.count == 3)
        #expect(counter.onThread(consumer) == 0, "no signature was verified on the thread the versions were handed to")
    }

    // MARK: The writer signature

    /// Every byte of the header is the writer's word: changed, the file is refused — by the
    /// checks of shape where the change makes the header one no fieldnotes writes, else by the
    /// signature — before any of the payload is read.
    @Test func everyHeaderByteIsCoveredBeforeThePayloadIsRead() throws {
        let url = try write(mixed)
        let good = try bytes(url)
        #expect(throws: Never.self) { try read(good) }
        for offset in 12..<224 {
            var changed = good
            changed[offset] ^= 1
            // And the payload replaced by garbage: it is never reached.
            for index in 224..<changed.count { changed[index] = UInt8(truncatingIfNeeded: index &* 31) }
            let expected: (ChangesetError) -> Bool
            switch offset {
            case 28..<35, 36..<43, 44..<51, 104..<111, 112..<119:
                // A high byte of a number: out of range, or no longer fitting the others.
                expected = { if case .malformedHeader = $0 { true } else if case .badWriterSignature = $0 { true } else { false } }
            case 84: expected = { $0 == .malformedHeader("unknown compression 0") }
            case 86: expected = { $0 == .unknownFlags(0x100) }
            case 87: expected = { $0 == .malformedHeader("a file written by hand names a folder") }
            case 152..<160: expected = { $0 == .malformedHeader("reserved bytes are not zero") }
            // The writer and key named are the header's, as changed.
            default: expected = { if case .badWriterSignature = $0 { true } else { false } }
            }
            expectRefusal(changed, expected, "byte \(offset)")
            // From a file too (where the size of the file is also checked, after the signature).
            if offset % 16 == 0 {
                try Data(changed).write(to: url)
                #expect(throws: ChangesetError.self) { try ChangesetReader.OpenFile(url) }
            }
        }
        // The lowest byte of each number changes it within range: only the signature tells.
        for offset in [35, 43, 51, 111, 119] {
            var changed = good
            changed[offset] ^= 1
            expectRefusal(changed, { if case .badWriterSignature = $0 { true } else { false } }, "byte \(offset)")
        }
    }

    @Test func theBadSignatureErrorNamesTheWriterAndItsKey() throws {
        var changed = try bytes(try write(mixed))
        changed[200] ^= 0x80
        let error = ChangesetError.badWriterSignature(writer: writer.id, fingerprint: writer.key.publicKey.fingerprint)
        expectRefusal(changed, { $0 == error })
        let message = try #require(error.errorDescription)
        #expect(message.contains(writer.id.short) && message.contains("\(writer.key.publicKey.fingerprint)"))
        #expect(!message.contains("\n"))
        // Through a store: refused, the store unchanged.
        let url = workspace.file("bad.fnc")
        try Data(changed).write(to: url)
        let store = try workspace.store("reader")
        let before = try store.rawDump()
        let summary = Synchronizer(store: store).importFiles([url])
        #expect(summary.skipped.first?.reason.contains("is not signed by the key it names for its writer") == true)
        #expect(try store.rawDump() == before)
    }

    /// A payload changed and its zlib stream made consistent again (its Adler-32) still
    /// fails the SHA-256 in the signed header: here, the maker signature of the writer's own
    /// version, which nothing else checks.
    @Test func aChangedPayloadFailsItsChecksum() throws {
        // Level 0: the stream stores the payload as it is, so a byte of it can be found.
        let own = writer.signed("Own")
        let url = try write([own], level: 0)
        let good = try bytes(url)
        var changed = good
        let canary = Array(own.1!.hex.utf8)
        let at = try #require((224..<changed.count - canary.count).first { Array(changed[$0..<$0 + canary.count]) == canary })
        let replacement = canary[0] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        changed[at] = replacement
        let inflater = try Inflater()
        var payload: [UInt8] = []
        _ = try good.withUnsafeBytes { try inflater.decompress(UnsafeRawBufferPointer(rebasing: $0[224...])) { payload += $0 } }
        payload[payload.firstRange(of: canary)!.lowerBound] = replacement
        changed.replaceSubrange(changed.count - 4..<changed.count, with: bigEndian(adler32(payload)))
        expectRefusal(changed, { $0 == .checksumMismatch })
    }

    func adler32(_ bytes: [UInt8]) -> UInt32 {
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    // MARK: Maker signatures

    @Test func aTamperedRelayedSignatureIsRefused() throws {
        let (version, signature) = maker.signed("Relayed")
        var raw = signature!.rawRepresentation
        raw[10] ^= 0x04
        let url = try write([writer.signed("Own"), (version, Signature(rawRepresentation: raw))])
        let expected = ChangesetError.badMakerSignature(index: 1, version: version.dot, analyst: "mo", fingerprint: maker.key.publicKey.fingerprint)
        expectRefusal(try bytes(url), { $0 == expected })
        let message = try #require(expected.errorDescription)
        #expect(message.contains("version 2") && message.contains("mo") && message.contains("\(maker.key.publicKey.fingerprint)"))
    }

    /// W, who holds only its own key, writes a valid file with a version in M's name.
    @Test func aVersionForgedInAnotherMakersNameIsRefused() throws {
        let forged = maker.version("Forged in mo's name")
        // Signed by W's key, with M's real identity line: the signature does not verify.
        let url = try write([writer.signed("Own"), (forged, writer.sign(forged))], identities: [writer.line, maker.line])
        expectRefusal(try bytes(url), { $0 == .badMakerSignature(index: 1, version: forged.dot, analyst: "mo", fingerprint: self.maker.key.publicKey.fingerprint) })
        // With a card for M holding W's own key: a key is one replica's. (The writer refuses
        // to write it, so the file is made by hand.)
        let fake = SigningReplica("mo", id: maker.id, key: writer.key)
        let payload = lines([writer.line, fake.line], [writer.signed("Own"), (forged, writer.sign(forged))])
        expectRefusal(FuzzTarget.signedFile(payload: payload, identityCount: 2, writer: writer.id, key: writer.key),
                      { if case .malformedIdentity(1, let reason) = $0 { reason.contains("also a key of replica \(self.writer.id)") } else { false } })
        #expect(throws: SyncError.self) { try write([(forged, writer.sign(forged))], identities: [writer.line, fake.line]) }
        // With a card for M holding a key W made for the purpose, the file is well formed: the
        // card is handed over, and a store that pinned M's real key refuses it.
        let other = SigningReplica("mo", id: maker.id)
        let (contents, _, _) = try read(try bytes(try write([(forged, other.sign(forged))], identities: [writer.line, other.line])))
        #expect(contents.identities.last?.card.key == other.key.publicKey)
        #expect(contents.identities.last?.card.key != maker.key.publicKey)
    }

    @Test func anUnsignedVersionOfTheWriterIsRefused() throws {
        let own = writer.version("Own, unsigned")
        #expect { try write([(own, nil)]) } throws: { "\($0)".contains("is not signed") }
        let payload = lines([writer.line], [writer.signed("Own"), (own, nil)])
        expectRefusal(FuzzTarget.signedFile(payload: payload, identityCount: 1, writer: writer.id, key: writer.key),
                      { $0 == .unsignedOwnVersion(index: 1, version: own.dot) })
    }

    @Test func aSignedVersionWhoseMakerHasNoIdentityLineIsRefused() throws {
        let relayed = maker.signed("No card")
        #expect(throws: SyncError.self) { try write([relayed], identities: [writer.line]) }
        let payload = lines([writer.line], [writer.signed("Own"), relayed])
        expectRefusal(FuzzTarget.signedFile(payload: payload, identityCount: 1, writer: writer.id, key: writer.key),
                      { $0 == .missingIdentity(index: 1, version: relayed.0.dot) })
        // Unsigned, relayed from a replica whose key the writer does not know: read, unsigned.
        let (_, versions, _) = try read(try bytes(try write([(legacy.version("Legacy"), nil)], identities: [writer.line])))
        #expect(versions.count == 1 && versions[0].1 == nil)
    }

    @Test func identityLinesAreCheckedAgainstTheFile() throws {
        let own = writer.signed("Own")
        let relayed = maker.signed("Relayed")
        func file(_ identities: [IdentityLine], _ versions: [(Version, Signature?)], count: Int? = nil) -> [UInt8] {
            FuzzTarget.signedFile(payload: lines(identities, versions), identityCount: count ?? identities.count, writer: writer.id, key: writer.key)
        }
        func malformed(_ index: Int, _ text: String) -> (ChangesetError) -> Bool {
            { if case .malformedIdentity(index, let reason) = $0 { reason.contains(text) } else { false } }
        }
        expectRefusal(file([maker.line], [relayed]), { $0 == .missingWriterIdentity(writer: self.writer.id) })
        expectRefusal(file([writer.line, maker.line, maker.line], [own, relayed]), malformed(2, "a second identity line"))
        expectRefusal(file([writer.line, maker.line, legacy.line], [own, relayed]), malformed(2, "made no version in the file"))
        let otherKey = SigningReplica("wendy", id: writer.id)
        expectRefusal(file([otherKey.line], [own]), malformed(0, "not the key its header is signed with"))
        // A line in another spelling, and a line that does not verify.
        var spaced = lines([writer.line], [own])
        spaced.insert(UInt8(ascii: " "), at: 1)
        expectRefusal(FuzzTarget.signedFile(payload: spaced, identityCount: 1, writer: writer.id, key: writer.key), malformed(0, "canonical"))
        guard case .object(var card) = maker.line.card.json else { preconditionFailure() }
        card["analyst"] = .string("mallory")
        let unsigned = try IdentityLine(card: IdentityCard(json: .object(card)))
        expectRefusal(file([writer.line, unsigned], [own, relayed]), malformed(1, "not signed by its own key"))
        // The header's count of lines against the lines: the versions are read as lines, or
        // the other way round.
        expectRefusal(file([writer.line, maker.line], [own, relayed], count: 1), { if case .malformedVersion(0, _) = $0 { true } else { false } })
        expectRefusal(file([writer.line], [own, writer.signed("Own 2")], count: 2), { if case .malformedIdentity(1, _) = $0 { true } else { false } })
        #expect(throws: Never.self) { try read(file([writer.line], [])) }
    }

    @Test func aRotatedMakersOldAndNewSignaturesVerifyThroughItsChain() throws {
        let old = ReplicaSigningKey(), middle = ReplicaSigningKey()
        let id = ReplicaID()
        let now = Timestamp.now
        let rotations = [KeyRotation.make(replica: id, from: old, to: middle, time: now)]
        let before = SigningReplica("rho", id: id, key: old)
        let after = SigningReplica("rho", id: id, key: middle, rotations: rotations)
        let versions = [writer.signed("Own"), before.signed("Before the rotation"), after.signed("After the rotation")]
        let (contents, read, verified) = try self.read(try bytes(try write(versions, identities: [writer.line, after.line])))
        #expect(read.count == 3 && verified >= 2)
        #expect(contents.identities.last?.rotations == rotations)
        // Without the rotation, the old key's signature is nobody's.
        expectRefusal(try bytes(try write(versions, identities: [writer.line, SigningReplica("rho", id: id, key: middle).line])),
                      { if case .badMakerSignature(1, _, "rho", _) = $0 { true } else { false } })
    }

    @Test func aBrokenRotationChainIsRefused() throws {
        let id = ReplicaID()
        let keys = (0..<3).map { _ in ReplicaSigningKey() }
        let rotations = [KeyRotation.make(replica: id, from: keys[0], to: keys[1], time: .now)]
        let card = try IdentityCard.make(replica: id, analyst: "rho", signingKey: keys[2])
        // Written by hand: the rotation ends at keys[1], the card holds keys[2].
        let line = #"{"card":\#(String(decoding: card.encoded, as: UTF8.self)),"rotations":[\#(String(decoding: rotations[0].encoded, as: UTF8.self))]}"#
        let version = Version(snapshot: Report.sample(), after: VectorClock(), replica: id, author: "rho", time: .now)
        let signature = MakerSignature.sign(hash: version.hash, with: keys[2])
        let payload = lines([writer.line], []) + Array((line + "\n").utf8) + lines([], [writer.signed("Own"), (version, signature)])
        expectRefusal(FuzzTarget.signedFile(payload: payload, identityCount: 2, writer: writer.id, key: writer.key), {
            if case .malformedIdentity(1, let reason) = $0 { reason.contains("chain is broken") } else { false }
        })
    }

    @Test func malformedVersionLinesAreRefused() throws {
        let (own, signature) = writer.signed("Own")
        for prefix in ["", "- ", String(signature!.hex.dropLast()) + " ", signature!.hex.uppercased() + " ", signature!.hex + "  ", "-", "x "] {
            var payload = lines([writer.line], [])
            payload += Array((prefix + own.encoded + "\n").utf8)
            let file = FuzzTarget.signedFile(payload: payload, identityCount: 1, writer: writer.id, key: writer.key)
            expectRefusal(file, { error in
                if prefix == "- " { return error == .unsignedOwnVersion(index: 0, version: own.dot) }
                if case .malformedVersion(0, _) = error { return true }
                return false
            }, "\(prefix.prefix(10))")
        }
    }

    // MARK: The header

    @Test func flagsThisReaderDoesNotKnowAreRefusedEvenWhenSigned() throws {
        let good = try bytes(try write(mixed))
        for flags: UInt16 in [0b10, 0b11, 0x8000, 0x0100] {
            var changed = good
            changed.replaceSubrange(86..<88, with: bigEndian(flags))
            resign(&changed)
            expectRefusal(changed, { $0 == .unknownFlags(flags) }, "flags \(flags)")
        }
        #expect(ChangesetError.unknownFlags(2).errorDescription?.contains("encrypted") == true)
        // By hand with a folder, or for a folder without one.
        var byHand = good
        byHand[87] = 1
        resign(&byHand)
        expectRefusal(byHand, { $0 == .malformedHeader("a file written by hand names a folder") })
        var noFolder = try bytes(try write(mixed, folder: nil))
        noFolder[87] = 0
        resign(&noFolder)
        expectRefusal(noFolder, { $0 == .malformedHeader("a file written for a folder does not name it") })
    }

    @Test func headerNumbersAreBoundedBeforeUse() throws {
        let good = try bytes(try write(mixed))
        let cases: [(Int, UInt64, String)] = [
            (104, 0, "identity lines"),
            (104, 7, "identity lines"),  // more than versions + 1
            (104, UInt64(ChangesetHeader.maximumIdentityCount) + 1, "identity lines"),
            (104, UInt64.max, "identity lines"),
            (112, 0, "compressed size"),
            (112, UInt64.max, "compressed size"),
            (112, 1 << 49, "compressed size"),
            (36, UInt64.max, "versions in"),
            (44, UInt64.max, "versions in"),
        ]
        for (offset, value, reason) in cases {
            var changed = good
            changed.replaceSubrange(offset..<offset + 8, with: bigEndian(value))
            resign(&changed)
            expectRefusal(changed, { if case .malformedHeader(let detail) = $0 { detail.contains(reason) } else { false } }, "\(offset) = \(value)")
        }
        // A compressed size that is signed but false: the file is not as long.
        var longer = good
        longer.replaceSubrange(112..<120, with: bigEndian(UInt64(good.count - 224 + 1)))
        resign(&longer)
        expectRefusal(longer, { $0 == .truncated })
        var shorter = good
        shorter.replaceSubrange(112..<120, with: bigEndian(UInt64(good.count - 224 - 1)))
        resign(&shorter)
        expectRefusal(shorter, { $0 == .trailingData })
        // A writer key of small order signs anything: refused as no key.
        var smallOrder = good
        smallOrder.replaceSubrange(120..<152, with: [1] + [UInt8](repeating: 0, count: 31))
        expectRefusal(smallOrder, { $0 == .malformedHeader("the writer's key is not an Ed25519 public key") })
    }

    @Test func aNewerFormatIsRefusedAsNewer() throws {
        var changed = try bytes(try write(mixed))
        for version: UInt16 in [4, 0xFFFF] {
            changed.replaceSubrange(8..<10, with: bigEndian(version))
            expectRefusal(changed, { $0 == .newerFormat(Int(version)) })
        }
        // Format 2 with format 1's header size, and the other way round.
        var layout = try bytes(try write(mixed))
        layout.replaceSubrange(10..<12, with: bigEndian(UInt16(96)))
        expectRefusal(layout, { $0 == .malformedHeader("unknown header layout") })
    }

    @Test func formatOneStillReadsWithItsVersionsUnsigned() throws {
        let url = workspace.file("old.fnc")
        let versions = [writer.version("Old 1"), maker.version("Old 2")]
        let file = try ChangesetWriter(at: url, writer: writer.id, sequence: 1, level: 6, signing: nil)
        for version in versions { try file.append(version, signature: nil) }
        let written = try file.finish()
        #expect(written.formatVersion == 1 && written.signed == nil)
        let (contents, read, verified) = try self.read(try bytes(url))
        #expect(contents.header.formatVersion == 1 && contents.header.size == 96 && contents.identities.isEmpty)
        #expect(read.map(\.0) == versions && read.allSatisfy { $0.1 == nil } && verified == 0)
        #expect(try bytes(url)[8..<12] == [0, 1, 0, 96])
    }

    @Test func aTruncatedFileOrOneWithTrailingBytesIsRefused() throws {
        let url = try write((0..<30).map { writer.signed("Own \($0)") } + [maker.signed("Relayed")])
        let good = try bytes(url)
        for length in [0, 5, 8, 11, 12, 100, 159, 160, 223, 224, 225, good.count / 2, good.count - 1] {
            let cut = Array(good.prefix(length))
            expectRefusal(cut, { [.truncated, .notAChangeset].contains($0) }, "\(length) bytes")
            try Data(cut).write(to: url)
            #expect(throws: ChangesetError.self, "\(length) bytes") { try ChangesetReader.read(url) { _, _ in } }
        }
        for tail in [[0], Array("tail".utf8), [UInt8](repeating: 0, count: 70_000)] {
            expectRefusal(good + tail, { $0 == .trailingData })
            try Data(good + tail).write(to: url)
            #expect(throws: ChangesetError.trailingData) { try ChangesetReader.OpenFile(url) }
        }
    }

    // MARK: The writer

    @Test func theWriterRefusesToWriteWhatAReaderWouldRefuse() throws {
        let own = writer.signed("Own")
        let relayed = maker.signed("Relayed")
        let cases: [(String, [IdentityLine], [(Version, Signature?)])] = [
            ("no identity line of the writer", [maker.line], [relayed]),
            ("not its signing key", [SigningReplica("wendy", id: writer.id).line], [own]),
            ("two identity lines of replica", [writer.line, maker.line, maker.line], [own, relayed]),
            ("made no version in the file", [writer.line, maker.line], [own]),
            ("no identity line of its maker", [writer.line], [own, relayed]),
            ("made by the writer and is not signed", [writer.line], [(writer.version("Unsigned"), nil)]),
        ]
        for (reason, identities, versions) in cases {
            #expect(throws: SyncError.self, "\(reason)") { try write(versions, identities: identities) }
            do {
                _ = try write(versions, identities: identities)
            } catch {
                #expect(describeError(error).contains(reason), "\(reason): \(describeError(error))")
                #expect(!describeError(error).contains("\n"))
            }
        }
        // The maker found in a version's text is the one in its dot.
        #expect(ChangesetWriter.maker(ofEncoded: relayed.0.encoded) == maker.id)
        let quoted = SigningReplica(#"a ","dot":"x"#)
        #expect(ChangesetWriter.maker(ofEncoded: quoted.version("Quoted").encoded) == quoted.id)
        let url = workspace.file("text.fnc")
        let file = try ChangesetWriter(at: url, writer: writer.id, sequence: 1, level: 1,
                                       signing: ChangesetSigning(key: writer.key, folder: nil, identities: [writer.line, maker.line]))
        try file.append(encodedVersion: own.0.encoded, signature: own.1)
        try file.append(encodedVersion: relayed.0.encoded, signature: relayed.1)
        _ = try file.finish()
        #expect(try read(try bytes(url)).1.count == 2)
    }

    // MARK: Helpers

    func lines(_ identities: [IdentityLine], _ versions: [(Version, Signature?)]) -> [UInt8] { signedPayload(identities, versions) }

    func resign(_ bytes: inout [UInt8]) { resignHeader(&bytes, with: writer.key) }
}

/// A format-2 payload: identity lines, then version lines.
func signedPayload(_ identities: [IdentityLine], _ versions: [(Version, Signature?)]) -> [UInt8] {
    var payload: [UInt8] = []
    for line in identities { payload += line.encoded + [UInt8(ascii: "\n")] }
    for (version, signature) in versions { payload += Array(((signature?.hex ?? "-") + " " + version.encoded + "\n").utf8) }
    return payload
}

/// Signs a changed format-2 header again, as a writer holding `key` would.
func resignHeader(_ bytes: inout [UInt8], with key: ReplicaSigningKey) {
    bytes.replaceSubrange(160..<224, with: WriterSignature.sign(header: Array(bytes[0..<160]), with: key).rawRepresentation)
}

/// Writes a format-2 file to `url` and returns its bytes.
func writeSignedChangeset(_ versions: [(Version, Signature?)], to url: URL, by writer: SigningReplica, identities: [IdentityLine],
                          folder: FolderID? = FolderID(), sequence: Int = 1, level: Int32 = 6) throws -> [UInt8] {
    let file = try ChangesetWriter(at: url, writer: writer.id, sequence: sequence, level: level,
                                   signing: ChangesetSigning(key: writer.key, folder: folder, identities: identities))
    for (version, signature) in versions { try file.append(version, signature: signature) }
    _ = try file.finish()
    return Array(try Data(contentsOf: url))
}

/// Counts maker-signature checks, and notes the threads they ran on.
final class VerificationCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var threads: [pthread_t] = []

    var count: Int { lock.withLock { threads.count } }

    func onThread(_ thread: pthread_t) -> Int { lock.withLock { threads.filter { pthread_equal($0, thread) != 0 }.count } }

    var verifier: MakerVerifier {
        MakerVerifier { hash, signature, key in
            self.lock.withLock { self.threads.append(pthread_self()) }
            return MakerSignature.verify(hash: hash, signature: signature, key: key)
        }
    }
}
