import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Timeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every event across reports, in the order they happened.",
            discussion: """
                Takes list's filters: the report conditions (--tag, --status, --author, \
                --conflicted, --deleted) choose the reports, --since, --until and --place the events.
                """)

        @OptionGroup var filters: FilterOptions
        @Option(help: "At most this many events (the earliest).") var limit: Int?

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let store = try storeOptions.open()
            let filter = try filters.filter()
            let entries = try Self.entries(store.reports(filter).map { filter.events.events(of: $0.report) }, limit: limit)
            if output.json {
                Console.printJSON(.array(entries.map { entry in
                    .object(["report": .string(entry.report.id.rawValue), "title": .string(entry.report.title), "event": entry.event.json])
                }))
                return
            }
            guard !entries.isEmpty else {
                Console.note("No events match.")
                return
            }
            print(Self.table(entries))
        }

        /// Each report's events (those the filter kept), in the order they happened; ties by
        /// the time as written, then report and event id, so the order is the same everywhere.
        ///
        /// Cost: O(e log e) for e events of the reports given.
        static func entries(_ reports: [Report], limit: Int?) -> [(report: Report, event: Event)] {
            let entries = reports.flatMap { report in report.events.map { (report: report, event: $0) } }
                .sorted { ($0.event.moment, $0.event.when, $0.report.id.rawValue, $0.event.id.rawValue)
                    < ($1.event.moment, $1.event.when, $1.report.id.rawValue, $1.event.id.rawValue) }
            return limit.map { Array(entries.prefix($0)) } ?? entries
        }

        /// One line per event: when, place, casualties, then the report's title and id, the
        /// columns as wide as their widest entry and the title cut to fit. On a terminal the
        /// place is cut to a quarter of the width (at most 28 columns); below 60 columns the
        /// when, place and casualties are wrapped, whole, and the title goes on a line of its
        /// own. Piped, nothing is cut.
        static func table(_ entries: [(report: Report, event: Event)]) -> String {
            let width = Text.width
            let bounded = width < Display.unbounded
            let narrow = width < 60
            let placeRoom = min(28, width / 4)
            let rows = entries.map { entry in
                (when: entry.event.when, place: bounded && !narrow ? Text.truncate(entry.event.place, to: placeRoom) : entry.event.place,
                 figures: figures(entry.event), title: entry.report.title, id: String(entry.report.id.rawValue.prefix(8)))
            }
            let whenWidth = rows.map { Text.columns($0.when) }.max() ?? 0
            let placeWidth = rows.map { Text.columns($0.place) }.max() ?? 0
            let figuresWidth = rows.map { Text.columns($0.figures) }.max() ?? 0
            return rows.map { row in
                let columns = narrow ? [row.when, row.place, row.figures]
                    : [Text.pad(row.when, to: whenWidth), Text.pad(row.place, to: placeWidth), Text.pad(row.figures, to: figuresWidth)]
                let head = columns.filter { !$0.isEmpty }.joined(separator: "  ")
                if narrow {
                    return Text.wrap(head, width: width, indent: 2) + "\n  "
                        + Text.truncate(row.title, to: max(10, width - 12)) + "  " + Console.dim(row.id)
                }
                let room = max(20, width - Text.columns(head) - 12)
                return head + "  " + Text.truncate(row.title, to: room) + "  " + Console.dim(row.id)
            }.joined(separator: "\n")
        }

        /// `9 killed, 25 injured`; empty when neither is known.
        static func figures(_ event: Event) -> String {
            [event.killed.map { "\($0) killed" }, event.injured.map { "\($0) injured" }].compactMap { $0 }.joined(separator: ", ")
        }
    }
}
