// Built for fuzzing, and in debug builds, where the tests replay Fuzz/Regressions through it
// (Tests/SyncEngineTests/FuzzTarget.swift is a link to this file). A release build without
// FUZZING has no testable SyncEngine to import.
#if FUZZING || DEBUG

import Crypto
import Foundation
import OfflineStore
import ReportModels
@testable import SyncEngine

/// What one fuzz input is fed to, chosen by its first byte (so one corpus, one executable,
/// and inputs that name their kind: `head -c1 FILE`). The rest of the input is the data.
///
/// | first byte | the rest is | fed to |
/// |---|---|---|
/// | `C` | a whole `.fnc` file | `ChangesetReader.read(bytes:)`, in the reader's own pieces (a format-3 file with ``fuzzTeamKey``) |
/// | `K` | one byte `n`, then a `.fnc` file | the same in pieces of `n + 1` bytes, and checked against `C` |
/// | `P` | a changeset's payload: versions, one a line | made into a whole, valid format-1 `.fnc` file (header, checksum, zlib) and read as `C`, so that mutations get past the checksum |
/// | `S` | one byte `n`, then a format-2 payload: `n` identity lines, then signed versions | made into a whole format-2 file, signed by ``fuzzWriter`` with ``fuzzKey``, and read as `C`, so that mutations get past the writer signature and the checksum |
/// | `E` | the same as `S` | made into a whole format-3 file, signed as `S` and encrypted with ``fuzzTeamKey``, so that mutations reach the line parser through the decryption; read as `C`, and checked against a read in pieces (as `K`, of `1 + size % 1021` bytes) and against `S` of the same input (encryption changes nothing of what is read) |
/// | `V` | one version's canonical JSON | `Version(encoded:)`, `Version.header(encoded:)`, `Version.snapshot(encoded:)` |
/// | `N` | a name in a shared folder | `SharedFolder.sequence(ofFileNamed:)`, `ReplicaID(_:)` (a writer's directory) |
/// | `R` | a `replica.json` or `folder.json` | what the folder scanner reads of them (see `replicaJSON`) |
///
/// Other first bytes are ignored. Refusing an input (a thrown error, nil) is always fine;
/// a crash, a thrown error of the wrong type, or an accepted input that breaks what the
/// format promises (the `precondition`s) is a finding.
enum FuzzTarget {
    static func run(_ input: [UInt8]) {
        guard let kind = input.first else { return }
        let data = Array(input.dropFirst())
        switch kind {
        case UInt8(ascii: "C"):
            _ = changeset(data, chunkSize: ChangesetReader.readSize)
        case UInt8(ascii: "K"):
            guard let size = data.first else { return }
            let file = Array(data.dropFirst())
            let inPieces = changeset(file, chunkSize: Int(size) + 1)
            let whole = changeset(file, chunkSize: ChangesetReader.readSize)
            precondition(inPieces == whole, "the changeset reads differently in pieces of \(Int(size) + 1) bytes")
        case UInt8(ascii: "P"):
            _ = changeset(wrapping(payload: data), chunkSize: ChangesetReader.readSize)
        case UInt8(ascii: "S"):
            guard let identities = data.first else { return }
            _ = changeset(signedFile(payload: Array(data.dropFirst()), identityCount: Int(identities)), chunkSize: ChangesetReader.readSize)
        case UInt8(ascii: "E"):
            guard let identities = data.first else { return }
            let payload = Array(data.dropFirst())
            let file = encryptedFile(payload: payload, identityCount: Int(identities))
            let whole = changeset(file, chunkSize: ChangesetReader.readSize)
            let pieces = 1 + payload.count % 1021
            precondition(changeset(file, chunkSize: pieces) == whole, "the encrypted changeset reads differently in pieces of \(pieces) bytes")
            let clear = changeset(signedFile(payload: payload, identityCount: Int(identities)), chunkSize: ChangesetReader.readSize)
            precondition(whole == clear, "the payload reads differently encrypted (format 3) and in clear (format 2)")
        case UInt8(ascii: "V"):
            version(data)
        case UInt8(ascii: "N"):
            name(data)
        case UInt8(ascii: "R"):
            replicaJSON(data)
        default:
            return
        }
    }

    /// Reads a changeset; returns its identity lines' and versions' encodings (with their
    /// signatures) if it was accepted, nil if refused.
    static func changeset(_ bytes: [UInt8], chunkSize: Int) -> [String]? {
        var versions: [(Version, Signature?)] = []
        do {
            let contents = try ChangesetReader.read(bytes: bytes, chunkSize: chunkSize, teamKey: fuzzTeamKey) { versions.append(($0, $1)) }
            let header = contents.header
            precondition(header.encryption.map { $0.key == fuzzTeamKey.id } ?? true, "accepted a file encrypted with another key")
            precondition(header.count == versions.count, "accepted with \(versions.count) versions, declared \(header.count)")
            precondition(header.sequence > 0)
            for (version, _) in versions {
                precondition(version.encoded == version.json.canonicalString, "accepted a version not in canonical form")
            }
            if let signed = header.signed {
                check(signed, of: header, contents.identities, versions)
            } else {
                precondition(contents.identities.isEmpty && versions.allSatisfy { $0.1 == nil }, "a format-1 file with signatures")
            }
            return contents.identities.map { String(decoding: $0.encoded, as: UTF8.self) }
                + versions.map { ($0.1?.hex ?? "-") + " " + $0.0.encoded }
        } catch is ChangesetError {
            return nil
        } catch {
            preconditionFailure("the changeset reader threw something other than a ChangesetError: \(error)")
        }
    }

