import Crypto
import Foundation
import ReportModels

/// What a changeset file holds besides its versions, once it has been read through and checked.
public struct ChangesetContents: Hashable, Sendable {
    public let header: ChangesetHeader
    /// Format 2: the identity line of the writer and of each other maker of a version in the
    /// file, in the file's order; each well formed and verifying (``IdentityLine/verify()``),
    /// the writer's holding the header's key. Whether a store accepts their keys is the
    /// store's decision. Format 1: none.
    public let identities: [IdentityLine]
    /// A snapshot's frontier; nil for a changeset.
    public let frontier: Frontier?

    /// The writer's own identity line (format 2).
    public var writerIdentity: IdentityLine? { identities.first { $0.replica == header.writer } }
}

/// Reads changeset files, streaming: the file is read and inflated in pieces and each
/// version handed over as soon as it is decoded, so memory stays bounded whatever the size.
public enum ChangesetReader {
    /// No single version may be larger than this (reports are a few kilobytes).
    static let maximumVersionSize = 16 * 1024 * 1024
    /// A format-2 version line: its maker signature in hex (or `-`), a space, the version.
    static let maximumVersionLineSize = maximumVersionSize + 2 * Signature.byteCount + 1
    /// The identity lines of one file together (about 350 bytes each for a short name): they
    /// are kept while the file is read, so they are bounded in bytes as well as in number.
    static let maximumIdentityBytes = 64 * 1024 * 1024
    /// The key rotations of one file together (each line has at most 16): each costs two
    /// signature checks, so they are bounded apart from the lines' bytes.
    static let maximumRotations = 10_000
    static let readSize = 256 * 1024

    /// A changeset file opened, and its header read and parsed: the one place a file's header
    /// is read. Its payload is then read from this same open file, once (`read` on it), so
    /// an import that checks the header before it starts checks the header of the bytes it
    /// goes on to import — not of a file that has replaced it at that name since — and parses
    /// it once. The file is closed by that read, or when this is released.
    ///
    /// A format-2 header is verified before it is returned (its writer signature, under the
    /// key it carries), and the file's size checked against it: a file cut short or with
    /// bytes after its end is refused here, before any of its payload is read.
    public final class OpenFile: Sendable {
        public let header: ChangesetHeader
        /// Closes itself when released (``FolderFile/open(_:)``).
        fileprivate let file: FileHandle

        public init(_ url: URL) throws {
            file = try ChangesetReader.open(url)
            let file = file
            header = try ChangesetReader.parseHeader { count in try ChangesetReader.readBytes(file, count: count) }
            if header.signed != nil {
                try ChangesetReader.checkFileSize(try ChangesetReader.size(of: file), header: header)
            }
        }

        fileprivate func close() { try? file.close() }
    }

    public static func header(of url: URL) throws -> ChangesetHeader {
        let opened = try OpenFile(url)
        opened.close()
        return opened.header
    }

    /// Decodes every version of the file in order, handing each to `body` with its maker
    /// signature (nil: the version came unsigned — every version of a format-1 file, and
    /// versions a format-2 file relays unsigned from other makers). Returns the header and the
    /// identity lines once the whole file has checked out: its checksum, sizes and counts.
    /// Throws `ChangesetError` on any problem — possibly after `body` has seen some versions,
    /// which the caller must then discard (an import runs in a transaction).
    ///
    /// In a format-2 file, a signature handed over with a version made by another replica than
    /// the writer has been verified, under a key of its maker's identity line (its card's key,
    /// or an older key its rotations lead from); one with a version made by the writer is
    /// covered by the writer signature and not verified again.
    ///
    /// A format-3 file is opened with `teamKey`, which must be the key its header names
    /// (``ChangesetError/unknownTeamKey(_:)`` otherwise); its ciphertext is checked chunk by
    /// chunk as it is read, and against its hash at the end.
    @discardableResult
    public static func read(_ url: URL, teamKey: TeamKey? = nil, _ body: (Version, Signature?) throws -> Void) throws -> ChangesetContents {
        try read(OpenFile(url), teamKey: teamKey, body)
    }

