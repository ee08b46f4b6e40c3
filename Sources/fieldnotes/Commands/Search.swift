import ArgumentParser
import OfflineStore
import ReportModels

extension Fieldnotes {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Full-text search, best match first.",
            discussion: """
                Searches titles, narratives, tags, event places and summaries, and source \
                references. Every word must match; `word*` matches words starting with it.
                """)

        @Argument(help: "The words to look for.") var query: [String]
        @Option(help: "At most this many.") var limit = 20

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func validate() throws {
            if query.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { throw ValidationError("give words to search for") }
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let store = try storeOptions.open()
            let hits = try store.search(query.joined(separator: " "), limit: limit)
            if output.json {
                Console.printJSON(.array(hits.map { hit in
                    .object([
                        "id": .string(hit.id.rawValue),
                        "title": .string(hit.title),
                        "snippet": .string(highlight(hit.snippet, start: "**", end: "**")),
                        "rank": .double(hit.rank),
                    ])
                }))
                return
            }
            guard !hits.isEmpty else {
                Console.note("No reports match.")
                return
            }
            for hit in hits {
                print("\(hit.id.rawValue.prefix(8))  " + Console.bold(Text.truncate(hit.title, to: Text.width - 10)))
                let snippet = Text.wrap(hit.snippet.split(whereSeparator: \.isWhitespace).joined(separator: " "), prefix: "          ", indent: 10)
                print(highlight(snippet, start: Terminal.mark(.bold), end: Terminal.mark(nil)))
            }
        }

        func highlight(_ snippet: String, start: String, end: String) -> String {
            snippet.replacingOccurrences(of: SearchHit.highlightStart, with: start)
                .replacingOccurrences(of: SearchHit.highlightEnd, with: end)
        }
    }
}
