import ArgumentParser
import Foundation
import OfflineStore
import SyncEngine

/// `--store DIR`, or `FIELDNOTES_STORE`, or `~/.fieldnotes`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store folder (default: $FIELDNOTES_STORE or ~/.fieldnotes).", valueName: "dir"),
            completion: .directory)
    var store: String?

    func directory() throws -> URL {
        if let store { return try Input.path(store, what: "--store path") }
        if let environment = ProcessInfo.processInfo.environment["FIELDNOTES_STORE"], !environment.isEmpty {
            return try Input.path(environment)
        }
        return try Input.path("~/.fieldnotes")
    }

    /// Opens the store as the running command uses it (``StoreUse/access``): a writing command
    /// waits here for another that writes, and is refused if the store is damaged.
    func open() throws -> Store { try open(for: StoreUse.access) }

    /// Opens the store to write, for a command that only decides late that it writes (`edit`).
    func open(writingAs command: String) throws -> Store { try open(for: .writing(command: command)) }

    /// A command that writes first computes again the states an earlier fieldnotes' merge
    /// rules computed (``StateUpgrade``: once, after an upgrade).
    private func open(for access: StoreAccess) throws -> Store {
        let directory = try directory()
        StoreUse.opened.directory = directory
        let store = try Store.open(at: directory, for: access, waiting: StoreUse.waiting)
        if case .writing = access {
            try StateUpgrade.run(store) { done in
                if done == StateUpgrade.batchSize { Console.note("computing report states again by this version's merge rules…") }
            }
        }
        return store
    }
}

/// `--json`: one JSON document on stdout and nothing else.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document for scripts.")
    var json = false
}
