import Foundation
import OfflineStore
import ReportModels
import SyncEngine

/// Where output goes, and whether it is a person reading it.
enum Console {
    /// Whether stdout is a terminal — the real one, also when a pager reads the output.
    static var stdoutIsTerminal: Bool { Display.current.stdoutIsTerminal }
    static var stderrIsTerminal: Bool { Display.current.stderrIsTerminal }
    /// `--color`, beside `NO_COLOR` (``Display/decide(color:environment:stdoutIsTerminal:stderrIsTerminal:terminalWidth:)``).
    static var usesColor: Bool { Display.current.colour }

    /// One line on stderr; control characters from the message's sources (a file, a
    /// changeset, another replica) are shown escaped, line breaks too, so that they cannot
    /// drive the terminal and the line stays one line.
    static func error(_ message: String) {
        Terminal.write("error: \(Terminal.safe(message, multiline: false))\n", to: .standardError)
    }

    static func note(_ message: String) {
        Terminal.write("\(Terminal.safe(message, multiline: false))\n", to: .standardError)
    }

    /// Progress for long work: stderr, and only on a terminal.
    static func progress(_ message: String) {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(Terminal.safe(message, multiline: false))".utf8))
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// One line, whatever the error: the layers' errors say what to do. The store says its
    /// own without SQL; an error of SQLite's that got past it anyway is said here as the store
    /// would (a fault of its files with the store's folder), never with GRDB's description.
    static func message(for error: Error) -> String {
        describeError(Store.boundaryError(error, directory: StoreUse.opened.directory))
    }

    /// JSON is written exact: its own escaping keeps control characters out of the text.
    static func printJSON(_ value: JSONValue) {
        Terminal.writeExact(value.prettyString + "\n")
    }

    /// A document (Markdown) is data as much as text: written exact to a file or a pipe, so
    /// that it reads back the same, and escaped on a terminal.
    static func printDocument(_ text: String) {
        if stdoutIsTerminal { Terminal.write(text) } else { Terminal.writeExact(text) }
    }

    static func bold(_ text: String) -> String { Terminal.styled(text, .bold) }
    static func dim(_ text: String) -> String { Terminal.styled(text, .dim) }
    static func warning(_ text: String) -> String { Terminal.styled(text, .warning) }
}

/// Errors of the command line itself.
struct CLIError: Error, LocalizedError {
    var errorDescription: String?
    init(_ message: String) { errorDescription = message }
}
