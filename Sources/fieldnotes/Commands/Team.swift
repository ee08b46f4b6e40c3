import ArgumentParser
import Foundation
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct TeamCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "team",
            abstract: "Encrypt a shared folder for a team.",
            discussion: """
                `team init FOLDER` makes a folder encrypted: from then on every changeset this \
                replica writes there is encrypted with a key derived from the team's passphrase. \
                Each colleague runs `team join FOLDER` with the same passphrase once; syncing never \
                asks for it again. `team rekey FOLDER` moves the team to a new passphrase. \
                A FOLDER is a remote's name or a path. See the README, "Encryption".
                """,
            subcommands: [Init.self, Join.self, Rekey.self, Status.self])

        struct PassphraseOption: ParsableArguments {
            @Option(name: .customLong("passphrase-file"),
                    help: ArgumentHelp("Read the passphrase from the first line of this file instead of asking.", valueName: "file"))
            var file: String?
        }

        /// The folder a FOLDER argument names: a remote, or a path.
        static func folder(_ name: String, in store: Store) throws -> SyncEngine.SyncTarget {
            try store.syncTargets(named: [name]) { try Input.path($0, what: "folder path") }[0]
        }

        /// What `init`, `join` and `rekey` start with: the store, the folder, the passphrase
        /// (a new one is asked twice).
        static func prepare(_ storeOptions: StoreOptions, folder name: String, passphrase: PassphraseOption,
                            new: Bool) throws -> (Synchronizer, SyncEngine.SyncTarget, String) {
            let store = try storeOptions.open()
            let target = try folder(name, in: store)
            let prompt = new ? "New team passphrase for \(target.url.path): " : "Team passphrase for \(target.url.path): "
            let secret = try Passphrase.read(file: passphrase.file, prompt: prompt, confirm: new)
            return (Synchronizer(store: store), target, secret)
        }

        struct Init: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a shared folder encrypted, under a new team passphrase.")
            @Argument(help: "The shared folder (a remote's name or a path).", completion: Completions.folders) var folder: String
            @OptionGroup var passphrase: PassphraseOption
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var display: DisplayOptions

            func run() throws {
                let (synchronizer, target, secret) = try TeamCommand.prepare(storeOptions, folder: folder, passphrase: passphrase, new: true)
                let key = try synchronizer.teamInit(target.url, passphrase: secret)
                print(Text.wrap("\(target.url.path) is encrypted for its team (team key \(key.short)) from this replica's next changeset on."))
                print(Text.wrap("Each colleague runs `fieldnotes team join \(folder)` once, with the same passphrase: tell it in person, never through the folder."))
            }
        }

        struct Join: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Join an encrypted folder's team with its passphrase.")
            @Argument(help: "The shared folder (a remote's name or a path).", completion: Completions.folders) var folder: String
            @OptionGroup var passphrase: PassphraseOption
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var display: DisplayOptions

            func run() throws {
                let (synchronizer, target, secret) = try TeamCommand.prepare(storeOptions, folder: folder, passphrase: passphrase, new: false)
                let gained = try synchronizer.teamJoin(target.url, passphrase: secret)
                if gained.isEmpty {
                    print(Text.wrap("This store holds \(target.url.path)'s team keys already; nothing to join."))
                } else {
                    print(Text.wrap("Joined the team of \(target.url.path) (\(gained.count == 1 ? "key" : "keys") \(gained.map(\.short).joined(separator: ", "))): `fieldnotes sync \(folder)` reads and writes it encrypted."))
                }
            }
        }

        struct Rekey: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Move an encrypted folder's team to a new passphrase.",
                discussion: """
                    This replica encrypts with the new key from its next changeset on; every member \
                    joins again with the new passphrase. Files under the old key stay readable to \
                    whoever holds it: a member who left keeps what it could already read.
                    """)
            @Argument(help: "The shared folder (a remote's name or a path).", completion: Completions.folders) var folder: String
            @OptionGroup var passphrase: PassphraseOption
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var display: DisplayOptions

            func run() throws {
                let (synchronizer, target, secret) = try TeamCommand.prepare(storeOptions, folder: folder, passphrase: passphrase, new: true)
                let key = try synchronizer.teamRekey(target.url, passphrase: secret)
                print(Text.wrap("\(target.url.path) has a new team key (\(key.short)); this replica uses it from its next changeset on."))
                print(Text.wrap("Each member runs `fieldnotes team join \(folder)` with the new passphrase."))
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Whether folders are encrypted, their team keys, and who joined.")
            @Argument(help: "Shared folders or remote names (default: every remote).", completion: Completions.folders) var folders: [String] = []
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var display: DisplayOptions
            @OptionGroup var output: JSONOption

            func run() throws {
                let store = try storeOptions.open()
                let targets = try store.syncTargets(named: folders) { try Input.path($0, what: "folder path") }
                let statuses = try Synchronizer(store: store).teamStatus(targets.map(\.url))
                if output.json {
                    Console.printJSON(.array(zip(targets, statuses).map { TeamOutput.json($1, name: $0.name) }))
                    return
                }
                for (target, status) in zip(targets, statuses) { print(TeamOutput.text(status, name: target.name)) }
            }
        }
    }
}

enum TeamOutput {
    static func json(_ status: TeamStatus, name: String) -> JSONValue {
        .object([
            "folder": .string(name),
            "path": .string(status.path),
            "encrypted": .bool(status.encrypted),
            "currentKey": status.currentKey.map { .string($0.hex) } ?? .null,
            "holdsCurrentKey": .bool(status.holdsCurrentKey),
            "heldKeys": .array(status.heldKeys.map { .string($0.hex) }),
            "writesEncrypted": .bool(status.writesEncrypted),
            "members": .array(status.members.map { member in
                .object([
                    "replica": .string(member.replica.rawValue),
                    "analyst": member.analyst.map(JSONValue.string) ?? .null,
                    "current": .bool(member.current),
                    "thisReplica": .bool(member.isThisReplica),
                ])
            }),
        ])
    }

    static func text(_ status: TeamStatus, name: String) -> String {
        let title = name == status.path ? status.path : "\(name) (\(status.path))"
        guard status.encrypted, let current = status.currentKey else {
            return "\(title): not encrypted" + (status.writesEncrypted ? " — yet this store encrypts what it writes there (its team.json is missing; the next sync writes it again)" : "")
        }
        var lines = ["\(title): encrypted, team key \(current.short)"
            + (status.holdsCurrentKey ? "" : " — this store does not hold it: run `fieldnotes team join \(name)`")]
        for member in status.members {
            let who = member.isThisReplica ? "this replica" : member.analyst ?? "(not met yet)"
            lines.append("  \(member.replica.short)  \(Text.pad(who, to: 16)) \(member.current ? "joined" : "on an older key")")
        }
        return lines.joined(separator: "\n")
    }
}