    /// Like ``read(_:teamKey:_:)``, over a file opened already: reads the rest of it, and closes it.
    @discardableResult
    public static func read(_ opened: OpenFile, teamKey: TeamKey? = nil, _ body: (Version, Signature?) throws -> Void) throws -> ChangesetContents {
        try read(opened, teamKey: teamKey, verifier: .standard, body)
    }

    static func read(_ opened: OpenFile, teamKey: TeamKey?, verifier: MakerVerifier, onFrontier: ((Frontier) throws -> Void)? = nil,
                     _ body: (Version, Signature?) throws -> Void) throws -> ChangesetContents {
        defer { opened.close() }
        let chunks = try streamChunks(header: opened.header, teamKey: teamKey) { count in try readBytes(opened.file, count: count) }
        return try read(header: opened.header, chunks: chunks, verifier: verifier, onFrontier: onFrontier, body)
    }

    /// A snapshot's frontier, reading no further than its first line: the cost of its header's
    /// signature and one cipher chunk, however large the snapshot. In format 3 the line is
    /// authenticated by the cipher; in format 2 the payload's checksum is checked only by a
    /// full read — so a decision that a version is safe (deleting a file it covers) is taken
    /// only on a frontier read through (``read(_:teamKey:_:)``). Closes the file.
    public static func frontier(of opened: OpenFile, teamKey: TeamKey?) throws -> Frontier {
        struct Found: Error { let frontier: Frontier }
        guard opened.header.isSnapshot else { throw ChangesetError.snapshotMismatch(expectedSnapshot: true) }
        do {
            _ = try read(opened, teamKey: teamKey, verifier: .standard, onFrontier: { throw Found(frontier: $0) }) { _, _ in }
        } catch let found as Found {
            return found.frontier
        }
        throw ChangesetError.malformedFrontier("there is none")
    }

