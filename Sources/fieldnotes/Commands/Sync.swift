import ArgumentParser
import Foundation
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exchange versions through shared folders.",
            discussion: """
                Imports the changesets other replicas wrote in each folder, then writes to each \
                folder, as one changeset, the versions it lacks — so what one folder brings goes \
                out through the others in the same sync. A folder may be named by its remote \
                name (`fieldnotes remote add`); with no folder, every remote is synced. \
                A changeset that is refused is named and retried next time; the others are \
                imported, and the exit code is 1.
                """)

        @Argument(help: "Shared folders or remote names (default: every remote).", completion: Completions.folders) var folders: [String] = []
        @OptionGroup var compaction: CompactionOptions
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            try SyncOutput.sync(folders, snapshot: false, compaction: compaction, store: try storeOptions.open(), json: output.json)
        }
    }

    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sync, writing this replica's snapshot of everything it holds.",
            discussion: """
                A sync that writes this replica's snapshot now rather than when it is due: \
                every version it holds, in one file that a new laptop starts from. Every sync \
                then deletes this replica's own changesets that a snapshot covers and every \
                other replica has imported, once both have been so for the grace period, and \
                its snapshot once another covers all it does (README, "Compaction"). Other \
                replicas' files are never deleted.
                """)

        @Argument(help: "Shared folders or remote names (default: every remote).", completion: Completions.folders) var folders: [String] = []
        @OptionGroup var compaction: CompactionOptions
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            try SyncOutput.sync(folders, snapshot: true, compaction: compaction, store: try storeOptions.open(), json: output.json)
        }
    }

    /// `--grace`: how long a writer waits before it deletes what compaction lets go.
    struct CompactionOptions: ParsableArguments {
        @Option(help: ArgumentHelp("How long a snapshot and every replica's acknowledgement must have been seen before this replica deletes the changesets they cover: 7d (the default), 12h, 30m, 0.",
                                   valueName: "duration"))
        var grace: String?

        func validate() throws {
            if let grace, Self.milliseconds(grace) == nil {
                throw ValidationError("--grace \(grace.debugDescription) is not a duration: give a number and a unit (s, m, h or d), such as 7d or 12h, or 0")
            }
        }

        var policy: CompactionPolicy {
            grace.flatMap(Self.milliseconds).map(CompactionPolicy.init(graceMilliseconds:)) ?? .standard
        }

        /// `7d`, `12h`, `30m`, `45s`, `0`; at most ten years.
        static func milliseconds(_ text: String) -> Int64? {
            if text == "0" { return 0 }
            guard let unit = text.last, let scale: Int64 = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000][unit],
                  text.dropLast().allSatisfy(\.isASCII), let count = Int64(text.dropLast()), count >= 0, count <= 3_650 * 86_400_000 / scale
            else { return nil }
            return count * scale
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import changeset files by hand.",
            discussion: "Each file is imported on its own; one that is refused is named and does not stop the others (exit code 1).")

        @Argument(help: "Changeset files (.fnc).") var files: [String]
        @OptionGroup var passphrase: TeamCommand.PassphraseOption
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if files.isEmpty { throw ValidationError("give one or more changeset files") }
        }

        func run() throws {
            let store = try storeOptions.open()
            // A file encrypted with a key this store does not hold: its passphrase, asked once
            // for all the files that need one (they may share it).
            var asked: String?
            let unlock = { (encryption: ChangesetHeader.Encryption) throws -> TeamKey in
                if asked == nil { asked = try Passphrase.read(file: passphrase.file, prompt: "Passphrase of the encrypted changeset: ") }
                return try encryption.derivation.deriveKey(from: asked!)
            }
            let urls = try files.map { try Input.path($0, what: "file path") }
            let progress = ProgressLine()
            let summary = Synchronizer(store: store, progress: progress.sync).importFiles(urls, unlock: unlock)
            progress.end()
            try SyncOutput.report([.init(folder: nil, path: "", outcome: .success(summary))], json: output.json)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write versions to a changeset file, to carry by hand.",
            discussion: "Writes the versions no export has carried yet; --all writes every version. Writes no file when there is nothing new.")

        @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "file")) var output: String
        @Flag(help: "Every version, not only those no export has carried yet.") var all = false
        @Option(help: ArgumentHelp("Encrypt for this folder's team (a remote's name or a path): its members import the file with the key they hold.", valueName: "folder"),
                completion: Completions.folders)
        var team: String?
        @OptionGroup var passphrase: TeamCommand.PassphraseOption
        @Flag(name: .customLong("encrypt"), help: "Encrypt with a passphrase of its own (asked, or --passphrase-file).") var encryptWithPassphrase = false
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var json: JSONOption

        func validate() throws {
            if team != nil && (passphrase.file != nil || encryptWithPassphrase) {
                throw ValidationError("--team encrypts with the folder's team key; --encrypt and --passphrase-file with a passphrase of the file's own: give one")
            }
        }

        /// The key to encrypt with, if any: the folder's team key, or one derived from a new
        /// passphrase with a new salt (written in the file's header for the reader).
        func encryptionKey(_ store: Store) throws -> TeamKey? {
            if let team {
                let target = try TeamCommand.folder(team, in: store)
                return try Synchronizer(store: store).teamKey(forFolder: target.url)
            }
            guard encryptWithPassphrase || passphrase.file != nil else { return nil }
            return try TeamKey.new(from: try Passphrase.read(file: passphrase.file, prompt: "Passphrase for the exported file: ", confirm: true))
        }

        func run() throws {
            guard output != "-" else {
                throw CLIError("export writes a file, not standard output; give its path with -o FILE")
            }
            let store = try storeOptions.open()
            let url = try Input.path(output, what: "output file")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("cannot write \(url.path): the folder \(url.deletingLastPathComponent().path) does not exist")
            }
            let key = try encryptionKey(store)
            let count: Int
            let progress = ProgressLine()
            do {
                defer { progress.end() }
                count = try Synchronizer(store: store, progress: progress.sync).export(to: url, all: all, encryption: key)
            } catch SyncError.cannotCreate(_, let reason) {
                // The temporary file it is written as first, next to it: said of the file asked for.
                throw CLIError("cannot write \(url.path): \(reason); nothing was exported")
            } catch let error as NSError where error.domain == NSPOSIXErrorDomain || error.domain == NSCocoaErrorDomain {
                // A failed write of the file (full disk, file-size limit) names the file.
                throw CLIError("cannot write \(url.path): \(Console.message(for: error)); nothing was exported")
            }
            var summary = SyncSummary()
            summary.exportedVersions = count
            if json.json {
                Console.printJSON(SyncOutput.json(summary, extra: ["file": count > 0 ? .string(url.path) : .null]))
            } else if count == 0 {
                print("Nothing new to export (--all exports every version).")
            } else {
                print("Exported \(Text.plural(count, "version")) to \(url.path)\(key == nil ? "" : ", encrypted").")
            }
        }
    }
}

