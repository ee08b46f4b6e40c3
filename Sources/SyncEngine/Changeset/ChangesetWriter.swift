import Crypto
import Foundation
import OfflineStore
import ReportModels

/// What a format-2 changeset is signed with, and the identities it carries.
public struct ChangesetSigning: Sendable {
    /// The writer's current key: it signs the header, and the writer's identity line must
    /// hold its public key.
    public var key: ReplicaSigningKey
    /// The writer's own id of the shared folder the file is for; nil for a file written by
    /// hand (`export`).
    public var folder: FolderID?
    /// One line for the writer and one for each other maker of a version the file will hold,
    /// and no other (a maker of versions relayed only unsigned may have none). Written first,
    /// the writer's line then the others by replica id.
    public var identities: [IdentityLine]

    public init(key: ReplicaSigningKey, folder: FolderID?, identities: [IdentityLine]) {
        self.key = key
        self.folder = folder
        self.identities = identities
    }
}

/// What a format-3 changeset is encrypted with (DESIGN.md §10): a team key; each file gets a
/// key of its own from it (``PayloadCipher``).
public struct ChangesetEncryption: Sendable {
    public var key: TeamKey

    public init(key: TeamKey) {
        self.key = key
    }
}

/// Writes a changeset file as versions are handed to it: each is hashed as it comes and
/// compressed in blocks on both cores (`BlockDeflater`), and the header is filled in (and
/// signed) at the end, so memory stays bounded whatever the number of versions.
///
/// A writer given a ``ChangesetSigning`` writes format 2, and refuses to write what a reader
/// would refuse (``SyncError/cannotSign(path:reason:)``): an identity line that does not verify,
/// two for one replica, none for itself or one with another key than its signing key, a
/// version of its own unsigned, a signed version whose maker has no line, a line for a replica
/// that made no version in the file. Without one it writes format 1, unsigned, as older
/// fieldnotes did: for tests and benchmarks that need such files. Given a
/// ``ChangesetEncryption`` as well, it writes format 3: the compressed stream is sealed chunk
/// by chunk as it is made, so memory stays flat however large the file.
public final class ChangesetWriter {
    let writer: ReplicaID
    let sequence: Int
    let level: Int32
    let signing: ChangesetSigning?
    /// A snapshot's frontier (its first line); nil for a changeset.
    let frontier: Frontier?
    private let path: String
    private let file: FileHandle
    private let deflater: BlockDeflater
    private var hasher = SHA256()
    private var count = 0
    private var uncompressedSize = 0
    private var compressedSize = 0
    private var pending: [UInt8] = []
    /// The replicas of the identity lines (format 2), and whether each made a version here.
    private var makers: [ReplicaID: Bool] = [:]
    /// Format 3: what seals the compressed stream, the header's encryption fields, and the
    /// hash of the ciphertext as it is written.
    private var sealer: PayloadCipher.Sealer?
    private let encryption: ChangesetHeader.Encryption?
    private var ciphertextHasher = SHA256()
    private static let flushSize = 256 * 1024

