import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct StatusCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "This replica: analyst, counts, open conflicts.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let counts = try store.counts()
            if output.json {
                Console.printJSON(.object([
                    "store": .string(store.directory.path),
                    "replica": .string(store.identity.replica.rawValue),
                    "analyst": .string(store.identity.analyst),
                    "reports": .int(Int64(counts.reports)),
                    "deletedReports": .int(Int64(counts.deletedReports)),
                    "versions": .int(Int64(counts.versions)),
                    "conflicts": .int(Int64(counts.conflicts)),
                ]))
                return
            }
            print("store     \(store.directory.path)")
            print("replica   \(store.identity.replica)")
            print("analyst   \(store.identity.analyst)")
            print("reports   \(counts.reports)" + (counts.deletedReports > 0 ? " (and \(counts.deletedReports) deleted)" : ""))
            print("versions  \(counts.versions)")
            if counts.conflicts > 0 {
                print(Console.warning("conflicts \(counts.conflicts) in \(Text.plural(counts.conflictedReports, "report")): `fieldnotes conflicts` shows them"))
            } else {
                print("conflicts none")
            }
        }
    }
}
