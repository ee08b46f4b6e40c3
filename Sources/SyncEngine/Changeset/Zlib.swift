import CZlib

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
