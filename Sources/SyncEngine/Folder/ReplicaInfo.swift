import Crypto
import Foundation
import OfflineStore
import ReportModels

/// What a replica says about itself in its own directory of a shared folder, `replica.json`:
///
/// ```json
/// {"format": 1, "replica": "<id>", "name": "Dana", "folder": "<id>", "latestSequence": 12,
///  "imported": {"<writer id>": 7, …}, "retired": {"<replica id>": "2026-11-20T09:00:00.000Z"},
///  "updated": "2026-11-27T10:00:00.000Z"}
/// ```
///
/// `folder` is the id this replica knows the folder by (each replica has its own: see
/// ``SharedFolder``); `imported` acknowledges, per writer, the last changeset it imported from
/// this folder; `retired` names the replicas its analyst retired (`fieldnotes replica retire`),
/// and when (DESIGN.md §11). Only the replica itself writes the file, and signs it
/// (``SignedJSON``: `key` and `signature` members); a file not signed by the key a reader has
/// pinned for the replica is not believed (``FileSigners``). Read from another replica's
/// directory it is untrusted input: bounded in size, every number range-checked, the name
/// checked like any analyst name; what fails a check is left out rather than trusted.
struct ReplicaInfo: Equatable, Sendable {
    var replica: ReplicaID
    var analyst: String?
    var folder: FolderID?
    var latestSequence: Int
    var imported: [ReplicaID: Int]
    var retired: [ReplicaID: Timestamp] = [:]
    var updated: Timestamp?

    /// No replica.json is anywhere near this large (a thousand writers take 60 KB).
    static let maximumSize = 1 << 20
    /// Retired replicas read from one file: far more than a team loses laptops.
    static let maximumRetired = 1_000
    static let fileName = "replica.json"

    init(replica: ReplicaID, analyst: String?, folder: FolderID?, latestSequence: Int, imported: [ReplicaID: Int],
         retired: [ReplicaID: Timestamp] = [:], updated: Timestamp?) {
        self.replica = replica
        self.retired = retired
        self.analyst = analyst
        self.folder = folder
        self.latestSequence = latestSequence
        self.imported = imported
        self.updated = updated
    }

    /// Parses a replica.json, checking its signature if it has one (not whose it is: that is
    /// ``FileSigners``'s business); nil when it is not one.
    init?(parsing bytes: some Collection<UInt8>, keys: [TeamKeyID: TeamKey] = [:]) {
        guard let (members, _) = SignedJSON.open(bytes, in: .replicaInfo, maximumSize: Self.maximumSize),
              let unsealed = Self.unsealed(members, keys: keys)
        else { return nil }
        self.init(members: unsealed)
    }

    /// A replica.json's members (signature checked, ``SignedJSON``); nil when they are not one
    /// (no valid replica id).
    init?(members: JSONObject) {
        guard let replica = members["replica"]?.stringValue.flatMap(ReplicaID.init) else { return nil }
        self.replica = replica
        analyst = members["name"]?.stringValue.flatMap { Self.isPlausibleName($0) ? $0 : nil }
        folder = members["folder"]?.stringValue.flatMap(FolderID.init)
        latestSequence = Self.sequence(members["latestSequence"]) ?? 0
        var imported: [ReplicaID: Int] = [:]
        if case .object(let entries)? = members["imported"] {
            for (key, value) in entries {
                if let writer = ReplicaID(key), let sequence = Self.sequence(value) { imported[writer] = sequence }
            }
        }
        self.imported = imported
        if case .object(let entries)? = members["retired"], entries.members.count <= Self.maximumRetired {
            for (key, value) in entries {
                if let retired = ReplicaID(key), let time = value.stringValue.flatMap(Timestamp.init(iso8601:)) { self.retired[retired] = time }
            }
        }
        updated = members["updated"]?.stringValue.flatMap(Timestamp.init(iso8601:))
    }

