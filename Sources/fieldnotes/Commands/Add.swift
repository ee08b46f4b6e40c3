import ArgumentParser
import Foundation
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new report; prints its id.",
            discussion: """
                Give the fields as options, or a document with --from FILE (`-` for standard \
                input): Markdown with YAML front matter, or plain text whose first line is the \
                title. Options given with --from override the document's fields.
                """)

        @Option(help: "The title.") var title: String?
        @Option(help: "The narrative (Markdown).") var body: String?
        @Option(name: .customLong("body-file"), help: ArgumentHelp("Read the narrative from a file.", valueName: "file"))
        var bodyFile: String?
        @Option(help: "draft, review, final or archived.", completion: Completions.statuses) var status: String?
        @Option(name: .customLong("tag"), help: "A tag (repeat for several).") var tags: [String] = []
        @Option(help: "Admiralty information credibility, 1-6.", completion: Completions.credibilities) var credibility: String?
        @Option(help: ArgumentHelp("Read the report from a document (`-`: standard input).", valueName: "file"))
        var from: String?

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if body != nil && bodyFile != nil { throw ValidationError("give --body or --body-file, not both") }
            if from == nil && title == nil { throw ValidationError("give --title, or a document with --from FILE") }
        }

        func run() throws {
            let store = try storeOptions.open()
            // Options are read first (their errors name the option), then override the
            // document's fields before it is checked (its errors name the file).
            let body = try bodyFile.map(Input.text(from:)) ?? body
            let status = try status.map { try FieldRules.status($0) }
            let tags = try tags.map { try FieldRules.tag($0) }
            let credibility = try credibility.map { try FieldRules.credibility($0) }
            let applyOptions = { (document: inout ReportDocument) in
                if let title { document.title = title }
                if let body { document.body = body }
                if let status { document.status = status }
                document.tags.formUnion(tags)
                if let credibility { document.credibility = credibility }
            }
            var document = ReportDocument(title: "")
            if let from {
                document = try Input.document(from: from, overriding: applyOptions)
            } else {
                applyOptions(&document)
            }
            let version = try store.create(document.report)
            if output.json {
                Console.printJSON(ReportViews.json(version.snapshot, clock: version.clock))
            } else {
                print(version.reportID)
            }
        }
    }
}
