import Foundation
import OfflineStore
import ReportModels

/// The layout of a shared folder (DESIGN.md §5):
///
/// ```
/// FOLDER/fieldnotes/replicas/<replica-id>/replica.json     what the replica says of itself
/// FOLDER/fieldnotes/replicas/<replica-id>/00000001.fnc, 00000002.fnc, …
/// FOLDER/fieldnotes/replicas/<replica-id>/snapshot.fnc     its snapshot, if it wrote one (DESIGN.md §11)
/// ```
///
/// **Every file has one writer**: a replica writes only in its own directory, so file-sync tools
/// never see two writers of one file and never make conflict copies of one. Files are written
/// under a temporary name, made durable, then renamed. Readers see only names of the form
/// `<digits>.fnc`: Syncthing's temporaries, `*.sync-conflict-*`, Dropbox's "conflicted copy"
/// files and partial copies are ignored; and they read only plain files (``FolderFile``).
///
/// **A folder has no shared id.** Each store knows a folder by an id of its own, written in its
/// own replica.json (`folder`), and keys what it imported from there and sent there by it. No
/// replica ever needs another's id for the folder, so nothing two replicas could write at once
/// decides it: two laptops setting up a folder within the same second, a sync tool's conflict
/// copy, a restored backup or a copied store cannot make anyone take the folder for a new one.
/// (Folders made by fieldnotes before this kept one id in `fieldnotes/folder.json`; a store
/// that synced with such a folder goes on under that id, written into its own replica.json.)
public struct SharedFolder: Sendable {
    public let root: URL
    /// (Made once: a sync asks for a writer's directory many times, and making a URL costs.)
    let base: URL
    let replicas: URL

    /// No sequence number beyond this is read from a file name or a file (a sync a second for
    /// thirty thousand years), so arithmetic on one can never overflow; a changeset's header
    /// allows no more.
    static let maximumSequence = ChangesetHeader.maximumSequence

    public init(_ root: URL) {
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
        base = self.root.appending(path: "fieldnotes")
        replicas = base.appending(path: "replicas")
    }

