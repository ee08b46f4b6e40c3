import Foundation
import ReportModels

extension ChangesetReader {
    /// Like ``read(_:_:)`` on a file opened already, but the file is read, inflated, checked
    /// and decoded — and `prepare` run on versions — on a second thread while `body` runs on
    /// this one, so an import's decoding overlaps its writing (DESIGN.md §7). Decoded versions
    /// wait between the two up to a bound in bytes, so memory stays flat however large the
    /// versions are.
    ///
    /// `prepare` runs only on the last version of each run of one report's versions (files
    /// are ordered by report): a version followed by another of its report is handed over
    /// with nil, since what it would prepare (its report's state as its only head) is
    /// replaced by the next one's.
    ///
    /// `body` gets each version with its maker signature as ``read(_:_:)`` hands it over; the
    /// maker signatures of relayed versions are verified on the reading thread, with the rest
    /// of the decoding.
    ///
    /// `teamKey`: the key of a format-3 file (see ``read(_:teamKey:_:)``).
    @discardableResult
    public static func readInBackground<Prepared: Sendable>(
        _ opened: OpenFile, teamKey: TeamKey? = nil, prepare: @escaping @Sendable (Version) -> Prepared,
        _ body: (Version, Signature?, Prepared?) throws -> Void
    ) throws -> ChangesetContents {
        try readInBackground(opened, teamKey: teamKey, verifier: .standard, prepare: prepare, body)
    }

    @discardableResult
    static func readInBackground<Prepared: Sendable>(
        _ opened: OpenFile, teamKey: TeamKey? = nil, verifier: MakerVerifier, prepare: @escaping @Sendable (Version) -> Prepared,
        _ body: (Version, Signature?, Prepared?) throws -> Void
    ) throws -> ChangesetContents {
        typealias Item = (Version, Signature?, Prepared?)
        let channel = Channel<Item>()
        let producer = Thread {
            do {
                var batch: [Item] = []
                var bytes = 0
                var held: (Version, Signature?)?
                func pass(_ version: Version, _ signature: Signature?, followedBy next: Version?) throws {
                    batch.append((version, signature, next?.reportID == version.reportID ? nil : prepare(version)))
                    bytes += version.encoded.utf8.count
                    if batch.count == Channel<Item>.batchSize || bytes >= Channel<Item>.batchBytes {
                        try channel.send(batch, bytes: bytes)
                        (batch, bytes) = ([], 0)
                    }
                }
                let contents = try read(opened, teamKey: teamKey, verifier: verifier) { version, signature in
                    if let held { try pass(held.0, held.1, followedBy: version) }
                    held = (version, signature)
                }
                if let held { try pass(held.0, held.1, followedBy: nil) }
                try channel.send(batch, bytes: bytes)
                channel.finish(.success(contents))
            } catch {
                channel.finish(.failure(error))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        do {
            while let batch = try channel.receive() {
                for (version, signature, prepared) in batch { try body(version, signature, prepared) }
            }
            return try channel.waitForResult()
        } catch {
            channel.cancel()
            _ = try? channel.waitForResult()
            throw error
        }
    }
}

/// Batches of decoded versions handed from the reading thread to the importing one.
///
/// Bounded by the encoded size of what waits (a decoded version takes a few times that):
/// about 4 MB — a thousand typical reports, enough to keep both threads busy — or one batch
/// whatever its size, so that a single huge version still passes.
private final class Channel<Element: Sendable>: @unchecked Sendable {
    static var batchSize: Int { 64 }
    static var batchBytes: Int { 1 << 20 }
    static var capacityBytes: Int { 4 << 20 }

    private let condition = NSCondition()
    private var batches: [(elements: [Element], bytes: Int)] = []
    private var waitingBytes = 0
    private var result: Result<ChangesetContents, Error>?
    private var cancelled = false

    struct Cancelled: Error {}

    /// Waits for room; throws if the consumer gave up.
    func send(_ batch: [Element], bytes: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while !batches.isEmpty && waitingBytes + bytes > Self.capacityBytes && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        batches.append((batch, bytes))
        waitingBytes += bytes
        condition.broadcast()
    }

    func finish(_ result: Result<ChangesetContents, Error>) {
        condition.lock()
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil when the producer has finished and everything was received.
    /// Throws the producer's error as soon as it is known.
    func receive() throws -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && result == nil { condition.wait() }
        if case .failure(let error)? = result { throw error }
        guard !batches.isEmpty else { return nil }
        condition.broadcast()
        let batch = batches.removeFirst()
        waitingBytes -= batch.bytes
        return batch.elements
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func waitForResult() throws -> ChangesetContents {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
