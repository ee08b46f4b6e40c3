import ArgumentParser
import Foundation
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct RemoteCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remote",
            abstract: "Remember shared folders by name, for `fieldnotes sync`.",
            subcommands: [AddRemote.self, RemoveRemote.self, ListRemotes.self])
    }

    struct AddRemote: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Remember a shared folder.")

        @Argument(help: "A name for the folder.") var name: String
        @Argument(help: "The folder's path.", completion: .directory) var folder: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions

        func validate() throws {
            do {
                try Remote.checkName(name)
            } catch {
                throw ValidationError(describeError(error))
            }
        }

        func run() throws {
            let store = try storeOptions.open()
            let url = try Input.path(folder, what: "folder path").standardizedFileURL.resolvingSymlinksInPath()
            try store.addRemote(name: name, path: url.path)
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                Console.note("note: \(url.path) does not exist yet; sync will need it (is the drive mounted?)")
            }
            print("Remote \(name) → \(url.path)")
        }
    }

    struct RemoveRemote: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget a remote (the folder is left alone).")

        @Argument(help: "The remote's name.", completion: Completions.remotes) var name: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions

        func run() throws {
            try storeOptions.open().removeRemote(name: name)
            print("Removed remote \(name).")
        }
    }

    struct ListRemotes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes and when each was last synced.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let remotes = try storeOptions.open().remotes()
            if output.json {
                Console.printJSON(.array(remotes.map(RemoteOutput.json)))
            } else if remotes.isEmpty {
                print("No remotes; `fieldnotes remote add NAME FOLDER` adds one.")
            } else {
                for remote in remotes { print(RemoteOutput.line(remote)) }
            }
        }
    }
}

enum RemoteOutput {
    static func json(_ remote: Remote) -> JSONValue {
        .object(["name": .string(remote.name), "folder": .string(remote.path),
                 "lastSync": remote.lastSync.map { .string($0.description) } ?? .null, "encrypted": .bool(remote.encrypted)])
    }

    static func line(_ remote: Remote, indent: Int = 0) -> String {
        let synced = (remote.lastSync.map { "synced \(Text.time($0))" } ?? "never synced") + (remote.encrypted ? ", encrypted" : "")
        let prefix = String(repeating: " ", count: indent) + Text.pad(remote.name, to: 10) + " "
        return Text.wrap("\(remote.path)  (\(synced))", prefix: prefix, indent: prefix.count)
    }
}
