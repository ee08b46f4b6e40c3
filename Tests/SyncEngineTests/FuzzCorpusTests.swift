import Crypto
import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The fuzzer's seed corpus (`Fuzz/Corpus`; `Scripts/fuzz`, `Fuzz/Sources/FuzzTarget.swift`).
/// Each seed's first byte names what it is fed to (`C` a changeset, `K` a changeset read in
/// pieces, `P` a changeset's payload, `S` a signed changeset's payload, `E` the same to be
/// encrypted, `V` a version, `N` a name in a shared folder, `R` a replica.json); the seeds in
/// `bad/` are known-bad inputs. Changesets are of every format: `signed-*` are format 2,
/// `encrypted-*` format 3 (with the fuzzer's team key). The seeds are made by the real code:
///
/// ```sh
/// FIELDNOTES_WRITE_FUZZ_CORPUS=1 swift test --filter FuzzCorpusTests
/// ```
///
/// writes them again (when the format changes); every run checks that the valid ones are
/// still read and the bad ones still refused.
@Suite("Fuzz seed corpus")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Fuzz/Corpus")

    static func seeds(in folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpus.appending(path: folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (name, Array(try Data(contentsOf: directory.appending(path: name))))
        }
    }

    /// Writes the corpus once, before either test reads it, when asked to.
    static let written: Bool = {
        guard ProcessInfo.processInfo.environment["FIELDNOTES_WRITE_FUZZ_CORPUS"] != nil else { return false }
        do { try write() } catch { Issue.record(error) }
        return true
    }()

    @Test func validSeedsAreAccepted() throws {
        _ = Self.written
        let changesets = try Self.seeds(in: "changeset")
        #expect(changesets.count >= 10)
        #expect(changesets.filter { $0.bytes.count > 10 && $0.bytes[10] == 2 }.count >= 6, "format-2 seeds")
        for (name, bytes) in changesets {
            #expect(bytes.first == UInt8(ascii: "C"), "\(name)")
            #expect(throws: Never.self, "\(name)") { try ChangesetReader.read(bytes: Array(bytes.dropFirst()), teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
        }
        for (name, bytes) in try Self.seeds(in: "chunked") {
            #expect(bytes.first == UInt8(ascii: "K") && bytes.count > 2, "\(name)")
            #expect(throws: Never.self, "\(name)") {
                try ChangesetReader.read(bytes: Array(bytes.dropFirst(2)), chunkSize: Int(bytes[1]) + 1, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in }
            }
        }
        for (name, bytes) in try Self.seeds(in: "payload") {
            #expect(bytes.first == UInt8(ascii: "P"), "\(name)")
            #expect(throws: Never.self, "\(name)") { try ChangesetReader.read(bytes: FuzzTarget.wrapping(payload: Array(bytes.dropFirst()))) { _, _ in } }
        }
        let signedPayloads = try Self.seeds(in: "signed-payload")
        #expect(signedPayloads.count >= 3)
        for (name, bytes) in signedPayloads {
            #expect(bytes.first == UInt8(ascii: "S") && bytes.count > 1, "\(name)")
            #expect(throws: Never.self, "\(name)") {
                try ChangesetReader.read(bytes: FuzzTarget.signedFile(payload: Array(bytes.dropFirst(2)), identityCount: Int(bytes[1]))) { _, _ in }
            }
        }
        let encryptedPayloads = try Self.seeds(in: "encrypted-payload")
        #expect(encryptedPayloads.count >= 2)
        for (name, bytes) in encryptedPayloads {
            #expect(bytes.first == UInt8(ascii: "E") && bytes.count > 1, "\(name)")
            #expect(throws: Never.self, "\(name)") {
                try ChangesetReader.read(bytes: FuzzTarget.encryptedFile(payload: Array(bytes.dropFirst(2)), identityCount: Int(bytes[1])),
                                         teamKey: FuzzTarget.fuzzTeamKey) { _, _ in }
            }
        }
        #expect(changesets.filter { $0.bytes.count > 10 && $0.bytes[10] == 3 }.count >= 2, "format-3 seeds")
        for (name, bytes) in try Self.seeds(in: "version") {
            #expect(bytes.first == UInt8(ascii: "V"), "\(name)")
            let version = try Version(encoded: Array(bytes.dropFirst()))
            try version.snapshot.validate()
            #expect(try Version.header(encoded: Array(bytes.dropFirst())) == version.header)
        }
        for (name, bytes) in try Self.seeds(in: "name") {
            #expect(bytes.first == UInt8(ascii: "N"), "\(name)")
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            #expect(SharedFolder.sequence(ofFileNamed: text) != nil || ReplicaID(text) != nil, "\(name): \(text)")
        }
        for (name, bytes) in try Self.seeds(in: "replica-json") {
            #expect(bytes.first == UInt8(ascii: "R"), "\(name)")
            #expect(ReplicaInfo(parsing: bytes.dropFirst()) != nil, "\(name)")
        }
        // The target's own checks hold on every seed (crashing here as in the fuzzer): a
        // changeset in pieces as whole, a payload encrypted as in clear.
        for folder in Self.validFolders {
            for (_, bytes) in try Self.seeds(in: folder) { FuzzTarget.run(bytes) }
        }
    }

    static let validFolders = ["changeset", "chunked", "payload", "signed-payload", "encrypted-payload", "version", "name", "replica-json"]

    @Test func badSeedsAreRefused() throws {
        _ = Self.written
        let bad = try Self.seeds(in: "bad")
        #expect(bad.count >= 8)
        for (name, bytes) in bad {
            let data = Array(bytes.dropFirst())
            switch bytes.first {
            case UInt8(ascii: "C"):
                #expect(throws: ChangesetError.self, "\(name)") { try ChangesetReader.read(bytes: data, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
                expectReason(name) { try ChangesetReader.read(bytes: data, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
            case UInt8(ascii: "S"):
                #expect(throws: ChangesetError.self, "\(name)") {
                    try ChangesetReader.read(bytes: FuzzTarget.signedFile(payload: Array(data.dropFirst()), identityCount: Int(data.first ?? 0))) { _, _ in }
                }
                expectReason(name) {
                    try ChangesetReader.read(bytes: FuzzTarget.signedFile(payload: Array(data.dropFirst()), identityCount: Int(data.first ?? 0))) { _, _ in }
                }
            case UInt8(ascii: "E"):
                let file = FuzzTarget.encryptedFile(payload: Array(data.dropFirst()), identityCount: Int(data.first ?? 0))
                #expect(throws: ChangesetError.self, "\(name)") { try ChangesetReader.read(bytes: file, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
                expectReason(name) { try ChangesetReader.read(bytes: file, teamKey: FuzzTarget.fuzzTeamKey) { _, _ in } }
            case UInt8(ascii: "V"):
                #expect(throws: ShapeError.self, "\(name)") { try Version(encoded: data) }
            case UInt8(ascii: "N"):
                let text = String(decoding: data, as: UTF8.self)
                #expect(SharedFolder.sequence(ofFileNamed: text) == nil, "\(name)")
            default:
                Issue.record("\(name): no known first byte")
            }
        }
    }

    /// Why each known-bad signed seed must be refused (the start of its error's description).
    static let signedReasons: [String: String] = [
        "encrypted-truncated.fnc": "the file is truncated",
        "encrypted-flipped.fnc": "chunk 2 of 4 of its encrypted content does not open",
        "encrypted-reordered.fnc": "chunk 1 of 4 of its encrypted content is chunk 2 moved",
        "encrypted-cut-at-chunk.fnc": "its encrypted content was cut or extended at chunk 3 of 3",
        "encrypted-unknown-key.fnc": "it is encrypted with team key",
        "encrypted-cost.fnc": "damaged header (scrypt cost 2^30",
        "encrypted-header-changed.fnc": "its header is not signed by the key it names",
        "encrypted-payload-unsigned-own": "version 1 (",
        "signed-broken-chain.fnc": "identity line 2 is malformed: rotations[0]: its new key is not the card's key",
        "signed-compressed-size.fnc": "the file is truncated",
        "signed-cut-header.fnc": "the file is truncated",
        "signed-encrypted-flag.fnc": "its header sets flags this fieldnotes does not know (0x2)",
        "signed-forged.fnc": "version 1 (",
        "signed-header-changed.fnc": "its header is not signed by the key it names",
        "signed-identity-count.fnc": "damaged header (9 identity lines",
        "signed-maker-signature.fnc": "version 1 (",
        "signed-missing-identity.fnc": "version 2 (",
        "signed-missing-writer.fnc": "it carries no identity card of its writer",
        "signed-newer-format.fnc": "written in changeset format 4 by a newer fieldnotes",
        "signed-payload-bad-signature": "version 1 (",
        "signed-payload-unsigned-own": "version 1 (",
        "signed-reserved.fnc": "damaged header (reserved bytes are not zero)",
        "signed-shared-key.fnc": "identity line 2 is malformed: its key",
        "signed-signature-changed.fnc": "its header is not signed by the key it names",
        "signed-trailing.fnc": "there is data after the end",
        "signed-truncated.fnc": "the file is truncated",
        "signed-two-lines.fnc": "identity line 3 is malformed: a second identity line",
        "signed-unknown-flag.fnc": "its header sets flags this fieldnotes does not know (0x8000)",
        "signed-unsigned-own.fnc": "version 1 (",
        "signed-unused-identity.fnc": "identity line 3 is malformed: it names replica",
        "signed-wrong-writer-key.fnc": "identity line 1 is malformed: the writer's card holds key",
    ]
    static let signedDetails: [String: String] = [
        "signed-forged.fnc": "is not signed by its maker, mo",
        "signed-maker-signature.fnc": "is not signed by its maker, mo",
        "signed-payload-bad-signature": "is not signed by its maker, mo",
        "signed-missing-identity.fnc": "carries no identity card of its maker",
        "signed-unsigned-own.fnc": "carries no maker signature",
        "signed-payload-unsigned-own": "carries no maker signature",
    ]

    func expectReason(_ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ read: () throws -> Void) {
        guard name.hasPrefix("signed-") || name.hasPrefix("encrypted-") else { return }
        do {
            try read()
        } catch {
            let description = describeError(error)
            #expect(Self.signedReasons[name].map(description.hasPrefix) == true, "\(name): \(description)", sourceLocation: sourceLocation)
            if let detail = Self.signedDetails[name] { #expect(description.contains(detail), "\(name): \(description)", sourceLocation: sourceLocation) }
        }
    }

    // MARK: - Writing the corpus

    static func write() throws {
        let workspace = try Workspace()
        var files: [String: [UInt8]] = [:]
        func changeset(_ versions: [Version], writer: ReplicaID = ReplicaID(), sequence: Int = 1, level: Int32 = 6) throws -> [UInt8] {
            let url = workspace.file("\(UUID().uuidString).fnc")
            let changeset = try ChangesetWriter(at: url, writer: writer, sequence: sequence, level: level, signing: nil)
            for version in versions { try changeset.append(version, signature: nil) }
            _ = try changeset.finish()
            return Array(try Data(contentsOf: url))
        }
        func exported(_ store: Store) throws -> [UInt8] {
            let url = workspace.file("\(UUID().uuidString).fnc")
            _ = try Synchronizer(store: store).export(to: url, all: true)
            return Array(try Data(contentsOf: url))
        }
        func versions(_ store: Store) throws -> [Version] {
            try (store.summaries(ReportFilter()) + store.summaries(ReportFilter(deleted: true))).flatMap { try store.versions(of: $0.id) }
        }

        // One version.
        let alice = try workspace.store("alice")
        let first = try alice.add("Attacks in Dagestan")
        files["changeset/one-version.fnc"] = [UInt8(ascii: "C")] + (try exported(alice))
        files["version/plain.json"] = [UInt8(ascii: "V")] + Array(try alice.versions(of: first)[0].encoded.utf8)

        // Many versions of one report.
        let chain = try workspace.store("chain")
        let edited = try chain.add("Ferry traffic at Kerch")
        for index in 1...12 {
            try chain.commitChange(to: edited) {
                $0.body += "\nUpdate \(index): traffic resumed for \(index * 10) minutes."
                $0.credibility = index % 6 + 1
                $0.tags.insert("update-\(index % 3)")
            }
        }
        files["changeset/many-versions.fnc"] = [UInt8(ascii: "C")] + (try exported(chain))

        // Several reports, one of them deleted; events and sources (the sample has both).
        let several = try workspace.store("several")
        var ids: [ReportID] = []
        for index in 0..<4 { ids.append(try several.add("Report \(index)") { $0.status = index % 2 == 0 ? .review : .final }) }
        try several.commitChange(to: ids[1]) { $0.deleted = true }
        files["changeset/several-reports.fnc"] = [UInt8(ascii: "C")] + (try exported(several))
        files["version/deleted.json"] = [UInt8(ascii: "V")] + Array(try several.versions(of: ids[1]).last!.encoded.utf8)

        let deletion = try workspace.store("deletion")
        let gone = try deletion.add("Withdrawn report")
        try deletion.commitChange(to: gone) { $0.deleted = true }
        files["changeset/deleted-report.fnc"] = [UInt8(ascii: "C")] + (try exported(deletion))

        let items = try workspace.store("items")
        let rich = try items.add("Strike on Sevastopol") {
            $0.events.append(Event(id: ItemID("e3")!, when: "2024-06-23T14:30Z", place: "Sevastopol", lat: 44.6, lon: 33.5,
                                   summary: "Missile debris over a beach.\nSecond line.\tTabbed.", killed: 4, injured: 151))
            $0.sources.append(Source(id: ItemID("s3")!, ref: "Regional governor", reliability: .b))
        }
        try items.commitChange(to: rich) { $0.events.removeAll { $0.id == ItemID("e1")! } }
        try items.commitChange(to: rich) { $0.sources[0].reliability = .a }
        files["changeset/events-and-sources.fnc"] = [UInt8(ascii: "C")] + (try exported(items))
        files["version/events-and-sources.json"] = [UInt8(ascii: "V")] + Array(try items.versions(of: rich).last!.encoded.utf8)

        // Unicode text.
        let unicode = try workspace.store("unicode")
        let text = try unicode.add("Дербент: нападения — 🕌 ⛪ 🕍") {
            $0.body = "Κείμενο, نص عربي, עברית, 中文, 日本語, e\u{301}, \u{200D}👩‍👩‍👧, \u{FEFF}, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n\t\"quoted\" \\ backslash"
            $0.tags = ["north-caucasus"]
        }
        files["changeset/unicode.fnc"] = [UInt8(ascii: "C")] + (try exported(unicode))
        files["version/unicode.json"] = [UInt8(ascii: "V")] + Array(try unicode.versions(of: text).last!.encoded.utf8)

        // A conflict: both edit the title apart; Bob merges, then edits another field, so a
        // version carries the open conflict.
        let bob = try workspace.store("bob")
        let shared = try workspace.folder("shared")
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try alice.commitChange(to: first) { $0.title = "Dagestan: two attacks" }
        try bob.commitChange(to: first) { $0.title = "Flashpoint: Dagestan attacks"; $0.body += "\nBob's line." }
        _ = try alice.sync(shared)
        _ = try bob.sync(shared)
        try bob.commitChange(to: first) { $0.status = .review }
        let conflicted = try bob.versions(of: first).last!
        #expect(!conflicted.snapshot.conflicts.isEmpty)
        files["changeset/conflict.fnc"] = [UInt8(ascii: "C")] + (try exported(bob))
        files["version/conflict.json"] = [UInt8(ascii: "V")] + Array(conflicted.encoded.utf8)
        // The files of a real shared folder, and their names and replica.json.
        let directory = bob.directory(in: shared)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let bytes = Array(try Data(contentsOf: directory.appending(path: name)))
            if name.hasSuffix(".fnc") {
                files["changeset/folder-\(name)"] = [UInt8(ascii: "C")] + bytes
            } else if name == "replica.json" {
                files["replica-json/replica.json"] = [UInt8(ascii: "R")] + bytes
            }
        }

        // Empty, and levels 1 and 6.
        files["changeset/empty.fnc"] = [UInt8(ascii: "C")] + (try changeset([]))
        let all = try versions(several) + versions(items)
        files["changeset/level-1.fnc"] = [UInt8(ascii: "C")] + (try changeset(all, level: 1))
        files["changeset/level-6.fnc"] = [UInt8(ascii: "C")] + (try changeset(all, level: 6))
        files["changeset/sequence-42.fnc"] = [UInt8(ascii: "C")] + (try changeset(try versions(alice), sequence: 42))

        // Read in pieces: the second byte is the piece size less one.
        files["chunked/one-byte-pieces.fnc"] = [UInt8(ascii: "K"), 0] + (try exported(alice))
        files["chunked/seven-byte-pieces.fnc"] = [UInt8(ascii: "K"), 6] + (try changeset(try versions(chain), level: 1))
        files["chunked/empty-in-pieces.fnc"] = [UInt8(ascii: "K"), 3] + (try changeset([]))

        // Payloads, which the fuzzer wraps in a valid file (header, checksum, zlib) itself.
        for (name, store) in [("conflict", bob), ("events-and-sources", items), ("several-reports", several)] {
            files["payload/\(name)"] = [UInt8(ascii: "P")] + Array(try versions(store).map { $0.encoded + "\n" }.joined().utf8)
        }
        files["payload/empty"] = [UInt8(ascii: "P")]

        // Names: a writer's files and directory.
        for name in ["00000001.fnc", "00000042.fnc", "12345678.fnc", "1000000000000.fnc"] {
            files["name/\(name)"] = [UInt8(ascii: "N")] + Array(name.utf8)
        }
        files["name/replica-id"] = [UInt8(ascii: "N")] + Array(alice.identity.replica.rawValue.utf8)

        // Known-bad inputs.
        let good = try exported(several)
        func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var copy = good
            copy.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            return [UInt8(ascii: "C")] + copy
        }
        files["bad/checksum.fnc"] = patched(60, [0xFF, 0xEE])
        files["bad/newer-format.fnc"] = patched(8, [0, 4])
        files["bad/count.fnc"] = patched(36, bigEndian(UInt64(99)))
        files["bad/declared-size.fnc"] = patched(44, bigEndian(UInt64(100)))
        files["bad/zero-sequence.fnc"] = patched(28, bigEndian(UInt64(0)))
        files["bad/compression.fnc"] = patched(84, [2])
        files["bad/truncated.fnc"] = [UInt8(ascii: "C")] + good.prefix(good.count * 2 / 3)
        files["bad/cut-header.fnc"] = [UInt8(ascii: "C")] + good.prefix(40)
        files["bad/trailing-data.fnc"] = [UInt8(ascii: "C")] + good + Array("tail".utf8)
        files["bad/not-a-changeset.fnc"] = [UInt8(ascii: "C")] + Array("Just some notes, not a changeset.".utf8)
        let line = try alice.versions(of: first)[0].encoded
        let raw = workspace.file("raw.fnc")
        _ = try writeRawChangeset([line, line.replacingOccurrences(of: "Attacks", with: "Tampered")], to: raw)
        files["bad/tampered-version.fnc"] = [UInt8(ascii: "C")] + Array(try Data(contentsOf: raw))
        let bomb = workspace.file("bomb.fnc")
        let bombWriter = try ChangesetWriter(at: bomb, writer: ReplicaID(), sequence: 1, level: 9, signing: nil)
        try bombWriter.append(encodedVersion: String(repeating: " ", count: 1 << 18), signature: nil)
        _ = try bombWriter.finish()
        var bombBytes = Array(try Data(contentsOf: bomb))
        bombBytes.replaceSubrange(44..<52, with: bigEndian(UInt64(1024)))
        files["bad/bomb.fnc"] = [UInt8(ascii: "C")] + bombBytes
        files["bad/version-not-canonical.json"] = [UInt8(ascii: "V")] + Array(line.replacingOccurrences(of: "{\"author\"", with: "{ \"author\"").utf8)
        files["bad/version-not-json.json"] = [UInt8(ascii: "V")] + Array("{\"author\":".utf8)
        for (index, name) in [".syncthing.00000001.fnc.tmp", "00000001.sync-conflict-20240623-101010-ABCDEFG.fnc",
                              "00000001 (conflicted copy 2024-06-23).fnc", "000000001.fnc", "0000001.fnc", "00000000.fnc",
                              "1234567890123456789.fnc", "０００００００１.fnc", "999999999999999999.fnc"].enumerated() {
            files["bad/name-\(index)"] = [UInt8(ascii: "N")] + Array(name.utf8)
        }

        try writeSigned(into: &files, workspace: workspace, stores: (alice: alice, bob: bob, chain: chain))
        try writeEncrypted(into: &files, workspace: workspace)

        for folder in validFolders + ["bad"] {
            let url = corpus.appending(path: folder)
            try? FileManager.default.removeItem(at: url)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        for (path, bytes) in files { try Data(bytes).write(to: corpus.appending(path: path)) }
    }

    /// The format-2 seeds: files signed with keys made up here (for the stores' replicas too,
    /// whose versions they sign again), payloads for `S`, and known-bad signed files.
    static func writeSigned(into files: inout [String: [UInt8]], workspace: Workspace, stores: (alice: Store, bob: Store, chain: Store)) throws {
        let (C, K, S) = (UInt8(ascii: "C"), UInt8(ascii: "K"), UInt8(ascii: "S"))
        func signed(_ versions: [(Version, Signature?)], by writer: SigningReplica, identities: [IdentityLine],
                    folder: FolderID? = FolderID(), level: Int32 = 6) throws -> [UInt8] {
            try writeSignedChangeset(versions, to: workspace.file("\(UUID().uuidString).fnc"), by: writer, identities: identities,
                                     folder: folder, sequence: 3, level: level)
        }
        func allVersions(_ store: Store) throws -> [Version] {
            try (store.summaries(ReportFilter()) + store.summaries(ReportFilter(deleted: true))).flatMap { try store.versions(of: $0.id) }
        }
        let wendy = SigningReplica("wendy"), mo = SigningReplica("mo"), lee = SigningReplica("lee")
        let mixed = [wendy.signed("Own"), mo.signed("Relayed, signed"), (lee.version("Relayed, unsigned"), nil), wendy.signed("Own again")]
        let good = try signed(mixed, by: wendy, identities: [wendy.line, mo.line])
        files["changeset/signed-own-and-relayed.fnc"] = [C] + good
        files["changeset/signed-by-hand.fnc"] = [C] + (try signed(mixed, by: wendy, identities: [wendy.line, mo.line], folder: nil))
        files["changeset/signed-empty.fnc"] = [C] + (try signed([], by: wendy, identities: [wendy.line]))
        files["changeset/signed-unsigned-relayed-only.fnc"] = [C] + (try signed([(lee.version("Legacy"), nil)], by: wendy, identities: [wendy.line]))

        // A store's versions (a conflict, unicode), signed again with keys made up for its makers.
        let alice = SigningReplica("alice", id: stores.alice.identity.replica)
        let bob = SigningReplica("bob", id: stores.bob.identity.replica)
        let bobs = try allVersions(stores.bob).map { version in (version, [alice, bob].first { $0.id == version.dot.replica }!.sign(version)) }
        files["changeset/signed-conflict.fnc"] = [C] + (try signed(bobs, by: bob, identities: [bob.line, alice.line]))
        let chain = SigningReplica("chain", id: stores.chain.identity.replica)
        let chains = try allVersions(stores.chain).map { ($0, chain.sign($0)) }
        files["changeset/signed-level-1.fnc"] = [C] + (try signed(chains, by: wendy, identities: [wendy.line, chain.line], level: 1))

        // A maker that rotated its key: versions signed before and after.
        let id = ReplicaID()
        let (old, new) = (ReplicaSigningKey(), ReplicaSigningKey())
        let before = SigningReplica("rho", id: id, key: old)
        let after = SigningReplica("rho", id: id, key: new, rotations: [KeyRotation.make(replica: id, from: old, to: new, time: .now)])
        files["changeset/signed-rotation.fnc"] = [C] + (try signed([wendy.signed("Own"), before.signed("Before"), after.signed("After")],
                                                                    by: wendy, identities: [wendy.line, after.line]))
        files["chunked/signed-in-pieces.fnc"] = [K, 4] + good

        // Payloads the fuzzer signs itself, as its own writer.
        let fuzzer = SigningReplica("fuzzer", id: FuzzTarget.fuzzWriter, key: FuzzTarget.fuzzKey)
        func payload(_ identities: [IdentityLine], _ versions: [(Version, Signature?)]) -> [UInt8] {
            [S, UInt8(identities.count)] + signedPayload(identities, versions)
        }
        files["signed-payload/own"] = payload([fuzzer.line], [fuzzer.signed("Own"), fuzzer.signed("Own again")])
        files["signed-payload/relayed"] = payload([fuzzer.line, mo.line, after.line],
                                                  [fuzzer.signed("Own"), mo.signed("Relayed"), before.signed("Rotated"), (lee.version("Legacy"), nil)])
        files["signed-payload/empty"] = payload([fuzzer.line], [])
        files["signed-payload/conflict"] = payload([fuzzer.line, bob.line, alice.line], bobs)

        // Known-bad signed files.
        func changed(_ offset: Int, _ bytes: [UInt8], resigning: Bool = false) -> [UInt8] {
            var copy = good
            copy.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            if resigning { resignHeader(&copy, with: wendy.key) }
            return [C] + copy
        }
        files["bad/signed-header-changed.fnc"] = changed(52, [good[52] ^ 1])
        files["bad/signed-signature-changed.fnc"] = changed(170, [good[170] ^ 0x10])
        files["bad/signed-encrypted-flag.fnc"] = changed(86, bigEndian(UInt16(2)), resigning: true)
        files["bad/signed-unknown-flag.fnc"] = changed(86, bigEndian(UInt16(0x8000)), resigning: true)
        files["bad/signed-newer-format.fnc"] = changed(8, [0, 4])
        files["bad/signed-reserved.fnc"] = changed(155, [1], resigning: true)
        files["bad/signed-identity-count.fnc"] = changed(104, bigEndian(UInt64(9)), resigning: true)
        files["bad/signed-compressed-size.fnc"] = changed(112, bigEndian(UInt64(good.count)), resigning: true)
        files["bad/signed-truncated.fnc"] = [C] + good.prefix(good.count - 3)
        files["bad/signed-cut-header.fnc"] = [C] + good.prefix(200)
        files["bad/signed-trailing.fnc"] = [C] + good + [0]
        func crafted(_ identities: [IdentityLine], _ versions: [(Version, Signature?)]) -> [UInt8] {
            [C] + FuzzTarget.signedFile(payload: signedPayload(identities, versions), identityCount: identities.count,
                                        writer: wendy.id, key: wendy.key)
        }
        let (relayed, relayedSignature) = mo.signed("Relayed")
        var tampered = relayedSignature!.rawRepresentation
        tampered[0] ^= 1
        files["bad/signed-maker-signature.fnc"] = crafted([wendy.line, mo.line], [(relayed, Signature(rawRepresentation: tampered))])
        let forged = mo.version("Forged")
        files["bad/signed-forged.fnc"] = crafted([wendy.line, mo.line], [(forged, wendy.sign(forged))])
        files["bad/signed-missing-identity.fnc"] = crafted([wendy.line], [wendy.signed("Own"), mo.signed("No card")])
        files["bad/signed-missing-writer.fnc"] = crafted([mo.line], [mo.signed("Relayed")])
        files["bad/signed-unsigned-own.fnc"] = crafted([wendy.line], [(wendy.version("Unsigned"), nil)])
        files["bad/signed-unused-identity.fnc"] = crafted([wendy.line, mo.line, lee.line], [wendy.signed("Own"), mo.signed("Relayed")])
        files["bad/signed-two-lines.fnc"] = crafted([wendy.line, mo.line, mo.line], [wendy.signed("Own"), mo.signed("Relayed")])
        files["bad/signed-shared-key.fnc"] = crafted([wendy.line, SigningReplica("mo", id: mo.id, key: wendy.key).line],
                                                     [(forged, wendy.sign(forged))])
        files["bad/signed-wrong-writer-key.fnc"] = crafted([SigningReplica("wendy", id: wendy.id).line], [wendy.signed("Own")])
        // A chain that does not reach the card's key, written by hand.
        let card = try IdentityCard.make(replica: id, analyst: "rho", signingKey: ReplicaSigningKey())
        let broken = #"{"card":\#(String(decoding: card.encoded, as: UTF8.self)),"rotations":[\#(String(decoding: after.line.rotations[0].encoded, as: UTF8.self))]}"#
        let (own, ownSignature) = wendy.signed("Own")
        let brokenPayload = signedPayload([wendy.line], []) + Array((broken + "\n").utf8) + signedPayload([], [(own, ownSignature), before.signed("Rotated")])
        files["bad/signed-broken-chain.fnc"] = [C] + FuzzTarget.signedFile(payload: brokenPayload, identityCount: 2, writer: wendy.id, key: wendy.key)
        files["bad/signed-payload-unsigned-own"] = [S, 1] + signedPayload([fuzzer.line], [(fuzzer.version("Unsigned"), nil)])
        files["bad/signed-payload-bad-signature"] = [S, 2] + signedPayload([fuzzer.line, mo.line], [(relayed, Signature(rawRepresentation: tampered))])
    }

    /// The format-3 seeds: files encrypted with the fuzzer's team key, payloads for `E`, and
    /// known-bad encrypted files (each tampering of DESIGN.md §10).
    static func writeEncrypted(into files: inout [String: [UInt8]], workspace: Workspace) throws {
        let (C, K, E) = (UInt8(ascii: "C"), UInt8(ascii: "K"), UInt8(ascii: "E"))
        let wendy = SigningReplica("wendy"), mo = SigningReplica("mo")
        func encrypted(_ versions: [(Version, Signature?)], identities: [IdentityLine], level: Int32 = 6) throws -> [UInt8] {
            let url = workspace.file("\(UUID().uuidString).fnc")
            let file = try ChangesetWriter(at: url, writer: wendy.id, sequence: 3, level: level,
                                           signing: ChangesetSigning(key: wendy.key, folder: FolderID(), identities: identities),
                                           encryption: ChangesetEncryption(key: FuzzTarget.fuzzTeamKey))
            for (version, signature) in versions { try file.append(version, signature: signature) }
            _ = try file.finish()
            return Array(try Data(contentsOf: url))
        }
        let small = try encrypted([wendy.signed("Own"), mo.signed("Relayed")], identities: [wendy.line, mo.line])
        files["changeset/encrypted.fnc"] = [C] + small
        files["chunked/encrypted-in-pieces.fnc"] = [K, 6] + small
        // Four chunks: text that does not compress, stored (level 0).
        var generator = SeededGenerator(state: 3)
        let noisy = (0..<4).map { index in
            var report = Report.sample()
            report.title = "Noisy \(index)"
            report.body = String((0..<52_000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789 ".randomElement(using: &generator)! })
            let version = Version(snapshot: report, after: VectorClock(), replica: wendy.id, author: "wendy", time: .now)
            return (version, Optional(wendy.sign(version)))
        }
        let large = try encrypted(noisy, identities: [wendy.line], level: 0)
        files["changeset/encrypted-chunks.fnc"] = [C] + large

        let fuzzer = SigningReplica("fuzzer", id: FuzzTarget.fuzzWriter, key: FuzzTarget.fuzzKey)
        files["encrypted-payload/own"] = [E, 1] + signedPayload([fuzzer.line], [fuzzer.signed("Own"), fuzzer.signed("Own again")])
        files["encrypted-payload/relayed"] = [E, 2] + signedPayload([fuzzer.line, mo.line], [fuzzer.signed("Own"), mo.signed("Relayed")])
        files["bad/encrypted-payload-unsigned-own"] = [E, 1] + signedPayload([fuzzer.line], [(fuzzer.version("Unsigned"), nil)])

        // Known-bad: the large file (its chunks) tampered with, and headers changed and signed again.
        let header = ChangesetHeader.format3Size, chunk = PayloadCipher.sealedChunkSize
        precondition((large.count - header + chunk - 1) / chunk == 4, "the large seed has four chunks")
        func resigned(_ bytes: [UInt8]) -> [UInt8] {
            var copy = bytes
            copy.replaceSubrange(224..<288, with: WriterSignature.sign(header: Array(copy[0..<224]), with: wendy.key).rawRepresentation)
            return copy
        }
        files["bad/encrypted-truncated.fnc"] = [C] + large.prefix(large.count - 5)
        var flipped = large
        flipped[header + chunk + 7] ^= 0x01
        files["bad/encrypted-flipped.fnc"] = [C] + flipped
        var reordered = large
        reordered.replaceSubrange(header..<header + chunk, with: large[header + chunk..<header + 2 * chunk])
        reordered.replaceSubrange(header + chunk..<header + 2 * chunk, with: large[header..<header + chunk])
        files["bad/encrypted-reordered.fnc"] = [C] + reordered
        // Cut after three chunks, with a header that says so: the third was not sealed as the last.
        var cut = Array(large.prefix(header + 3 * chunk))
        cut.replaceSubrange(112..<120, with: bigEndian(UInt64(3 * PayloadCipher.chunkSize)))
        cut.replaceSubrange(52..<84, with: Array(SHA256.hash(data: Array(cut[header...]))))
        files["bad/encrypted-cut-at-chunk.fnc"] = [C] + resigned(cut)
        var unknownKey = small
        unknownKey[165] ^= 0x01
        files["bad/encrypted-unknown-key.fnc"] = [C] + resigned(unknownKey)
        var costly = small
        costly[177] = 30
        files["bad/encrypted-cost.fnc"] = [C] + resigned(costly)
        var changed = small
        changed[200] ^= 0x01
        files["bad/encrypted-header-changed.fnc"] = [C] + changed
    }
}
