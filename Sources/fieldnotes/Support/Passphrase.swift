import Foundation

/// Passphrases of encrypted folders and files (DESIGN.md §10): the first line of
/// `--passphrase-file FILE`, or asked on the terminal without echo.
enum Passphrase {
    /// A passphrase file is a line, not a document: anything larger is a mistake.
    static let maximumFileSize = 4096

    /// `file`'s first line, or the terminal's answer to `prompt` (asked twice with `confirm`,
    /// and refused when the two differ).
    static func read(file: String?, prompt: String, confirm: Bool = false) throws -> String {
        if let file { return try read(file: file) }
        let first = try ask(prompt)
        if confirm {
            guard try ask("Again, to be sure: ") == first else {
                throw CLIError("the two passphrases differ; nothing was changed")
            }
        }
        return first
    }

    private static func read(file path: String) throws -> String {
        let url = try Input.path(path, what: "passphrase file")
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw CLIError("cannot read the passphrase file \(url.path): \(Console.message(for: error))")
        }
        guard data.count <= maximumFileSize else {
            throw CLIError("\(url.path) is larger than \(maximumFileSize) bytes: a passphrase file holds the passphrase on its first line")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(url.path) is not UTF-8 text: save the passphrase as UTF-8")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }

    /// Asks on the terminal (not on standard input, which may be a pipe), with echo off and
    /// put back however the read ends — Ctrl-C included.
    private static func ask(_ prompt: String) throws -> String {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw CLIError("there is no terminal to ask the passphrase on: give it with --passphrase-file FILE")
        }
        defer { close(tty) }
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else {
            throw CLIError("cannot turn off echo on this terminal: give the passphrase with --passphrase-file FILE")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        TerminalEcho.save(saved, fd: tty)
        defer { TerminalEcho.restore() }
        _ = prompt.withCString { write(tty, $0, strlen($0)) }
        guard tcsetattr(tty, TCSAFLUSH, &silent) == 0 else {
            throw CLIError("cannot turn off echo on this terminal: give the passphrase with --passphrase-file FILE")
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(tty, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            line.append(byte)
            guard line.count <= maximumFileSize else { throw CLIError("the passphrase is longer than \(maximumFileSize) bytes") }
        }
        _ = write(tty, "\n", 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard let text = String(validating: line, as: UTF8.self) else { throw CLIError("the passphrase is not UTF-8 text") }
        return text
    }
}

/// The terminal's settings while a passphrase is asked, put back on return or on Ctrl-C.
private enum TerminalEcho {
    nonisolated(unsafe) static var saved: (termios, Int32)?

    static func save(_ settings: termios, fd: Int32) {
        saved = (settings, fd)
        signal(SIGINT) { _ in
            TerminalEcho.restore()
            _exit(130)
        }
    }

    static func restore() {
        guard case (var settings, let fd)? = saved else { return }
        tcsetattr(fd, TCSAFLUSH, &settings)
        saved = nil
        signal(SIGINT, SIG_DFL)
    }
}
