import Crypto

/// One immutable change to a report: who made it, where it sits in the record's causal
/// history, and the full report right after it.
///
/// A version's ``hash`` is the SHA-256 of its encoding without the hash member: it covers
/// everything else in it, so a replica can tell a damaged version, and two different versions
/// that claim one dot. fieldnotes writes the canonical encoding, and versions travel as the
/// bytes their maker wrote, so a version hashes the same on every replica.
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
    /// The canonical JSON of the whole version, hash included: what stores keep and
    /// changesets carry, one line each.
    public let encoded: String

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
        // The hash covers the canonical encoding of every member but "hash"; the full
        // encoding is the same bytes with the hash member inserted where its key sorts
        // (after "dot", before "snapshot"), so the version is encoded once.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        bytes.append(contentsOf: #"{"author":"#.utf8)
        JSONValue.string(author).write(to: &bytes)
        bytes.append(contentsOf: #","clock":"#.utf8)
        clock.json.write(to: &bytes)
        bytes.append(contentsOf: #","dot":"#.utf8)
        JSONValue.string(dot.description).write(to: &bytes)
        bytes.append(UInt8(ascii: ","))
        let split = bytes.count
        bytes.append(contentsOf: #""snapshot":"#.utf8)
        snapshot.json.write(to: &bytes)
        bytes.append(contentsOf: #","time":"#.utf8)
        JSONValue.string(time.description).write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        let hash = ContentHash(bytes: Array(SHA256.hash(data: bytes)))
        self.hash = hash
        bytes.insert(contentsOf: Array(#""hash":"\#(hash.hex)","#.utf8), at: split)
        encoded = String(decoding: bytes, as: UTF8.self)
    }

    private init(dot: Dot, clock: VectorClock, author: String, time: Timestamp, snapshot: Report, hash: ContentHash, encoded: String) {
        self.dot = dot
        self.clock = clock
        self.author = author
        self.time = time
        self.snapshot = snapshot
        self.hash = hash
        self.encoded = encoded
    }

    /// The canonical JSON of ``clock``, as it stands in ``encoded`` (canonical: the clock is
    /// the member after the author, whose quotes are escaped, and holds no `}` of its own).
    ///
    /// A plain scan of the bytes: it runs for every version an import adds, and the generic
    /// `firstRange(of:)` cost more there than the rest of the lookup.
    public var encodedClock: Substring {
        let utf8 = encoded.utf8
        let key = Array(#","clock":"#.utf8)
        // The author's string comes first and holds no unescaped quote: the first `","clock":`
        // is the member's key.
        var start = utf8.startIndex
        while let quote = utf8[start...].firstIndex(of: UInt8(ascii: ",")) {
            if utf8[quote...].starts(with: key) {
                let clockStart = utf8.index(quote, offsetBy: key.count)
                guard let end = utf8[clockStart...].firstIndex(of: UInt8(ascii: "}")) else { break }
                return encoded[clockStart...end]
            }
            start = utf8.index(after: quote)
        }
        return Substring(clock.json.canonicalString)
    }

    /// Whether `self` is in `other`'s causal past.
    public func isAncestor(of other: Version) -> Bool { other.clock.isDescendant(of: clock) }
}

// MARK: - Encoding

extension Version {
    /// The canonical form as a value (``encoded`` is its text).
    public var json: JSONValue {
        .object([
            "author": .string(author),
            "clock": clock.json,
            "dot": .string(dot.description),
            "hash": .string(hash.hex),
            "snapshot": snapshot.json,
            "time": .string(time.description),
        ])
    }

    /// Decodes a version from its encoding and checks that it is whole: its dot is its own
    /// clock entry, and its hash is the SHA-256 of the encoding with the hash member (and the
    /// comma after it) taken out, and the encoding is canonical. The bytes are kept as they are.
    /// Does not check the report rules (`snapshot.validate()`).
    public init(encoded bytes: [UInt8]) throws(ShapeError) {
        let (json, members, isCanonical): (JSONValue, [String: Range<Int>], Bool)
        do {
            (json, members, isCanonical) = try JSONValue.parseObject(bytes)
        } catch {
            throw ShapeError(path: "", problem: error.description)
        }
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
        var hashed = bytes
        let member = members["hash"]!
        hashed.removeSubrange(member.lowerBound..<(bytes[member.upperBound] == UInt8(ascii: ",") ? member.upperBound + 1 : member.upperBound))
        let hash = ContentHash(bytes: Array(SHA256.hash(data: hashed)))
        guard hash.hex == hashText else {
            throw ShapeError(path: "hash", problem: "the content of version \(dot) of report \(snapshot.id) does not match its hash")
        }
        // The hash is of the canonical encoding (DESIGN.md §4). The same content written
        // another way (by another program) would get a second hash under the same dot.
        guard isCanonical else {
            throw ShapeError(path: "", problem: "version \(dot) of report \(snapshot.id) is not in canonical form (it was not written by fieldnotes)")
        }
        self.init(dot: dot, clock: clock, author: author, time: time, snapshot: snapshot, hash: hash,
                  encoded: String(decoding: bytes, as: UTF8.self))
    }
}

/// A SHA-256 digest, written in lowercase hex.
public struct ContentHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}

// MARK: - Reading what a store holds

extension Version {
    /// What a version says besides its snapshot: where it sits in its record's history and
    /// who made it when — enough to place it and credit it without building the report.
    public struct Header: Hashable, Sendable {
        public let dot: Dot
        public let clock: VectorClock
        public let author: String
        public let time: Timestamp

        public init(dot: Dot, clock: VectorClock, author: String, time: Timestamp) {
            self.dot = dot
            self.clock = clock
            self.author = author
            self.time = time
        }
    }

    public var header: Header { Header(dot: dot, clock: clock, author: author, time: time) }

    /// The header of an encoded version whose snapshot is stepped over unread (linear in the
    /// bytes, but no part of the report is built). For versions a store checked when they
    /// arrived: the hash is not verified (`init(encoded:)` does that).
    public static func header(encoded bytes: [UInt8]) throws(ShapeError) -> Header {
        let json: JSONValue
        do {
            json = try JSONValue.parseObject(bytes, skipping: ["snapshot"])
        } catch {
            throw ShapeError(path: "", problem: error.description)
        }
        var reader = try ObjectReader(json, path: "")
        let header = Header(dot: try reader.dot("dot"), clock: try VectorClock(json: try reader.value("clock")),
                            author: try reader.string("author"), time: try reader.timestamp("time"))
        guard header.clock[header.dot.replica] == header.dot.counter else {
            throw ShapeError(path: "dot", problem: "\(header.dot) is not its replica's entry in the clock")
        }
        return header
    }

    /// The snapshot of an encoded version, for versions a store checked when they arrived:
    /// neither the hash nor the canonical form is verified (`init(encoded:)` does both).
    public static func snapshot(encoded bytes: [UInt8]) throws(ShapeError) -> Report {
        let json: JSONValue
        do {
            json = try JSONValue.parseObject(bytes, skipping: ["clock"])
        } catch {
            throw ShapeError(path: "", problem: error.description)
        }
        guard let snapshot = json["snapshot"] else { throw ShapeError(path: "snapshot", problem: "missing") }
        return try Report(json: snapshot, path: "snapshot")
    }
}
