import Foundation
import OfflineStore
import ReportModels

/// A folder's team as its members' team.json files describe it (DESIGN.md §10): a folder is
/// encrypted once any member wrote one.
///
/// Cost: one read of at most 64 KiB per writer's directory (each sync, and each team
/// command), and O(members × keys) to gather the keys — at most 500 keys a member.
struct FolderTeam {
    /// Per member, its team.json, signed by the key this store pinned for the member (or by a
    /// member whose key it has not met: ``FileSigners``).
    var members: [ReplicaID: TeamFile] = [:]
    /// Team.json files not so signed: forged, or written by a fieldnotes from before these
    /// files were signed. They say that the folder is encrypted — a refusal at worst, never a
    /// file written in clear — and name keys a passphrase may derive (`team join`), but they
    /// choose no key and set no member's first encrypted file.
    var unbelieved: [ReplicaID: TeamFile] = [:]

    init(_ folder: SharedFolder, signers: FileSigners) throws {
        // A folder no replica synced with yet has no team.
        guard FolderFile.mode(of: folder.replicas) == S_IFDIR else { return }
        for writer in try folder.writers().writers {
            guard let (file, signer) = folder.teamFile(of: writer) else { continue }
            if signers.believes(signer, from: writer) { members[writer] = file } else { unbelieved[writer] = file }
        }
    }

    var isEncrypted: Bool { !members.isEmpty || !unbelieved.isEmpty }

    /// Every key a team.json names, by id (as the first member, by replica id, describes it;
    /// believed members first).
    var keys: [TeamKeyID: TeamFile.Key] {
        var keys: [TeamKeyID: TeamFile.Key] = [:]
        for (_, file) in members.sorted(by: { $0.key < $1.key }) + unbelieved.sorted(by: { $0.key < $1.key }) {
            for key in file.keys where keys[key.id] == nil { keys[key.id] = key }
        }
        return keys
    }

    /// The newest key a believed member encrypts with: the one every member moves to after a
    /// rekey. (A team.json forged by a member could name a newer one; then the others are asked
    /// to join again and their passphrase does not derive it: a refusal, never a key they did
    /// not derive.)
    var current: TeamFile.Key? {
        members.values.compactMap(\.current).max { ($0.created, $0.id) < ($1.created, $1.id) }
    }
}

/// Why a team command was refused; nothing is changed.
public enum TeamError: Error, Equatable, LocalizedError {
    case notEncrypted(folder: String)
    case alreadyEncrypted(folder: String)
    case wrongPassphrase(String)
    case notAMember(folder: String)
    case passphraseTooShort(minimum: Int)

    public var errorDescription: String? {
        switch self {
        case .notEncrypted(let folder):
            "\(folder) is not encrypted; `fieldnotes team init \(folder)` makes it so"
        case .alreadyEncrypted(let folder):
            "\(folder) is encrypted already; `fieldnotes team join \(folder)` joins its team, and `fieldnotes team rekey \(folder)` changes its key"
        case .wrongPassphrase(let what):
            "wrong passphrase for \(what): it does not derive the team's key; nothing was changed (check it with a member of the team)"
        case .notAMember(let folder):
            "this store does not hold \(folder)'s current team key; run `fieldnotes team join \(folder)` first"
        case .passphraseTooShort(let minimum):
            "the passphrase is too short: use at least \(minimum) characters (four or five random words are easy to say and hard to guess)"
        }
    }
}

/// A team command's result, for the CLI to say.
public struct TeamStatus: Sendable {
    public struct Member: Sendable {
        public var replica: ReplicaID
        /// Its analyst, as this store knows the replica (the folder does not say).
        public var analyst: String?
        /// Whether its team.json names the folder's current key as the one it encrypts with.
        public var current: Bool
        public var isThisReplica: Bool
    }

    public var path: String
    public var encrypted: Bool
    /// The key members encrypt with (the newest).
    public var currentKey: TeamKeyID?
    /// Whether this store holds it.
    public var holdsCurrentKey: Bool
    /// The keys of the folder this store holds.
    public var heldKeys: [TeamKeyID]
    public var members: [Member]
    /// Whether this store writes the folder encrypted.
    public var writesEncrypted: Bool
}

