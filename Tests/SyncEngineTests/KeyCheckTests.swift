import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The rules that decide whether a changeset's keys are accepted (DESIGN.md §9), against a
/// real store, each in an import transaction that a refusal rolls back.
@Suite("Key checks")
struct KeyCheckTests {
    let workspace: Workspace
    let store: Store
    let bob = ReplicaID()
    let bobsKey = ReplicaSigningKey()

    init() throws {
        workspace = try Workspace()
        store = try workspace.store("alice")
    }

    func card(_ key: ReplicaSigningKey, of replica: ReplicaID? = nil, analyst: String = "Bob Lee") throws -> IdentityCard {
        try IdentityCard.make(replica: replica ?? bob, analyst: analyst, signingKey: key)
    }

    /// Runs the check in an import transaction; returns its events.
    @discardableResult
    func check(_ body: (inout KeyCheck) throws -> Void) throws -> [KeyEvent] {
        try store.importing { transaction in
            var check = KeyCheck(transaction: transaction, via: "test")
            try body(&check)
            return check.events
        }
    }

    @Test func aKeyIsPinnedOnFirstUseAndThenExpected() throws {
        let events = try check { try $0.admit(try card(bobsKey), rotations: []) }
        #expect(events == [.pinned(replica: bob, analyst: "Bob Lee", fingerprint: bobsKey.publicKey.fingerprint, verified: false)])
        #expect(try check { try $0.admit(try card(bobsKey), rotations: []) }.isEmpty)
        let before = try store.knownKeys()
        // Another key in Bob's name, with no rotation from his.
        let mallory = ReplicaSigningKey()
        #expect(throws: KeyRefusal.keyChanged(replica: bob, analyst: "Bob Lee", pinned: bobsKey.publicKey.fingerprint,
                                              found: mallory.publicKey.fingerprint)) {
            try check { try $0.admit(try card(mallory), rotations: []) }
        }
        // A rotation signed only by a key of the forger's own does not lead from Bob's.
        let forged = KeyRotation.make(replica: bob, from: ReplicaSigningKey(), to: mallory, time: .now)
        #expect(throws: KeyRefusal.self) { try check { try $0.admit(try card(mallory), rotations: [forged]) } }
        #expect(try store.knownKeys() == before)
    }

    @Test func rotationsSignedByThePinnedKeyAreFollowed() throws {
        try check { try $0.admit(try card(bobsKey), rotations: []) }
        let second = ReplicaSigningKey(), third = ReplicaSigningKey()
        let chain = [KeyRotation.make(replica: bob, from: bobsKey, to: second, time: .now),
                     KeyRotation.make(replica: bob, from: second, to: third, time: .now)]
        let events = try check { try $0.admit(try card(third), rotations: chain) }
        #expect(events.count == 2)
        let current = try store.knownKeys().filter { $0.replica == bob && $0.replacedBy == nil }
        #expect(current.map(\.key) == [third.publicKey])
        // A relay that has not met the rotation yet still carries Bob's old card: accepted, and
        // the current key stays the new one.
        #expect(try check { try $0.admit(try card(bobsKey), rotations: []) }.isEmpty)
        #expect(try store.knownKeys().filter { $0.replica == bob && $0.replacedBy == nil }.map(\.key) == [third.publicKey])
        // A key Bob never had is still refused.
        #expect(throws: KeyRefusal.self) { try check { try $0.admit(try card(ReplicaSigningKey()), rotations: []) } }
    }

    @Test func aRevokedKeyIsRefusedSignedOrNot() throws {
        try check { try $0.admit(try card(bobsKey), rotations: []) }
        try store.revokeKeys(of: String(bob.rawValue.prefix(8)))
        #expect(throws: KeyRefusal.revoked(replica: bob, analyst: "Bob Lee", fingerprint: bobsKey.publicKey.fingerprint)) {
            try check { try $0.admit(try card(bobsKey), rotations: []) }
        }
        #expect(throws: KeyRefusal.self) { try check { try $0.admitUnsigned(from: bob, isNew: true) } }
    }

    @Test func requiringVerifiedKeysHoldsBackUnknownAndUnverifiedOnes() throws {
        try check { try $0.admit(try card(bobsKey), rotations: []) }
        try store.setRequiresVerifiedKeys(true)
        let fingerprint = bobsKey.publicKey.fingerprint
        #expect(throws: KeyRefusal.notVerified(replica: bob, analyst: "Bob Lee", fingerprint: fingerprint)) {
            try check { try $0.admit(try card(bobsKey), rotations: []) }
        }
        try store.verifyKey(of: String(bob.rawValue.prefix(8)), fingerprint: fingerprint.description)
        try check { try $0.admit(try card(bobsKey), rotations: []) }

        // An outsider's replica: refused until its fingerprint is verified ahead of it.
        let carol = ReplicaID(), carolsKey = ReplicaSigningKey()
        #expect(throws: KeyRefusal.self) { try check { try $0.admit(try card(carolsKey, of: carol, analyst: "Carol"), rotations: []) } }
        #expect(try !store.knownKeys().contains { $0.replica == carol })
        try store.expectFingerprint(ReplicaSigningKey().publicKey.fingerprint.description, of: carol)
        #expect(throws: KeyRefusal.self) { try check { try $0.admit(try card(carolsKey, of: carol, analyst: "Carol"), rotations: []) } }
        try store.expectFingerprint(carolsKey.publicKey.fingerprint.description, of: carol)
        let events = try check { try $0.admit(try card(carolsKey, of: carol, analyst: "Carol"), rotations: []) }
        #expect(events == [.pinned(replica: carol, analyst: "Carol", fingerprint: carolsKey.publicKey.fingerprint, verified: true)])
    }

    @Test func unsignedDataIsAcceptedUntilTheReplicaIsSeenSigning() throws {
        // Never seen signing: accepted (and stored unsigned).
        try check { try $0.admitUnsigned(from: bob, isNew: true) }
        try check { try $0.admit(try card(bobsKey), rotations: []) }
        #expect(throws: KeyRefusal.unsigned(replica: bob, analyst: "Bob Lee", pinned: bobsKey.publicKey.fingerprint)) {
            try check { try $0.admitUnsigned(from: bob, isNew: true) }
        }
        // A version the store holds already changes nothing: no downgrade.
        try check { try $0.admitUnsigned(from: bob, isNew: false) }
    }

    @Test func aKeyPinnedByTheFileItselfDoesNotMakeItsUnsignedVersionsADowngrade() throws {
        // A relay carrying Bob's first signed versions and older unsigned ones of his.
        try check { check in
            try check.admitUnsigned(from: bob, isNew: true)
            try check.admit(try card(bobsKey), rotations: [])
            try check.admitUnsigned(from: bob, isNew: true)
        }
    }
}
