import Crypto
import Foundation
import OfflineStore
import ReportModels

/// The encryption of a changeset's payload (DESIGN.md §10): age's STREAM construction over
/// AES-256-GCM. The plaintext (the zlib stream) is cut into chunks of 64 KiB, the last one
/// shorter or full but never empty, and each is sealed on its own under the file's key with
/// the nonce `counter (11 bytes, big-endian) ‖ last (1 byte: 1 for the last chunk, else 0)`,
/// its 16-byte tag after it. So memory holds one chunk either way, and a chunk that was
/// changed, moved, dropped or taken from another file does not open; the end of the stream
/// cannot be cut at a chunk boundary either, since only the real last chunk opens as last.
///
/// The file's key is HKDF-SHA256 of the team key, salted with the file's random nonce, over
/// what names the file (folder, writer, sequence): two files never share a key, and a file
/// moved to another name or folder does not open there.
enum PayloadCipher {
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let sealedChunkSize = chunkSize + tagSize
    /// The random salt of a file's key, in its header.
    static let nonceSize = 16

    /// The size of the ciphertext of `plaintextSize` bytes (at least 1: a zlib stream is never
    /// empty). Exact for any size up to 2^48.
    static func ciphertextSize(plaintextSize: Int) -> Int {
        let chunks = max(1, (plaintextSize + chunkSize - 1) / chunkSize)
        return plaintextSize + chunks * tagSize
    }

    /// The key of one file: nothing but the team key and the file's header decide it.
    static func fileKey(teamKey: TeamKey, nonce: [UInt8], folder: FolderID?, writer: ReplicaID, sequence: Int) -> SymmetricKey {
        var info = Array("fieldnotes changeset payload v1".utf8)
        info += folder.map { uuidBytes($0.rawValue) } ?? [UInt8](repeating: 0, count: 16)
        info += uuidBytes(writer.rawValue)
        info += bigEndian(UInt64(sequence))
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: teamKey.symmetricKey, salt: nonce, info: info, outputByteCount: 32)
    }

    static func nonce(counter: UInt64, last: Bool) -> AES.GCM.Nonce {
        // Counters stay far below 2^64: a payload is at most 2^48 bytes.
        let bytes = [UInt8](repeating: 0, count: 3) + bigEndian(counter) + [last ? 1 : 0]
        return try! AES.GCM.Nonce(data: bytes)
    }

    /// Seals plaintext as it comes, chunk by chunk; a full chunk is sealed only once more
    /// plaintext follows it (or at ``finish(into:)``, as the last).
    struct Sealer {
        let key: SymmetricKey
        private var buffer: [UInt8] = []
        private var counter: UInt64 = 0

        init(key: SymmetricKey) {
            self.key = key
            buffer.reserveCapacity(chunkSize)
        }

        mutating func add(_ bytes: UnsafeRawBufferPointer, into sink: ([UInt8]) throws -> Void) throws {
            var rest = bytes[...]
            while !rest.isEmpty {
                if buffer.count == chunkSize { try sink(seal(last: false)) }
                let taken = rest.prefix(chunkSize - buffer.count)
                buffer.append(contentsOf: taken)
                rest = rest.dropFirst(taken.count)
            }
        }

        mutating func finish(into sink: ([UInt8]) throws -> Void) throws {
            try sink(seal(last: true))
        }

        private mutating func seal(last: Bool) throws -> [UInt8] {
            let box = try AES.GCM.seal(buffer, using: key, nonce: PayloadCipher.nonce(counter: counter, last: last))
            counter += 1
            buffer.removeAll(keepingCapacity: true)
            return Array(box.ciphertext) + Array(box.tag)
        }
    }

    /// Opens a ciphertext whose size the (signed) header gives, chunk by chunk in order.
    struct Opener {
        let key: SymmetricKey
        let chunkCount: UInt64
        private var counter: UInt64 = 0

        /// `ciphertextSize` must be the size of some plaintext's ciphertext
        /// (``PayloadCipher/ciphertextSize(plaintextSize:)``): the header says so.
        init(key: SymmetricKey, ciphertextSize: Int) {
            self.key = key
            chunkCount = UInt64(max(1, (ciphertextSize + sealedChunkSize - 1) / sealedChunkSize))
        }

        var isFinished: Bool { counter == chunkCount }

        /// The size of the next sealed chunk, given the bytes left in the ciphertext.
        func nextChunkSize(remaining: Int) -> Int { min(sealedChunkSize, remaining) }

        /// Opens the next chunk (all its bytes, tag included).
        mutating func open(_ sealed: [UInt8]) throws(ChangesetError) -> [UInt8] {
            let index = counter
            let last = index + 1 == chunkCount
            guard sealed.count >= tagSize else { throw .truncated }
            if let plain = Self.open(sealed, key: key, counter: index, last: last) {
                // Only the last chunk may be short, and only an empty stream's one chunk empty
                // (what ``Sealer`` writes; the sizes come from the signed header anyway).
                guard last ? !plain.isEmpty || chunkCount == 1 : plain.count == chunkSize else {
                    throw .undecryptable(chunk: Int(index), count: Int(chunkCount), reason: .damaged)
                }
                counter += 1
                return plain
            }
            throw .undecryptable(chunk: Int(index), count: Int(chunkCount), reason: diagnose(sealed, at: index, last: last))
        }

        /// Why a chunk that does not open at its place did not: whether it opens as a nearby
        /// chunk (moved), or at its place with the other end flag (cut or extended at a chunk
        /// boundary). Runs only on a refused file, and tries a bounded number of places.
        private func diagnose(_ sealed: [UInt8], at index: UInt64, last: Bool) -> ChangesetError.CipherProblem {
            if Self.open(sealed, key: key, counter: index, last: !last) != nil { return .endMoved }
            let window: UInt64 = 16
            let low = index > window ? index - window : 0
            for other in low...min(chunkCount - 1, index + window) where other != index {
                if Self.open(sealed, key: key, counter: other, last: other + 1 == chunkCount) != nil { return .reordered(from: Int(other)) }
            }
            return .damaged
        }

        private static func open(_ sealed: [UInt8], key: SymmetricKey, counter: UInt64, last: Bool) -> [UInt8]? {
            guard let box = try? AES.GCM.SealedBox(nonce: PayloadCipher.nonce(counter: counter, last: last),
                                                   ciphertext: sealed.dropLast(tagSize), tag: sealed.suffix(tagSize))
            else { return nil }
            return (try? AES.GCM.open(box, using: key)).map { Array($0) }
        }
    }
}
