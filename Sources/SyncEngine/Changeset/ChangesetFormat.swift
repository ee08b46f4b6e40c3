import Foundation
import ReportModels

/// The `.fnc` changeset file (DESIGN.md §5): a fixed header, then one zlib stream whose
/// content is the versions as canonical JSON, one per line, ordered by report.
///
/// ```
/// offset size
///      0    8  magic "FNCS\r\n\u{1A}\n" (catches text-mode transfers and truncated copies)
///      8    2  format version, big-endian (1)
///     10    2  header size in bytes, big-endian (96): the payload starts there
///     12   16  writer replica id (UUID bytes)
///     28    8  writer's sequence number of this file, big-endian
///     36    8  number of versions, big-endian
///     44    8  size of the uncompressed payload in bytes, big-endian
///     52   32  SHA-256 of the uncompressed payload
///     84    1  compression: 1 = zlib
///     85    1  zlib level used (informational)
///     86   10  reserved, zero
///     96    …  zlib stream
/// ```
///
/// Every number in the header is checked against the payload when reading, and the payload
/// is never trusted before its checksum has been: readers stream versions to a caller that
/// must treat them as provisional until the read returns.
public struct ChangesetHeader: Hashable, Sendable {
    public var writer: ReplicaID
    public var sequence: Int
    public var count: Int
    public var uncompressedSize: Int
    public var payloadHash: [UInt8]
    public var level: Int

    static let magic: [UInt8] = Array("FNCS\r\n".utf8) + [0x1A, 0x0A]
    static let formatVersion: UInt16 = 1
    static let size = 96
    static let zlibCompression: UInt8 = 1
    /// A writer's changesets are numbered from 1; a trillion is more than any replica writes,
    /// and keeps every sum of sequences far from overflowing.
    public static let maximumSequence = 1_000_000_000_000
    /// 2^48 bytes (256 TB): beyond any real payload, and far from overflowing when counted.
    static let maximumPayloadSize = 1 << 48

    var bytes: [UInt8] {
        var bytes = Self.magic
        bytes += bigEndian(Self.formatVersion)
        bytes += bigEndian(UInt16(Self.size))
        bytes += uuidBytes(writer)
        bytes += bigEndian(UInt64(sequence))
        bytes += bigEndian(UInt64(count))
        bytes += bigEndian(UInt64(uncompressedSize))
        bytes += payloadHash
        bytes += [Self.zlibCompression, UInt8(clamping: level)]
        bytes += [UInt8](repeating: 0, count: Self.size - bytes.count)
        return bytes
    }

    /// Reads the header at the start of `bytes`.
    init(parsing bytes: [UInt8]) throws(ChangesetError) {
        guard bytes.count >= 12, Array(bytes[0..<8]) == Self.magic else { throw .notAChangeset }
        let version = readBigEndian(bytes, at: 8, size: 2)
        guard version <= UInt64(Self.formatVersion) else { throw .newerFormat(Int(version)) }
        guard version == UInt64(Self.formatVersion), readBigEndian(bytes, at: 10, size: 2) == UInt64(Self.size) else {
            throw .malformedHeader("unknown header layout")
        }
        guard bytes.count >= Self.size else { throw .truncated }
        guard let writer = replicaID(fromUUIDBytes: Array(bytes[12..<28])), writer.isRandom else {
            throw .malformedHeader("the writer is not a replica id")
        }
        let (sequence, count, size) = (readBigEndian(bytes, at: 28, size: 8), readBigEndian(bytes, at: 36, size: 8),
                                       readBigEndian(bytes, at: 44, size: 8))
        guard (1...UInt64(Self.maximumSequence)).contains(sequence) else {
            throw .malformedHeader("sequence \(sequence) is not between 1 and \(Self.maximumSequence)")
        }
        // Each version is at least a line of a few bytes; an empty changeset is empty.
        guard size <= UInt64(Self.maximumPayloadSize), count <= size, (count == 0) == (size == 0) else {
            throw .malformedHeader("\(count) versions in \(size) bytes")
        }
        guard bytes[84] == Self.zlibCompression else { throw .malformedHeader("unknown compression \(bytes[84])") }
        guard bytes[85] <= 9 else { throw .malformedHeader("zlib level \(bytes[85])") }
        guard bytes[86..<Self.size].allSatisfy({ $0 == 0 }) else { throw .malformedHeader("reserved bytes are not zero") }
        self.writer = writer
        self.sequence = Int(sequence)
        self.count = Int(count)
        uncompressedSize = Int(size)
        payloadHash = Array(bytes[52..<84])
        level = Int(bytes[85])
    }

    init(writer: ReplicaID, sequence: Int, count: Int, uncompressedSize: Int, payloadHash: [UInt8], level: Int) {
        self.writer = writer
        self.sequence = sequence
        self.count = count
        self.uncompressedSize = uncompressedSize
        self.payloadHash = payloadHash
        self.level = level
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

func uuidBytes(_ replica: ReplicaID) -> [UInt8] {
    let uuid = UUID(uuidString: replica.rawValue)!.uuid
    return withUnsafeBytes(of: uuid, Array.init)
}

func replicaID(fromUUIDBytes bytes: [UInt8]) -> ReplicaID? {
    guard bytes.count == 16 else { return nil }
    let uuid = bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) }
    return ReplicaID(UUID(uuid: uuid).uuidString)
}
