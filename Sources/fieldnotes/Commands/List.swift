import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List reports, most recently updated first, in the shape asked for.",
            discussion: """
                --format md writes the documents one after another, separated by the line \
                `\(ReportDocument.separator)`; each piece reads back with `add --from`.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, json, md
        }

        @OptionGroup var filters: FilterOptions
        @Option(help: "At most this many.") var limit: Int?
        @Option(help: "table (default), json or md.") var format: Format = .table

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let store = try storeOptions.open()
            let filter = try filters.filter(limit: limit)
            switch output.json ? .json : format {
            case .json:
                Console.printJSON(.array(try store.reports(filter).map(ReportViews.json)))
            case .md:
                Console.printDocument(ReportDocument.concatenated(try store.reports(filter).map { ReportDocument($0.report) }))
            case .table:
                try printTable(store.summaries(filter))
            }
        }

        private func printTable(_ summaries: [ReportSummary]) {
            guard !summaries.isEmpty else {
                Console.note(filters.deleted ? "No deleted reports." : "No reports match.")
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
