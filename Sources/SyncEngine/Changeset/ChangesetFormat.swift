import Foundation
import OfflineStore
import ReportModels

/// The `.fnc` changeset file (DESIGN.md §5, §9): a fixed header, then one zlib stream whose
/// content is lines ending in `\n`, ordered by report so that zlib's window sees a report's
/// versions together. Both formats are read; ``ChangesetWriter`` writes format 2 when it is
/// given a signing key, format 1 without.
///
/// **Format 2**, signed: the payload is first one identity line per maker of a version in the
/// file (the writer's always among them), then the versions, each with its maker signature.
///
/// ```
/// offset size
///      0    8  magic "FNCS\r\n\u{1A}\n" (catches text-mode transfers and truncated copies)
///      8    2  format version, big-endian (2)
///     10    2  header size in bytes, big-endian (224): the payload starts there
///     12   16  writer replica id (UUID bytes)
///     28    8  writer's sequence number of this file, big-endian
///     36    8  number of versions, big-endian
///     44    8  size of the uncompressed payload in bytes, big-endian
///     52   32  SHA-256 of the uncompressed payload
///     84    1  compression: 1 = zlib
///     85    1  zlib level used (informational)
///     86    2  flags, big-endian: bit 0 = written by hand (`export`), for no folder; bit 1 =
///              encrypted (format 3 only); bit 2 = a snapshot (DESIGN.md §11), never by hand;
///              every other bit must be 0
///     88   16  folder id: the writer's own id of the shared folder it wrote the file for
///              (`FolderID`, UUID bytes); all zero if and only if flag bit 0 is set
///    104    8  number of identity lines, big-endian (1 to versions + 1)
///    112    8  size of the compressed stream after the header, big-endian: the file is
///              exactly header + this
///    120   32  the writer's Ed25519 public key
///    152    8  reserved, zero
///    160   64  writer signature: `WriterSignature.sign(header:)` of bytes 0..<160
///    224    …  zlib stream
/// ```
///
/// Payload lines: first the identity lines, each ``IdentityLine``'s canonical JSON
/// (`{"card":…,"rotations":[…]}`), then the version lines, each the maker signature in 128
/// lowercase hex digits (or `-` for a version relayed unsigned), a space, and the version's
/// canonical JSON. Versions made by the writer are signed, and are covered by the writer
/// signature (so a reader does not verify their maker signatures again); every signed version
/// made by another replica is verified against its maker's identity line. Every identity line
/// names the writer or the maker of a version in the file, one line per replica, and the
/// writer's card holds the key of the header.
///
/// **A snapshot** (flag bit 2; format 2 or 3) is a changeset holding every version its writer
/// held, for a newcomer to start from and for compaction (DESIGN.md §11). Its payload starts
/// with one more line, before the identity lines: its ``Frontier``, per writer the last file of
/// the folder its versions include. The frontier is covered like the rest of the payload (by
/// the payload's hash, or by the cipher); a reader that reads only that far
/// (``ChangesetReader/frontier(of:teamKey:)``) has the writer's header signature but, in format
/// 2, not yet the payload's checksum.
///
/// **Format 3**, signed and encrypted for a team (DESIGN.md §10): format 2's header, with the
/// SHA-256 of the ciphertext in place of the payload's, flag bit 1 set, and what a reader
/// needs to find or derive the key; then the zlib stream encrypted by ``PayloadCipher``.
///
/// ```
/// offset size
///      0  160  as format 2, but: format version 3, header size 288; bytes 52..<84 hold the
///              SHA-256 of the ciphertext (the bytes after the header); flags bit 1 set
///    160   16  team key id (``TeamKeyID``)
///    176    1  key derivation: 1 = scrypt
///    177    1  scrypt log2 N
///    178    1  scrypt r
///    179    1  scrypt p
///    180   16  scrypt salt
///    196   16  the file's nonce: the salt of its key (``PayloadCipher/fileKey(teamKey:nonce:folder:writer:sequence:)``)
///    212   12  reserved, zero
///    224   64  writer signature of bytes 0..<224
///    288    …  ciphertext: the zlib stream (compressed size bytes) in sealed chunks
/// ```
///
/// In clear stay the writer, sequence, counts and sizes, the folder id, the writer's public
/// key and the key's derivation: what sync needs to order, check and find the key for a file
/// without opening it. The identity lines (analyst names) and the versions are inside.
///
/// **Format 1**, unsigned (what fieldnotes wrote before its stores had keys; still read, its
/// versions handed over unsigned): the payload is the versions' canonical JSON, one per line.
///
/// ```
/// offset size
///      0    8  magic (as format 2)
///      8    2  format version, big-endian (1)
///     10    2  header size in bytes, big-endian (96): the payload starts there
///     12   72  as format 2: writer, sequence, versions, payload size, SHA-256, compression, level
///     86   10  reserved, zero
///     96    …  zlib stream
/// ```
///
/// Every number in the header is range-checked before use and checked against the payload
/// when reading, and a format-2 header's signature is verified before any of the payload is
/// read. The payload is never trusted before its checksum has been: readers stream versions to
/// a caller that must treat them as provisional until the read returns.
public struct ChangesetHeader: Hashable, Sendable {
    public var writer: ReplicaID
    public var sequence: Int
    /// The number of versions (identity lines not counted).
    public var count: Int
    public var uncompressedSize: Int
    /// The SHA-256 of the uncompressed payload (formats 1 and 2), or of the ciphertext (format
    /// 3: there the payload's integrity is the cipher's, chunk by chunk).
    public var payloadHash: [UInt8]
    public var level: Int
    /// What a format-2 header adds; nil for format 1.
    public var signed: Signed?