    /// Makes the layout on first use. The folder itself must exist: a mistyped path or an
    /// unplugged stick is an error, not a new empty folder. Its `fieldnotes` and `replicas`
    /// folders must be folders, not links out of it.
    public func prepare() throws {
        try checkExists()
        for directory in [base, replicas] {
            switch FolderFile.mode(of: directory) {
            case nil:
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
                } catch where FolderFile.mode(of: directory) == S_IFDIR {
                    // Another replica made it at the same moment.
                } catch {
                    throw SyncError.cannotWrite(path: directory.path, reason: describeWriteFailure(error))
                }
            case S_IFDIR?: continue
            case let mode?: throw SyncError.folderDamaged(directory.path, FolderFile.kind(of: mode))
            }
        }
    }

    /// The folder itself exists (a mistyped path or an unplugged stick is an error).
    func checkExists() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw SyncError.folderMissing(root.path)
        }
        guard isDirectory.boolValue else { throw SyncError.notAFolder(root.path) }
    }

    /// The id fieldnotes before version 2 kept for the whole folder, if there is one.
    func legacyID() -> FolderID? {
        guard let data = try? FolderFile.read(base.appending(path: "folder.json"), limit: 4096),
              let json = try? JSONValue(parsing: data), let id = json["id"]?.stringValue
        else { return nil }
        return FolderID(id)
    }

    /// What a replica says of itself here, if `signers` believe it (see ``FileSigners``) and,
    /// sealed, one of `keys` opens it.
    func info(of writer: ReplicaID, _ signers: FileSigners, keys: [TeamKeyID: TeamKey]) -> ReplicaInfo? {
        guard let found = signedInfo(of: writer, keys: keys), signers.believes(found.signer, from: writer) else { return nil }
        return found.info
    }

    /// What a replica says of itself here, who signed it (nil: unsigned) and whether it was
    /// sealed; nil if it says nothing readable, its signature does not verify, or it is sealed
    /// under a key not in `keys`.
    /// `checked`: the files whose signature was checked before (and are not checked again).
    func signedInfo(of writer: ReplicaID, keys: [TeamKeyID: TeamKey],
                    checked: FileSigners.CheckedFiles? = nil) -> (info: ReplicaInfo, signer: ReplicaKey?, sealed: Bool)? {
        guard let data = try? FolderFile.read(directory(of: writer).appending(path: ReplicaInfo.fileName), limit: ReplicaInfo.maximumSize),
              let (members, signer) = SignedJSON.open(data, in: .replicaInfo, maximumSize: ReplicaInfo.maximumSize,
                                                      checked: checked.map { files in { files.contains($0, from: writer) } },
                                                      verified: checked.map { files in { files.add($0, from: writer) } }),
              let unsealed = ReplicaInfo.unsealed(members, keys: keys),
              let info = ReplicaInfo(members: unsealed), info.replica == writer
        else { return nil }
        return (info, signer, members["sealed"] != nil)
    }

    /// Writes this replica's replica.json, sealed with `key` (in an encrypted folder) and signed,
    /// in its own directory (which it makes if need be).
    func write(_ info: ReplicaInfo, sealedWith key: TeamKey?, signedBy signing: ReplicaSigningKey) throws {
        let directory = directory(of: info.replica)
        try Self.makeDirectory(directory)
        try Self.writeAtomically(SignedJSON.encode(try info.members(sealedWith: key), in: .replicaInfo, signedBy: signing),
                                 to: directory.appending(path: ReplicaInfo.fileName))
    }

    /// The replicas that have a directory here, and what is named like one but is not a folder
    /// (a link, a file), which is not read.
    func writers() throws -> (writers: [ReplicaID], refused: [(name: String, problem: FolderFile.Problem)]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: replicas.path)
        } catch {
            throw SyncError.cannotRead(describeError(error))
        }
        var writers: [ReplicaID] = []
        var refused: [(name: String, problem: FolderFile.Problem)] = []
        for name in names {
            guard let writer = ReplicaID(name), writer.rawValue == name else { continue }
            let mode = FolderFile.mode(of: directory(of: writer))
            if mode == S_IFDIR {
                writers.append(writer)
            } else if let mode {
                refused.append((name, .notAFolder(directory(of: writer).path, kind: FolderFile.kind(of: mode))))
            }
        }
        return (writers.sorted(), refused)
    }

    func directory(of writer: ReplicaID) -> URL { replicas.appending(path: writer.rawValue) }

    static let snapshotFileName = "snapshot.fnc"

    /// Where a writer's snapshot is: one a writer, replaced by its next (which covers at least
    /// as much: a store's frontier only grows).
    func snapshot(of writer: ReplicaID) -> URL { directory(of: writer).appending(path: Self.snapshotFileName) }

    /// A writer's changeset files by sequence number; other names are ignored. A writer with no
    /// directory here has none; a directory that cannot be listed is an error (it is not the
    /// same as an empty one).
    func changesets(of writer: ReplicaID) throws -> ChangesetListing {
        let directory = directory(of: writer)
        guard FolderFile.mode(of: directory) == S_IFDIR else { return ChangesetListing(directory: directory, sequences: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw SyncError.cannotRead(describeError(error))
        }
        return ChangesetListing(directory: directory, sequences: Set(names.lazy.compactMap(Self.sequence(ofFileNamed:))))
    }

    /// `00000042.fnc` → 42; nil for any other name, including other spellings of a number
    /// (`000000042.fnc`), so that no two files claim one sequence, and numbers past
    /// ``maximumSequence``.
    static func sequence(ofFileNamed name: String) -> Int? {
        guard name.hasSuffix(".fnc") else { return nil }
        let digits = name.utf8.dropLast(4)
        guard digits.count >= 8, digits.count <= 13, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let sequence = Int(Substring(digits)), sequence > 0, sequence <= maximumSequence, fileName(sequence: sequence) == name
        else { return nil }
        return sequence
    }

    static func fileName(sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".fnc"
    }

    /// Writes a changeset into the writer's own directory: under a temporary name, made
    /// durable, then renamed into place — over the file of that number with `replacing`
    /// (a reader has the old file or the new one, never a mix). With a `frontier`, the writer's
    /// snapshot, over the one before.
    func writeChangeset(for writer: ReplicaID, sequence: Int, level: Int32, signing: ChangesetSigning, encryption: ChangesetEncryption?,
                        replacing: Bool = false, frontier: Frontier? = nil, _ body: (ChangesetWriter) throws -> Void) throws -> URL {
        let directory = directory(of: writer)
        try Self.makeDirectory(directory)
        try removeStaleTemporaries(in: directory)
        let temporary = directory.appending(path: ".writing-\(UUID().uuidString).partial")
        do {
            let changeset = try ChangesetWriter(at: temporary, writer: writer, sequence: sequence, level: level, signing: signing,
                                                encryption: encryption, frontier: frontier)
            try body(changeset)
            _ = try changeset.finish()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let final = frontier != nil ? snapshot(of: writer) : directory.appending(path: Self.fileName(sequence: sequence))
        guard replacing || frontier != nil || !FileManager.default.fileExists(atPath: final.path) else {
            try? FileManager.default.removeItem(at: temporary)
            throw SyncError.cannotWrite(path: final.path, reason: "it appeared while this sync wrote it; sync again")
        }
        try Self.rename(temporary, to: final)
        return final
    }

    private func removeStaleTemporaries(in directory: URL) throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".writing-") {
            try? FileManager.default.removeItem(at: directory.appending(path: name))
        }
    }

    // MARK: Durable files

    /// Makes a folder (and those above it) unless it exists; one that cannot be made is
    /// ``SyncError/cannotWrite(path:reason:)``, saying why and what to do.
    static func makeDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SyncError.cannotWrite(path: directory.path, reason: describeWriteFailure(error))
        }
    }

    /// Writes `data` to a temporary file next to `url`, fsyncs it, and renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appending(path: ".writing-\(UUID().uuidString).partial")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SyncError.cannotWrite(path: url.path, reason: describeWriteFailure(error))
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        try rename(temporary, to: url)
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            let reason = describeWriteFailure(errno)
            try? FileManager.default.removeItem(at: from)
            throw SyncError.cannotWrite(path: to.path, reason: reason)
        }
        syncDirectory(to.deletingLastPathComponent())
    }

    /// Makes a rename durable.
    static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// A writer's changesets in a shared folder, by sequence number, as listed. A file's URL is
