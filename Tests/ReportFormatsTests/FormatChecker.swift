import Foundation
import Testing

/// The real readers of each format, for tests (CLITests holds a symbolic link to this file:
/// test targets cannot share code otherwise): runs `Scripts/check-format` (OASIS's
/// stix2-validator, the geojson package, Python's csv module and html.parser) with the
/// python3 of the venv that `Scripts/install-dependencies` makes at `.build-checkers/venv`.
///
/// When the checkers are not installed, a test that asks for them fails and says to run
/// `Scripts/install-dependencies`; it never passes without them.
enum FormatChecker {
    enum Kind: String, Sendable {
        case stix, geojson, csv, html
    }

    /// What the checker said: its exit status, stdout (for `csv`, the records as JSON) and
    /// stderr (one problem a line).
    struct Result: Sendable {
        var status: Int32
        var output: String
        var problems: String
        var isValid: Bool { status == 0 }
    }

    /// The package's root: three folders up from this file (`Tests/<target>/FormatChecker.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".build-checkers/venv/bin/python3")
    static let script = packageRoot.appendingPathComponent("Scripts/check-format")

    /// Checks the documents (each written to a file of its own) in one run of the checker.
    /// Records a failing issue, and returns a result that is not valid, when the checker is
    /// not installed.
    static func check(_ kind: Kind, _ documents: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            let message = "the format checkers are not installed (no \(python.path)): run Scripts/install-dependencies"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return Result(status: -1, output: "", problems: message)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldnotes-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, document) in documents.enumerated() {
            let file = folder.appendingPathComponent("\(index).\(kind.rawValue)")
            try Data(document.utf8).write(to: file)
            paths.append(file.path)
        }
        // Output goes to files, not pipes: a checker that fills one pipe while the other is
        // read would wait for ever.
        let outputFile = folder.appendingPathComponent("stdout")
        let problemsFile = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: problemsFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        let problems = try FileHandle(forWritingTo: problemsFile)
        defer {
            try? output.close()
            try? problems.close()
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, kind.rawValue] + paths
        process.standardOutput = output
        process.standardError = problems
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: try String(contentsOf: outputFile, encoding: .utf8),
                      problems: try String(contentsOf: problemsFile, encoding: .utf8))
    }

    /// Checks one document.
    static func check(_ kind: Kind, _ document: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        try check(kind, [document], sourceLocation: sourceLocation)
    }
}