    /// What a format-2 header holds beyond format 1's.
    public struct Signed: Hashable, Sendable {
        /// The writer's id of the shared folder it wrote the file for; nil for a file written
        /// by hand (`export`).
        public var folder: FolderID?
        public var identityCount: Int
        /// The size of the zlib stream: the file is exactly the header and this.
        public var compressedSize: Int
        public var writerKey: ReplicaKey
        public var writerSignature: Signature
        /// How the payload is encrypted (format 3); nil: it is not.
        public var encryption: Encryption?
        /// A snapshot (flag bit 2): its payload starts with its frontier.
        public var isSnapshot = false
    }

    /// What a format-3 header adds: which team key, and the file's nonce.
    public struct Encryption: Hashable, Sendable {
        public var key: TeamKeyID
        /// How the team key derives from a passphrase (for a file sent by hand with its own).
        public var derivation: KeyDerivation
        public var nonce: [UInt8]
    }

    /// 1 (unsigned), 2 (signed) or 3 (signed and encrypted).
    public var formatVersion: Int { signed == nil ? 1 : signed!.encryption == nil ? 2 : 3 }
    /// The header's size in bytes: where the zlib stream (or its ciphertext) starts.
    public var size: Int { [0, Self.format1Size, Self.format2Size, Self.format3Size][formatVersion] }
    public var encryption: Encryption? { signed?.encryption }
    /// The bytes after the header: the zlib stream, or its ciphertext (format 3).
    var contentSize: Int? {
        guard let signed else { return nil }
        return signed.encryption == nil ? signed.compressedSize : PayloadCipher.ciphertextSize(plaintextSize: signed.compressedSize)
    }
    public var folder: FolderID? { signed?.folder }
    /// A snapshot's header (DESIGN.md §11); a changeset's is not.
    public var isSnapshot: Bool { signed?.isSnapshot ?? false }
    public var writerKey: ReplicaKey? { signed?.writerKey }
    public var writerSignature: Signature? { signed?.writerSignature }

    static let magic: [UInt8] = Array("FNCS\r\n".utf8) + [0x1A, 0x0A]
    /// The newest format this fieldnotes reads (and the one it writes).
    static let latestFormatVersion: UInt16 = 3
    static let format1Size = 96
    static let format2Size = 224
    static let format3Size = 288
    /// The bytes of a format-2 header that its writer signature covers: all but the signature.
    static let signedSize = 160
    /// The same for format 3.
    static let encryptedSignedSize = 224
    static let scryptDerivation: UInt8 = 1
    /// Enough to tell a header's format and size (``size(ofHeaderStartingWith:)``).
    static let prefixSize = 12
    static let zlibCompression: UInt8 = 1
    static let byHandFlag: UInt16 = 1
    static let encryptedFlag: UInt16 = 2
    static let snapshotFlag: UInt16 = 4
    /// A writer's changesets are numbered from 1; a trillion is more than any replica writes,
    /// and keeps every sum of sequences far from overflowing.
    public static let maximumSequence = 1_000_000_000_000
    /// 2^48 bytes (256 TB): beyond any real payload, and far from overflowing when counted.
    static let maximumPayloadSize = 1 << 48
    /// Makers in one file: far more than any team has had (a card is made per laptop).
    public static let maximumIdentityCount = 100_000

