import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// Where output goes, and whether it is a person reading it.
enum Console {
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    /// Colour only on a terminal, and never with `NO_COLOR` set (to anything but "").
    static let usesColor = stdoutIsTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    /// One line on stderr; control characters from the message's sources (a file, a
    /// changeset) are shown as `?` so that they cannot drive the terminal.
    static func error(_ message: String) {
        let safe = String(String.UnicodeScalarView(message.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
        FileHandle.standardError.write(Data("error: \(safe)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// Progress for long work: stderr, and only on a terminal.
    static func progress(_ message: String) {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(message)".utf8))
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// One line, whatever the error: the layers' errors say what to do.
    /// Faults of the store's files (a full disk, a damaged page, a read-only file) are said
    /// with the store's folder, and never with SQLite's statement.
    static func message(for error: Error) -> String {
        if let directory = StoreUse.opened.directory, let fault = StoreFault(error, store: directory) {
            return describeError(fault)
        }
        return describeError(error)
    }

    static func printJSON(_ value: JSONValue) {
        print(value.prettyString)
    }

    static func bold(_ text: String) -> String { usesColor ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    static func dim(_ text: String) -> String { usesColor ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    static func warning(_ text: String) -> String { usesColor ? "\u{1B}[33m\(text)\u{1B}[0m" : text }
}

/// Errors of the command line itself.
struct CLIError: Error, LocalizedError {
    var errorDescription: String?
    init(_ message: String) { errorDescription = message }
}
