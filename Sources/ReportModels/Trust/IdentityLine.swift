/// A replica's identity as a changeset carries it: its ``IdentityCard``, and the
/// ``KeyRotation``s that lead to the card's key, oldest first, so that a reader which pinned
/// any earlier key of the replica can follow it to the current one.
///
/// Well formed (checked by every initializer): at most ``maximumRotations`` rotations, all of
/// the card's replica; each rotation's new key is the next one's old key, and the last one's
/// is the card's key; no key twice in the chain. What ``verify()`` adds: the card and every
/// rotation are signed as they must be. What neither proves: that any of these keys is the one
/// a store pinned for the replica — the store checks that (an attacker can make a well-formed,
/// verifying line for any replica id with keys of their own).
public struct IdentityLine: Hashable, Sendable {
    public let card: IdentityCard
    /// Oldest first.
    public let rotations: [KeyRotation]

    /// A replica rotates its key rarely; 16 is years of rotations, and bounds what a reader
    /// verifies for one line (1 + 2 × 16 signatures).
    public static let maximumRotations = 16

    /// Longer input is refused before it is parsed: the longest card, the most rotations,
    /// and the JSON around them.
    public static let maximumEncodedSize = #"{"card":,"rotations":[]}"#.utf8.count + IdentityCard.maximumEncodedSize
        + maximumRotations * (KeyRotation.maximumEncodedSize + 1)

    /// The line of `card` with `rotations` (oldest first) leading to its key; throws if they
    /// do not link up (see the type). Does not verify signatures: call ``verify()``.
    public init(card: IdentityCard, rotations: [KeyRotation] = []) throws(ShapeError) {
        guard rotations.count <= Self.maximumRotations else {
            throw ShapeError(path: "rotations", problem: "at most \(Self.maximumRotations) key rotations, found \(rotations.count)")
        }
        var seen: Set<ReplicaKey> = []
        for (index, rotation) in rotations.enumerated() {
            let path = "rotations[\(index)]"
            guard rotation.replica == card.replica else {
                throw ShapeError(path: path, problem: "a rotation of replica \(rotation.replica), not of the card's \(card.replica)")
            }
            let next = index + 1 < rotations.count ? rotations[index + 1].oldKey : card.key
            guard rotation.newKey == next else {
                throw ShapeError(path: path, problem: index + 1 < rotations.count
                    ? "its new key is not the old key of the rotation after it: the chain is broken"
                    : "its new key is not the card's key: the chain is broken")
            }
            guard seen.insert(rotation.oldKey).inserted else {
                throw ShapeError(path: path, problem: "key \(rotation.oldKey.fingerprint) comes twice in the chain")
            }
        }
        guard !seen.contains(card.key) else {
            throw ShapeError(path: "card.key", problem: "key \(card.key.fingerprint) comes twice in the chain")
        }
        self.card = card
        self.rotations = rotations
    }

    public var replica: ReplicaID { card.replica }

    /// Every key of the chain, newest first: the card's key, then each rotation's old key.
    public var keys: [ReplicaKey] { [card.key] + rotations.reversed().map(\.oldKey) }

    /// Whether the card and every rotation verify. ``verificationProblem()`` says which fails.
    public func verify() -> Bool { verificationProblem() == nil }

    /// What does not verify, in a few words; nil when everything does.
    public func verificationProblem() -> String? {
        guard card.verify() else { return "the card of replica \(replica) is not signed by its own key \(card.key.fingerprint)" }
        for (index, rotation) in rotations.enumerated() where !rotation.verify() {
            return "key rotation \(index + 1) of replica \(replica) (\(rotation.oldKey.fingerprint) to \(rotation.newKey.fingerprint)) is not signed by both keys"
        }
        return nil
    }
}

// MARK: - JSON

extension IdentityLine {
    /// `{"card":<card>,"rotations":[<rotation>,…]}`.
    public var json: JSONValue {
        .object(["card": card.json, "rotations": .array(rotations.map(\.json))])
    }

    /// The canonical JSON (``json``'s canonical bytes): one line of a changeset.
    public var encoded: [UInt8] { json.canonicalBytes }

    /// Reads a line strictly: exactly the two members, a card and a list of at most
    /// ``maximumRotations`` rotations, each read strictly, linking up (see the type). Does not
    /// verify signatures: call ``verify()``.
    public init(json: JSONValue) throws(ShapeError) {
        var reader = try ObjectReader(json, path: "")
        let cardJSON = try reader.value("card")
        let rotationsJSON = try reader.array("rotations")
        try reader.finish()
        guard rotationsJSON.count <= Self.maximumRotations else {
            throw ShapeError(path: "rotations", problem: "at most \(Self.maximumRotations) key rotations, found \(rotationsJSON.count)")
        }
        let card: IdentityCard
        do {
            card = try IdentityCard(json: cardJSON)
        } catch {
            throw ShapeError(path: error.path.isEmpty ? "card" : "card.\(error.path)", problem: error.problem)
        }
        var rotations: [KeyRotation] = []
        for (index, element) in rotationsJSON.enumerated() {
            do {
                rotations.append(try KeyRotation(json: element))
            } catch {
                throw ShapeError(path: "rotations[\(index)]" + (error.path.isEmpty ? "" : ".\(error.path)"), problem: error.problem)
            }
        }
        try self.init(card: card, rotations: rotations)
    }

    /// Reads a line from its canonical encoding (``encoded``), refusing any other spelling and
    /// anything longer than ``maximumEncodedSize`` before parsing.
    public init(encoded bytes: [UInt8]) throws(ShapeError) {
        try self.init(json: try JSONValue.parseCanonical(bytes, maximumSize: Self.maximumEncodedSize, what: "an identity line"))
    }
}
