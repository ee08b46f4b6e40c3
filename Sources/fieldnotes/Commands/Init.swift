import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the store and this replica's id.",
            discussion: "Refuses a folder that already holds a store.")

        @Option(help: "Your name, written into every version you make (default: your login name).")
        var analyst: String?

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = analyst ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
            let store = try Store.create(at: try storeOptions.directory(), analyst: name, waiting: StoreUse.waiting)
            if output.json {
                Console.printJSON(.object([
                    "store": .string(store.directory.path),
                    "replica": .string(store.identity.replica.rawValue),
                    "analyst": .string(store.identity.analyst),
                    "fingerprint": store.publicKey.map { .string($0.fingerprint.description) } ?? .null,
                ]))
            } else {
                print("Created a store at \(store.directory.path)")
                print("replica \(store.identity.replica), analyst \(store.identity.analyst)")
                if let key = store.publicKey { print("key fingerprint \(key.fingerprint) (`fieldnotes id` shows it again)") }
            }
        }
    }
}