extension TeamKey {
    init(_ stored: StoredTeamKey) throws {
        guard let json = try? JSONValue(parsing: stored.derivation), let derivation = KeyDerivation(json: json),
              let key = TeamKey(rawRepresentation: stored.key, derivation: derivation), key.id.bytes == stored.id
        else { throw StoreError.corruptRecord("team key \(Hex.encode(stored.id))") }
        self = key
    }

    /// The key as a store keeps it; `created`: when `team init` or `team rekey` made it.
    public func stored(created: Timestamp = .now) -> StoredTeamKey {
        StoredTeamKey(id: id.bytes, key: rawRepresentation, derivation: derivation.json.canonicalString, createdAt: created)
    }
}

extension Synchronizer {
    /// A folder's team as this store believes it.
    func team(of folder: SharedFolder, signers: FileSigners? = nil) throws -> FolderTeam {
        try FolderTeam(folder, signers: signers ?? FileSigners(store))
    }

    /// The team key with this id, if the store holds it.
    func teamKey(_ id: TeamKeyID) throws -> TeamKey? {
        try store.teamKey(id: id.bytes).map(TeamKey.init)
    }

    /// `team init`: makes `folder` encrypted for a team whose key derives from `passphrase`.
    /// This store's changesets there are encrypted from its next one on; the others join
    /// with the same passphrase.
    public func teamInit(_ folderURL: URL, passphrase: String) throws -> TeamKeyID {
        try teamInit(folderURL, passphrase: passphrase, derivation: .fresh())
    }

    /// `derivation`: the standard cost and a new salt, but for tests, which derive many keys.
    func teamInit(_ folderURL: URL, passphrase: String, derivation: KeyDerivation) throws -> TeamKeyID {
        try withTeamFolder(folderURL) { folder, team in
            guard !team.isEncrypted else { throw TeamError.alreadyEncrypted(folder: folder.root.path) }
            let key = try TeamKey.new(from: passphrase, derivation: derivation)
            return try adopt(key, created: .now, in: try identify(folder), team: team)
        }
    }

    /// `team rekey`: a new key for `folder`'s team, from a new passphrase. This store encrypts
    /// with it from its next changeset on; every member joins again with the new passphrase.
    /// Files under the old key stay readable to whoever holds it.
    public func teamRekey(_ folderURL: URL, passphrase: String) throws -> TeamKeyID {
        try teamRekey(folderURL, passphrase: passphrase, derivation: .fresh())
    }

    func teamRekey(_ folderURL: URL, passphrase: String, derivation: KeyDerivation) throws -> TeamKeyID {
        try withTeamFolder(folderURL) { folder, team in
            guard team.isEncrypted else { throw TeamError.notEncrypted(folder: folder.root.path) }
            guard let current = team.current, try teamKey(current.id) != nil else { throw TeamError.notAMember(folder: folder.root.path) }
            let key = try TeamKey.new(from: passphrase, derivation: derivation)
            // Newer than the current key even when this laptop's clock is behind the one that
            // made it: the newest key is the one the team moves to.
            let created = Timestamp(millisecondsSince1970: max(Timestamp.now.millisecondsSince1970, current.created.millisecondsSince1970 + 1))
            return try adopt(key, created: created, in: try identify(folder), team: team)
        }
    }

