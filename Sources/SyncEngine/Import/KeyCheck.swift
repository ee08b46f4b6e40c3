import Foundation
import OfflineStore
import ReportModels

/// What an import did with keys, for `sync` and `import` to say.
public enum KeyEvent: Equatable, Sendable, CustomStringConvertible {
    /// A key met for the first time, pinned (`verified` when its fingerprint was expected).
    case pinned(replica: ReplicaID, analyst: String, fingerprint: Fingerprint, verified: Bool)
    /// A rotation signed by the pinned key and the new one, followed.
    case rotated(replica: ReplicaID, analyst: String, from: Fingerprint, to: Fingerprint)

    public var description: String {
        switch self {
        case .pinned(let replica, let analyst, let fingerprint, true):
            "pinned the key of \(analyst) (replica \(replica.short)), \(fingerprint): the fingerprint you verified"
        case .pinned(let replica, let analyst, let fingerprint, false):
            "pinned the key of \(analyst) (replica \(replica.short)) on first use: \(fingerprint); compare it with them, then `fieldnotes trust \(replica.short) \(fingerprint)`"
        case .rotated(let replica, let analyst, let from, let to):
            "\(analyst) (replica \(replica.short)) moved to a new key, signed by the old one: \(from) → \(to)"
        }
    }
}

/// Why a file was held back over a key (DESIGN.md §9): each names the analyst, the
/// fingerprints and what to do. Nothing from the file is imported; it is tried again at the
/// next sync, and its writer's later files wait behind it.
public enum KeyRefusal: Error, Equatable, LocalizedError {
    case keyChanged(replica: ReplicaID, analyst: String, pinned: Fingerprint, found: Fingerprint)
    case revoked(replica: ReplicaID, analyst: String, fingerprint: Fingerprint)
    case unsigned(replica: ReplicaID, analyst: String, pinned: Fingerprint)
    case notVerified(replica: ReplicaID, analyst: String, fingerprint: Fingerprint)
    case notExpected(replica: ReplicaID, analyst: String, expected: Fingerprint, found: Fingerprint)

    public var errorDescription: String? {
        switch self {
        case .keyChanged(let replica, let analyst, let pinned, let found):
            "it is signed in the name of \(analyst) (replica \(replica.short)) with key \(found), not with \(pinned), the key pinned here, and no rotation signed by that key vouches for the new one: someone may be writing in their name — compare fingerprints with \(analyst); a file that is not theirs should be deleted from the folder"
        case .revoked(let replica, let analyst, let fingerprint):
            "it holds what \(analyst) (replica \(replica.short)) signed with key \(fingerprint), revoked here (`fieldnotes trust`); delete the file from the folder, or ask who wrote it"
        case .unsigned(let replica, let analyst, let pinned):
            "it holds unsigned changes in the name of \(analyst) (replica \(replica.short)), who signs with key \(pinned): someone may be writing in their name, or an old fieldnotes relayed them — ask \(analyst) or whoever wrote the file; a file that is not theirs should be deleted from the folder"
        case .notVerified(let replica, let analyst, let fingerprint):
            "the key of \(analyst) (replica \(replica.short)), \(fingerprint), is not verified, and this store holds back files until keys are (--require-verified on): compare fingerprints with \(analyst), then `fieldnotes trust \(replica.short) \(fingerprint)` and sync again"
        case .notExpected(let replica, let analyst, let expected, let found):
            "it is signed in the name of \(analyst) (replica \(replica.short)) with key \(found), not \(expected), the fingerprint you verified for them: someone may be writing in their name — compare fingerprints with \(analyst) again"
        }
    }
}

