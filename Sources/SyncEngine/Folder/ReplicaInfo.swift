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
    init?(parsing bytes: some Collection<UInt8>) {
        guard let (members, _) = SignedJSON.open(bytes, in: .replicaInfo, maximumSize: Self.maximumSize) else { return nil }
        self.init(members: members)
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
