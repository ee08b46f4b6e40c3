import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

/// What a shell completes beyond the commands and options (CLI.md, "Shell"): report ids,
/// the event and source ids of the report named earlier on the line, remote names and
/// folders, and enumerated values.
///
/// The shell runs `fieldnotes ---completion …` (argument-parser's protocol) at each TAB, so
/// completing must be quick and must never get in the way: the store — the one `--store`
/// names on the line, else `FIELDNOTES_STORE`, else `~/.fieldnotes` — is opened read-only,
/// without its lock and without waiting (``Store/openToPeek(at:timeout:)``), and any failure
/// means no candidates, never a message on the terminal.
enum Completions {
    /// Which reports a command takes.
    enum Reports {
        case live, deleted, all
    }

    /// Report ids (full ids: the shell fills in the rest of a prefix).
    static func reports(_ which: Reports = .live) -> CompletionKind {
        .custom { words, index, prefix in
            candidates(prefix) {
                let store = try Line(words: words, index: index).openStore()
                let live = which == .deleted ? [] : try store.summaries(ReportFilter())
                let deleted = which == .live ? [] : try store.summaries(ReportFilter(deleted: true))
                return (live + deleted).map(\.id.rawValue)
            }
        }
    }

    /// The ids of the events or sources (`Kind`) of the report named right after the command
    /// (`event set ID EVENT`: `commandWords` 2).
    static func items<Kind: ItemKind>(_ kind: Kind.Type, commandWords: Int) -> CompletionKind {
        .custom { words, index, prefix in
            candidates(prefix) {
                let line = Line(words: words, index: index)
                let store = try line.openStore()
                guard let report = line.positionals.dropFirst(commandWords).first else { return [] }
                return Kind.ids(in: try store.stored(try store.resolveReport(report)).report).map(\.rawValue)
            }
        }
    }

    /// The open conflicts' field paths of the report named right after the command
    /// (`resolve ID --field PATH`).
    static func conflictedFields(commandWords: Int) -> CompletionKind {
        .custom { words, index, prefix in
            candidates(prefix) {
                let line = Line(words: words, index: index)
                let store = try line.openStore()
                guard let report = line.positionals.dropFirst(commandWords).first else { return [] }
                return try store.stored(try store.resolveReport(report)).report.conflicts.map(\.field.description)
            }
        }
    }

    /// Remote names.
    static let remotes = CompletionKind.custom { words, index, prefix in
        candidates(prefix) { try Line(words: words, index: index).openStore().remotes().map(\.name) }
    }

    /// A shared folder: a remote's name or a directory's path.
    static let folders = CompletionKind.custom { words, index, prefix in
        let names = candidates(prefix) { try Line(words: words, index: index).openStore().remotes().map(\.name) }
        return names + directories(matching: Line.unquoted(prefix))
    }

    static let statuses = CompletionKind.list(Status.allCases.map(\.rawValue))
    static let reliabilities = CompletionKind.list(Reliability.allCases.map(\.rawValue))
    static let credibilities = CompletionKind.list((1...6).map(String.init))

    // MARK: - Reading the line

    /// The candidates `read` finds that start with what was typed; none if it fails.
    private static func candidates(_ prefix: String, _ read: () throws -> [String]) -> [String] {
        let typed = Line.unquoted(prefix)
        return ((try? read()) ?? []).filter { $0.hasPrefix(typed) }.sorted()
    }

    /// The directories whose path starts with `typed` (hidden ones only when asked for with a dot).
    private static func directories(matching typed: String) -> [String] {
        let slash = typed.lastIndex(of: "/")
        let folder = slash.map { String(typed[...$0]) } ?? ""
        let start = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
        guard let base = folder.isEmpty ? URL(fileURLWithPath: ".") : try? Input.path(folder),
              let names = try? FileManager.default.contentsOfDirectory(atPath: base.path)
        else { return [] }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return name.hasPrefix(start) && (start.hasPrefix(".") || !name.hasPrefix("."))
                && FileManager.default.fileExists(atPath: base.appending(path: name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.map { folder + $0 }.sorted()
    }

    /// The words of the command line as the shell passed them (quotes and all), and which one
    /// is being completed.
    struct Line {
        var words: [String]
        var index: Int

        /// Options of the commands completed here that take a value (the next word).
        static let valuedOptions: Set = ["--store", "--color", "--field", "--take", "--set", "--at", "--format"]

        /// The words before the one being completed that are neither options nor their values,
        /// after the program's name: the command's names, then its arguments.
        var positionals: [String] {
            var found: [String] = []
            var skipNext = false
            for word in words.prefix(min(index, words.count)).dropFirst().map(Self.unquoted) {
                if skipNext {
                    skipNext = false
                } else if word.hasPrefix("-") {
                    skipNext = Self.valuedOptions.contains(word)
                } else {
                    found.append(word)
                }
            }
            return found
        }

        /// The store named on the line (`--store DIR`, `--store=DIR`), else as any command finds it.
        func openStore() throws -> Store {
            var named: String?
            for (position, word) in words.enumerated() where position != index {
                let word = Self.unquoted(word)
                if word == "--store", position + 1 < words.count, position + 1 != index {
                    named = Self.unquoted(words[position + 1])
                } else if word.hasPrefix("--store=") {
                    named = String(word.dropFirst("--store=".count))
                }
            }
            let directory: URL
            if let named {
                directory = try Input.path(named)
            } else if let environment = ProcessInfo.processInfo.environment["FIELDNOTES_STORE"], !environment.isEmpty {
                directory = try Input.path(environment)
            } else {
                directory = try Input.path("~/.fieldnotes")
            }
            return try Store.openToPeek(at: directory)
        }

        /// A shell word as typed, with its quotes and backslashes taken away (best effort: what
        /// the shell would make of it, for plain paths and ids).
        static func unquoted(_ word: String) -> String {
            var result = ""
            var quote: Character?
            var escaped = false
            for character in word {
                if escaped {
                    result.append(character)
                    escaped = false
                } else if character == "\\" && quote != "'" {
                    escaped = true
                } else if let open = quote {
                    if character == open { quote = nil } else { result.append(character) }
                } else if character == "'" || character == "\"" {
                    quote = character
                } else {
                    result.append(character)
                }
            }
            return result
        }
    }
}
