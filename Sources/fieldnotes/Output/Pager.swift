import ArgumentParser
import Foundation

/// Long output on a terminal goes through the reader's pager, as git's does (CLI.md,
/// "Shell"): `FIELDNOTES_PAGER`, else `PAGER`, else `less -FRX` (which prints short output
/// and quits, passes colour through, and leaves the text on the screen), run by `/bin/sh -c`
/// with `LESS=FRX` and `LV=-c` unless those are set. Never for output that is not a terminal,
/// nor with `--no-pager`, nor when the command is empty or `cat`.
///
/// The pager starts at the command's first write to stdout (a command that fails before it
/// prints anything never starts one), its pipe taking stdout's place; at exit stdout is
/// closed and the pager waited for, and an error is said on stderr only after that, under the
/// pager's last screen. Everything about the terminal — colour, width, escaping — was decided
/// before, from the real terminal (``Display``): what the pager receives is what the terminal
/// would have, control characters from reports escaped alike.
///
/// A reader who quits the pager early ends the command quietly (exit 0, no `error:` line). A
/// pager that cannot run (no `/bin/sh`; the shell's "not found", exit 126 or 127) leaves the
/// output printed directly, from its first byte.
enum Pager {
    /// The commands whose output can be long.
    static let pagedCommands: [ParsableCommand.Type] = [
        Fieldnotes.Show.self, Fieldnotes.List.self, Fieldnotes.Timeline.self, Fieldnotes.Search.self,
        Fieldnotes.Log.self, Fieldnotes.Diff.self, Fieldnotes.Conflicts.self,
    ]

    static let defaultCommand = "less -FRX"

    /// The pager to run, or nil for none.
    static func command(environment: [String: String]) -> String? {
        let chosen = (environment["FIELDNOTES_PAGER"] ?? environment["PAGER"] ?? defaultCommand).trimmingCharacters(in: .whitespaces)
        return chosen.isEmpty || chosen == "cat" ? nil : chosen
    }

    /// Sets the pager to start at the first write to stdout.
    static func arm(_ command: String, environment: [String: String]) {
        state.withLock { state in
            var environment = environment
            if environment["LESS"] == nil { environment["LESS"] = "FRX" }
            if environment["LV"] == nil { environment["LV"] = "-c" }
            state.armed = (command, environment)
        }
    }

    /// Writes to stdout: through the pager once one runs (starting it if armed), else directly.
    static func write(_ bytes: Data) {
        let readerQuit = state.withLock { state -> Bool in
            if let (command, environment) = state.armed {
                state.armed = nil
                start(command, environment: environment, into: &state)
            }
            guard state.pid > 0 else {
                FileHandle.standardOutput.write(bytes)
                return false
            }
            if let kept = state.kept {
                state.kept = kept.count + bytes.count <= keptLimit ? kept + bytes : nil
            }
            guard writeAll(bytes, to: STDOUT_FILENO) == EPIPE else { return false }
            // The pager stopped reading: quit by its reader, or it never ran.
            let status = reap(&state)
            restoreTerminal(&state)
            guard couldNotRun(status), let kept = state.kept else { return true }
            FileHandle.standardOutput.write(kept)
            return false
        }
        // Nothing more to show to a reader who has stopped reading.
        if readerQuit { exit(0) }
    }

    /// Ends the pager, if one runs: closes stdout so that it reads the end, and waits for the
    /// reader to quit it. Called at exit, and before an error is said.
    static func finish() {
        state.withLock { state in
            guard state.pid > 0 else { return }
            close(STDOUT_FILENO)
            let status = reap(&state)
            restoreTerminal(&state)
            if couldNotRun(status), let kept = state.kept { FileHandle.standardOutput.write(kept) }
        }
    }

    // MARK: - Running it

    /// What is kept of the output, to print it directly if the pager turns out not to have run;
    /// a pager that did not run has stopped reading well before this much (a pipe holds 64 KB).
    private static let keptLimit = 1 << 20

    private struct State {
        var armed: (command: String, environment: [String: String])?
        var pid: pid_t = 0
        /// The real stdout, while the pager's pipe takes its place.
        var terminal: Int32 = -1
        var kept: Data? = Data()
    }

    private static let state = Locked(State())

    private static func start(_ command: String, environment: [String: String], into state: inout State) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        // With stdin or stderr closed a pipe end could land on 0–2, where it would not be
        // moved into place: then no pager.
        guard readEnd > STDERR_FILENO, writeEnd > STDERR_FILENO else {
            close(readEnd)
            close(writeEnd)
            return
        }
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        guard let pid = spawn(["/bin/sh", "-c", command], stdin: readEnd, environment: environment),
              case let terminal = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3), terminal >= 0
        else {
            close(readEnd)
            close(writeEnd)
            return
        }
        dup2(writeEnd, STDOUT_FILENO)
        close(writeEnd)
        close(readEnd)
        state.pid = pid
        state.terminal = terminal
        pagerProcess = pid
        // A reader who quits early closes the pipe: writes fail with EPIPE, said above, instead
        // of killing the process.
        signal(SIGPIPE, SIG_IGN)
        // Interrupted, the command waits for the pager to end (the reader quits it), so that
        // the shell does not take the terminal back from under it.
        for interruption in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(interruption) { received in
                close(STDOUT_FILENO)
                if pagerProcess > 0 {
                    var status: Int32 = 0
                    while waitpid(pagerProcess, &status, 0) == -1 && errno == EINTR {}
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
        atexit { Pager.finish() }
    }

    /// `/bin/sh -c COMMAND` with `stdin` as its standard input, the other descriptors as they
    /// are, and SIGPIPE and SIGXFSZ (ignored here) at their defaults.
    private static func spawn(_ arguments: [String], stdin: Int32, environment: [String: String]) -> pid_t? {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, STDIN_FILENO)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGXFSZ)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp) == 0 else { return nil }
        return pid
    }

    /// Waits for the pager to end; its wait status.
    private static func reap(_ state: inout State) -> Int32 {
        var status: Int32 = 0
        while waitpid(state.pid, &status, 0) == -1 && errno == EINTR {}
        state.pid = 0
        pagerProcess = 0
        return status
    }

    /// Puts the real stdout back in its place, and SIGPIPE back to its default.
    private static func restoreTerminal(_ state: inout State) {
        guard state.terminal >= 0 else { return }
        dup2(state.terminal, STDOUT_FILENO)
        close(state.terminal)
        state.terminal = -1
        signal(SIGPIPE, SIG_DFL)
    }

    /// The shell's "not found" (127) or "cannot execute" (126).
    private static func couldNotRun(_ status: Int32) -> Bool {
        status & 0x7F == 0 && [126, 127].contains((status >> 8) & 0xFF)
    }

    /// Writes every byte; 0, or the error that stopped it.
    private static func writeAll(_ bytes: Data, to descriptor: Int32) -> Int32 {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
    }
}

/// The pager's process, for the signal handlers (which may read nothing else).
nonisolated(unsafe) private var pagerProcess: pid_t = 0
