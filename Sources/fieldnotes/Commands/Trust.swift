import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct TrustCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust",
            abstract: "The keys this store knows other replicas by, and how far it trusts them.",
            discussion: """
                A key is pinned the first time a sync or an import meets it (tofu). After comparing \
                fingerprints with its analyst in person or over the phone (`fieldnotes id` on their \
                laptop), mark it verified:

                  fieldnotes trust 5550 K7QF-3MZP-XW2A-D4LN-QR6T

                A replica not met yet can be verified ahead of its first sync by its full id. \
                --require-verified on holds back files from replicas whose key is not verified.

                `fieldnotes trust revoke REPLICA` refuses a replica's keys from then on (a lost \
                or stolen laptop). Versions already accepted stay; its analyst makes a new \
                replica with `fieldnotes init`.
                """)

        @Argument(help: "A replica id or unique prefix (4+ characters), or `revoke`.") var replica: String?
        @Argument(help: "Its key's fingerprint, as its analyst read it to you (after `revoke`: the replica).") var fingerprint: String?
        @Option(name: .customLong("require-verified"), help: ArgumentHelp("on: hold back files from replicas whose key is not verified.", valueName: "on|off"))
        var requireVerified: Switch?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }

        func validate() throws {
            if (replica == nil) != (fingerprint == nil) { throw ValidationError("give a replica and its fingerprint, or neither") }
        }

        func run() throws {
            let store = try storeOptions.open()
            if let requireVerified {
                try store.setRequiresVerifiedKeys(requireVerified == .on)
                print(requireVerified == .on
                      ? "Files from replicas whose key is not verified are now held back."
                      : "Keys met for the first time are pinned and trusted on first use.")
            }
            if replica == "revoke", let target = fingerprint {
                // `trust revoke REPLICA`: a word, not a subcommand, since `trust` takes a replica first.
                let key = try store.revokeKeys(of: target)
                print("Revoked the key of \(key.analyst) (replica \(key.replica.short)); its files are refused from now on.")
            } else if let replica, let fingerprint {
                switch try store.trust(replica, fingerprint: fingerprint) {
                case .expected(let replica, let fingerprint):
                    print("Replica \(replica.short) is not known yet: its key will be pinned as verified if its fingerprint is \(fingerprint), and refused otherwise.")
                case .verified(let key):
                    print("Verified the key of \(key.analyst) (replica \(key.replica.short)), fingerprint \(key.key.fingerprint).")
                }
            }
            guard requireVerified == nil, replica == nil else { return }
            let keys = try store.knownKeys()
            let requires = try store.requiresVerifiedKeys
            if output.json {
                Console.printJSON(.object([
                    "requireVerified": .bool(requires),
                    "keys": .array(keys.map(TrustOutput.json)),
                ]))
                return
            }
            for key in keys { print(TrustOutput.line(key, me: store.identity.replica)) }
            print(requires ? "Files from replicas whose key is not verified are held back (--require-verified on)."
                           : "Keys met for the first time are trusted on first use (--require-verified off).")
        }
    }
}

enum TrustOutput {
    static func json(_ key: KnownKey) -> JSONValue {
        .object([
            "replica": .string(key.replica.rawValue),
            "analyst": .string(key.analyst),
            "fingerprint": .string(key.key.fingerprint.description),
            "trust": .string(key.trust.rawValue),
            "firstSeen": .string(key.firstSeen.description),
            "via": .string(key.via),
            "current": .bool(key.replacedBy == nil),
        ])
    }

    static func line(_ key: KnownKey, me: ReplicaID) -> String {
        let state = key.replica == me ? "this replica" : key.replacedBy != nil ? "rotated" : key.trust.rawValue
        let head = "\(key.replica.short)  \(key.key.fingerprint)  \(Text.pad(state, to: 12)) \(key.analyst)"
        return Text.wrap(head + "  (first seen \(Text.time(key.firstSeen)) via \(key.via))", indent: 4)
    }
}