    var members: JSONObject {
        var members: JSONObject = [
            "format": .int(1), "replica": .string(replica.rawValue),
            "latestSequence": .int(Int64(latestSequence)),
            "imported": .object(JSONObject(Dictionary(uniqueKeysWithValues: imported.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) }))),
        ]
        if let analyst { members["name"] = .string(analyst) }
        if let folder { members["folder"] = .string(folder.rawValue) }
        if !retired.isEmpty {
            members["retired"] = .object(JSONObject(Dictionary(uniqueKeysWithValues: retired.map { ($0.key.rawValue, JSONValue.string($0.value.description)) })))
        }
        if let updated { members["updated"] = .string(updated.description) }
        return members
    }

    /// The same, but for when it was written.
    func sameContent(as other: ReplicaInfo?) -> Bool {
        guard var other else { return false }
        other.updated = updated
        return other == self
    }

    /// A sequence number read from the file: an integer in 0...SharedFolder.maximumSequence.
    private static func sequence(_ value: JSONValue?) -> Int? {
        guard case .int(let number)? = value, number >= 0, number <= Int64(SharedFolder.maximumSequence) else { return nil }
        return Int(number)
    }

    /// A name fit to show: one line, no control characters, not absurdly long.
    static func isPlausibleName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

// MARK: - Sealed, in an encrypted folder

extension ReplicaInfo {
    /// In an encrypted folder everything but the replica's id is sealed under the team key the
    /// replica writes with (DESIGN.md §10) — who read whom and when, whom it retired, its
    /// analyst's name:
    ///
    /// ```json
    /// {"format": 1, "replica": "<id>", "sealed": {"key": "<key id>", "salt": "<16 bytes, hex>", "data": "<hex>"}}
    /// ```
    ///
    /// `data` is AES-256-GCM's nonce, ciphertext and tag of the canonical JSON of the other
    /// members, under HKDF-SHA256 of the team key salted with `salt` over the replica's id (so
    /// a sealed part moved to another replica's file does not open). The file is signed outside
    /// the seal, like a changeset: a forged one is refused before anything is decrypted.
    func members(sealedWith key: TeamKey?) throws -> JSONObject {
        let members = members
        guard let key else { return members }
        let salt = randomBytes(16)
        let sealed = try AES.GCM.seal(JSONValue.object(members).canonicalBytes, using: Self.sealingKey(key, salt: salt, replica: replica))
        // (With the default 12-byte nonce, `combined` is always there.)
        let data = sealed.combined.map { Array($0) } ?? []
        return ["format": .int(1), "replica": .string(replica.rawValue),
                "sealed": .object(["data": .string(Hex.encode(data)), "key": .string(key.id.hex), "salt": .string(Hex.encode(salt))])]
    }

    /// The members of a replica.json, opened with the team key it names when sealed; nil when
    /// this store does not hold that key, or the sealed part does not open or names another
    /// replica.
    static func unsealed(_ members: JSONObject, keys: [TeamKeyID: TeamKey]) -> JSONObject? {
        guard case .object(let sealed)? = members["sealed"] else { return members }
        guard let replica = members["replica"]?.stringValue.flatMap(ReplicaID.init),
              let key = sealed["key"]?.stringValue.flatMap(TeamKeyID.init(hex:)).flatMap({ keys[$0] }),
              let salt = sealed["salt"]?.stringValue.flatMap({ Hex.decode($0, byteCount: 16) }),
              let hex = sealed["data"]?.stringValue, hex.utf8.count.isMultiple(of: 2),
              let data = Hex.decode(hex, byteCount: hex.utf8.count / 2),
              let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: sealingKey(key, salt: salt, replica: replica)),
              case .object(let inner)? = try? JSONValue(parsing: Array(plain)),
              inner["replica"]?.stringValue == replica.rawValue
        else { return nil }
        return inner
    }

    private static func sealingKey(_ key: TeamKey, salt: [UInt8], replica: ReplicaID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key.symmetricKey, salt: salt,
                               info: Array("fieldnotes replica.json v1".utf8) + uuidBytes(replica.rawValue), outputByteCount: 32)
    }
}
