/// A replica's statement of who it is: its id, its analyst's name, its public key and
/// (optionally) when it made the card, signed with that key. A changeset carries one for each
/// maker whose versions it holds, so a reader can pin the key the first time it meets it.
///
/// What ``verify()`` proves: the holder of ``key`` claims ``replica`` and ``analyst``, and
/// nothing in the card was changed since. Not that the claim is true: anyone can make a card
/// for any replica id and any name with a key of their own. A store trusts a key because it
/// pinned it first (and, better, because two analysts compared its ``Fingerprint``), never
/// because a card verifies.
///
/// The signature covers ``signedBytes`` — the fields, each length-prefixed — not the JSON, so
/// no encoder decides what was signed. Parsing checks the shape only (``init(json:)``): a card
/// whose signature fails still names its analyst and key, for the error that refuses it.
public struct IdentityCard: Hashable, Sendable {
    public let replica: ReplicaID
    public let analyst: String
    public let key: ReplicaKey
    /// When the card was made, by its maker's clock (informational).
    public let created: Timestamp?
    public let signature: Signature

    /// The card of `signingKey`'s holder for `replica` and `analyst`. Throws if `analyst` is not
    /// a name fieldnotes accepts (``FieldRules/analystName(_:field:required:)``), so that every
    /// card made can be read back; `replica` must be a random id, as every replica's is.
    public static func make(replica: ReplicaID, analyst: String, signingKey: ReplicaSigningKey, created: Timestamp? = nil) throws(InvalidField) -> IdentityCard {
        precondition(replica.isRandom, "replica ids are random UUIDs")
        try FieldRules.analystName(analyst)
        let bytes = signedBytes(replica: replica, analyst: analyst, key: signingKey.publicKey, created: created)
        return IdentityCard(replica: replica, analyst: analyst, key: signingKey.publicKey, created: created,
                            signature: signingKey.signature(for: bytes, in: .identityCard))
    }

    private init(replica: ReplicaID, analyst: String, key: ReplicaKey, created: Timestamp?, signature: Signature) {
        self.replica = replica
        self.analyst = analyst
        self.key = key
        self.created = created
        self.signature = signature
    }

    /// What the card's key signs (after the context string): replica id (its 36 characters),
    /// analyst (UTF-8), key (32 bytes), and creation time (8 bytes) or nothing (0 bytes).
    public var signedBytes: [UInt8] { Self.signedBytes(replica: replica, analyst: analyst, key: key, created: created) }

    static func signedBytes(replica: ReplicaID, analyst: String, key: ReplicaKey, created: Timestamp?) -> [UInt8] {
        var fields = SignedFields()
        fields.append(replica.rawValue)
        fields.append(analyst)
        fields.append(key.rawRepresentation)
        if let created { fields.append(created) } else { fields.append([]) }
        return fields.bytes
    }

    /// Whether the card is signed by its own key.
    public func verify() -> Bool {
        signature.verify(signedBytes, in: .identityCard, by: key)
    }
}

// MARK: - JSON

extension IdentityCard {
    /// Longer input is refused before it is parsed. A card's canonical encoding is under
    /// 13 KB: the analyst's name is at most 12,800 UTF-8 bytes (``FieldRules``: 200 characters
    /// of at most 64 bytes) and holds no control character to escape; the rest is 300 bytes.
    public static let maximumEncodedSize = 32 * 1024

    /// `{"analyst":…,"created":…|null,"key":"<hex>","replica":"<uuid>","signature":"<hex>"}`.
    public var json: JSONValue {
        .object([
            "analyst": .string(analyst),
            "created": created.map { .string($0.description) } ?? .null,
            "key": .string(key.hex),
            "replica": .string(replica.rawValue),
            "signature": .string(signature.hex),
        ])
    }

    /// The canonical JSON (``json``'s canonical bytes).
    public var encoded: [UInt8] { json.canonicalBytes }

