import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct StatusCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "This replica: analyst, counts, unsynced versions, open conflicts, remotes and last sync.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let counts = try store.counts()
            let unsynced = try store.unsyncedVersionCount()
            let remotes = try store.remotes()
            let notices = try store.folderNotices()
            let held = try store.compactionHolders()
            if output.json {
                Console.printJSON(.object([
                    "store": .string(store.directory.path),
                    "replica": .string(store.identity.replica.rawValue),
                    "analyst": .string(store.identity.analyst),
                    "reports": .int(Int64(counts.reports)),
                    "deletedReports": .int(Int64(counts.deletedReports)),
                    "versions": .int(Int64(counts.versions)),
                    "conflicts": .int(Int64(counts.conflicts)),
                    "conflictedReports": .int(Int64(counts.conflictedReports)),
                    "unsyncedVersions": .int(Int64(unsynced)),
                    "remotes": .array(remotes.map(RemoteOutput.json)),
                    "folderNotices": .array(notices.map { folder in
                        .object(["folder": .string(folder.path), "notices": .array(folder.notices.map(JSONValue.string))])
                    }),
                    "compactionHeldBack": .array(held.map { folder in
                        .object(["folder": .string(folder.path), "replicas": .array(folder.holders.map { holder in
                            .object(["replica": .string(holder.replica.rawValue), "name": holder.analyst.map(JSONValue.string) ?? .null,
                                     "lastSync": holder.lastSync.map { .string($0.description) } ?? .null])
                        })])
                    }),
                ]))
                return
            }
            print("store     \(store.directory.path)")
            print("replica   \(store.identity.replica)")
            print("analyst   \(store.identity.analyst)")
            print("reports   \(counts.reports)" + (counts.deletedReports > 0 ? " (and \(counts.deletedReports) deleted)" : ""))
            print("versions  \(counts.versions)" + (unsynced > 0 ? ", \(unsynced) not yet synced" : ""))
            if counts.conflicts > 0 {
                print(Console.warning(Text.wrap("\(counts.conflicts) in \(Text.plural(counts.conflictedReports, "report")): `fieldnotes conflicts` shows them",
                                                prefix: "conflicts ", indent: 10)))
            } else {
                print("conflicts none")
            }
            if remotes.isEmpty {
                print(Text.wrap("none (`fieldnotes remote add NAME FOLDER`)", prefix: "remotes   ", indent: 10))
            } else {
                print("remotes")
                for remote in remotes { print(RemoteOutput.line(remote, indent: 2)) }
            }
            // Who keeps this replica's changesets in a folder that a snapshot covers.
            for folder in held {
                let who = folder.holders.map { holder in
                    "\(holder.analyst.map { $0 + " " } ?? "")(replica \(holder.replica.short)), "
                        + (holder.lastSync.map { "last synced \($0)" } ?? "never synced")
                }
                print(Text.wrap("\(folder.path): held back by \(who.joined(separator: "; ")) — `fieldnotes replica retire REPLICA` if it will not sync again",
                                prefix: "compaction ", indent: 11))
            }
            // What the last sync of a folder found that a person should know.
            for folder in notices {
                for notice in folder.notices {
                    print(Console.warning(Text.wrap(notice, prefix: "notice    \(folder.path): ", indent: 10)))
                }
            }
        }
    }
}
