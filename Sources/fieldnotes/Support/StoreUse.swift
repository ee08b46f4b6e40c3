import ArgumentParser
import Foundation
import OfflineStore

/// How the command being run uses the store, set by `Fieldnotes.main` around `run()`, and
/// the store it opened (for the error boundary).
enum StoreUse {
    /// The command's access: reading commands never wait; writing ones take the store's lock.
    @TaskLocal static var access: StoreAccess = .reading
    /// The folder of the store the command opened, if it opened one.
    static let opened = OpenedStore()

    /// Commands that only read, and so never wait for a writer. `edit` reads, then waits in
    /// the editor for as long as a person takes: it takes the lock only to write what they
    /// typed (`StoreOptions.open(writingAs:)`), so that it never holds up a sync meanwhile.
    static let readingCommands: [ParsableCommand.Type] = [
        Fieldnotes.Show.self, Fieldnotes.List.self, Fieldnotes.Search.self, Fieldnotes.Log.self,
        Fieldnotes.Diff.self, Fieldnotes.Conflicts.self, Fieldnotes.StatusCommand.self,
        Fieldnotes.ListRemotes.self, Fieldnotes.Edit.self, Fieldnotes.Demo.self, Fieldnotes.Identity.self,
    ]

    /// The access for a parsed command: reading, verifying, or writing under its name
    /// (`event add`, as typed).
    static func access(for command: ParsableCommand) -> StoreAccess {
        let type = type(of: command)
        if readingCommands.contains(where: { $0 == type }) { return .reading }
        if type == Fieldnotes.Verify.self { return .verifying }
        return .writing(command: path(to: type, in: Fieldnotes.self)?.joined(separator: " ") ?? type._commandName)
    }

    private static func path(to target: ParsableCommand.Type, in root: ParsableCommand.Type) -> [String]? {
        for sub in root.configuration.subcommands {
            if sub == target { return [sub._commandName] }
            if let rest = path(to: target, in: sub) { return [sub._commandName] + rest }
        }
        return nil
    }

    /// Tells a person at a terminal, once, that the command waits for another one.
    @Sendable static func waiting(for holder: StoreLock.Holder?) {
        guard Console.stderrIsTerminal, opened.firstWait() else { return }
        if let holder, holder.pid > 0 {
            Console.note("waiting for another fieldnotes command (\(holder.command), pid \(holder.pid)) to finish…")
        } else if holder != nil {
            Console.note("waiting for another fieldnotes command to finish…")
        } else {
            Console.note("waiting for another program that has the store open to finish…")
        }
    }
}

/// The store a command opened, shared with the error boundary.
final class OpenedStore: @unchecked Sendable {
    private let lock = NSLock()
    private var folder: URL?
    private var told = false

    var directory: URL? {
        get { lock.withLock { folder } }
        set { lock.withLock { folder = newValue } }
    }

    /// True the first time only.
    func firstWait() -> Bool {
        lock.withLock {
            defer { told = true }
            return !told
        }
    }
}
