import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a report in $VISUAL or $EDITOR.",
            discussion: """
                Opens the report as a document (see `show --format md`). Saving it unchanged \
                writes nothing. If the edited text is not a valid report, nothing is written \
                and the text is kept in a recovery file whose path is printed.
                """)

        @Argument(help: "The report's id or a unique prefix.") var id: String
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let original = ReportDocument(try store.stored(reportID).report).text

            let folder = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-edit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appending(path: "\(reportID.rawValue.prefix(8)).md")
            try Data(original.utf8).write(to: file)

            try Editor.edit(file)
            let edited = try Data(contentsOf: file)
            guard edited != Data(original.utf8) else {
                Console.note("No changes.")
                return
            }
            let version: Version?
            do {
                let document = try ReportDocument(data: edited)
                version = try store.commitChange(to: reportID) { document.apply(to: &$0) }
            } catch {
                let saved = try Recovery.save(edited, for: reportID, in: store)
                throw CLIError("\(Console.message(for: error)); nothing was written, and your text is saved in \(saved.path)")
            }
            Console.note(version.map { "Saved version \($0.dot.short)." } ?? "No changes.")
        }
    }
}

/// Keeps text that could not be saved as a report, so nothing a person typed is lost.
enum Recovery {
    /// Writes the text to `<store>/recovery/<report>-<time>.md`, readable by its owner only.
    static func save(_ text: Data, for report: ReportID, in store: Store) throws -> URL {
        let folder = store.directory.appending(path: "recovery")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = Timestamp.now.description.filter { $0.isNumber }
        let file = folder.appending(path: "\(report.rawValue.prefix(8))-\(stamp).md")
        guard FileManager.default.createFile(atPath: file.path, contents: text, attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("could not save your text to \(file.path)")
        }
        return file
    }
}