/// How `sync` and `import` report what they did.
enum SyncOutput {
    /// `sync` and `compact`: syncs the folders named (every remote with none) and reports.
    static func sync(_ folders: [String], snapshot: Bool, compaction: Fieldnotes.CompactionOptions, store: Store, json: Bool) throws {
        let targets = try store.syncTargets(named: folders) { try Input.path($0, what: "folder path") }
        let progress = ProgressLine()
        let synced = Swift.Result { try Synchronizer(store: store, compaction: compaction.policy, progress: progress.sync)
            .sync(with: targets.map(\.url), snapshot: snapshot) }
        progress.end()
        let outcomes = try synced.get()
        try report(zip(targets, outcomes).map { target, outcome in
            Result(folder: target.name, path: target.url.path, outcome: outcome)
        }, json: json)
    }

    static func json(_ summary: SyncSummary, extra: JSONObject = [:]) -> JSONValue {
        let members: JSONObject = [
            "importedChangesets": .int(Int64(summary.importedChangesets)),
            "importedSnapshots": .array(summary.importedSnapshots.map { .string($0.rawValue) }),
            "wroteSnapshot": .bool(summary.wroteSnapshot),
            "deletedChangesets": .int(Int64(summary.deletedChangesets)),
            "deletedSnapshot": .bool(summary.deletedSnapshot),
            "importedVersions": .int(Int64(summary.importedVersions)),
            "exportedVersions": .int(Int64(summary.exportedVersions)),
            "newConflicts": .int(Int64(summary.newConflicts)),
            "skipped": .array(summary.skipped.map { .object(["file": .string($0.file), "reason": .string(reason($0))]) }),
            "waiting": .array(summary.waiting.map { .object(["writer": .string($0.writer.rawValue), "missing": .string($0.missing)]) }),
            "rewrittenChangesets": .int(Int64(summary.rewrittenChangesets)),
            "notices": .array(summary.notices.map { .string($0.description) }),
            "keys": .array(summary.keys.map { .string($0.description) }),
        ]
        return .object(members.merging(extra))
    }

