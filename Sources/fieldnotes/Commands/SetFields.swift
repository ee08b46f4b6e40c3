import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct SetFields: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change fields of a report.",
            discussion: """
                FIELD=VALUE with FIELD one of title, body (body=@FILE reads a file), status, \
                credibility (a number 1-6, or none), tags (a comma-separated list); tags+=TAG \
                and tags-=TAG add and remove one tag. All changes become one version. Setting a \
                conflicted field resolves its conflict.
                """)

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
        @Argument(help: "FIELD=VALUE, tags+=TAG or tags-=TAG.") var assignments: [String]
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let changes = try assignments.map(Assignment.init)
            let result = try store.changeContent(of: reportID) { report in
                for change in changes { try change.apply(to: &report) }
            }
            try Change.report(result, of: reportID, in: store, json: output.json)
        }
    }
}

/// One `FIELD=VALUE` (or `tags+=x`, `tags-=x`) of `set`.
struct Assignment {
    enum Operation { case set, add, remove }
    var field: FieldPath
    var operation: Operation
    var value: String

    static let fields: [FieldPath] = [.title, .body, .status, .credibility, .tags]

    init(_ text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw CLIError("'\(text)' is not FIELD=VALUE; fields: title, body, status, credibility, tags")
        }
        var name = String(text[..<equals])
        operation = .set
        if name.hasSuffix("+") { operation = .add } else if name.hasSuffix("-") { operation = .remove }
        if operation != .set { name.removeLast() }
        guard let field = FieldPath(name), Self.fields.contains(field) else {
            let hint = name.hasPrefix("events") ? "; use `fieldnotes event set`" : name.hasPrefix("sources") ? "; use `fieldnotes source set`" : ""
            throw CLIError("unknown field '\(name)'; fields: title, body, status, credibility, tags\(hint)")
        }
        guard operation == .set || field == .tags else { throw CLIError("only tags take += and -=") }
        self.field = field
        value = String(text[text.index(after: equals)...])
        if field == .body, value.hasPrefix("@") { value = try Input.text(from: String(value.dropFirst())) }
    }

    func apply(to report: inout Report) throws {
        switch operation {
        case .set: try report.assign(try field.parseValue(value), at: field)
        case .add: report.tags.insert(try FieldRules.tag(value))
        case .remove: report.tags.remove(try FieldRules.tag(value))
        }
    }
}

/// What commands that change a report print.
enum Change {
    static func report(_ result: EditResult, of id: ReportID, in store: Store, json: Bool) throws {
        if json {
            Console.printJSON(ReportViews.json(try store.stored(id)))
        } else if let version = result.version {
            var message = "Saved version \(version.dot.short) of \(id.rawValue.prefix(8))."
            if !result.decided.isEmpty { message += " Decided \(result.decided.map(\.description).joined(separator: ", "))." }
            if result.openConflicts > 0 {
                message += " \(Text.plural(result.openConflicts, "conflict")) still open."
            }
            print(Text.wrap(message))
        } else {
            print("No changes.")
        }
    }
}
