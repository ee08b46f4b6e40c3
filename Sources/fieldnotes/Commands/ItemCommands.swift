import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct EventCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "event",
            abstract: "Add, change or remove the events of a report.",
            subcommands: [AddEvent.self, SetItem<EventKind>.self, RemoveItem<EventKind>.self])
    }

    struct SourceCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "source",
            abstract: "Add, change or remove the sources of a report.",
            subcommands: [AddSource.self, SetItem<SourceKind>.self, RemoveItem<SourceKind>.self])
    }

    struct AddEvent: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an event; prints its id.")

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
        @Option(help: "ISO date (2024-06-23) or date-time (2024-06-23T14:30Z).") var when: String
        @Option(help: "Where it happened.") var place: String
        // Unconditional, so that `--lat -33.9` reads a negative number, not an option.
        @Option(parsing: .unconditional, help: "Latitude, -90 to 90.") var lat: String?
        @Option(parsing: .unconditional, help: "Longitude, -180 to 180.") var lon: String?
        @Option(parsing: .unconditional, help: "People killed.") var killed: String?
        @Option(parsing: .unconditional, help: "People injured.") var injured: String?
        @Option(help: "What happened.") var summary = ""
        @Option(name: .customLong("event-id"), help: "The event's id (made up when left out).") var eventID: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let itemID = try eventID.map { try FieldRules.itemID($0, field: "event id") } ?? .random(prefix: "e")
            // A value is named by the option it came in (`--killed`), not by the new event's id.
            let field = { (name: FieldPath.EventField) in "--\(name.rawValue)" }
            let event = Event(
                id: itemID, when: when, place: place,
                lat: try lat.flatMap { try FieldRules.coordinate($0, field: field(.lat)) },
                lon: try lon.flatMap { try FieldRules.coordinate($0, field: field(.lon)) },
                summary: summary,
                killed: try killed.flatMap { try FieldRules.casualties($0, field: field(.killed)) },
                injured: try injured.flatMap { try FieldRules.casualties($0, field: field(.injured)) })
            do {
                try store.add(event, to: reportID)
            } catch let error as InvalidField {
                // What the person typed is named by its option.
                throw InvalidField(field: "--" + (error.field.split(separator: ".").last.map(String.init) ?? error.field),
                                   value: error.value, allowed: error.allowed)
            }
            try ItemOutput.print(itemID, of: reportID, in: store, json: output.json)
        }
    }

    struct AddSource: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a source; prints its id.")

        @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
        @Option(help: "What the source is.") var ref: String
        @Option(help: "Admiralty source reliability, A-F.", completion: Completions.reliabilities) var reliability: String?
        @Option(name: .customLong("source-id"), help: "The source's id (made up when left out).") var sourceID: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reportID = try store.resolveReport(id)
            let itemID = try sourceID.map { try FieldRules.itemID($0, field: "source id") } ?? .random(prefix: "s")
            let source = Source(
                id: itemID, ref: ref,
                reliability: try reliability.flatMap { try FieldRules.reliability($0, field: "--reliability") })
            try store.add(source, to: reportID)
            try ItemOutput.print(itemID, of: reportID, in: store, json: output.json)
        }
    }
}

/// What differs between events and sources for the shared `set` and `rm` subcommands.
protocol ItemKind {
    static var noun: String { get }
    /// The noun with its article: "an event", "a source".
    static var aNoun: String { get }
    static var fieldNames: [String] { get }
    static func path(_ id: ItemID, field: String?) -> FieldPath?
    static func item(_ id: ItemID) -> ReportItem
    /// The report's items of this kind (for completion).
    static func ids(in report: Report) -> [ItemID]
}

enum EventKind: ItemKind {
    static let noun = "event"
    static let aNoun = "an event"
    static let fieldNames = FieldPath.EventField.allCases.map(\.rawValue)
    static func path(_ id: ItemID, field: String?) -> FieldPath? {
        guard let field else { return .event(id) }
        return FieldPath.EventField(rawValue: field).map { .eventField(id, $0) }
    }

    static func item(_ id: ItemID) -> ReportItem { .event(id) }
    static func ids(in report: Report) -> [ItemID] { report.events.map(\.id) }
}

enum SourceKind: ItemKind {
    static let noun = "source"
    static let aNoun = "a source"
    static let fieldNames = FieldPath.SourceField.allCases.map(\.rawValue)
    static func path(_ id: ItemID, field: String?) -> FieldPath? {
        guard let field else { return .source(id) }
        return FieldPath.SourceField(rawValue: field).map { .sourceField(id, $0) }
    }

    static func item(_ id: ItemID) -> ReportItem { .source(id) }
    static func ids(in report: Report) -> [ItemID] { report.sources.map(\.id) }
}

struct SetItem<Kind: ItemKind>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "set",
            abstract: "Change fields of \(Kind.aNoun): FIELD=VALUE with FIELD one of \(Kind.fieldNames.joined(separator: ", ")).")
    }

    @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
    @Argument(help: "The \(Kind.noun)'s id.", completion: Completions.items(Kind.self, commandWords: 2)) var item: String
    @Argument(help: "FIELD=VALUE (VALUE 'none' clears an optional field).") var assignments: [String]
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var display: DisplayOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try storeOptions.open()
        let reportID = try store.resolveReport(id)
        let itemID = try FieldRules.itemID(item, field: "\(Kind.noun) id")
        let changes = try assignments.map { text -> (FieldPath, JSONValue) in
            guard let equals = text.firstIndex(of: "=") else {
                throw CLIError("'\(text)' is not FIELD=VALUE; \(Kind.noun) fields: \(Kind.fieldNames.joined(separator: ", "))")
            }
            guard let path = Kind.path(itemID, field: String(text[..<equals])) else {
                throw CLIError("unknown \(Kind.noun) field '\(text[..<equals])'; \(Kind.noun) fields: \(Kind.fieldNames.joined(separator: ", "))")
            }
            return (path, try path.parseValue(String(text[text.index(after: equals)...])))
        }
        let result = try store.set(changes, of: Kind.item(itemID), in: reportID)
        try Change.report(result, of: reportID, in: store, json: output.json)
    }
}

struct RemoveItem<Kind: ItemKind>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "rm", abstract: "Remove \(Kind.aNoun) from a report.")
    }

    @Argument(help: "The report's id or a unique prefix.", completion: Completions.reports()) var id: String
    @Argument(help: "The \(Kind.noun)'s id.", completion: Completions.items(Kind.self, commandWords: 2)) var item: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var display: DisplayOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try storeOptions.open()
        let reportID = try store.resolveReport(id)
        let itemID = try FieldRules.itemID(item, field: "\(Kind.noun) id")
        let result = try store.remove(Kind.item(itemID), from: reportID)
        try Change.report(result, of: reportID, in: store, json: output.json)
    }
}

enum ItemOutput {
    /// `event add` and `source add` print the new item's id (`--json`: the report).
    static func print(_ item: ItemID, of report: ReportID, in store: Store, json: Bool) throws {
        if json {
            Console.printJSON(ReportViews.json(try store.stored(report)))
        } else {
            Terminal.write("\(item)\n")
        }
    }
}
