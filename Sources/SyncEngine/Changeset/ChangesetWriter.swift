import Crypto
import Foundation
import ReportModels

/// Writes a changeset file as versions are handed to it: each is hashed as it comes and
/// compressed in blocks on both cores (`BlockDeflater`), and the header is filled in at the
/// end, so memory stays bounded whatever the number of versions.
public final class ChangesetWriter {
    let writer: ReplicaID
    let sequence: Int
    let level: Int32
    private let file: FileHandle
    private let deflater: BlockDeflater
    private var hasher = SHA256()
    private var count = 0
    private var uncompressedSize = 0
    private var pending: [UInt8] = []
    private static let flushSize = 256 * 1024

    /// Starts a changeset at `url`, which must not exist (one that does is emptied). A file
    /// that cannot be made is ``SyncError/cannotCreate(path:reason:)``, saying why and what to do.
    public init(at url: URL, writer: ReplicaID, sequence: Int, level: Int32) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw SyncError.cannotCreate(path: url.path, reason: describeWriteFailure(errno))
        }
        file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        self.writer = writer
        self.sequence = sequence
        self.level = level
        deflater = BlockDeflater(level: level)
        // A placeholder header; `finish` writes the real one.
        try file.write(contentsOf: [UInt8](repeating: 0, count: ChangesetHeader.size))
    }

    /// Appends one version, given as its canonical JSON.
    public func append(encodedVersion text: String) throws {
        var line = Array(text.utf8)
        line.append(UInt8(ascii: "\n"))
        hasher.update(data: line)
        uncompressedSize += line.count
        count += 1
        try line.withUnsafeBytes { try deflater.compress($0, into: write) }
    }

    public func append(_ version: Version) throws {
        try append(encodedVersion: version.encoded)
    }

    /// Ends the stream, writes the header, and makes the file durable.
    public func finish() throws -> ChangesetHeader {
        try deflater.finish(into: write)
        try file.write(contentsOf: pending)
        pending = []
        let header = ChangesetHeader(writer: writer, sequence: sequence, count: count, uncompressedSize: uncompressedSize,
                                     payloadHash: Array(hasher.finalize()), level: Int(level))
        try file.seek(toOffset: 0)
        try file.write(contentsOf: header.bytes)
        try file.synchronize()
        try file.close()
        return header
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.flushSize {
            try file.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }
}
