import ArgumentParser
import Foundation
import OfflineStore

/// The `fieldnotes` command: field reports on a laptop that is offline most of the time,
/// shared through nothing but a folder.
@main
struct Fieldnotes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldnotes",
        abstract: "Field reports for analysts who are offline most of the time, shared through a folder.",
        discussion: """
            Each laptop keeps a replica: every report and every version of it. Run \
            `fieldnotes init` once, then `fieldnotes add`. `fieldnotes demo` walks through it all.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Add.self, Show.self, List.self, Timeline.self, Search.self, Edit.self, SetFields.self,
            EventCommand.self, SourceCommand.self, Remove.self, Restore.self, Log.self, Diff.self,
            Sync.self, Compact.self, RemoteCommand.self, Export.self, Import.self, Conflicts.self, Resolve.self,
            StatusCommand.self, Verify.self, Identity.self, TrustCommand.self, TeamCommand.self, ReplicaCommand.self, Demo.self,
        ]
    )

    /// Runs the command line. Usage errors, help and exit codes are argument-parser's (its
    /// message and exit code); every other failure is one `error:` line on stderr and exit
    /// code 1, never a stack trace.
    static func main() {
        // A file-size limit (`ulimit -f`) then makes a write fail with EFBIG, which is said
        // like any other failed write, instead of killing the process without a word.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot(storeOptionMovedToCommand(Array(CommandLine.arguments.dropFirst())))
            try StoreUse.$access.withValue(StoreUse.access(for: command)) {
                try command.run()
            }
            recordDamageMet()
        } catch where isArgumentParserError(error) {
            exit(withError: error)
        } catch {
            recordDamageMet()
            Console.error(Console.message(for: error))
            exit(withError: ExitCode.failure)
        }
    }

    /// Damage SQLite met anywhere in the command is remembered in the store's folder, so that
    /// later writes are refused until `verify` passes (see `StoreDamage`).
    private static func recordDamageMet() {
        if let directory = StoreUse.opened.directory { StoreDamage.recordIfMet(in: directory) }
    }

    /// `fieldnotes --store DIR COMMAND …` (as with `git -C DIR`) is read as
    /// `fieldnotes COMMAND … --store DIR`: the option belongs to each command.
    static func storeOptionMovedToCommand(_ arguments: [String]) -> [String] {
        var arguments = arguments
        var moved: [String] = []
        while let first = arguments.first, first == "--store" || first.hasPrefix("--store=") {
            let count = first == "--store" ? min(2, arguments.count) : 1
            moved += arguments.prefix(count)
            arguments.removeFirst(count)
        }
        guard !moved.isEmpty else { return arguments }
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        arguments.insert(contentsOf: moved, at: end)
        return arguments
    }

    /// Help requests arrive as errors thrown by a help command's `run()`, so errors are told
    /// apart by the module that defines them.
    private static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
