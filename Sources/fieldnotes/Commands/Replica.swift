import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct ReplicaCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replica",
            abstract: "Replicas of the team as this one sees them.",
            subcommands: [Retire.self])

        struct Retire: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Stop a lost or departed laptop's replica from holding compaction back.",
                discussion: """
                    A writer deletes its changesets from a folder only once every replica there has \
                    imported them (README, "Compaction"); a laptop that was lost, or whose analyst \
                    left, would hold that back for ever. Once retired here — said in this replica's \
                    replica.json at its next sync of each folder — it no longer does. Nothing is \
                    deleted that a snapshot does not cover, so the retired laptop, if it comes back, \
                    catches up through a snapshot; its next sync undoes the retirement. \
                    `fieldnotes status` names the replicas that hold compaction back.
                    """)

            @Argument(help: "The replica's id, or a unique prefix of it (4+ characters).") var replica: String
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var display: DisplayOptions
            @OptionGroup var output: JSONOption

            func run() throws {
                let store = try storeOptions.open()
                let retired = try store.knownReplica(matching: replica)
                guard retired != store.identity.replica else {
                    throw CLIError("\(retired) is this replica: it cannot retire itself; run the command on another replica of the team")
                }
                let at = Timestamp.now
                try store.retire(retired, at: at)
                if output.json {
                    Console.printJSON(.object(["replica": .string(retired.rawValue), "retiredAt": .string(at.description)]))
                } else {
                    print(Text.wrap("Retired replica \(retired): it no longer holds compaction back, from this replica's next sync of each folder until it syncs again itself."))
                }
            }
        }
    }
}