    /// The header's bytes as written: for format 2, the signed bytes and the signature.
    var bytes: [UInt8] {
        guard let signed else { return commonBytes(formatVersion: 1, size: Self.format1Size) + [UInt8](repeating: 0, count: 10) }
        return signedBytes + signed.writerSignature.rawRepresentation
    }

    /// The bytes of a format-2 or -3 header that the writer signs: all but the signature.
    /// (For format 1, empty.)
    var signedBytes: [UInt8] {
        guard let signed else { return [] }
        var bytes = commonBytes(formatVersion: UInt16(formatVersion), size: size)
        bytes += bigEndian((signed.folder == nil ? Self.byHandFlag : 0) | (signed.encryption == nil ? 0 : Self.encryptedFlag)
                           | (signed.isSnapshot ? Self.snapshotFlag : 0))
        bytes += signed.folder.map { uuidBytes($0.rawValue) } ?? [UInt8](repeating: 0, count: 16)
        bytes += bigEndian(UInt64(signed.identityCount))
        bytes += bigEndian(UInt64(signed.compressedSize))
        bytes += signed.writerKey.rawRepresentation
        bytes += [UInt8](repeating: 0, count: 8)
        assert(bytes.count == Self.signedSize)
        guard let encryption = signed.encryption else { return bytes }
        let derivation = encryption.derivation
        bytes += encryption.key.bytes
        bytes += [Self.scryptDerivation, UInt8(derivation.logN), UInt8(derivation.r), UInt8(derivation.p)]
        bytes += derivation.salt
        bytes += encryption.nonce
        bytes += [UInt8](repeating: 0, count: 12)
        assert(bytes.count == Self.encryptedSignedSize)
        return bytes
    }

    /// Bytes 0..<86, the same in both formats but for the version and size.
    private func commonBytes(formatVersion: UInt16, size: Int) -> [UInt8] {
        var bytes = Self.magic
        bytes += bigEndian(formatVersion)
        bytes += bigEndian(UInt16(size))
        bytes += uuidBytes(writer.rawValue)
        bytes += bigEndian(UInt64(sequence))
        bytes += bigEndian(UInt64(count))
        bytes += bigEndian(UInt64(uncompressedSize))
        bytes += payloadHash
        bytes += [Self.zlibCompression, UInt8(clamping: level)]
        return bytes
    }

    /// The size of the header that starts with `prefix` (at least its first
    /// ``prefixSize`` bytes: magic, format version and header size), checked against the
    /// format. A format newer than this fieldnotes reads is ``ChangesetError/newerFormat(_:)``.
    static func size(ofHeaderStartingWith prefix: [UInt8]) throws(ChangesetError) -> Int {
        guard prefix.count >= Self.prefixSize, Array(prefix[0..<8]) == Self.magic else { throw .notAChangeset }
        let version = readBigEndian(prefix, at: 8, size: 2)
        guard version <= UInt64(Self.latestFormatVersion) else { throw .newerFormat(Int(version)) }
        let size = readBigEndian(prefix, at: 10, size: 2)
        switch version {
        case 1 where size == UInt64(Self.format1Size): return Self.format1Size
        case 2 where size == UInt64(Self.format2Size): return Self.format2Size
        case 3 where size == UInt64(Self.format3Size): return Self.format3Size
        default: throw .malformedHeader("unknown header layout")
        }
    }

