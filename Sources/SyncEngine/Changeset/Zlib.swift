import CZlib
import Dispatch

// Every zlib call in fieldnotes is in this file.

/// Why zlib refused data.
public struct ZlibError: Error, Equatable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "zlib error \(code): \(message)" }

    init(_ code: Int32, _ stream: UnsafeMutablePointer<z_stream>) {
        self.code = code
        message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(code)"
    }
}

/// Streaming zlib compression (RFC 1950 framing): feed it input in pieces, it hands back
/// compressed pieces, so memory stays bounded whatever the size of the whole.
final class Deflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// `level` 1 (fastest) to 9 (smallest); 6 is zlib's default.
    init(level: Int32) throws {
        stream.initialize(to: z_stream())
        let code = fieldnotes_deflateInit2(stream, level, MAX_WBITS, 8)
        guard code == Z_OK else {
            defer { stream.deallocate() }
            throw ZlibError(code, stream)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input`; with `finish`, also flushes the end of the stream.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let (code, produced) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.pointee.next_out = buffer.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                let code = deflate(stream, flush)
                return (code, buffer.count - Int(stream.pointee.avail_out))
            }
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else { throw ZlibError(code, stream) }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[..<produced])) } }
            if finish ? code == Z_STREAM_END : (stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0) { break }
        }
        stream.pointee.next_in = nil
    }
}

/// zlib compression on both cores (as pigz does): the input is cut into blocks of about
/// 128 KB, each deflated on its own thread with the 32 KB before it as its dictionary and
/// ended with a sync flush, and the pieces are written in order behind one zlib header and
/// before one Adler-32 of the whole. The result is a single ordinary zlib stream (RFC 1950):
/// readers need nothing new, and files are a few bytes a block larger than one stream's.
/// Blocks in flight are bounded, so memory stays flat whatever the size of the whole.
final class BlockDeflater {
    static let blockSize = 128 * 1024
    static let dictionarySize = 32 * 1024
    /// Blocks handed to threads and not yet written.
    static let inFlight = 4

    let level: Int32
    private var block: [UInt8] = []
    private var dictionary: [UInt8] = []
    private var adler = adler32(0, nil, 0)
    private var started = false
    private var pending: [BlockJob] = []

    init(level: Int32) {
        self.level = level
        block.reserveCapacity(Self.blockSize + 4096)
    }

    /// Adds `input`; writes to `sink` whatever compressed output is ready, in order.
    func compress(_ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        block.append(contentsOf: input)
        adler = input.withMemoryRebound(to: Bytef.self) { adler32(adler, $0.baseAddress, uInt($0.count)) }
        if block.count >= Self.blockSize { try submit(final: false, into: sink) }
    }

    /// Compresses what is left, ends the stream and writes everything still pending.
    func finish(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try submit(final: true, into: sink)
        while !pending.isEmpty { try writeOldest(into: sink) }
        var trailer = [UInt8](repeating: 0, count: 4)
        for index in 0..<4 { trailer[index] = UInt8(truncatingIfNeeded: UInt32(adler) >> (24 - 8 * UInt32(index))) }
        try trailer.withUnsafeBytes(sink)
    }

    private func submit(final: Bool, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if !started {
            started = true
            // CMF: deflate with a 32 KB window; FLG: the level's class, and a check that makes
            // the two a multiple of 31.
            let flevel: UInt8 = level <= 1 ? 0 : level <= 5 ? 1 : level == 6 ? 2 : 3
            var flg = flevel << 6
            flg += UInt8(31 - (UInt16(0x78) << 8 | UInt16(flg)) % 31) % 31
            try [0x78, flg].withUnsafeBytes(sink)
        }
        let job = BlockJob(input: block, dictionary: dictionary, level: level, final: final)
        dictionary = Array(block.suffix(Self.dictionarySize))
        block.removeAll(keepingCapacity: true)
        if final && pending.isEmpty {
            job.run()  // all of it in one block: no thread needed
        } else {
            DispatchQueue.global().async { job.run() }
        }
        pending.append(job)
        while pending.count >= Self.inFlight { try writeOldest(into: sink) }
    }

    private func writeOldest(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let job = pending.removeFirst()
        let output = try job.wait()
        try output.withUnsafeBytes(sink)
    }
}

/// One block deflated on its own: raw deflate (no header), primed with the bytes before it,
/// ended with a sync flush — or, for the last block, with the end of the stream.
private final class BlockJob: @unchecked Sendable {
    let input: [UInt8]
    let dictionary: [UInt8]
    let level: Int32
    let final: Bool
    private var result: Result<[UInt8], ZlibError>?
    private let done = DispatchSemaphore(value: 0)

    init(input: [UInt8], dictionary: [UInt8], level: Int32, final: Bool) {
        self.input = input
        self.dictionary = dictionary
        self.level = level
        self.final = final
    }

    func run() {
        result = Result { () throws(ZlibError) -> [UInt8] in try deflateBlock() }
        done.signal()
    }

    func wait() throws -> [UInt8] {
        done.wait()
        return try result!.get()
    }

    private func deflateBlock() throws(ZlibError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        var code = fieldnotes_deflateInit2(stream, level, -MAX_WBITS, 8)
        guard code == Z_OK else { throw ZlibError(code, stream) }
        defer { deflateEnd(stream) }
        if !dictionary.isEmpty {
            code = dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
            guard code == Z_OK else { throw ZlibError(code, stream) }
        }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))) + 64)
        let produced = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output -> (Int32, Int) in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = output.baseAddress
                stream.pointee.avail_out = uInt(output.count)
                let code = deflate(stream, final ? Z_FINISH : Z_SYNC_FLUSH)
                return (code, output.count - Int(stream.pointee.avail_out))
            }
        }
        // The output buffer holds the worst case, so one call consumes everything.
        guard produced.0 == (final ? Z_STREAM_END : Z_OK), stream.pointee.avail_in == 0 else { throw ZlibError(produced.0, stream) }
        output.removeSubrange(produced.1...)
        return output
    }
}

/// Streaming zlib decompression; refuses anything but one well-formed zlib stream.
final class Inflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output = [UInt8](repeating: 0, count: 64 * 1024)
    /// The stream's end has been read; any further input is trailing garbage.
    private(set) var finished = false

    init() throws {
        stream.initialize(to: z_stream())
        let code = fieldnotes_inflateInit2(stream, MAX_WBITS)
        guard code == Z_OK else {
            defer { stream.deallocate() }
            throw ZlibError(code, stream)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses `input`, handing each decompressed piece to `sink`. Returns how many
    /// input bytes followed the end of the stream (0 unless the input runs past it).
    @discardableResult
    func decompress(_ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard !finished else { return input.count }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        defer { stream.pointee.next_in = nil }
        while stream.pointee.avail_in > 0 || !finished {
            let (code, produced) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.pointee.next_out = buffer.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                let code = inflate(stream, Z_NO_FLUSH)
                return (code, buffer.count - Int(stream.pointee.avail_out))
            }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[..<produced])) } }
            switch code {
            case Z_STREAM_END:
                finished = true
                return Int(stream.pointee.avail_in)
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // Needs more input (or more room, but the output buffer was emptied).
                return 0
            default:
                throw ZlibError(code, stream)
            }
        }
        return 0
    }
}

/// zlib's version, for `fieldnotes --version`-style reports.
public var zlibVersionString: String { String(cString: zlibVersion()) }

/// Compresses `bytes` in one stream at `level` and returns the compressed size: raw zlib,
/// the baseline that `fieldnotes-bench` measures exports against.
public func zlibCompressedSize(of bytes: [UInt8], level: Int32) throws -> Int {
    let deflater = try Deflater(level: level)
    var size = 0
    try bytes.withUnsafeBytes { try deflater.compress($0, finish: true) { size += $0.count } }
    return size
}