/// made only when asked for: a sync that finds nothing new lists hundreds of files and opens
/// none (making a URL costs more than listing its name).
struct ChangesetListing: Sequence {
    let directory: URL
    private let directoryPath: String
    /// The sequence numbers listed; `keys` as of a dictionary.
    let keys: Set<Int>

    init(directory: URL, sequences: Set<Int>) {
        self.directory = directory
        directoryPath = directory.path
        keys = sequences
    }

    subscript(sequence: Int) -> URL? {
        keys.contains(sequence) ? directory.appending(path: SharedFolder.fileName(sequence: sequence)) : nil
    }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    /// The total size of the files after `sequence` that are (still) plain files, counted
    /// until it reaches `limit` — with the directory open, each file looked up by its name
    /// alone (no URL made, no path walked again).
    func size(after sequence: Int, upTo limit: Int) -> Int {
        let directory = open(directoryPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return 0 }
        defer { close(directory) }
        var total = 0
        for listed in keys where listed > sequence {
            var status = stat()
            guard fstatat(directory, SharedFolder.fileName(sequence: listed), &status, AT_SYMLINK_NOFOLLOW) == 0,
                  status.st_mode & S_IFMT == S_IFREG
            else { continue }
            total += Int(status.st_size)
            if total >= limit { break }
        }
        return total
    }

    func makeIterator() -> some IteratorProtocol<(key: Int, value: URL)> {
        keys.lazy.map { (key: $0, value: directory.appending(path: SharedFolder.fileName(sequence: $0))) }.makeIterator()
    }
}
