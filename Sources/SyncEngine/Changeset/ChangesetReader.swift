import Crypto
import Foundation
import ReportModels

/// Reads changeset files, streaming: the file is read and inflated in pieces and each
/// version handed over as soon as it is decoded, so memory stays bounded whatever the size.
public enum ChangesetReader {
    /// No single version may be larger than this (reports are a few kilobytes).
    static let maximumVersionSize = 16 * 1024 * 1024
    static let readSize = 256 * 1024

    /// A changeset file opened, and its header read and parsed: the one place a file's header
    /// is read. Its payload is then read from this same open file, once (`read` on it), so
    /// an import that checks the header before it starts checks the header of the bytes it
    /// goes on to import — not of a file that has replaced it at that name since — and parses
    /// it once. The file is closed by that read, or when this is released.
    public final class OpenFile: Sendable {
        public let header: ChangesetHeader
        /// Closes itself when released (``FolderFile/open(_:)``).
        fileprivate let file: FileHandle

        public init(_ url: URL) throws {
            file = try ChangesetReader.open(url)
            header = try ChangesetHeader(parsing: Array(try file.read(upToCount: ChangesetHeader.size) ?? Data()))
        }

        fileprivate func close() { try? file.close() }
    }

    public static func header(of url: URL) throws -> ChangesetHeader {
        let opened = try OpenFile(url)
        opened.close()
        return opened.header
    }

    /// Decodes every version of the file in order, handing each to `body`. Returns the header
    /// once the whole file has checked out: its checksum, size and count. Throws `ChangesetError` on any problem — possibly after `body` has seen some
    /// versions, which the caller must then discard (an import runs in a transaction).
    @discardableResult
    public static func read(_ url: URL, _ body: (Version) throws -> Void) throws -> ChangesetHeader {
        try read(OpenFile(url), body)
    }

    /// Like ``read(_:_:)``, over a file opened already: reads the rest of it, and closes it.
    @discardableResult
    public static func read(_ opened: OpenFile, _ body: (Version) throws -> Void) throws -> ChangesetHeader {
        defer { opened.close() }
        return try read(header: opened.header, chunks: { try readChunk(opened.file) }, body)
    }

    /// Like ``read(_:_:)``, over a file's bytes in memory, handed to the inflater in pieces of
    /// `chunkSize` bytes (for the fuzzer, `Fuzz/`, and its regression tests).
    @discardableResult
    static func read(bytes: [UInt8], chunkSize: Int = readSize, _ body: (Version) throws -> Void) throws -> ChangesetHeader {
        var offset = min(bytes.count, ChangesetHeader.size)
        return try read(header: ChangesetHeader(parsing: Array(bytes[..<offset])), chunks: {
            guard offset < bytes.count else { return nil }
            let end = min(bytes.count, offset + max(1, chunkSize))
            defer { offset = end }
            return Data(bytes[offset..<end])
        }, body)
    }

    /// The reading itself: `header` is parsed from the file's first bytes, `chunks` hands
    /// over the rest in pieces, then nil or an empty piece at the end.
    private static func read(header: ChangesetHeader, chunks: () throws -> Data?, _ body: (Version) throws -> Void) throws -> ChangesetHeader {
        let inflater: Inflater
        do { inflater = try Inflater() } catch { throw ChangesetError.corruptCompression("\(error)") }
        var hasher = SHA256()
        var size = 0
        var count = 0
        var line: [UInt8] = []

        func consume(_ piece: UnsafeRawBufferPointer) throws {
            size += piece.count
            guard size <= header.uncompressedSize else { throw ChangesetError.sizeExceeded(declared: header.uncompressedSize) }
            hasher.update(bufferPointer: piece)
            var start = piece.startIndex
            while let newline = piece[start...].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: piece[start..<newline])
                try decode(line, index: count)
                count += 1
                line.removeAll(keepingCapacity: true)
                start = newline + 1
            }
            line.append(contentsOf: piece[start...])
            guard line.count <= maximumVersionSize else {
                throw ChangesetError.malformedVersion(index: count, reason: "larger than \(maximumVersionSize) bytes")
            }
        }

        func decode(_ bytes: [UInt8], index: Int) throws {
            guard count < header.count else { throw ChangesetError.countMismatch(declared: header.count, found: count + 1) }
            let version: Version
            do {
                version = try Version(encoded: bytes)
                try version.validate()
            } catch {
                throw ChangesetError.malformedVersion(index: index, reason: "\(error)")
            }
            try body(version)
        }

        while let chunk = try chunks(), !chunk.isEmpty {
            do {
                let trailing = try chunk.withUnsafeBytes { try inflater.decompress($0, into: consume) }
                guard trailing == 0 else { throw ChangesetError.trailingData }
            } catch let error as ZlibError {
                throw ChangesetError.corruptCompression(error.message)
            }
        }
        guard inflater.finished else { throw ChangesetError.truncated }
        guard line.isEmpty else { throw ChangesetError.malformedVersion(index: count, reason: "it does not end with a newline") }
        guard size == header.uncompressedSize else { throw ChangesetError.sizeMismatch(declared: header.uncompressedSize, found: size) }
        guard Array(hasher.finalize()) == header.payloadHash else { throw ChangesetError.checksumMismatch }
        guard count == header.count else { throw ChangesetError.countMismatch(declared: header.count, found: count) }
        return header
    }

    /// A plain file only: a FIFO or a device named like a changeset is refused without
    /// blocking, and a link is not followed (``FolderFile``).
    private static func open(_ url: URL) throws -> FileHandle {
        do {
            return try FolderFile.open(url)
        } catch {
            throw ChangesetError.unreadable(error.localizedDescription)
        }
    }

    private static func readChunk(_ file: FileHandle) throws -> Data? {
        do {
            return try file.read(upToCount: readSize)
        } catch {
            throw ChangesetError.unreadable(describeError(error))
        }
    }
}