    /// Like ``read(_:_:)``, over a file's bytes in memory, handed to the inflater in pieces of
    /// `chunkSize` bytes (for the fuzzer, `Fuzz/`, and its regression tests).
    @discardableResult
    static func read(bytes: [UInt8], chunkSize: Int = readSize, teamKey: TeamKey? = nil, verifier: MakerVerifier = .standard,
                     _ body: (Version, Signature?) throws -> Void) throws -> ChangesetContents {
        var offset = 0
        func next(_ count: Int) -> [UInt8] {
            let end = min(bytes.count, offset + count)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
        let header = try parseHeader(next)
        if header.signed != nil { try checkFileSize(bytes.count, header: header) }
        let chunks = try streamChunks(header: header, teamKey: teamKey) { count in next(min(count, max(1, chunkSize))) }
        return try read(header: header, chunks: chunks, verifier: verifier, onFrontier: nil, body)
    }

    /// The zlib stream after a header, in pieces, read through `read(count)` (the next bytes of
    /// the file, at most `count`, none at its end): as it is for formats 1 and 2; opened chunk
    /// by chunk for format 3, whose ciphertext hash is checked once its last chunk is read,
    /// before that chunk's plaintext is handed over.
    private static func streamChunks(header: ChangesetHeader, teamKey: TeamKey?,
                                     read: @escaping (Int) throws -> [UInt8]) throws -> () throws -> Data? {
        guard let encryption = header.encryption, let contentSize = header.contentSize else {
            return { let bytes = try read(readSize); return bytes.isEmpty ? nil : Data(bytes) }
        }
        guard let teamKey, teamKey.id == encryption.key else { throw ChangesetError.unknownTeamKey(encryption.key) }
        var opener = PayloadCipher.Opener(
            key: PayloadCipher.fileKey(teamKey: teamKey, nonce: encryption.nonce, folder: header.folder, writer: header.writer,
                                       sequence: header.sequence),
            ciphertextSize: contentSize)
        var remaining = contentSize
        var hasher = SHA256()
        return {
            guard !opener.isFinished else { return nil }
            let size = opener.nextChunkSize(remaining: remaining)
            var sealed: [UInt8] = []
            sealed.reserveCapacity(size)
            while sealed.count < size {
                let bytes = try read(size - sealed.count)
                guard !bytes.isEmpty else { throw ChangesetError.truncated }
                sealed += bytes
            }
            remaining -= size
            hasher.update(data: sealed)
            let plain = try opener.open(sealed)
            if opener.isFinished {
                guard Array(hasher.finalize()) == header.payloadHash else { throw ChangesetError.checksumMismatch }
                // The file grew since its size was checked (the header says where it ends).
                guard try read(1).isEmpty else { throw ChangesetError.trailingData }
            }
            return Data(plain)
        }
    }

    /// Reads a header through `read(count)`, which returns the next `count` bytes of the file
    /// or fewer at its end: the prefix that says the format, then the rest of that format's
    /// header.
    private static func parseHeader(_ read: (Int) throws -> [UInt8]) throws -> ChangesetHeader {
        var bytes = try read(ChangesetHeader.prefixSize)
        if bytes.count == ChangesetHeader.prefixSize {
            bytes += try read(ChangesetHeader.size(ofHeaderStartingWith: bytes) - ChangesetHeader.prefixSize)
        }
        return try ChangesetHeader(parsing: bytes)
    }

    /// A format-2 file is exactly its header and its compressed stream; a format-3 one, its
    /// header and that stream's ciphertext.
    private static func checkFileSize(_ size: Int, header: ChangesetHeader) throws(ChangesetError) {
        // Both are at most 2^48 (and a little): the sum cannot overflow.
        guard let content = header.contentSize else { return }
        let expected = header.size + content
        guard size >= expected else { throw .truncated }
        guard size == expected else { throw .trailingData }
    }

    /// The reading itself: `header` is parsed (and, for format 2, verified) from the file's
    /// first bytes, `chunks` hands over the rest in pieces, then nil or an empty piece at the end.
    private static func read(header: ChangesetHeader, chunks: () throws -> Data?, verifier: MakerVerifier,
                             onFrontier: ((Frontier) throws -> Void)?, _ body: (Version, Signature?) throws -> Void) throws -> ChangesetContents {
        let inflater: Inflater
        do { inflater = try Inflater() } catch { throw ChangesetError.corruptCompression("\(error)") }
        var hasher = SHA256()
        // Format 3's payload is covered by its cipher and its ciphertext's hash instead.
        let checksPayload = header.encryption == nil
        var size = 0
        var received = 0
        // Complete lines decoded: a snapshot's frontier, identity lines (format 2), then versions.
        var lines = 0
        var line: [UInt8] = []
        let frontierLines = header.isSnapshot ? 1 : 0
        let identityCount = header.signed?.identityCount ?? 0
        let leadingLines = frontierLines + identityCount
        var identities = IdentityTable(header: header)
        var frontier: Frontier?

        func inFrontier() -> Bool { lines < frontierLines }
        func inIdentities() -> Bool { lines >= frontierLines && lines < leadingLines }

        func checkLength() throws {
            if inFrontier() {
                guard line.count <= Frontier.maximumLineSize else {
                    throw ChangesetError.malformedFrontier("longer than \(Frontier.maximumLineSize) bytes")
                }
            } else if inIdentities() {
                guard line.count <= IdentityLine.maximumEncodedSize else {
                    throw ChangesetError.malformedIdentity(index: lines - frontierLines, reason: "longer than \(IdentityLine.maximumEncodedSize) bytes")
                }
            } else {
                guard line.count <= (header.signed == nil ? maximumVersionSize : maximumVersionLineSize) else {
                    throw ChangesetError.malformedVersion(index: lines - leadingLines, reason: "larger than \(maximumVersionSize) bytes")
                }
            }
        }

        func consume(_ piece: UnsafeRawBufferPointer) throws {
            size += piece.count
            guard size <= header.uncompressedSize else { throw ChangesetError.sizeExceeded(declared: header.uncompressedSize) }
            if checksPayload { hasher.update(bufferPointer: piece) }
            var start = piece.startIndex
            while let newline = piece[start...].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: piece[start..<newline])
                try checkLength()
                try decode(line)
                lines += 1
                line.removeAll(keepingCapacity: true)
                start = newline + 1
            }
            line.append(contentsOf: piece[start...])
            try checkLength()
        }

