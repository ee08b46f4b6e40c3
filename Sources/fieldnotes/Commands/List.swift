import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reports, most recently updated first.")

        @Option(help: "Only reports with this tag.") var tag: String?
        @Option(help: "Only reports with this status.") var status: String?
        @Option(help: "Only reports created by this analyst.") var author: String?
        @Flag(help: "Only reports with open conflicts.") var conflicted = false
        @Flag(help: "Deleted reports instead of live ones.") var deleted = false
        @Option(help: "At most this many.") var limit: Int?

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let store = try storeOptions.open()
            let filter = ReportFilter(
                tag: try tag.map(FieldRules.tag), status: try status.map(FieldRules.status), author: author,
                conflictedOnly: conflicted, deleted: deleted, limit: limit)
            if output.json {
                Console.printJSON(.array(try store.reports(filter).map(ReportViews.json)))
                return
            }
            let summaries = try store.summaries(filter)
            guard !summaries.isEmpty else {
                Console.note(deleted ? "No deleted reports." : "No reports match.")
                return
            }
            for summary in summaries {
                let conflicts = summary.conflicts > 0 ? Console.warning(" ⚠\(summary.conflicts)") : ""
                let head = "\(summary.id.rawValue.prefix(8))  \(Text.time(summary.updatedAt).prefix(10))  \(Text.pad(summary.status.rawValue, to: 8)) "
                let room = Text.width - Text.columns(head) - (summary.conflicts > 0 ? 4 : 0)
                print(head + Text.truncate(summary.title, to: room) + conflicts)
            }
        }
    }
}
