import ArgumentParser
import Foundation
import OfflineStore

/// `--store DIR`, or `FIELDNOTES_STORE`, or `~/.fieldnotes`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store folder (default: $FIELDNOTES_STORE or ~/.fieldnotes).", valueName: "dir"))
    var store: String?

    var directory: URL {
        if let store { return URL(fileURLWithPath: (store as NSString).expandingTildeInPath) }
        if let environment = ProcessInfo.processInfo.environment["FIELDNOTES_STORE"], !environment.isEmpty {
            return URL(fileURLWithPath: (environment as NSString).expandingTildeInPath)
        }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appending(path: ".fieldnotes")
    }

    func open() throws -> Store { try Store.open(at: directory) }
}

/// `--json`: one JSON document on stdout and nothing else.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document for scripts.")
    var json = false
}
