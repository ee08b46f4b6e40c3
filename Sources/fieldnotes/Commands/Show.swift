import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one report.",
            discussion: "--format md prints the document that `edit` opens; --json (or --format json) the report object.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, md, json }

        @Argument(help: "The report's id or a unique prefix (4+ characters).", completion: Completions.reports(.all)) var id: String
        @Option(help: ArgumentHelp("Show the report as it was right after this version (REPLICA:COUNTER).", valueName: "version"))
        var at: String?
        @Option(help: "text (default), md or json.") var format: Format = .text

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let (report, clock): (Report, VectorClock)
            if let at {
                let version = try store.version(of: reportID, named: at)
                (report, clock) = (version.snapshot, version.clock)
            } else {
                let stored = try store.stored(reportID)
                (report, clock) = (stored.report, stored.clock)
            }
            switch output.json ? .json : format {
            case .json: Console.printJSON(ReportViews.json(report, clock: clock))
            case .md: Console.printDocument(ReportDocument(report).text)
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
