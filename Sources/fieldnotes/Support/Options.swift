import ArgumentParser
import Foundation
import OfflineStore

/// `--store DIR`, or `FIELDNOTES_STORE`, or `~/.fieldnotes`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store folder (default: $FIELDNOTES_STORE or ~/.fieldnotes).", valueName: "dir"))
    var store: String?

    func directory() throws -> URL {
        if let store { return try Input.path(store, what: "--store path") }
        if let environment = ProcessInfo.processInfo.environment["FIELDNOTES_STORE"], !environment.isEmpty {
            return try Input.path(environment)
        }
        return try Input.path("~/.fieldnotes")
    }

    func open() throws -> Store { try Store.open(at: try directory()) }
}

/// `--json`: one JSON document on stdout and nothing else.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document for scripts.")
    var json = false
}
