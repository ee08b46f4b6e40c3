import Foundation
import ReportModels

/// The layout of a shared folder (DESIGN.md §5):
///
/// ```
/// FOLDER/fieldnotes/folder.json                      {"format": 1, "id": "<uuid>"}
/// FOLDER/fieldnotes/replicas/<replica-id>/replica.json
/// FOLDER/fieldnotes/replicas/<replica-id>/00000001.fnc, 00000002.fnc, …
/// ```
///
/// Each replica writes only its own directory, so file-sync tools never see two writers of
/// one file. Files are written under a temporary name, made durable, then renamed. Readers
/// see only names of the form `<digits>.fnc`: Syncthing's temporaries, `*.sync-conflict-*`,
/// Dropbox's "conflicted copy" files and partial copies are ignored.
public struct SharedFolder: Sendable {
    public let root: URL
    var base: URL { root.appending(path: "fieldnotes") }
    var replicas: URL { base.appending(path: "replicas") }

    public init(_ root: URL) {
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The folder's id, creating the layout on first use. The folder itself must exist: a
    /// mistyped path or an unplugged stick is an error, not a new empty folder.
    public func prepare() throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw SyncError.folderMissing(root.path)
        }
        guard isDirectory.boolValue else { throw SyncError.notAFolder(root.path) }
        try FileManager.default.createDirectory(at: replicas, withIntermediateDirectories: true)
        let file = base.appending(path: "folder.json")
        if let id = try readID(file) { return id }
        // Created exclusively (no hard links: FAT sticks and many SMB shares have none);
        // if another replica created it first, its id is the folder's.
        let json = JSONValue.object(["format": .int(1), "id": .string(ReplicaID().rawValue)])
        try Self.createExclusively(Data(json.prettyString.utf8), at: file)
        guard let id = try readID(file) else { throw SyncError.folderDamaged(file.path) }
        return id
    }

    /// The folder's id if it has one already; nil if not (or if it is not there).
    func existingID() -> String? {
        try? readID(base.appending(path: "folder.json"))
    }

    /// Whether `other` holds this very folder.json (the same folder under another path: a
    /// second mount, a link) rather than a copy of it.
    func isSameFolder(as other: SharedFolder) -> Bool {
        func identity(_ folder: SharedFolder) -> [FileAttributeKey: Any]? {
            try? FileManager.default.attributesOfItem(atPath: folder.base.appending(path: "folder.json").path)
        }
        guard let mine = identity(self), let theirs = identity(other) else { return false }
        return (mine[.systemNumber] as? NSNumber) == (theirs[.systemNumber] as? NSNumber)
            && (mine[.systemFileNumber] as? NSNumber) == (theirs[.systemFileNumber] as? NSNumber)
    }

    /// Gives the folder a new id: for a copy of another folder (`cp -r`), which must not be
    /// taken for the folder it was copied from.
    func renew() throws -> String {
        let id = ReplicaID().rawValue
        let json = JSONValue.object(["format": .int(1), "id": .string(id)])
        try Self.writeAtomically(Data(json.prettyString.utf8), to: base.appending(path: "folder.json"))
        return id
    }

    /// The folder's id, or nil when folder.json is missing or empty (a crash while it was
    /// being created: it is then made again).
    private func readID(_ file: URL) throws -> String? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        if data.allSatisfy({ $0 == 0 || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) {
            try? FileManager.default.removeItem(at: file)
            return nil
        }
        guard let json = try? JSONValue(parsing: data), let id = json["id"]?.stringValue, ReplicaID(id) != nil else {
            throw SyncError.folderDamaged(file.path)
        }
        if case .int(let format)? = json["format"], format > 1 { throw SyncError.folderFromNewerVersion(root.path) }
        return id
    }

    /// The replicas that have a directory here.
    func writers() throws -> [ReplicaID] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: replicas.path) else { return [] }
        return names.compactMap { name in ReplicaID(name).flatMap { $0.rawValue == name ? $0 : nil } }.sorted()
    }

    func directory(of writer: ReplicaID) -> URL { replicas.appending(path: writer.rawValue) }

    /// A writer's changeset files by sequence number; other names are ignored.
    func changesets(of writer: ReplicaID) throws -> [Int: URL] {
        let directory = directory(of: writer)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [:] }
        var files: [Int: URL] = [:]
        for name in names {
            guard let sequence = Self.sequence(ofFileNamed: name) else { continue }
            files[sequence] = directory.appending(path: name)
        }
        return files
    }

    /// `00000042.fnc` → 42; nil for any other name, including other spellings of a number
    /// (`000000042.fnc`), so that no two files claim one sequence.
    static func sequence(ofFileNamed name: String) -> Int? {
        guard name.hasSuffix(".fnc") else { return nil }
        let digits = name.dropLast(4)
        guard digits.count >= 8, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let sequence = Int(digits), sequence > 0, fileName(sequence: sequence) == name
        else { return nil }
        return sequence
    }

    static func fileName(sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".fnc"
    }

    /// The next sequence number for a writer's own directory: after every file it holds and
    /// the latest its replica.json records.
    func nextSequence(for writer: ReplicaID) throws -> Int {
        let files = try changesets(of: writer).keys.max() ?? 0
        let info = directory(of: writer).appending(path: "replica.json")
        var recorded = 0
        if let data = FileManager.default.contents(atPath: info.path), case .int(let latest)? = try? JSONValue(parsing: data)["latestSequence"] {
            recorded = Int(clamping: latest)
        }
        return max(files, recorded) + 1
    }

    /// Writes a changeset into the writer's own directory: under a temporary name, made
    /// durable, then renamed into place; then the directory's replica.json.
    func writeChangeset(for writer: ReplicaID, sequence: Int, analyst: String, level: Int32,
                        _ body: (ChangesetWriter) throws -> Void) throws -> URL {
        let directory = directory(of: writer)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try removeStaleTemporaries(in: directory)
        let temporary = directory.appending(path: ".writing-\(UUID().uuidString).partial")
        do {
            let changeset = try ChangesetWriter(at: temporary, writer: writer, sequence: sequence, level: level)
            try body(changeset)
            _ = try changeset.finish()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let final = directory.appending(path: Self.fileName(sequence: sequence))
        guard !FileManager.default.fileExists(atPath: final.path) else {
            try? FileManager.default.removeItem(at: temporary)
            throw SyncError.cannotWrite("\(final.path): it exists already")
        }
        try Self.rename(temporary, to: final)
        let info = JSONValue.object([
            "format": .int(1), "replica": .string(writer.rawValue), "name": .string(analyst), "latestSequence": .int(Int64(sequence)),
        ])
        try Self.writeAtomically(Data(info.prettyString.utf8), to: directory.appending(path: "replica.json"))
        return final
    }

    private func removeStaleTemporaries(in directory: URL) throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".writing-") {
            try? FileManager.default.removeItem(at: directory.appending(path: name))
        }
    }

    // MARK: Durable files

    /// Writes `data` to a temporary file next to `url`, fsyncs it, and renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appending(path: ".writing-\(UUID().uuidString).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw SyncError.cannotWrite(url.path)
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        try rename(temporary, to: url)
    }

    /// Creates `url` with `data` only if nothing is there yet (O_EXCL), and makes it durable.
    static func createExclusively(_ data: Data, at url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST { return }
            throw SyncError.cannotWrite("\(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            throw SyncError.cannotWrite("\(url.path): \(String(cString: strerror(errno)))")
        }
        syncDirectory(url.deletingLastPathComponent())
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: from)
            throw SyncError.cannotWrite("\(to.path): \(reason)")
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
