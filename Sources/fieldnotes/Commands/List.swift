import ArgumentParser
import OfflineStore
import ReportFormats
import ReportModels

extension Fieldnotes {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List reports, most recently updated first, in the shape asked for.",
            discussion: """
                Every shape but the table is one document on stdout. md: the documents one \
                after another, separated by the line `\(ReportDocument.separator)`, each piece \
                read back by `add --from`. csv: one row per report (per event with --events), \
                for spreadsheets. geojson: one point per event with coordinates (RFC 7946), for \
                QGIS and web maps. stix: a STIX 2.1 bundle, for MISP and OpenCTI; ids are derived \
                from the reports' and events' ids, so exporting again updates what was imported. \
                --since, --until and --place choose the reports with such an event; the event \
                shapes (geojson, csv --events) hold only those events.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, json, md, csv, geojson, stix
        }

        @OptionGroup var filters: FilterOptions
        @Option(help: "At most this many.") var limit: Int?
        @Option(help: "table (default), json, md, csv, geojson or stix.") var format: Format = .table
        @Flag(help: "With --format csv: one row per event instead of per report.") var events = false

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if events && (format != .csv || output.json) { throw ValidationError("--events goes with --format csv") }
        }

        func run() throws {
            let store = try storeOptions.open()
            let filter = try filters.filter(limit: limit)
            switch output.json ? .json : format {
            case .json:
                Console.printJSON(.array(try store.reports(filter).map(ReportViews.json)))
            case .md:
                Console.printDocument(ReportDocument.concatenated(try store.reports(filter).map { ReportDocument($0.report) }))
            case .csv:
                let exports = try ReportExports.of(store.reports(filter), in: store)
                Console.printDocument(events ? CSVFormat.events(exports.map(filter.events.events)) : CSVFormat.reports(exports))
            case .geojson:
                let exports = try ReportExports.of(store.reports(filter), in: store)
                let map = GeoJSONFormat.featureCollection(exports.map(filter.events.events))
                Console.printDocument(map.document + "\n")
                if map.withoutCoordinates > 0 {
                    Console.note("\(Text.plural(map.withoutCoordinates, "event")) without coordinates \(map.withoutCoordinates == 1 ? "is" : "are") not on the map")
                }
            case .stix:
                Console.printDocument(STIXFormat.bundle(try ReportExports.of(store.reports(filter), in: store)) + "\n")
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
                // Below 60 columns the date of the last update gives its room to the title.
                let date = Text.width < 60 ? "" : "\(Text.time(summary.updatedAt).prefix(10))  "
                let head = "\(summary.id.rawValue.prefix(8))  \(date)\(Text.pad(summary.status.rawValue, to: 8)) "
                let room = Text.width - Text.columns(head) - (summary.conflicts > 0 ? 4 : 0)
                print(head + Text.truncate(summary.title, to: room) + conflicts)
            }
        }
    }
}
