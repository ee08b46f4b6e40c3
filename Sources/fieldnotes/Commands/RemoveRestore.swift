import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Delete a report (a tombstone: its history stays, and `restore` brings it back).")

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws { try Tombstone.set(true, id: id, storeOptions: storeOptions, json: output.json) }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo `rm`: bring a deleted report back.")

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports(.deleted)) var id: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws { try Tombstone.set(false, id: id, storeOptions: storeOptions, json: output.json) }
    }
}

enum Tombstone {
    static func set(_ deleted: Bool, id: String, storeOptions: StoreOptions, json: Bool) throws {
        let store = try storeOptions.open()
        let reportID = try store.resolveReport(id)
        let result = try store.setDeleted(deleted, of: reportID)
        if !json, result.version == nil {
            print(deleted ? "Already deleted." : "Not deleted.")
            return
        }
        try Change.report(result, of: reportID, in: store, json: json)
    }
}
