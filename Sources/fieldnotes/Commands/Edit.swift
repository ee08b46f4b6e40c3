import ArgumentParser
import Foundation
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a report in $VISUAL or $EDITOR.",
            discussion: """
                Opens the report as a document (see `show --format md`). Saving it unchanged \
                writes nothing. If the edited text is not a valid report, nothing is written \
                and the text is kept in a recovery file whose path is printed.

                Open conflicts appear between git-style markers (<<<<<<< mine / ======= / \
                >>>>>>> theirs). Keep the side you want and delete the marker lines to decide; \
                leave a block exactly as it is to decide later. Other leftover markers are refused, \
                and so is a change to a narrative whose marked passages are left undecided.
                """)

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let draft = try store.beginEdit(of: reportID)
            let marked = MarkedDocument(report: draft.report, me: store.identity.replica, bodyBase: draft.bodyBase)

            let folder = FileManager.default.temporaryDirectory.appending(path: "fieldnotes-edit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appending(path: "\(reportID.rawValue.prefix(8)).md")
            try Data(marked.text.utf8).write(to: file)

            try Editor.edit(file)
            let edited = try Data(contentsOf: file)
            guard edited != Data(marked.text.utf8) else {
                print("No changes.")
                return
            }
            let result: EditResult
            do {
                guard let text = String(data: edited, encoding: .utf8) else {
                    throw CLIError("the edited text is not UTF-8")
                }
                let reading = try marked.read(text)
                // Only now does edit write: it takes the store's lock for that (waiting for a
                // sync that holds it) and is refused if the store was found damaged meanwhile.
                let store = try storeOptions.open(writingAs: "edit")
                result = try store.finishEdit(draft) { reading.document.apply(to: &$0, deciding: reading.decided) }
            } catch {
                let saved = try Recovery.save(edited, for: reportID, in: store)
                throw CLIError("\(Console.message(for: error)); nothing was written, and your text is saved in \(saved.path)")
            }
            try Change.report(result, of: reportID, in: store, json: false)
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
