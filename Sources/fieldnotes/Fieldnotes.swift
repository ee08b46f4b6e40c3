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

    // Taken before the command too, and moved to it (``leadingOptionsMovedToCommand(_:)``):
    // declared here so that help, the manual and completion scripts know them there.
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var display: DisplayOptions

    /// Runs the command line. Usage errors, help and exit codes are argument-parser's (its
    /// message and exit code); every other failure is one `error:` line on stderr and exit
    /// code 1, never a stack trace.
    static func main() {
        // A file-size limit (`ulimit -f`) then makes a write fail with EFBIG, which is said
        // like any other failed write, instead of killing the process without a word.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot(leadingOptionsMovedToCommand(Array(CommandLine.arguments.dropFirst())))
            prepareOutput(for: command)
            try StoreUse.$access.withValue(StoreUse.access(for: command)) {
                try command.run()
            }
            recordDamageMet()
        } catch where isArgumentParserError(error) {
            Pager.finish()
            exit(withError: error)
        } catch {
            recordDamageMet()
            // Said after the pager's last screen, not into it.
            Pager.finish()
            Console.error(Console.message(for: error))
            exit(withError: ExitCode.failure)
        }
    }

    /// Decides colour and width from the options, the environment and the real terminal
    /// (``Display``), and, for a command whose output can be long, arms the pager — in that
    /// order: the pager's pipe takes stdout's place only at the first write.
    static func prepareOutput(for command: ParsableCommand) {
        let options = Display.options(of: command)
        let environment = ProcessInfo.processInfo.environment
        Display.current = Display.decide(
            color: options.color, environment: environment,
            stdoutIsTerminal: isatty(STDOUT_FILENO) == 1, stderrIsTerminal: isatty(STDERR_FILENO) == 1,
            terminalWidth: { Display.terminalWidth(of: STDOUT_FILENO) })
        guard Display.current.stdoutIsTerminal, !options.noPager,
              Pager.pagedCommands.contains(where: { $0 == type(of: command) }),
              let pager = Pager.command(environment: environment)
        else { return }
        Pager.arm(pager, environment: environment)
    }

    /// Damage SQLite met anywhere in the command is remembered in the store's folder, so that
    /// later writes are refused until `verify` passes (see `StoreDamage`).
    private static func recordDamageMet() {
        if let directory = StoreUse.opened.directory { StoreDamage.recordIfMet(in: directory) }
    }

    /// `fieldnotes --store DIR COMMAND …` (as with `git -C DIR`) is read as
    /// `fieldnotes COMMAND … --store DIR`: the option belongs to each command. So are
    /// `--color WHEN` and `--no-pager` (as with `git --no-pager`).
    static func leadingOptionsMovedToCommand(_ arguments: [String]) -> [String] {
        var arguments = arguments
        var moved: [String] = []
        while let first = arguments.first,
              let words = leadingOptions[String(first.prefix { $0 != "=" })] {
            let count = first.contains("=") ? 1 : min(words, arguments.count)
            moved += arguments.prefix(count)
            arguments.removeFirst(count)
        }
        guard !moved.isEmpty else { return arguments }
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        arguments.insert(contentsOf: moved, at: end)
        return arguments
    }

    /// The options that may come before the command, and how many words each takes.
    static let leadingOptions = ["--store": 2, "--color": 2, "--no-pager": 1]

    /// Help requests arrive as errors thrown by a help command's `run()`, so errors are told
    /// apart by the module that defines them.
    private static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