    /// Reads the header at the start of `bytes` (the whole header: see
    /// ``size(ofHeaderStartingWith:)``). A format-2 header's fields are checked, then its
    /// writer signature is verified, before the header is returned.
    init(parsing bytes: [UInt8]) throws(ChangesetError) {
        guard bytes.count >= Self.prefixSize else {
            // Shorter than the prefix: a changeset cut short, or no changeset at all.
            throw bytes.count >= 8 && Array(bytes[0..<8]) == Self.magic ? .truncated : .notAChangeset
        }
        let size = try Self.size(ofHeaderStartingWith: bytes)
        guard bytes.count >= size else { throw .truncated }
        guard let writer = replicaID(fromUUIDBytes: Array(bytes[12..<28])), writer.isRandom else {
            throw .malformedHeader("the writer is not a replica id")
        }
        let (sequence, count, payloadSize) = (readBigEndian(bytes, at: 28, size: 8), readBigEndian(bytes, at: 36, size: 8),
                                              readBigEndian(bytes, at: 44, size: 8))
        guard (1...UInt64(Self.maximumSequence)).contains(sequence) else {
            throw .malformedHeader("sequence \(sequence) is not between 1 and \(Self.maximumSequence)")
        }
        guard payloadSize <= UInt64(Self.maximumPayloadSize), count <= payloadSize else {
            throw .malformedHeader("\(count) versions in \(payloadSize) bytes")
        }
        guard bytes[84] == Self.zlibCompression else { throw .malformedHeader("unknown compression \(bytes[84])") }
        guard bytes[85] <= 9 else { throw .malformedHeader("zlib level \(bytes[85])") }
        self.writer = writer
        self.sequence = Int(sequence)
        self.count = Int(count)
        uncompressedSize = Int(payloadSize)
        payloadHash = Array(bytes[52..<84])
        level = Int(bytes[85])
        if size == Self.format1Size {
            // Each version is at least a line of a few bytes; an empty changeset is empty.
            guard (count == 0) == (payloadSize == 0) else { throw .malformedHeader("\(count) versions in \(payloadSize) bytes") }
            guard bytes[86..<Self.format1Size].allSatisfy({ $0 == 0 }) else { throw .malformedHeader("reserved bytes are not zero") }
            signed = nil
            return
        }
        signed = try Self.signedPart(of: bytes, writer: writer, count: count, payloadSize: payloadSize)
    }

    /// Bytes 86..<224 of a format-2 header (86..<288 of a format-3 one), checked, then the
    /// signature verified.
    private static func signedPart(of bytes: [UInt8], writer: ReplicaID, count: UInt64, payloadSize: UInt64) throws(ChangesetError) -> Signed {
        // The header's size was checked against its format: a format-3 header is all here.
        let encrypted = readBigEndian(bytes, at: 8, size: 2) == 3
        let flags = UInt16(readBigEndian(bytes, at: 86, size: 2))
        guard flags & ~(Self.byHandFlag | Self.snapshotFlag | (encrypted ? Self.encryptedFlag : 0)) == 0 else { throw .unknownFlags(flags) }
        guard !encrypted || flags & Self.encryptedFlag != 0 else { throw .malformedHeader("an encrypted file without its flag") }
        let isSnapshot = flags & Self.snapshotFlag != 0
        guard !isSnapshot || flags & Self.byHandFlag == 0 else { throw .malformedHeader("a snapshot written by hand") }
        let folderBytes = Array(bytes[88..<104])
        let folder: FolderID?
        if flags & Self.byHandFlag != 0 {
            guard folderBytes.allSatisfy({ $0 == 0 }) else { throw .malformedHeader("a file written by hand names a folder") }
            folder = nil
        } else {
            guard !folderBytes.allSatisfy({ $0 == 0 }), let id = replicaID(fromUUIDBytes: folderBytes), let folderID = FolderID(id.rawValue) else {
                throw .malformedHeader("a file written for a folder does not name it")
            }
            folder = folderID
        }
        let (identityCount, compressedSize) = (readBigEndian(bytes, at: 104, size: 8), readBigEndian(bytes, at: 112, size: 8))
        // One line for the writer, and at most one for each other maker of a version. Both
        // numbers are at most 2^48 here, so the sums cannot overflow.
        guard identityCount >= 1, identityCount <= count + 1, identityCount <= UInt64(Self.maximumIdentityCount),
              count + identityCount + (isSnapshot ? 1 : 0) <= payloadSize
        else { throw .malformedHeader("\(identityCount) identity lines for \(count) versions in \(payloadSize) bytes") }
        guard compressedSize >= 1, compressedSize <= UInt64(Self.maximumPayloadSize) else {
            throw .malformedHeader("a compressed size of \(compressedSize) bytes")
        }
        guard let key = ReplicaKey(rawRepresentation: Array(bytes[120..<152])) else {
            throw .malformedHeader("the writer's key is not an Ed25519 public key")
        }
        guard bytes[152..<160].allSatisfy({ $0 == 0 }) else { throw .malformedHeader("reserved bytes are not zero") }
        let encryption = encrypted ? try encryptionPart(of: bytes) : nil
        let signedSize = encrypted ? Self.encryptedSignedSize : Self.signedSize
        // Checked (by `Signature.init`) to be 64 bytes: the last of the header.
        let signature = Signature(rawRepresentation: Array(bytes[signedSize..<signedSize + Signature.byteCount]))!
        guard WriterSignature.verify(header: Array(bytes[0..<signedSize]), signature: signature, key: key) else {
            throw .badWriterSignature(writer: writer, fingerprint: key.fingerprint)
        }
        return Signed(folder: folder, identityCount: Int(identityCount), compressedSize: Int(compressedSize),
                      writerKey: key, writerSignature: signature, encryption: encryption, isSnapshot: isSnapshot)
    }

