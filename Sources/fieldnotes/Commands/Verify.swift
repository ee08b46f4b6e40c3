import ArgumentParser
import Foundation
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the store: SQLite integrity, version hashes, every report's state recomputed from its versions.",
            discussion: "Exits 1 and lists what is wrong if anything is.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let progress = ProgressLine()
            let verified = Result { try StoreVerifier.verifyAndRecord(store, progress: progress.checked) }
            progress.end()
            let summary = try verified.get()
            if output.json {
                Console.printJSON(.object([
                    "ok": .bool(summary.problems.isEmpty),
                    "reports": .int(Int64(summary.reports)),
                    "versions": .int(Int64(summary.versions)),
                    "problems": .array(summary.problems.map(JSONValue.string)),
                    "revokedSince": .array(summary.revokedSince.map(JSONValue.string)),
                ]))
            } else {
                for note in summary.revokedSince { Console.note("note: \(note)") }
            }
            if !output.json, summary.problems.isEmpty {
                print("ok: \(Text.plural(summary.reports, "report")) and \(Text.plural(summary.versions, "version")) check out")
            }
            guard summary.problems.isEmpty else {
                if !output.json {
                    for problem in summary.problems { Console.error(problem) }
                }
                throw ExitCode.failure
            }
        }
    }
}