    /// `team join`: derives, from `passphrase`, the keys of `folder`'s team that this store
    /// does not hold — the current one first, then older ones, newest first, at most
    /// ``maximumDerivationsPerJoin`` derivations — and keeps those it derives. Returns them;
    /// none is ``TeamError/wrongPassphrase(_:)``. Joining a folder whose keys this store holds
    /// already changes nothing but makes sure this store encrypts there.
    public func teamJoin(_ folderURL: URL, passphrase: String) throws -> [TeamKeyID] {
        try withTeamFolder(folderURL) { folder, team in
            guard team.isEncrypted, let current = team.current else { throw TeamError.notEncrypted(folder: folder.root.path) }
            var gained: [TeamKey] = []
            var created: [TeamKeyID: Timestamp] = [:]
            let unheld = try team.keys.values.filter { try teamKey($0.id) == nil }
                .sorted { ($0.id == current.id ? 1 : 0, $0.created, $0.id) > ($1.id == current.id ? 1 : 0, $1.created, $1.id) }
            var derived: [KeyDerivation: TeamKey] = [:]
            for key in unheld {
                if derived[key.derivation] == nil {
                    guard derived.count < Self.maximumDerivationsPerJoin else { break }
                    derived[key.derivation] = try key.derivation.deriveKey(from: passphrase)
                }
                if let made = derived[key.derivation], made.id == key.id {
                    gained.append(made)
                    created[made.id] = key.created
                }
            }
            guard !gained.isEmpty || unheld.isEmpty else { throw TeamError.wrongPassphrase(folder.root.path) }
            // Nothing changed before here: a wrong passphrase leaves store and folder as they were.
            let visit = try identify(folder)
            try store.addTeamKeys(gained.map { $0.stored(created: created[$0.id]!) })
            if let key = try teamKey(current.id) {
                _ = try adopt(key, created: current.created, in: visit, team: team)
            }
            return gained.map(\.id)
        }
    }

    /// Before a sync imports from a folder: the team key this store writes there with (nil:
    /// in clear), and what the members' team.json files say of who encrypts since when.
    ///
    /// An encrypted folder — by a member's team.json, or because this store encrypts there —
    /// is written with its current key (the newest a member encrypts with); a store that does
    /// not hold it neither imports from the folder nor writes to it
    /// (``SyncError/teamKeyMissing(folder:rekeyed:)``), and changes nothing. A store that
    /// encrypts there goes on encrypting with its key when every team.json is gone, and
    /// writes its own again: deleting files never turns a folder back to clear.
    func prepareEncryption(_ visit: FolderVisit, team: FolderTeam) throws -> TeamKey? {
        let own = try store.encryption(of: visit.id)
        guard team.isEncrypted || own != nil else { return nil }
        let key: TeamKey
        if let current = team.current {
            guard let held = try teamKey(current.id) else { throw try missingKey(team, in: visit.folder) }
            key = held
            if own?.key != current.id.bytes { _ = try adopt(key, created: current.created, in: visit, team: team) }
        } else if let own {
            guard let held = try teamKey(TeamKeyID(bytes: own.key)!) else { throw StoreError.corruptRecord("the team key of \(visit.folder.root.path)") }
            key = held
        } else {
            // Encrypted by a team.json this store does not believe alone: it must join first.
            throw try missingKey(team, in: visit.folder)
        }
        try store.recordEncrypted(team.members.filter { $0.key != me }.mapValues(\.since), in: visit.id)
        try writeTeamFile(for: visit, team: team)
        return key
    }

    /// Before anything else of a sync: a folder encrypted with a key this store does not hold
    /// is neither read nor written, and the store is left as it was — not even the folder's id
    /// recorded (``SyncError/teamKeyMissing(folder:rekeyed:)``).
    func checkTeamKey(_ team: FolderTeam, in folder: SharedFolder) throws {
        if let current = team.current {
            guard try teamKey(current.id) == nil else { return }
        } else {
            // Encrypted only by team.json files this store does not believe: a member holds
            // one of the keys they name.
            guard team.isEncrypted, try !team.keys.keys.contains(where: { try teamKey($0) != nil }) else { return }
        }
        throw try missingKey(team, in: folder)
    }

    private func missingKey(_ team: FolderTeam, in folder: SharedFolder) throws -> SyncError {
        let holdsAnother = try team.keys.keys.contains { try teamKey($0) != nil }
        return .teamKeyMissing(folder: folder.root.path, rekeyed: holdsAnother)
    }

    /// A passphrase is derived once per key and salt: a team.json naming hundreds of keys
    /// (forged, or a team that rekeys daily) does not make a join take hours.
    public static let maximumDerivationsPerJoin = 8