    /// Bytes 160..<224 of a format-3 header: key id, derivation, nonce.
    private static func encryptionPart(of bytes: [UInt8]) throws(ChangesetError) -> Encryption {
        guard bytes[176] == Self.scryptDerivation else { throw .malformedHeader("unknown key derivation \(bytes[176])") }
        guard let derivation = KeyDerivation(logN: Int(bytes[177]), r: Int(bytes[178]), p: Int(bytes[179]), salt: Array(bytes[180..<196])) else {
            throw .malformedHeader("scrypt cost 2^\(bytes[177]), r \(bytes[178]), p \(bytes[179]) is outside what fieldnotes derives (at most 2^\(KeyDerivation.logNRange.upperBound) and 1 GiB)")
        }
        guard bytes[212..<224].allSatisfy({ $0 == 0 }) else { throw .malformedHeader("reserved bytes are not zero") }
        return Encryption(key: TeamKeyID(bytes: Array(bytes[160..<176]))!, derivation: derivation, nonce: Array(bytes[196..<212]))
    }

    /// A format-1 header (what ``ChangesetWriter`` writes without signing).
    init(writer: ReplicaID, sequence: Int, count: Int, uncompressedSize: Int, payloadHash: [UInt8], level: Int) {
        self.writer = writer
        self.sequence = sequence
        self.count = count
        self.uncompressedSize = uncompressedSize
        self.payloadHash = payloadHash
        self.level = level
        signed = nil
    }

    /// A format-2 header (format 3 with `encryption`), signed with `key`.
    init(writer: ReplicaID, sequence: Int, count: Int, uncompressedSize: Int, payloadHash: [UInt8], level: Int,
         folder: FolderID?, identityCount: Int, compressedSize: Int, encryption: Encryption? = nil, isSnapshot: Bool = false,
         signingWith key: ReplicaSigningKey) {
        self.init(writer: writer, sequence: sequence, count: count, uncompressedSize: uncompressedSize, payloadHash: payloadHash, level: level)
        // A placeholder signature, for the bytes it signs.
        signed = Signed(folder: folder, identityCount: identityCount, compressedSize: compressedSize, writerKey: key.publicKey,
                        writerSignature: Signature(rawRepresentation: [UInt8](repeating: 0, count: Signature.byteCount))!,
                        encryption: encryption, isSnapshot: isSnapshot)
        signed!.writerSignature = WriterSignature.sign(header: signedBytes, with: key)
    }
}

