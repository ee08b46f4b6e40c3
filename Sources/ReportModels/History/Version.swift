import Crypto

/// One immutable change to a report: who made it, where it sits in the record's causal
/// history, and the full report right after it.
///
/// A version's ``hash`` covers everything else in it, through its canonical encoding, so the
/// same version hashes the same on every replica and a replica can tell when two different
/// versions claim one dot.
public struct Version: Hashable, Sendable {
    /// The replica that made it and that replica's entry in ``clock``.
    public let dot: Dot
    /// The record's vector clock right after this version.
    public let clock: VectorClock
    /// The analyst name of the replica that made it.
    public let author: String
    /// When it was made, by the maker's wall clock (informational: causality is in ``clock``).
    public let time: Timestamp
    public let snapshot: Report
    public let hash: ContentHash

    public var reportID: ReportID { snapshot.id }

    /// A new local version whose parents are every version that `parents` (the join of the
    /// record's head clocks; empty for a new report) has seen.
    public init(snapshot: Report, after parents: VectorClock, replica: ReplicaID, author: String, time: Timestamp) {
        let clock = parents.incremented(for: replica)
        self.init(dot: Dot(replica: replica, counter: clock[replica]), clock: clock, author: author, time: time, snapshot: snapshot)
    }

    private init(dot: Dot, clock: VectorClock, author: String, time: Timestamp, snapshot: Report) {
        self.dot = dot
        self.clock = clock
        self.author = author
        self.time = time
        self.snapshot = snapshot
        hash = ContentHash(of: Self.hashedJSON(dot: dot, clock: clock, author: author, time: time, snapshot: snapshot))
    }

    private static func hashedJSON(dot: Dot, clock: VectorClock, author: String, time: Timestamp, snapshot: Report) -> JSONValue {
        .object([
            "author": .string(author),
            "clock": clock.json,
            "dot": .string(dot.description),
            "snapshot": snapshot.json,
            "time": .string(time.description),
        ])
    }

    /// Whether `self` is in `other`'s causal past.
    public func isAncestor(of other: Version) -> Bool { other.clock.isDescendant(of: clock) }
}

// MARK: - Encoding

extension Version {
    /// The canonical form, with the hash: what stores keep and changesets carry.
    public var json: JSONValue {
        guard case .object(var members) = Self.hashedJSON(dot: dot, clock: clock, author: author, time: time, snapshot: snapshot)
        else { preconditionFailure() }
        members["hash"] = .string(hash.hex)
        return .object(members)
    }

    /// Decodes a version and checks that it is whole: its dot is its own clock entry, and its
    /// hash matches its content. Does not check the report rules (`snapshot.validate()`).
    public init(json: JSONValue) throws(ShapeError) {
        var reader = try ObjectReader(json, path: "")
        let dot = try reader.dot("dot")
        let clock = try VectorClock(json: try reader.value("clock"))
        let author = try reader.string("author")
        let time = try reader.timestamp("time")
        let snapshot = try Report(json: try reader.value("snapshot"), path: "snapshot")
        let hashText = try reader.string("hash")
        try reader.finish()
        guard clock[dot.replica] == dot.counter else {
            throw ShapeError(path: "dot", problem: "\(dot) is not its replica's entry in the clock")
        }
        self.init(dot: dot, clock: clock, author: author, time: time, snapshot: snapshot)
        guard hash.hex == hashText else {
            throw ShapeError(path: "hash", problem: "the content of version \(dot) of report \(snapshot.id) does not match its hash")
        }
    }
}

/// A SHA-256 digest, written in lowercase hex.
public struct ContentHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(of value: JSONValue) {
        bytes = Array(SHA256.hash(data: value.canonicalBytes))
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    public var description: String { hex }
}
