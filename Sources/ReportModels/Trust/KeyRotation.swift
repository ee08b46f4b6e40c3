/// A replica's move from one key to another: the new key, signed by the old one — so readers
/// that pinned the old key can follow — and by the new one, so that nobody can rotate to a key
/// they do not hold (to someone else's key, to take credit for what it signs).
///
/// Both keys sign the same ``signedBytes``: replica id, old key, new key and time, each
/// length-prefixed (context ``SignatureContext/keyRotation``).
///
/// What ``verify()`` proves: the holder of ``oldKey`` handed ``replica`` over to ``newKey`` at
/// ``time`` by its clock, and the holder of ``newKey`` accepted. Not that the old key's holder
/// is its rightful owner: a thief of the old key can rotate too (revocation is the answer to a
/// stolen key), and two rotations from one old key to different new keys both verify — a
/// reader must treat such a fork as a key mismatch, not pick one. Nor that ``oldKey`` is the
/// key a store pinned for ``replica``: the store checks that.
public struct KeyRotation: Hashable, Sendable {
    public let replica: ReplicaID
    public let oldKey: ReplicaKey
    public let newKey: ReplicaKey
    /// When, by the replica's clock.
    public let time: Timestamp
    /// By ``oldKey``.
    public let oldSignature: Signature
    /// By ``newKey``.
    public let newSignature: Signature

    /// The rotation of `replica` from `old` to `new`, signed by both. `old` and `new` must be
    /// different keys, and `replica` a random id, as every replica's is.
    public static func make(replica: ReplicaID, from old: ReplicaSigningKey, to new: ReplicaSigningKey, time: Timestamp) -> KeyRotation {
        precondition(replica.isRandom, "replica ids are random UUIDs")
        precondition(old.publicKey != new.publicKey, "a rotation goes to another key")
        let bytes = signedBytes(replica: replica, oldKey: old.publicKey, newKey: new.publicKey, time: time)
        return KeyRotation(replica: replica, oldKey: old.publicKey, newKey: new.publicKey, time: time,
                           oldSignature: old.signature(for: bytes, in: .keyRotation),
                           newSignature: new.signature(for: bytes, in: .keyRotation))
    }

    private init(replica: ReplicaID, oldKey: ReplicaKey, newKey: ReplicaKey, time: Timestamp, oldSignature: Signature, newSignature: Signature) {
        self.replica = replica
        self.oldKey = oldKey
        self.newKey = newKey
        self.time = time
        self.oldSignature = oldSignature
        self.newSignature = newSignature
    }

    /// What both keys sign (after the context string): replica id (its 36 characters), old
    /// key, new key (32 bytes each), time (milliseconds since 1970, 8 bytes).
    public var signedBytes: [UInt8] { Self.signedBytes(replica: replica, oldKey: oldKey, newKey: newKey, time: time) }

    static func signedBytes(replica: ReplicaID, oldKey: ReplicaKey, newKey: ReplicaKey, time: Timestamp) -> [UInt8] {
        var fields = SignedFields()
        fields.append(replica.rawValue)
        fields.append(oldKey.rawRepresentation)
        fields.append(newKey.rawRepresentation)
        fields.append(time)
        return fields.bytes
    }

    /// Whether the keys differ, the old key signed it and the new key signed it.
    public func verify() -> Bool {
        let bytes = signedBytes
        return oldKey != newKey
            && oldSignature.verify(bytes, in: .keyRotation, by: oldKey)
            && newSignature.verify(bytes, in: .keyRotation, by: newKey)
    }
}

// MARK: - JSON

extension KeyRotation {
    /// Longer input is refused before it is parsed (a rotation's encoding is about 450 bytes).
    public static let maximumEncodedSize = 1024

    /// `{"newKey":…,"newSignature":…,"oldKey":…,"oldSignature":…,"replica":…,"time":…}`.
    public var json: JSONValue {
        .object([
            "newKey": .string(newKey.hex),
            "newSignature": .string(newSignature.hex),
            "oldKey": .string(oldKey.hex),
            "oldSignature": .string(oldSignature.hex),
            "replica": .string(replica.rawValue),
            "time": .string(time.description),
        ])
    }

    /// The canonical JSON (``json``'s canonical bytes).
    public var encoded: [UInt8] { json.canonicalBytes }

    /// Reads a rotation strictly: exactly the six members, each of its type and length, and
    /// two different keys. Does not verify the signatures: call ``verify()``.
    public init(json: JSONValue) throws(ShapeError) {
        var reader = try ObjectReader(json, path: "")
        let replica = try reader.replicaID("replica")
        let oldKey = try reader.replicaKey("oldKey")
        let newKey = try reader.replicaKey("newKey")
        let time = try reader.canonicalTimestamp("time")
        let oldSignature = try reader.signature("oldSignature")
        let newSignature = try reader.signature("newSignature")
        try reader.finish()
        guard oldKey != newKey else { throw ShapeError(path: "newKey", problem: "a rotation must go to another key") }
        self.init(replica: replica, oldKey: oldKey, newKey: newKey, time: time, oldSignature: oldSignature, newSignature: newSignature)
    }

    /// Reads a rotation from its canonical encoding (``encoded``), refusing any other spelling
    /// and anything longer than ``maximumEncodedSize`` before parsing.
    public init(encoded bytes: [UInt8]) throws(ShapeError) {
        try self.init(json: try JSONValue.parseCanonical(bytes, maximumSize: Self.maximumEncodedSize, what: "a key rotation"))
    }
}