    /// Reads a card strictly: exactly the five members, each of its type and length (a
    /// replica id fieldnotes makes, in lowercase; the analyst by ``FieldRules``; key and
    /// signature in lowercase hex; the time in its canonical form or null). Does not verify
    /// the signature: call ``verify()``.
    public init(json: JSONValue) throws(ShapeError) {
        var reader = try ObjectReader(json, path: "")
        let replica = try reader.replicaID("replica")
        let analyst = try reader.string("analyst")
        do {
            try FieldRules.analystName(analyst)
        } catch {
            throw ShapeError(path: "analyst", problem: error.description)
        }
        let key = try reader.replicaKey("key")
        let created = try reader.nullableTimestamp("created")
        let signature = try reader.signature("signature")
        try reader.finish()
        self.init(replica: replica, analyst: analyst, key: key, created: created, signature: signature)
    }

    /// Reads a card from its canonical encoding (``encoded``), refusing any other spelling of
    /// it and anything longer than ``maximumEncodedSize`` before parsing.
    public init(encoded bytes: [UInt8]) throws(ShapeError) {
        try self.init(json: try JSONValue.parseCanonical(bytes, maximumSize: Self.maximumEncodedSize, what: "an identity card"))
    }
}

// MARK: - Reading the trust values

extension JSONValue {
    /// Parses an object that must be in canonical form and at most `maximumSize` bytes.
    static func parseCanonical(_ bytes: [UInt8], maximumSize: Int, what: String) throws(ShapeError) -> JSONValue {
        guard bytes.count <= maximumSize else {
            throw ShapeError(path: "", problem: "\(what) is at most \(maximumSize) bytes, this one is \(bytes.count)")
        }
        let (json, isCanonical): (JSONValue, Bool)
        do {
            (json, _, isCanonical) = try JSONValue.parseObject(bytes)
        } catch {
            throw ShapeError(path: "", problem: error.description)
        }
        guard isCanonical else { throw ShapeError(path: "", problem: "\(what) is not in canonical form (it was not written by fieldnotes)") }
        return json
    }
}

extension ObjectReader {
    /// A replica id as fieldnotes makes and writes them: a random UUID, in lowercase.
    mutating func replicaID(_ key: String) throws(ShapeError) -> ReplicaID {
        let text = try string(key)
        guard let id = ReplicaID(text), id.rawValue == text, id.isRandom else {
            throw ShapeError(path: childPath(key), problem: "'\(text.prefix(40))' is not a replica id")
        }
        return id
    }

    mutating func replicaKey(_ key: String) throws(ShapeError) -> ReplicaKey {
        let text = try string(key)
        guard let value = ReplicaKey(hex: text) else {
            throw ShapeError(path: childPath(key), problem: "expected a public key (64 lowercase hex digits, not a point of small order)")
        }
        return value
    }

    mutating func signature(_ key: String) throws(ShapeError) -> Signature {
        let text = try string(key)
        guard let value = Signature(hex: text) else {
            throw ShapeError(path: childPath(key), problem: "expected a signature (128 lowercase hex digits)")
        }
        return value
    }

    /// A time in canonical form (`2024-06-23T12:00:00.000Z`), whose length is checked before
    /// it is read.
    mutating func canonicalTimestamp(_ key: String) throws(ShapeError) -> Timestamp {
        if case .string(let text)? = members[key], text.utf8.count != 24 {
            throw ShapeError(path: childPath(key), problem: "expected a date-time as fieldnotes writes it (YYYY-MM-DDTHH:MM:SS.mmmZ)")
        }
        return try timestamp(key)
    }

    /// A time in canonical form, or null; the member must be there (one spelling of "none").
    mutating func nullableTimestamp(_ key: String) throws(ShapeError) -> Timestamp? {
        guard members[key] == .null else { return try canonicalTimestamp(key) }
        _ = try value(key)
        return nil
    }
}