/// Why a changeset file was refused. Nothing from a refused file reaches the store.
public enum ChangesetError: Error, Equatable, LocalizedError {
    case notAChangeset
    case newerFormat(Int)
    case malformedHeader(String)
    case truncated
    case checksumMismatch
    case sizeExceeded(declared: Int)
    case sizeMismatch(declared: Int, found: Int)
    case countMismatch(declared: Int, found: Int)
    case trailingData
    case corruptCompression(String)
    case malformedVersion(index: Int, reason: String)
    case unexpectedWriter(expected: ReplicaID, found: ReplicaID)
    case unexpectedSequence(expected: Int, found: Int)
    case conflictingVersion(report: ReportID, version: Dot)
    case versionOfThisReplica(report: ReportID, version: Dot)
    case unknownVersionOfThisReplica(report: ReportID, version: Dot, mine: Dot)
    case notWrittenByThisStore(report: ReportID, version: Dot)
    case unreadable(String)
    /// A format-2 header whose signature does not verify under the key it carries.
    case badWriterSignature(writer: ReplicaID, fingerprint: Fingerprint)
    /// A format-2 header with flags this reader does not know (bit 1: encrypted, DESIGN.md §10).
    case unknownFlags(UInt16)
    case identityCountMismatch(declared: Int, found: Int)
    /// A snapshot's first line is not a frontier (``Frontier``).
    case malformedFrontier(String)
    /// A snapshot found where a changeset was expected, or the other way round.
    case snapshotMismatch(expectedSnapshot: Bool)
    /// Identity line `index` (from 0) is not an ``IdentityLine``, does not verify, or does not
    /// fit with the file (a second line for a replica, a key of another line's, the writer's
    /// card with another key than the header's, a replica that made no version in the file).
    case malformedIdentity(index: Int, reason: String)
    /// No identity line for the writer.
    case missingWriterIdentity(writer: ReplicaID)
    /// Version `index` (from 0) is signed, and its maker has no identity line.
    case missingIdentity(index: Int, version: Dot)
    /// Version `index` (from 0) was made by the file's writer and is not signed.
    case unsignedOwnVersion(index: Int, version: Dot)
    /// Version `index`'s maker signature does not verify under any key of its maker's
    /// identity line (`analyst` and `fingerprint` are the line's card's).
    case badMakerSignature(index: Int, version: Dot, analyst: String, fingerprint: Fingerprint)
    /// A format-3 file encrypted with a team key this store does not hold.
    case unknownTeamKey(TeamKeyID)
    /// A file in clear from a writer known to encrypt its files in the folder from its file
    /// `since` on.
    case downgrade(writer: ReplicaID, since: Int)
    /// A file sent by hand, encrypted with a passphrase that does not derive its key.
    case wrongPassphrase
    /// Chunk `chunk` (from 0) of `count` of a format-3 file's ciphertext does not open under
    /// the file's key at its place.
    case undecryptable(chunk: Int, count: Int, reason: CipherProblem)

    /// Why a chunk did not open (``PayloadCipher/Opener``).
    public enum CipherProblem: Equatable, Sendable {
        /// It opens nowhere near its place: its bytes were changed, or it comes from another file.
        case damaged
        /// It opens as chunk `from` (from 0): the chunks were reordered.
        case reordered(from: Int)
        /// It opens at its place with the other end flag: the stream was cut or extended at a
        /// chunk boundary.
        case endMoved
    }