        func decode(_ bytes: [UInt8]) throws {
            if inFrontier() {
                frontier = try Frontier(parsing: bytes)
                try onFrontier?(frontier!)
                return
            }
            if inIdentities() {
                try identities.add(bytes, index: lines - frontierLines)
                if lines + 1 == leadingLines { try identities.finishLines() }
                return
            }
            let index = lines - leadingLines
            guard index < header.count else { throw ChangesetError.countMismatch(declared: header.count, found: index + 1) }
            var signature: Signature?
            var encoded = bytes
            if header.signed != nil { (signature, encoded) = try splitVersionLine(bytes, index: index) }
            let version: Version
            do {
                version = try Version(encoded: encoded)
                try version.validate()
            } catch {
                throw ChangesetError.malformedVersion(index: index, reason: "\(error)")
            }
            if header.signed != nil { try identities.check(version, signature: signature, index: index, verifier: verifier) }
            try body(version, signature)
        }

        let compressedSize = header.signed?.compressedSize
        while let chunk = try chunks(), !chunk.isEmpty {
            received += chunk.count
            // The file grew since its size was checked (the header says where it ends).
            if let compressedSize, received > compressedSize { throw ChangesetError.trailingData }
            do {
                let trailing = try chunk.withUnsafeBytes { try inflater.decompress($0, into: consume) }
                guard trailing == 0 else { throw ChangesetError.trailingData }
            } catch let error as ZlibError {
                throw ChangesetError.corruptCompression(error.message)
            }
        }
        if let compressedSize, received < compressedSize { throw ChangesetError.truncated }
        guard inflater.finished else {
            // All the bytes the header declares are there: the stream itself does not end.
            if compressedSize != nil { throw ChangesetError.corruptCompression("the stream does not end where the header says") }
            throw ChangesetError.truncated
        }
        guard line.isEmpty else {
            if inFrontier() { throw ChangesetError.malformedFrontier("it does not end with a newline") }
            if inIdentities() { throw ChangesetError.malformedIdentity(index: lines - frontierLines, reason: "it does not end with a newline") }
            throw ChangesetError.malformedVersion(index: lines - leadingLines, reason: "it does not end with a newline")
        }
        guard size == header.uncompressedSize else { throw ChangesetError.sizeMismatch(declared: header.uncompressedSize, found: size) }
        // Format 3: the ciphertext's hash, checked as it was read (`streamChunks`).
        if checksPayload, Array(hasher.finalize()) != header.payloadHash { throw ChangesetError.checksumMismatch }
        guard lines >= frontierLines else { throw ChangesetError.malformedFrontier("there is none") }
        guard lines >= leadingLines else {
            throw ChangesetError.identityCountMismatch(declared: identityCount, found: lines - frontierLines)
        }
        guard lines - leadingLines == header.count else {
            throw ChangesetError.countMismatch(declared: header.count, found: lines - leadingLines)
        }
        try identities.finish()
        return ChangesetContents(header: header, identities: identities.lines, frontier: frontier)
    }

    /// A format-2 version line: the maker signature (128 lowercase hex digits) or `-`, a space,
    /// the version's encoding.
    private static func splitVersionLine(_ bytes: [UInt8], index: Int) throws(ChangesetError) -> (Signature?, [UInt8]) {
        let hexSize = 2 * Signature.byteCount
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "-"), bytes[1] == UInt8(ascii: " ") {
            return (nil, Array(bytes[2...]))
        }
        guard bytes.count > hexSize, bytes[hexSize] == UInt8(ascii: " "),
              let signature = Signature(hex: String(decoding: bytes[..<hexSize], as: UTF8.self))
        else {
            throw .malformedVersion(index: index, reason: "it does not start with its maker signature (128 lowercase hex digits, or '-' for none) and a space")
        }
        return (signature, Array(bytes[(hexSize + 1)...]))
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

    /// The next `count` bytes (fewer at the end of the file).
    private static func readBytes(_ file: FileHandle, count: Int) throws -> [UInt8] {
        do {
            return Array(try file.read(upToCount: count) ?? Data())
        } catch {
            throw ChangesetError.unreadable(describeError(error))
        }
    }

    private static func size(of file: FileHandle) throws -> Int {
        var info = stat()
        guard fstat(file.fileDescriptor, &info) == 0 else { throw ChangesetError.unreadable(String(cString: strerror(errno))) }
        return Int(info.st_size)
    }
}

/// How the reader checks the maker signature of a version relayed in a format-2 file:
/// ``MakerSignature/verify(hash:signature:key:)``; tests count and place the calls.
struct MakerVerifier: Sendable {
    let verify: @Sendable (ContentHash, Signature, ReplicaKey) -> Bool

