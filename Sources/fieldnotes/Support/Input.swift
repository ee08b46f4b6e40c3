import Foundation
import ReportModels
import SyncEngine

/// Reading what people hand to commands: files, standard input, `@FILE` values.
enum Input {
    private static let standardInputRead = Flag()

    /// A flag that can be set once, safely from any thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        /// Sets the flag; returns what it was.
        func swap(_ newValue: Bool) -> Bool {
            lock.withLock {
                defer { value = newValue }
                return value
            }
        }
    }

    /// A path as people type it: `~` is the home folder ($HOME); empty is refused.
    static func path(_ text: String, what: String = "path") throws -> URL {
        guard !text.isEmpty else { throw CLIError("the \(what) is empty; give a folder or file path") }
        if text == "~" || text.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return URL(fileURLWithPath: home + text.dropFirst())
        }
        return URL(fileURLWithPath: text)
    }

    /// The bytes of a file, or of standard input for `-` (which can be read once).
    static func data(from path: String) throws -> Data {
        guard !path.isEmpty else { throw CLIError("a file name is missing (give a path, or - for standard input)") }
        if path == "-" {
            guard !standardInputRead.swap(true) else { throw CLIError("standard input (-) can be read only once per command") }
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        do {
            let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? file.close() }
            return try file.readToEnd() ?? Data()
        } catch {
            let text = describeError(error)
            throw CLIError("cannot read \(path): \(text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text)")
        }
    }

    /// A UTF-8 text file (or `-`).
    static func text(from path: String) throws -> String {
        guard let text = String(data: try data(from: path), encoding: .utf8) else {
            throw CLIError("\(path == "-" ? "standard input" : path) is not UTF-8 text; save it as UTF-8 and try again")
        }
        return text
    }

    /// A report document from a file (or `-`), with `override` applied (options given with
    /// it), checked against the report's rules; errors name the file.
    static func document(from path: String, overriding override: (inout ReportDocument) -> Void) throws -> ReportDocument {
        let data = try data(from: path)
        do {
            var document = try ReportDocument(data: data)
            override(&document)
            var report = document.report
            report.normalize()
            try report.validate()
            return document
        } catch {
            throw CLIError("\(path == "-" ? "standard input" : path): \(Console.message(for: error))")
        }
    }
}