    public var errorDescription: String? {
        switch self {
        case .notAChangeset: "not a fieldnotes changeset"
        case .newerFormat(let version): "written in changeset format \(version) by a newer fieldnotes; upgrade fieldnotes to read it"
        case .malformedHeader(let detail): "damaged header (\(detail))"
        case .truncated: "the file is truncated; it may still be copying, or the copy was cut short"
        case .checksumMismatch: "the content does not match its checksum; the file is damaged"
        case .sizeExceeded(let declared): "the content inflates past its declared \(declared) bytes (refused as a possible decompression bomb)"
        case .sizeMismatch(let declared, let found): "the content is \(found) bytes, not the declared \(declared)"
        case .countMismatch(let declared, let found): "it holds \(found) \(found == 1 ? "version" : "versions"), not the \(declared) its header declares"
        case .trailingData: "there is data after the end of the compressed content"
        case .corruptCompression(let detail): "the compressed content is damaged (\(detail))"
        case .malformedVersion(let index, let reason): "version \(index + 1) is malformed: \(reason)"
        case .unexpectedWriter(let expected, let found):
            "its header names replica \(found.short) but it sits in the folder of \(expected.short)"
        case .unexpectedSequence(let expected, let found): "its header says sequence \(found) but its name says \(expected)"
        case .conflictingVersion(let report, let version):
            "version \(version.short) of report \(report.rawValue.prefix(8)) is already here with different content; two laptops may be using copies of one store (each laptop needs its own `fieldnotes init`)"
        case .versionOfThisReplica(let report, let version):
            "it holds version \(version.short) of report \(report.rawValue.prefix(8)), made as this replica but not by this store; a copy of this store is in use elsewhere (each laptop needs its own `fieldnotes init`)"
        case .unknownVersionOfThisReplica(let report, let version, let mine):
            "its version \(version.short) of report \(report.rawValue.prefix(8)) has seen version \(mine.short), made as this replica, which this store does not hold: this store lost versions it made (restored from an older copy?) or a copy of it is in use elsewhere; nothing was imported: each laptop needs a store of its own (`fieldnotes init`), synced from the folder"
        case .notWrittenByThisStore(let report, let version):
            "its header says this replica wrote it, but it holds version \(version.short) of report \(report.rawValue.prefix(8)), which this store does not have: a copy of this store is in use elsewhere (each laptop needs its own `fieldnotes init`)"
        case .unreadable(let detail): "cannot read it: \(detail)"
        case .badWriterSignature(let writer, let fingerprint):
            "its header is not signed by the key it names for its writer, replica \(writer.short) (key \(fingerprint)): the file was changed after it was written, or forged; nothing in it was read (get a fresh copy from that replica's analyst)"
        case .unknownFlags(let flags):
            "its header sets flags this fieldnotes does not know (0x\(String(flags, radix: 16, uppercase: false))): it is encrypted or was written by a newer fieldnotes; upgrade fieldnotes to read it"
        case .malformedFrontier(let reason): "its frontier (the first line of a snapshot) is malformed: \(reason)"
        case .snapshotMismatch(let expectedSnapshot):
            expectedSnapshot ? "it is named as a snapshot but is a changeset" : "it is named as a changeset but is a snapshot"
        case .identityCountMismatch(let declared, let found):
            "it holds \(found) identity \(found == 1 ? "line" : "lines"), not the \(declared) its header declares"
        case .malformedIdentity(let index, let reason):
            "identity line \(index + 1) is malformed: \(reason); the file was not written as fieldnotes writes, or was forged"
        case .missingWriterIdentity(let writer):
            "it carries no identity card of its writer, replica \(writer.short): it was not written as fieldnotes writes, or was forged"
        case .missingIdentity(let index, let version):
            "version \(index + 1) (\(version.short)) is signed, but the file carries no identity card of its maker, replica \(version.replica.short): it was not written as fieldnotes writes, or was forged"
        case .unsignedOwnVersion(let index, let version):
            "version \(index + 1) (\(version.short)) was made by the file's writer but carries no maker signature: it was not written as fieldnotes writes, or was forged"
        case .badMakerSignature(let index, let version, let analyst, let fingerprint):
            "version \(index + 1) (\(version.short)) is not signed by its maker, \(analyst) (replica \(version.replica.short), key \(fingerprint)): it was changed after it was made, or forged in that analyst's name; nothing in the file was imported (tell the analyst whose file passed it on)"
        case .unknownTeamKey(let key):
            "it is encrypted with team key \(key.short), which this store does not hold: run `fieldnotes team join FOLDER` with that key's passphrase (if the team changed its passphrase, the new one)"
        case .downgrade(let writer, let since):
            "it is not encrypted, but its writer, replica \(writer.short), encrypts what it writes to this folder since its file \(since): refused as a downgrade (the writer's laptop may run an older fieldnotes, or a store restored from before it joined the team); nothing in it was imported (ask that analyst to run `fieldnotes team join` on the folder and sync)"
        case .wrongPassphrase:
            "it is encrypted with a passphrase, and the one given does not derive its key: wrong passphrase; nothing was imported"
        case .undecryptable(let chunk, let count, .damaged):
            "chunk \(chunk + 1) of \(count) of its encrypted content does not open under the file's key: it was changed after it was written, or comes from another file; nothing in it was imported (get a fresh copy from its writer)"
        case .undecryptable(let chunk, let count, .reordered(let from)):
            "chunk \(chunk + 1) of \(count) of its encrypted content is chunk \(from + 1) moved: the file's chunks were reordered; nothing in it was imported (get a fresh copy from its writer)"
        case .undecryptable(let chunk, let count, .endMoved):
            "its encrypted content was cut or extended at chunk \(chunk + 1) of \(count): nothing in it was imported (get a fresh copy from its writer)"
        }
    }
}

// MARK: - Bytes

func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian, Array.init)
}

func readBigEndian(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
    bytes[offset..<offset + size].reduce(0) { $0 << 8 | UInt64($1) }
}

/// The 16 bytes of a UUID written as text (a ``ReplicaID``'s or a `FolderID`'s raw value).
func uuidBytes(_ text: String) -> [UInt8] {
    let uuid = UUID(uuidString: text)!.uuid
    return withUnsafeBytes(of: uuid, Array.init)
}

func replicaID(fromUUIDBytes bytes: [UInt8]) -> ReplicaID? {
    guard bytes.count == 16 else { return nil }
    let uuid = bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) }
    return ReplicaID(UUID(uuid: uuid).uuidString)
}