    /// Why a file was refused, said by the renderer of every error.
    static func reason(_ skipped: SyncSummary.Skipped) -> String {
        skipped.reason(renderedBy: Console.message(for:))
    }

    /// What one folder's sync did, or an import's (no folder).
    struct Result {
        var folder: String?
        var path: String
        var outcome: Swift.Result<SyncSummary, Error>
    }

    /// Prints the outcome of each folder (or of an import) on stdout, then fails if anything
    /// was refused or a folder could not be synced, saying why on stderr.
    static func report(_ results: [Result], json: Bool) throws {
        var total = SyncSummary()
        var failures: [String] = []
        var folders: [JSONValue] = []
        for result in results {
            switch result.outcome {
            case .success(let summary):
                // A sync names the folder of each refused file; an import names files by path.
                failures += summary.skipped.map { "\(result.folder.map { "\($0): " } ?? "")refused \($0.file): \(reason($0))" }
                total.importedChangesets += summary.importedChangesets
                total.importedSnapshots += summary.importedSnapshots
                total.wroteSnapshot = total.wroteSnapshot || summary.wroteSnapshot
                total.deletedChangesets += summary.deletedChangesets
                total.deletedSnapshot = total.deletedSnapshot || summary.deletedSnapshot
                total.importedVersions += summary.importedVersions
                total.exportedVersions += summary.exportedVersions
                total.newConflicts += summary.newConflicts
                total.skipped += summary.skipped
                total.waiting += summary.waiting
                total.rewrittenChangesets += summary.rewrittenChangesets
                total.notices += summary.notices
                total.keys += summary.keys
                folders.append(self.json(summary, extra: ["folder": .string(result.path), "name": .string(result.folder ?? "")]))
                if !json { printHuman(summary, folder: result.folder) }
            case .failure(let error):
                failures.append("\(result.folder ?? result.path): \(Console.message(for: error))")
                folders.append(.object(["folder": .string(result.path), "name": .string(result.folder ?? ""),
                                        "error": .string(Console.message(for: error))]))
            }
        }
        if json {
            Console.printJSON(self.json(total, extra: results.contains { $0.folder == nil } ? [:] : ["folders": .array(folders)]))
        }
        // Each problem is an `error:` line of its own on stderr, the last one the exit's.
        guard let last = failures.popLast() else { return }
        failures.forEach(Console.error)
        throw CLIError(last)
    }

    static func printHuman(_ summary: SyncSummary, folder: String?) {
        var parts: [String] = []
        let sources = summary.importedSnapshots.map { "the snapshot of \($0.short)" }
            + (summary.importedChangesets > 0 ? [Text.plural(summary.importedChangesets, "changeset")] : [])
        if !sources.isEmpty {
            parts.append("imported \(Text.plural(summary.importedVersions, "new version")) from \(sources.joined(separator: " and "))")
        } else if summary.skipped.isEmpty {
            parts.append("nothing new to import")
        }
        if folder != nil { parts.append("wrote \(Text.plural(summary.exportedVersions, "version"))") }
        if summary.wroteSnapshot { parts.append("wrote its snapshot") }
        if summary.deletedChangesets > 0 || summary.deletedSnapshot {
            let deleted = (summary.deletedChangesets > 0 ? [Text.plural(summary.deletedChangesets, "changeset")] : [])
                + (summary.deletedSnapshot ? ["its snapshot"] : [])
            parts.append("deleted \(deleted.joined(separator: " and ")) of its own that the folder no longer needs")
        }
        if summary.newConflicts > 0 { parts.append(Console.warning("\(Text.plural(summary.newConflicts, "new conflict")) (`fieldnotes conflicts`)")) }
        if !parts.isEmpty {
            print(Text.wrap(parts.joined(separator: ", "), prefix: folder.map { "\($0): " } ?? "", indent: 2))
        }
        if !summary.skipped.isEmpty {
            print("  refused \(Text.plural(summary.skipped.count, "changeset")) (why: below)")
        }
        for waiting in summary.waiting {
            print(Text.wrap("for \(waiting.missing) (not in the folder yet, and no snapshot covers it)", prefix: "  waiting ", indent: 4))
        }
        for event in summary.keys {
            print(Text.wrap(event.description, prefix: "  key: ", indent: 4))
        }
        for notice in summary.notices {
            print(Console.warning(Text.wrap(notice.description, prefix: "  notice: ", indent: 4)))
        }
    }
}
