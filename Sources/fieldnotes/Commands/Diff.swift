import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What changed between two versions of a report, field by field.",
            discussion: """
                FROM and TO are versions (REPLICA:COUNTER, as `log` prints them); each stands \
                for the report right after it. Without TO, the report as it is now; without \
                FROM, the report before its latest version.
                """)

        @Argument(help: "The report's id or a unique prefix (deleted reports too).", completion: Completions.reports(.all)) var id: String
        @Argument(help: "The older version.") var from: String?
        @Argument(help: "The newer version.") var to: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let comparison = try store.compare(reportID, from: from, to: to)
            let (old, new, fields) = (comparison.old, comparison.new, comparison.fields)
            if output.json {
                Console.printJSON(.array(fields.map { field in
                    .object([
                        "field": .string(field.description),
                        "from": old?.value(at: field) ?? .null,
                        "to": new.value(at: field) ?? .null,
                    ])
                }))
                return
            }
            guard !fields.isEmpty else {
                print("No differences.")
                return
            }
            guard let old else {
                print(Console.dim("The report's first version:"))
                for field in fields {
                    guard let value = new.value(at: field), value != .null, value != .string(""), value != .array([]) else { continue }
                    print(Console.bold(field.description))
                    if field == .body {
                        for line in new.body.split(separator: "\n", omittingEmptySubsequences: false) { print("+" + line) }
                    } else {
                        print(Text.wrap(Text.fieldValue(value, at: field), prefix: "  + ", indent: 4))
                    }
                }
                return
            }
            for field in fields {
                let before = old.value(at: field)
                let after = new.value(at: field)
                if field == .body, case .string(let newText)? = after {
                    print(Console.bold("body"))
                    for line in UnifiedDiff.lines(from: before?.stringValue ?? "", to: newText) { print(line) }
                    continue
                }
                print(Console.bold(field.description) + DiffText.conflictNote(field, old: old, new: new))
                if field == .tags {
                    for tag in old.tags.subtracting(new.tags).sorted() { print("  - \(tag)") }
                    for tag in new.tags.subtracting(old.tags).sorted() { print("  + \(tag)") }
                    continue
                }
                print(Text.wrap(Text.fieldValue(before, at: field), prefix: "  - ", indent: 4))
                print(Text.wrap(Text.fieldValue(after, at: field), prefix: "  + ", indent: 4))
            }
        }
    }
}

enum DiffText {
    static func conflictNote(_ field: FieldPath, old: Report, new: Report) -> String {
        switch (old.conflict(at: field) != nil, new.conflict(at: field) != nil) {
        case (false, true): "  (conflict opened)"
        case (true, false): "  (conflict resolved)"
        default: ""
        }
    }
}
