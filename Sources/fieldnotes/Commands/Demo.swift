import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A self-contained walk-through in a temporary folder.",
            discussion: "Runs real commands against a new store in a temporary folder, which it removes afterwards (unless --keep).")

        @Flag(help: "Keep the temporary folder and print its path.") var keep = false

        func run() throws {
            let folder = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer {
                if keep { print("\nThe demo's files are in \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
            }
            var script = DemoScript(folder: folder)
            try script.run()
        }
    }
}

/// The demo's story, told by running real `fieldnotes` commands in-process.
struct DemoScript {
    let folder: URL

    mutating func run() throws {
        let alice = folder.appending(path: "alice").path
        let sample = folder.appending(path: "flashpoint-sitrep.md")
        try Data(DemoSample.document.utf8).write(to: sample)

        narrate("Alice sets up fieldnotes on her laptop and adds a situation report.")
        try command(["init", "--analyst", "alice"], store: alice)
        try command(["add", "--from", sample.path], store: alice)
        let id = try String(Store.open(at: URL(fileURLWithPath: alice)).summaries(ReportFilter(limit: 1))[0].id.rawValue.prefix(8))

        narrate("She reviews it, updates a casualty figure and adds a source.")
        try command(["show", id], store: alice)
        try command(["event", "set", id, "e3", "injured=151"], store: alice)
        try command(["source", "add", id, "--ref", "Sevastopol governor's statement", "--reliability", "B", "--source-id", "s3"], store: alice)
        try command(["set", id, "status=final", "tags+=black-sea"], store: alice)

        narrate("Every change is a version with its vector clock; nothing is overwritten.")
        try command(["log", id], store: alice)
        try command(["diff", id], store: alice)

        narrate("Full-text search covers titles, narratives, places, summaries and sources.")
        try command(["search", "synagogue"], store: alice)
        try command(["verify"], store: alice)
    }

    func narrate(_ text: String) {
        print("\n" + Console.bold("# " + text))
    }

    /// Prints the command line as a person would type it, then runs it.
    func command(_ arguments: [String], store: String) throws {
        let analyst = URL(fileURLWithPath: store).lastPathComponent
        let shown = arguments.map { $0.contains(" ") || $0.contains("'") ? "\"\($0)\"" : $0 }
            .map { $0.hasPrefix(folder.path) ? String($0.dropFirst(folder.path.count + 1)) : $0 }
        print("\n" + Console.dim("\(analyst)$ fieldnotes \(shown.joined(separator: " "))"))
        var command = try Fieldnotes.parseAsRoot(arguments + ["--store", store])
        try command.run()
    }
}
