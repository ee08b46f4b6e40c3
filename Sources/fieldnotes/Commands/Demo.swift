import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A walk-through: two analysts, one encrypted shared folder, a merge and a conflict resolved.",
            discussion: "Runs real commands against new stores in a temporary folder, which it removes afterwards (unless --keep).")

        @Flag(help: "Keep the temporary folder and print its path.") var keep = false
        @OptionGroup var display: DisplayOptions

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

/// The demo's story, told by running real `fieldnotes` commands in-process: two analysts,
/// each with a store, and one shared folder, all in the temporary folder.
struct DemoScript {
    let folder: URL

    mutating func run() throws {
        let shared = folder.appending(path: "shared-folder")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        let sample = folder.appending(path: "flashpoint-sitrep.md")
        try Data(DemoSample.document.utf8).write(to: sample)

        narrate("Alice and Bob each keep a replica on their laptop. Their team shares nothing but a folder.")
        try command("alice", ["init", "--analyst", "alice"])
        try command("bob", ["init", "--analyst", "bob"])
        try command("alice", ["remote", "add", "team", shared.path])
        try command("bob", ["remote", "add", "team", shared.path])

        narrate("The folder may sit on a USB stick that gets lost, so Alice encrypts it for the team. Bob joins with the passphrase she told him in person (here both read it from a file).")
        let passphrase = folder.appending(path: "passphrase.txt")
        try Data("purple tide under the old bridge\n".utf8).write(to: passphrase)
        try command("alice", ["team", "init", "team", "--passphrase-file", passphrase.path])
        try command("bob", ["team", "join", "team", "--passphrase-file", passphrase.path])

        narrate("Alice adds a situation report and syncs; Bob syncs and has it too.")
        try command("alice", ["add", "--from", sample.path])
        let id = try String(Store.open(at: store("alice")).summaries(ReportFilter(limit: 1))[0].id.rawValue.prefix(8))
        try command("alice", ["sync"])
        try command("bob", ["sync"])

        narrate("Offline, both work on it. They update different events and add different tags — and both retitle it.")
        try command("alice", ["event", "set", id, "e3", "injured=151"])
        try command("alice", ["set", id, "tags+=black-sea", "title=Dagestan and Sevastopol: two attacks, one escalation risk"])
        try command("bob", ["event", "set", id, "e2", "killed=10"])
        try command("bob", ["set", id, "tags+=terrorism", "title=Flashpoint: Dagestan attacks and the Sevastopol strike"])

        narrate("Back online, they sync. Changes to different fields merge by themselves; the two titles collide.")
        try command("alice", ["sync"])
        try command("bob", ["sync"])
        try command("alice", ["sync"])

        narrate("Both laptops now show the same report: both casualty updates, both tags, and a title in conflict.")
        try command("bob", ["show", id])

        narrate("The conflict keeps both titles, who wrote each, and what it was before, until someone decides.")
        try command("alice", ["conflicts"])

        narrate("Bob prefers Alice's title. His decision is a new version, and the next sync carries it to Alice.")
        try command("bob", ["resolve", id, "--field", "title", "--take", "theirs"])
        try command("bob", ["sync"])
        try command("alice", ["sync"])
        try command("alice", ["conflicts"])
        try command("alice", ["log", id])
        try command("alice", ["team", "status"])
        try command("alice", ["verify"])
    }

    func store(_ analyst: String) -> URL { folder.appending(path: analyst) }

    func narrate(_ text: String) {
        print("\n" + Console.bold(Text.wrap(text, prefix: "# ", indent: 2)))
    }

    /// Prints the command line as the analyst would type it, then runs it against their store.
    func command(_ analyst: String, _ arguments: [String]) throws {
        let shown = arguments
            .map { $0.hasPrefix(folder.path + "/") ? String($0.dropFirst(folder.path.count + 1)) : $0 }
            .map { $0.contains(" ") || $0.contains("'") ? "\"\($0)\"" : $0 }
        // Long command lines continue on the next line, shell style, to fit 80 columns.
        var lines = ["\(analyst)$ fieldnotes"]
        for word in shown {
            if Text.columns(lines[lines.count - 1]) + 1 + Text.columns(word) > Text.width - 2 {
                lines[lines.count - 1] += " \\"
                lines.append("    " + word)
            } else {
                lines[lines.count - 1] += " " + word
            }
        }
        print("\n" + Console.dim(lines.joined(separator: "\n")))
        var command = try Fieldnotes.parseAsRoot(arguments + ["--store", store(analyst).path])
        try command.run()
    }
}