    /// Starts a changeset at `url`, which must not exist (one that does is emptied). A file
    /// that cannot be made is ``SyncError/cannotCreate(path:reason:)``, saying why and what to
    /// do; identities that a reader would refuse are ``SyncError/cannotSign(path:reason:)``.
    ///
    /// `signing` nil writes format 1, unsigned: for tests and benchmarks that need files as
    /// older fieldnotes wrote them (see the type).
    ///
    /// `encryption` (with `signing` only) writes format 3, encrypted for a team.
    ///
    /// `frontier` (with `signing` for a folder only) writes a snapshot (DESIGN.md §11): the
    /// caller must hand over every version its store holds, which the frontier's files carry.
    public init(at url: URL, writer: ReplicaID, sequence: Int, level: Int32, signing: ChangesetSigning?,
                encryption: ChangesetEncryption? = nil, frontier: Frontier? = nil) throws {
        precondition(encryption == nil || signing != nil, "an encrypted changeset is signed")
        precondition(frontier == nil || signing?.folder != nil, "a snapshot is signed, for a folder")
        path = url.path
        self.frontier = frontier
        self.writer = writer
        self.sequence = sequence
        self.level = level
        var lines: [IdentityLine] = []
        if let signing {
            lines = try Self.check(signing, writer: writer, path: url.path)
            makers = Dictionary(uniqueKeysWithValues: lines.map { ($0.replica, $0.replica == writer) })
        }
        self.signing = signing
        if let encryption {
            let nonce = randomBytes(PayloadCipher.nonceSize)
            self.encryption = ChangesetHeader.Encryption(key: encryption.key.id, derivation: encryption.key.derivation, nonce: nonce)
            sealer = PayloadCipher.Sealer(key: PayloadCipher.fileKey(teamKey: encryption.key, nonce: nonce, folder: signing?.folder,
                                                                     writer: writer, sequence: sequence))
        } else {
            self.encryption = nil
        }
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw SyncError.cannotCreate(path: url.path, reason: describeWriteFailure(errno))
        }
        file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        deflater = BlockDeflater(level: level)
        // A placeholder header; `finish` writes the real one.
        let headerSize = signing == nil ? ChangesetHeader.format1Size : encryption == nil ? ChangesetHeader.format2Size : ChangesetHeader.format3Size
        try file.write(contentsOf: [UInt8](repeating: 0, count: headerSize))
        if let frontier { try appendLine(frontier.encoded) }
        for line in lines { try appendLine(line.encoded) }
    }

    /// The identity lines in the order they are written, checked as a reader checks them.
    private static func check(_ signing: ChangesetSigning, writer: ReplicaID, path: String) throws -> [IdentityLine] {
        func refuse(_ reason: String) -> SyncError { .cannotSign(path: path, reason: reason) }
        guard signing.identities.count <= ChangesetHeader.maximumIdentityCount else {
            throw refuse("\(signing.identities.count) identity lines, more than a changeset holds (\(ChangesetHeader.maximumIdentityCount))")
        }
        var replicas: Set<ReplicaID> = []
        var owners: [ReplicaKey: ReplicaID] = [:]
        var bytes = 0, rotations = 0
        for line in signing.identities {
            guard replicas.insert(line.replica).inserted else { throw refuse("two identity lines of replica \(line.replica)") }
            for key in line.keys {
                if let owner = owners.updateValue(line.replica, forKey: key) {
                    throw refuse("key \(key.fingerprint) is in the identity lines of replicas \(owner) and \(line.replica)")
                }
            }
            if let problem = line.verificationProblem() { throw refuse(problem) }
            bytes += line.encoded.count
            rotations += line.rotations.count
        }
        guard bytes <= ChangesetReader.maximumIdentityBytes, rotations <= ChangesetReader.maximumRotations else {
            throw refuse("the identity lines are larger than a changeset holds")
        }
        guard let own = signing.identities.first(where: { $0.replica == writer }) else {
            throw refuse("no identity line of the writer, replica \(writer)")
        }
        guard own.card.key == signing.key.publicKey else {
            throw refuse("the writer's card holds key \(own.card.key.fingerprint), not its signing key \(signing.key.publicKey.fingerprint)")
        }
        return [own] + signing.identities.filter { $0.replica != writer }.sorted { $0.replica < $1.replica }
    }

    /// Appends one version, given as its canonical JSON, with its maker signature (nil: none,
    /// as for versions made before their maker had a key). A format-1 file holds no signatures.
    public func append(encodedVersion text: String, signature: Signature?) throws {
        guard signing != nil else {
            precondition(signature == nil, "a format-1 changeset holds no signatures")
            return try appendLine(Array(text.utf8))
        }
        guard let maker = Self.maker(ofEncoded: text) else {
            throw SyncError.cannotSign(path: path, reason: "version \(count + 1) does not name its maker")
        }
        try appendSigned(Array(text.utf8), maker: maker, signature: signature)
    }

    public func append(_ version: Version, signature: Signature?) throws {
        guard signing != nil else {
            precondition(signature == nil, "a format-1 changeset holds no signatures")
            return try appendLine(Array(version.encoded.utf8))
        }
        try appendSigned(Array(version.encoded.utf8), maker: version.dot.replica, signature: signature)
    }

    private func appendSigned(_ encoded: [UInt8], maker: ReplicaID, signature: Signature?) throws {
        if maker == writer, signature == nil {
            throw SyncError.cannotSign(path: path, reason: "version \(count + 1) was made by the writer and is not signed")
        }
        if makers[maker] == false {
            makers[maker] = true
        } else if makers[maker] == nil, signature != nil {
            throw SyncError.cannotSign(path: path, reason: "version \(count + 1) is signed, and no identity line of its maker, replica \(maker), was given")
        }
        var line = signature.map { Array($0.hex.utf8) } ?? [UInt8(ascii: "-")]
        line.append(UInt8(ascii: " "))
        line += encoded
        count += 1
        try appendLine(line)
    }

    /// The replica in the dot of a version's canonical JSON: the first `"dot":"` member, which
    /// follows the author (whose quotes are escaped) and the clock (whose keys are replica ids).
    static func maker(ofEncoded text: String) -> ReplicaID? {
        let utf8 = text.utf8
        guard let start = utf8.firstRange(of: #","dot":""#.utf8)?.upperBound,
              let end = utf8[start...].firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        return ReplicaID(String(decoding: utf8[start..<end], as: UTF8.self))
    }

    private func appendLine(_ bytes: [UInt8]) throws {
        var line = bytes
        line.append(UInt8(ascii: "\n"))
        hasher.update(data: line)
        uncompressedSize += line.count
        if signing == nil { count += 1 }
        try line.withUnsafeBytes { try deflater.compress($0, into: write) }
    }

    /// Ends the stream, writes the header (signed, for format 2), and makes the file durable.
    public func finish() throws -> ChangesetHeader {
        if let unused = makers.first(where: { !$0.value }) {
            throw SyncError.cannotSign(path: path, reason: "the identity line of replica \(unused.key) was given, and it made no version in the file")
        }
        try deflater.finish(into: write)
        try sealer?.finish(into: writeSealed)
        try file.write(contentsOf: pending)
        pending = []
        let payloadHash = Array(encryption == nil ? hasher.finalize() : ciphertextHasher.finalize())
        let header = if let signing {
            ChangesetHeader(writer: writer, sequence: sequence, count: count, uncompressedSize: uncompressedSize,
                            payloadHash: payloadHash, level: Int(level), folder: signing.folder, identityCount: makers.count,
                            compressedSize: compressedSize, encryption: encryption, isSnapshot: frontier != nil, signingWith: signing.key)
        } else {
            ChangesetHeader(writer: writer, sequence: sequence, count: count, uncompressedSize: uncompressedSize,
                            payloadHash: payloadHash, level: Int(level))
        }
        try file.seek(toOffset: 0)
        try file.write(contentsOf: header.bytes)
        try file.synchronize()
        try file.close()
        return header
    }

    /// Takes compressed bytes: sealed first, for format 3.
    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        compressedSize += bytes.count
        if sealer != nil {
            try sealer!.add(bytes, into: writeSealed)
        } else {
            try flush(bytes)
        }
    }

    private func writeSealed(_ chunk: [UInt8]) throws {
        ciphertextHasher.update(data: chunk)
        try chunk.withUnsafeBytes(flush)
    }

    private func flush(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.flushSize {
            try file.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }
}
