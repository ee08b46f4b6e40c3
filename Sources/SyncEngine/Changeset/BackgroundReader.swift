import Foundation
import ReportModels

extension ChangesetReader {
    /// Like ``read(_:_:)``, but the file is read, inflated, checked and decoded — and
    /// `prepare` run on each version — on a second thread while `body` runs on this one, so
    /// an import's decoding overlaps its writing (DESIGN.md §7). Only a bounded number of
    /// decoded versions wait between the two.
    public static func readInBackground<Prepared: Sendable>(
        _ url: URL, prepare: @escaping @Sendable (Version) -> Prepared, _ body: (Version, Prepared) throws -> Void
    ) throws -> ChangesetHeader {
        let channel = Channel<(Version, Prepared)>()
        let producer = Thread {
            do {
                var batch: [(Version, Prepared)] = []
                let header = try read(url) { version in
                    batch.append((version, prepare(version)))
                    if batch.count == Channel<(Version, Prepared)>.batchSize {
                        try channel.send(batch)
                        batch = []
                    }
                }
                try channel.send(batch)
                channel.finish(.success(header))
            } catch {
                channel.finish(.failure(error))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        do {
            while let batch = try channel.receive() {
                for (version, prepared) in batch { try body(version, prepared) }
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
private final class Channel<Element: Sendable>: @unchecked Sendable {
    static var batchSize: Int { 64 }
    static var capacity: Int { 16 }

    private let condition = NSCondition()
    private var batches: [[Element]] = []
    private var result: Result<ChangesetHeader, Error>?
    private var cancelled = false

    struct Cancelled: Error {}

    /// Waits for room; throws if the consumer gave up.
    func send(_ batch: [Element]) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= Self.capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        batches.append(batch)
        condition.broadcast()
    }

    func finish(_ result: Result<ChangesetHeader, Error>) {
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
        return batches.removeFirst()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func waitForResult() throws -> ChangesetHeader {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
