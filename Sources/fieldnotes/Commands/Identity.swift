import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Identity: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "id",
            abstract: "This replica: its id, its analyst and its key's fingerprint.",
            discussion: """
                The fingerprint is what a colleague compares, in person or over the phone, before \
                marking this replica's key verified with `fieldnotes trust REPLICA FINGERPRINT`.
                """,
            subcommands: [Rotate.self])

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            guard let key = store.publicKey else { throw StoreError.signingKeyMissing(path: store.signingKeyFile.path) }
            if output.json {
                Console.printJSON(.object([
                    "replica": .string(store.identity.replica.rawValue),
                    "analyst": .string(store.identity.analyst),
                    "fingerprint": .string(key.fingerprint.description),
                    "publicKey": .string(key.hex),
                ]))
            } else {
                print("replica      \(store.identity.replica)")
                print("analyst      \(store.identity.analyst)")
                print("fingerprint  \(key.fingerprint)")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move this replica to a new key, signed by the old one.",
            discussion: """
                The next sync publishes the new key with the rotation, signed by the old key and \
                the new; colleagues' stores that pinned the old key follow it (a key they had \
                verified stays verified). Versions already made keep their signatures. Read the \
                new fingerprint to colleagues who want to verify it again.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions

        func run() throws {
            let rotation = try storeOptions.open().rotateSigningKey()
            print("This replica now signs with key \(rotation.newKey.fingerprint) (was \(rotation.oldKey.fingerprint)); the next sync publishes the change.")
        }
    }
}
