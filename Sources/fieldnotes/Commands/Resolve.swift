import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide conflicts of a report.",
            discussion: """
                --take picks a candidate: mine, theirs (when there is one other), a replica id \
                prefix, or a version (REPLICA:COUNTER as `conflicts` shows it). --set gives a \
                new value instead (body=@FILE style: --set @FILE for a narrative). Without \
                --field, every open conflict of the report. The decision is a new version that \
                has every head as parent; after the next sync the conflict is gone everywhere.

                  fieldnotes resolve 7dda --field title --take mine
                  fieldnotes resolve 7dda --take 5550              (bob's side of every conflict)
                  fieldnotes resolve 7dda --field title --set "A better title"
                """)

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports(.all)) var id: String
        @Option(name: .customLong("field"), help: ArgumentHelp("A conflicted field (repeat for several): title, body, events.e1.killed…", valueName: "path"),
                completion: Completions.conflictedFields(commandWords: 1))
        var fields: [String] = []
        @Option(help: ArgumentHelp("mine, theirs, a replica id prefix, or a version.", valueName: "choice")) var take: String?
        @Option(help: ArgumentHelp("A new value for the field.", valueName: "value")) var set: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard (take == nil) != (set == nil) else { throw ValidationError("give either --take CHOICE or --set VALUE") }
            if let take, !["mine", "theirs"].contains(take.lowercased()), (take.split(separator: ":").first?.count ?? 0) < 4 {
                throw ValidationError("--take names a replica or version by at least 4 characters of its id (or: mine, theirs)")
            }
        }

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let paths = try fields.map { text in
                guard let path = FieldPath(text) else {
                    throw CLIError("'\(text)' is not a field path; paths: title, body, status, credibility, deleted, events.<id>[.<field>], sources.<id>[.<field>]")
                }
                return path
            }
            let decision: ConflictDecision = if let take { .take(CandidateChoice(take)) } else { .set(set!) }
            let result = try store.resolve(reportID, fields: paths, by: decision) { text in
                text.hasPrefix("@") ? try Input.text(from: String(text.dropFirst())) : text
            }
            if output.json {
                Console.printJSON(ReportViews.json(try store.stored(reportID)))
            } else if let version = result.version {
                print(Text.wrap("Resolved \(result.decided.map(\.description).joined(separator: ", ")) in version \(version.dot.short); sync to share the decision."))
            }
        }
    }
}