    /// Keeps `key` and makes it the one this store encrypts `visit`'s folder with, from its
    /// next changeset on; writes this replica's team.json.
    private func adopt(_ key: TeamKey, created: Timestamp, in visit: FolderVisit, team: FolderTeam) throws -> TeamKeyID {
        let next = max(try store.lastWritten(to: .folder(id: visit.id)) ?? 0, try visit.folder.changesets(of: me).keys.max() ?? 0) + 1
        try store.addTeamKeys([key.stored(created: created)], folder: visit.id, encryptWith: key.id.bytes, since: next)
        try writeTeamFile(for: visit, team: team)
        return key.id
    }

    /// This replica's team.json in the folder: the folder's keys it holds (and the one it
    /// encrypts with, last), and its first encrypted file. Written only when it changed.
    func writeTeamFile(for visit: FolderVisit, team: FolderTeam) throws {
        guard let encryption = try store.encryption(of: visit.id), let writing = TeamKeyID(bytes: encryption.key) else { return }
        var known = team.keys
        let heldKeys = try store.teamKeys()
        for stored in heldKeys where known[TeamKeyID(bytes: stored.id)!] == nil && stored.id == encryption.key {
            let key = try TeamKey(stored)
            known[key.id] = TeamFile.Key(id: key.id, derivation: key.derivation, created: stored.createdAt)
        }
        let held = Set(heldKeys.map(\.id))
        let keys = known.values.filter { held.contains($0.id.bytes) && $0.id != writing }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
            + [known[writing]].compactMap { $0 }
        let file = TeamFile(keys: keys, since: encryption.since)
        let signing = try store.signingKeyForWriting()
        if let found = visit.folder.teamFile(of: me), found.file == file, found.signer == signing.publicKey { return }
        try visit.folder.write(file, for: me, signedBy: signing)
    }

    /// Runs a team command on a folder, under the sync lock, with its team read. The command
    /// identifies the folder (``identify(_:)``, which records it in the store) only once it
    /// has checked everything and is about to change things.
    private func withTeamFolder<T>(_ folderURL: URL, _ body: (SharedFolder, FolderTeam) throws -> T) throws -> T {
        let lock = try FileLock(store.directory.appending(path: "sync.lock"))
        defer { withExtendedLifetime(lock) {} }
        let folder = SharedFolder(folderURL)
        try folder.prepare()
        return try body(folder, try team(of: folder))
    }

    /// The key `folder`'s team encrypts with now, which this store must hold (`export --team`).
    public func teamKey(forFolder url: URL) throws -> TeamKey {
        let folder = SharedFolder(url)
        let team = try team(of: folder)
        let own = try store.folderID(atPath: folder.root.path).flatMap { try store.encryption(of: $0) }
        guard let id = team.current?.id ?? own.flatMap({ TeamKeyID(bytes: $0.key) }) else {
            throw TeamError.notEncrypted(folder: folder.root.path)
        }
        guard let key = try teamKey(id) else { throw TeamError.notAMember(folder: folder.root.path) }
        return key
    }

    /// `team status`: each folder's team as this store sees it.
    public func teamStatus(_ folderURLs: [URL]) throws -> [TeamStatus] {
        let analysts = Dictionary(try store.knownKeys().map { ($0.replica, $0.analyst) }, uniquingKeysWith: { first, _ in first })
        let held = Set(try store.teamKeys().map(\.id))
        return try folderURLs.map { url in
            let folder = SharedFolder(url)
            try folder.checkExists()
            let team = try team(of: folder)
            let id = try store.folderID(atPath: folder.root.path)
            let current = team.current?.id
            let members = team.members.sorted { $0.key < $1.key }.map { replica, file in
                TeamStatus.Member(replica: replica, analyst: analysts[replica], current: file.current?.id == current, isThisReplica: replica == me)
            }
            return TeamStatus(
                path: folder.root.path, encrypted: team.isEncrypted, currentKey: current,
                holdsCurrentKey: current.map { held.contains($0.bytes) } ?? false,
                heldKeys: team.keys.keys.filter { held.contains($0.bytes) }.sorted(), members: members,
                writesEncrypted: try id.map { try store.encryption(of: $0) != nil } ?? false)
        }
    }
}
