import Foundation
import Testing

/// What a run of `fieldnotes` on a pseudo-terminal showed.
struct TerminalRun {
    var status: Int32
    /// What reached the terminal (line ends as the program wrote them: `\r\n` made `\n`).
    var terminal: String
    /// Stdout, when it was piped rather than the terminal.
    var stdout: String
    /// Stderr, when it was piped rather than the terminal.
    var stderr: String
}

extension Sandbox {
    /// Where a run's stdout and stderr go: the terminal, or a pipe (a file).
    enum Stream: String { case terminal, pipe }

    /// Runs `fieldnotes ARGUMENTS` with a pseudo-terminal (Python's `pty`) of `columns` columns
    /// as stdin and as stdout and/or stderr, as a person at a terminal would.
    func runOnTerminal(_ arguments: [String], environment: [String: String] = [:], columns: Int = 80,
                       stdout: Stream = .terminal, stderr: Stream = .terminal,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> TerminalRun {
        let configuration = try JSONSerialization.data(withJSONObject: [
            "columns": columns, "stdout": stdout.rawValue, "stderr": stderr.rawValue, "scratch": folder.path,
        ])
        let result = try run(arguments, environment: environment,
                             launcher: ["/usr/bin/python3", "-c", Self.ptyRunner, String(decoding: configuration, as: UTF8.self)])
        #expect(result.status == 0, "the terminal runner failed: \(result.stderr)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                  sourceLocation: sourceLocation)
        func text(_ key: String) -> String {
            let data = Data(base64Encoded: object[key] as? String ?? "") ?? Data()
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        }
        return TerminalRun(status: Int32(object["status"] as? Int ?? -1), terminal: text("terminal"), stdout: text("stdout"),
                           stderr: result.stderr)
    }

    /// Starts the command (`sys.argv[2:]`) with a new pseudo-terminal as stdin and, as asked,
    /// stdout and stderr; reads the terminal until the command and everything it started have
    /// let go of it; prints what it showed, stdout when piped, and the exit status, as JSON.
    /// A run that takes a minute is killed (the test then fails rather than hangs).
    static let ptyRunner = #"""
        import base64, fcntl, json, os, pty, select, signal, struct, subprocess, sys, termios, time
        config = json.loads(sys.argv[1])
        command = sys.argv[2:]
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, config["columns"], 0, 0))
        piped = open(os.path.join(config["scratch"], ".pty-stdout"), "w+b")
        process = subprocess.Popen(command, stdin=slave,
                                   stdout=slave if config["stdout"] == "terminal" else piped,
                                   stderr=slave if config["stderr"] == "terminal" else None,
                                   start_new_session=True)
        os.close(slave)
        shown = b""
        deadline = time.time() + 60
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            elif process.poll() is not None and config["stdout"] != "terminal" and config["stderr"] != "terminal":
                break
        else:
            os.killpg(process.pid, signal.SIGKILL)
        status = process.wait()
        piped.seek(0)
        print(json.dumps({"status": status, "terminal": base64.b64encode(shown).decode(),
                          "stdout": base64.b64encode(piped.read()).decode()}))
        """#
}