    /// A whole changeset file around `payload`: its header declares what the payload holds
    /// (count of lines, size, SHA-256) and the payload is compressed at level 1.
    static func wrapping(payload: [UInt8]) -> [UInt8] {
        let compressed = compress(payload)
        let header = ChangesetHeader(writer: ReplicaID("00000000-0000-4000-8000-000000000001")!, sequence: 1,
                                     count: payload.count { $0 == UInt8(ascii: "\n") }, uncompressedSize: payload.count,
                                     payloadHash: Array(SHA256.hash(data: payload)), level: 1)
        return header.bytes + compressed
    }

    /// What an accepted format-2 file promises: one verifying identity line per replica, the
    /// writer's with the header's key, each for the writer or a maker of a version; the
    /// writer's versions signed; every other signed version signed by a key of its maker's line.
    static func check(_ signed: ChangesetHeader.Signed, of header: ChangesetHeader, _ identities: [IdentityLine],
                      _ versions: [(Version, Signature?)]) {
        precondition(identities.count == signed.identityCount, "accepted \(identities.count) identity lines, declared \(signed.identityCount)")
        let lines = Dictionary(identities.map { ($0.replica, $0) }, uniquingKeysWith: { first, _ in
            preconditionFailure("accepted two identity lines of replica \(first.replica)")
        })
        precondition(lines[header.writer]?.card.key == signed.writerKey, "accepted without the writer's card for the header's key")
        precondition(identities.allSatisfy { $0.verify() }, "accepted an identity line that does not verify")
        for (version, signature) in versions {
            let maker = version.dot.replica
            if maker == header.writer {
                precondition(signature != nil, "accepted an unsigned version of the writer")
            } else if let signature {
                guard let line = lines[maker] else { preconditionFailure("accepted a signed version without its maker's line") }
                precondition(line.keys.contains { MakerSignature.verify(hash: version.hash, signature: signature, key: $0) },
                             "accepted a maker signature that does not verify")
            }
        }
        let makers = Set(versions.map(\.0.dot.replica)).union([header.writer])
        precondition(identities.allSatisfy { makers.contains($0.replica) }, "accepted an identity line of no maker")
    }