/// The keys of one changeset against those the store knows, in its import transaction, so
/// that a refusal changes nothing and a key is pinned only with what it signed.
///
/// The rules (DESIGN.md §9), for the writer and each maker whose identity the file carries:
/// - a revoked key is refused;
/// - a key met for the first time is pinned (tofu), verified if its fingerprint was expected
///   and refused if another was; with --require-verified it is refused unless expected;
/// - a key other than the pinned one is refused unless a chain of rotations, each signed by
///   the key before and the key after, leads from the pinned one to it, or it is one the
///   replica had before a rotation already followed (relays lag behind rotations);
/// - with --require-verified a key not verified is refused;
/// - unsigned data (a format 1 file, an unsigned relayed version) is accepted from replicas
///   never seen signing, and refused from a replica whose key was pinned before this file —
///   unless it only repeats a version the store holds (`isNew` false): that is no change.
///
/// Cost: a lookup per identity in the file, and one per unsigned version.
struct KeyCheck {
    let transaction: ImportTransaction
    /// Where keys first met are said to come from ("folder writer 5550…", "file x.fnc").
    let via: String
    private(set) var events: [KeyEvent] = []
    /// Replicas whose key was pinned before this file.
    private var signing: [ReplicaID: Bool] = [:]

    init(transaction: ImportTransaction, via: String) {
        self.transaction = transaction
        self.via = via
    }

    /// Checks and records one identity the file carries: its current card, and the rotations
    /// that lead to its key. The codec checked each card's and rotation's own signatures.
    mutating func admit(_ card: IdentityCard, rotations: [KeyRotation]) throws {
        let known = try transaction.knownKeys(of: card.replica)
        signing[card.replica] = signing[card.replica] ?? !known.isEmpty
        let fingerprint = card.key.fingerprint
        if let revoked = known.first(where: { $0.trust == .revoked }) {
            throw KeyRefusal.revoked(replica: card.replica, analyst: revoked.analyst, fingerprint: revoked.key.fingerprint)
        }
        guard let current = known.first(where: { $0.replacedBy == nil }) else {
            let expected = try transaction.expectedFingerprint(of: card.replica)
            if let expected, expected != fingerprint {
                throw KeyRefusal.notExpected(replica: card.replica, analyst: card.analyst, expected: expected, found: fingerprint)
            }
            if expected == nil, try transaction.requiresVerifiedKeys {
                throw KeyRefusal.notVerified(replica: card.replica, analyst: card.analyst, fingerprint: fingerprint)
            }
            try transaction.pin(card, trust: expected == nil ? .tofu : .verified, via: via)
            events.append(.pinned(replica: card.replica, analyst: card.analyst, fingerprint: fingerprint, verified: expected != nil))
            return
        }
        if current.key != card.key, known.contains(where: { $0.key == card.key }) {
            // A key the replica had before a rotation this store followed: a peer that has not
            // met the rotation yet relays its older versions with the card they came with.
        } else if current.key != card.key {
            // Follow the chain from the pinned key, as far as it leads.
            guard let start = rotations.firstIndex(where: { $0.oldKey == current.key }),
                  rotations.last?.newKey == card.key,
                  rotations[start...].allSatisfy({ $0.replica == card.replica && $0.verify() })
            else {
                throw KeyRefusal.keyChanged(replica: card.replica, analyst: current.analyst, pinned: current.key.fingerprint, found: fingerprint)
            }
            for (index, rotation) in rotations[start...].enumerated() {
                try transaction.follow(rotation, card: start + index == rotations.count - 1 ? card : nil, via: via)
                events.append(.rotated(replica: card.replica, analyst: card.analyst, from: rotation.oldKey.fingerprint, to: rotation.newKey.fingerprint))
            }
        }
        if current.trust != .verified, try transaction.requiresVerifiedKeys {
            throw KeyRefusal.notVerified(replica: card.replica, analyst: current.analyst, fingerprint: fingerprint)
        }
    }

    /// Checks unsigned data in a replica's name: refused once its key is pinned, unless it
    /// changes nothing (`isNew` false).
    mutating func admitUnsigned(from replica: ReplicaID, isNew: Bool) throws {
        if signing[replica] == nil {
            signing[replica] = !(try transaction.knownKeys(of: replica).isEmpty)
        }
        guard signing[replica] == true, isNew else { return }
        let known = try transaction.knownKeys(of: replica)
        guard let current = known.first(where: { $0.replacedBy == nil }) else {
            throw StoreError.corruptRecord("replica \(replica.short) has keys but no current one")
        }
        if current.trust == .revoked {
            throw KeyRefusal.revoked(replica: replica, analyst: current.analyst, fingerprint: current.key.fingerprint)
        }
        throw KeyRefusal.unsigned(replica: replica, analyst: current.analyst, pinned: current.key.fingerprint)
    }
}
