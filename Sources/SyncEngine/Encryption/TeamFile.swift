import Foundation
import OfflineStore
import ReportModels

/// What a member of an encrypted folder says in its own directory there, `team.json`
/// (DESIGN.md §10):
///
/// ```json
/// {"format": 1, "since": 5,
///  "keys": [{"id": "<32 hex>", "created": "2026-11-28T10:00:00.000Z",
///            "derivation": {"kdf": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": "<32 hex>"}}]}
/// ```
///
/// `keys` are the team keys the member holds for the folder, oldest first — by id and how each
/// derives from its passphrase, never the key — and it encrypts with the last; `since` is its
/// first file in the folder that is encrypted. No analyst name: the folder shows who is a
/// member only by replica id. Only the member writes the file, and signs it (``SignedJSON``:
/// `key` and `signature` members; a fieldnotes from before signing reads a signed one as no
/// team.json). Read from another replica's directory it is untrusted: bounded, parsed strictly,
/// and ignored whole if any of it is wrong; one not signed by the key a store pinned for the
/// member says only that the folder is encrypted (``FolderTeam``). Nothing in it can make a
/// store accept a key without the passphrase: a key is kept only when the passphrase derives
/// a key with the id written here.
struct TeamFile: Equatable, Sendable {
    struct Key: Equatable, Sendable {
        var id: TeamKeyID
        var derivation: KeyDerivation
        var created: Timestamp
    }

    var keys: [Key]
    var since: Int

    static let fileName = "team.json"
    static let maximumSize = 64 * 1024
    /// A rekey a day for a year is far fewer.
    static let maximumKeys = 500

    /// The key the member encrypts with.
    var current: Key? { keys.last }

    init(keys: [Key], since: Int) {
        self.keys = keys
        self.since = since
    }

    /// Parses a team.json, checking its signature if it has one (not whose it is: that is
    /// ``FileSigners``'s business); nil when it is not one.
    init?(parsing bytes: some Collection<UInt8>) {
        guard let (members, _) = SignedJSON.open(bytes, in: .teamFile, maximumSize: Self.maximumSize) else { return nil }
        self.init(members: members)
    }

    /// A team.json's members (signature checked, ``SignedJSON``); nil when they are not one.
    init?(members: JSONObject) {
        guard members.members.count == 3, members["format"] == .int(1),
              case .int(let since)? = members["since"], (1...Int64(ChangesetHeader.maximumSequence)).contains(since),
              case .array(let entries)? = members["keys"], (1...Self.maximumKeys).contains(entries.count)
        else { return nil }
        var keys: [Key] = []
        for entry in entries {
            guard case .object(let fields) = entry, fields.members.count == 3,
                  let id = fields["id"]?.stringValue.flatMap(TeamKeyID.init(hex:)),
                  let derivation = fields["derivation"].flatMap(KeyDerivation.init(json:)),
                  let created = fields["created"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                  !keys.contains(where: { $0.id == id })
            else { return nil }
            keys.append(Key(id: id, derivation: derivation, created: created))
        }
        self.keys = keys
        self.since = Int(since)
    }

    var members: JSONObject {
        let keys = keys.map { key -> JSONValue in
            .object(["created": .string(key.created.description), "derivation": key.derivation.json, "id": .string(key.id.hex)])
        }
        return ["format": .int(1), "keys": .array(keys), "since": .int(Int64(since))]
    }
}

extension SharedFolder {
    /// A member's team.json and who signed it (nil: unsigned), if it has a valid one.
    func teamFile(of writer: ReplicaID) -> (file: TeamFile, signer: ReplicaKey?)? {
        guard let data = try? FolderFile.read(directory(of: writer).appending(path: TeamFile.fileName), limit: TeamFile.maximumSize),
              let (members, signer) = SignedJSON.open(data, in: .teamFile, maximumSize: TeamFile.maximumSize),
              let file = TeamFile(members: members)
        else { return nil }
        return (file, signer)
    }

    /// Writes this replica's team.json, signed (in its own directory, which it makes if need be).
    func write(_ team: TeamFile, for replica: ReplicaID, signedBy key: ReplicaSigningKey) throws {
        let directory = directory(of: replica)
        try Self.makeDirectory(directory)
        try Self.writeAtomically(SignedJSON.encode(team.members, in: .teamFile, signedBy: key), to: directory.appending(path: TeamFile.fileName))
    }
}