    /// The writer and key of the files the fuzzer signs (`S`): fixed, so that the seeds' own
    /// identity line (written by `FuzzCorpusTests`) holds the key that signs.
    static let fuzzWriter = ReplicaID("00000000-0000-4000-8000-000000000002")!
    static let fuzzKey = ReplicaSigningKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))!

    /// The team key of the files the fuzzer encrypts (`E`) and of every format-3 file it reads
    /// (`C`, `K`): scrypt of the fixed passphrase "fieldnotes fuzz team passphrase" with a fixed
    /// salt (16 bytes 0xA5), at the lowest cost a reader accepts (2^10 × 8: a few
    /// milliseconds, once per process), so that the seeds written by `FuzzCorpusTests` open
    /// with it and what is fuzzed is the reading, not the derivation.
    static let fuzzTeamKey = try! KeyDerivation(logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 0xA5, count: 16))!
        .deriveKey(from: "fieldnotes fuzz team passphrase")

    /// A whole format-2 file around `payload` (`identityCount` identity lines, then version
    /// lines), signed: its header declares what the payload holds and the payload is
    /// compressed at level 1. The header is as a reader wants it, whatever the payload.
    static func signedFile(payload: [UInt8], identityCount: Int, writer: ReplicaID = fuzzWriter, key: ReplicaSigningKey = fuzzKey,
                           folder: FolderID? = FolderID("00000000-0000-4000-8000-0000000000f0")) -> [UInt8] {
        let compressed = compress(payload)
        let lines = payload.count { $0 == UInt8(ascii: "\n") }
        let header = ChangesetHeader(writer: writer, sequence: 1, count: max(0, lines - identityCount), uncompressedSize: payload.count,
                                     payloadHash: Array(SHA256.hash(data: payload)), level: 1, folder: folder,
                                     identityCount: identityCount, compressedSize: compressed.count, signingWith: key)
        return header.bytes + compressed
    }

    /// A whole format-3 file around `payload`: as ``signedFile(payload:identityCount:writer:key:folder:)``,
    /// its compressed payload sealed with ``fuzzTeamKey`` under a fixed nonce.
    static func encryptedFile(payload: [UInt8], identityCount: Int) -> [UInt8] {
        let compressed = compress(payload)
        let folder = FolderID("00000000-0000-4000-8000-0000000000f0")!
        let nonce = [UInt8](repeating: 0x3C, count: PayloadCipher.nonceSize)
        var sealer = PayloadCipher.Sealer(key: PayloadCipher.fileKey(teamKey: fuzzTeamKey, nonce: nonce, folder: folder, writer: fuzzWriter, sequence: 1))
        var ciphertext: [UInt8] = []
        do {
            try compressed.withUnsafeBytes { try sealer.add($0) { ciphertext += $0 } }
            try sealer.finish { ciphertext += $0 }
        } catch {
            preconditionFailure("AES-GCM refused to seal: \(error)")
        }
        let lines = payload.count { $0 == UInt8(ascii: "\n") }
        let header = ChangesetHeader(writer: fuzzWriter, sequence: 1, count: max(0, lines - identityCount), uncompressedSize: payload.count,
                                     payloadHash: Array(SHA256.hash(data: ciphertext)), level: 1, folder: folder,
                                     identityCount: identityCount, compressedSize: compressed.count,
                                     encryption: ChangesetHeader.Encryption(key: fuzzTeamKey.id, derivation: fuzzTeamKey.derivation, nonce: nonce),
                                     signingWith: fuzzKey)
        return header.bytes + ciphertext
    }

    static func compress(_ payload: [UInt8]) -> [UInt8] {
        var compressed: [UInt8] = []
        do {
            let deflater = try Deflater(level: 1)
            try payload.withUnsafeBytes { try deflater.compress($0, finish: true) { compressed += $0 } }
        } catch {
            preconditionFailure("zlib refused to compress: \(error)")
        }
        return compressed
    }

    /// One version's encoding, through the full decoder and the two partial ones.
    static func version(_ bytes: [UInt8]) {
        let full = try? Version(encoded: bytes)
        let header = try? Version.header(encoded: bytes)
        let snapshot = try? Version.snapshot(encoded: bytes)
        // The partial decoders check no hash, so whatever the fuzzer makes reaches the rules.
        _ = try? snapshot?.validate()
        guard let full else { return }
        precondition(Array(full.encoded.utf8) == bytes, "a decoded version does not keep its bytes")
        precondition(full.json.canonicalBytes == bytes, "accepted a version not in canonical form")
        precondition(header == full.header, "Version.header(encoded:) disagrees with Version(encoded:)")
        precondition(snapshot == full.snapshot, "Version.snapshot(encoded:) disagrees with Version(encoded:)")
        _ = try? full.snapshot.validate()
    }

    /// A name found while listing a shared folder.
    static func name(_ bytes: [UInt8]) {
        let name = String(decoding: bytes, as: UTF8.self)
        if let sequence = SharedFolder.sequence(ofFileNamed: name) {
            precondition(sequence > 0 && SharedFolder.fileName(sequence: sequence) == name,
                         "two names claim one sequence: \(name)")
        }
        // A writer's directory is named by its replica id, spelled exactly (`writers()`).
        if let replica = ReplicaID(name), replica.rawValue == name {
            precondition(ReplicaID(replica.rawValue) == replica)
        }
    }

    /// `replica.json` as the folder scanner reads it (`ReplicaInfo`): any bytes parse or are
    /// refused; what parses holds only numbers in range and a name fit to show, and survives
    /// being written (signed, and sealed) and read again.
    static func replicaJSON(_ bytes: [UInt8]) {
        guard let info = ReplicaInfo(parsing: bytes) else { return }
        precondition((0...SharedFolder.maximumSequence).contains(info.latestSequence), "a latestSequence out of range was kept")
        precondition(info.imported.values.allSatisfy { (0...SharedFolder.maximumSequence).contains($0) }, "an acknowledgement out of range was kept")
        precondition(info.analyst.map(ReplicaInfo.isPlausibleName) ?? true, "a name unfit to show was kept")
        let written = SignedJSON.encode(info.members, in: .replicaInfo, signedBy: fuzzKey)
        precondition(ReplicaInfo(parsing: Array(written)) == info, "replica.json does not survive being written, signed, and read")
        precondition(SignedJSON.open(written, in: .replicaInfo, maximumSize: ReplicaInfo.maximumSize)?.signer == fuzzKey.publicKey,
                     "replica.json's signature does not survive being written and read")
        let sealed = SignedJSON.encode(try! info.members(sealedWith: fuzzTeamKey), in: .replicaInfo, signedBy: fuzzKey)
        precondition(ReplicaInfo(parsing: Array(sealed)) == nil, "a sealed replica.json was read without its key")
        precondition(ReplicaInfo(parsing: Array(sealed), keys: [fuzzTeamKey.id: fuzzTeamKey]) == info, "replica.json does not survive being sealed and opened")
    }
}

#endif
