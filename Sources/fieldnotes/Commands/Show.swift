import ArgumentParser
import OfflineStore
import ReportFormats
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one report.",
            discussion: """
                --format md prints the document that `edit` opens; --json (or --format json) the \
                report object; html one self-contained page to open in a browser or print \
                (no scripts, nothing loaded from the network, open conflicts shown with every candidate).
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, md, json, html }

        @Argument(help: "The report's id or a unique prefix (4+ characters).", completion: Completions.reports(.all)) var id: String
        @Option(help: ArgumentHelp("Show the report as it was right after this version (REPLICA:COUNTER).", valueName: "version"))
        var at: String?
        @Option(help: "text (default), md, json or html.") var format: Format = .text

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let (report, clock, heads): (Report, VectorClock, [Dot])
            if let at {
                let version = try store.version(of: reportID, named: at)
                (report, clock, heads) = (version.snapshot, version.clock, [version.dot])
            } else {
                let stored = try store.stored(reportID)
                (report, clock, heads) = (stored.report, stored.clock, stored.heads)
            }
            switch output.json ? .json : format {
            case .json: Console.printJSON(ReportViews.json(report, clock: clock))
            case .md: Console.printDocument(ReportDocument(report).text)
            case .html:
                let writers = try store.writers(of: reportID, upTo: at == nil ? nil : clock)
                Console.printDocument(HTMLFormat.page(ReportExport(report: report, authors: writers, heads: heads)) + "\n")
            case .text:
                print(ReportViews.text(report))
                let unsigned = try store.unsignedVersions(of: reportID).count
                if unsigned > 0 {
                    print(Console.dim(Text.wrap("\(Text.plural(unsigned, "version")) of this report arrived unsigned, from before \(unsigned == 1 ? "its maker" : "their makers") signed (`fieldnotes log` marks \(unsigned == 1 ? "it" : "them"))", prefix: "  ", indent: 2)))
                }
            }
        }
    }
}