    static let standard = MakerVerifier { MakerSignature.verify(hash: $0, signature: $1, key: $2) }
}

/// The identity lines of a format-2 file as they are read, and the checks of each version
/// against them.
private struct IdentityTable {
    struct Maker {
        /// Its line's index.
        let line: Int
        /// Newest first (``IdentityLine/keys``).
        let keys: [ReplicaKey]
        /// The key that verified its last version: tried first.
        var lastKey = 0
        var madeVersions = false
    }

    let writer: ReplicaID
    let writerKey: ReplicaKey?
    private(set) var lines: [IdentityLine] = []
    private var makers: [ReplicaID: Maker] = [:]
    /// Which replica's line holds each key: a key is one replica's.
    private var owners: [ReplicaKey: ReplicaID] = [:]
    private var bytes = 0
    private var rotations = 0

    init(header: ChangesetHeader) {
        writer = header.writer
        writerKey = header.signed?.writerKey
    }

    mutating func add(_ encoded: [UInt8], index: Int) throws(ChangesetError) {
        bytes += encoded.count
        guard bytes <= ChangesetReader.maximumIdentityBytes else {
            throw .malformedIdentity(index: index, reason: "the identity lines are longer than \(ChangesetReader.maximumIdentityBytes) bytes together")
        }
        let line: IdentityLine
        do {
            line = try IdentityLine(encoded: encoded)
        } catch {
            throw .malformedIdentity(index: index, reason: error.description)
        }
        rotations += line.rotations.count
        guard rotations <= ChangesetReader.maximumRotations else {
            throw .malformedIdentity(index: index, reason: "more than \(ChangesetReader.maximumRotations) key rotations in one file")
        }
        guard makers[line.replica] == nil else {
            throw .malformedIdentity(index: index, reason: "a second identity line of replica \(line.replica)")
        }
        if line.replica == writer, line.card.key != writerKey {
            throw .malformedIdentity(index: index, reason: "the writer's card holds key \(line.card.key.fingerprint), not the key its header is signed with")
        }
        let keys = line.keys
        for key in keys {
            if let owner = owners.updateValue(line.replica, forKey: key) {
                throw .malformedIdentity(index: index, reason: "its key \(key.fingerprint) is also a key of replica \(owner)")
            }
        }
        if let problem = line.verificationProblem() { throw .malformedIdentity(index: index, reason: problem) }
        makers[line.replica] = Maker(line: index, keys: keys, madeVersions: line.replica == writer)
        lines.append(line)
    }

    /// After the last identity line.
    func finishLines() throws(ChangesetError) {
        guard makers[writer] != nil else { throw .missingWriterIdentity(writer: writer) }
    }

    /// A version's signature against its maker's line: the writer's own versions must be
    /// signed (the writer signature covers them); another maker's, when signed, must verify
    /// under a key of its line.
    mutating func check(_ version: Version, signature: Signature?, index: Int, verifier: MakerVerifier) throws(ChangesetError) {
        let maker = version.dot.replica
        if maker == writer {
            guard signature != nil else { throw .unsignedOwnVersion(index: index, version: version.dot) }
            return
        }
        guard var entry = makers[maker] else {
            if signature == nil { return }  // relayed unsigned, from a replica whose key the writer does not know
            throw .missingIdentity(index: index, version: version.dot)
        }
        if !entry.madeVersions {
            entry.madeVersions = true
            makers[maker] = entry
        }
        guard let signature else { return }
        if verifier.verify(version.hash, signature, entry.keys[entry.lastKey]) { return }
        for (position, key) in entry.keys.enumerated() where position != entry.lastKey {
            if verifier.verify(version.hash, signature, key) {
                entry.lastKey = position
                makers[maker] = entry
                return
            }
        }
        let card = lines[entry.line].card
        throw .badMakerSignature(index: index, version: version.dot, analyst: card.analyst, fingerprint: card.key.fingerprint)
    }

    /// After the last version: every line names the writer or a maker of a version.
    func finish() throws(ChangesetError) {
        if let unused = makers.values.filter({ !$0.madeVersions }).min(by: { $0.line < $1.line }) {
            throw .malformedIdentity(index: unused.line, reason: "it names replica \(lines[unused.line].replica), which made no version in the file")
        }
    }
}
