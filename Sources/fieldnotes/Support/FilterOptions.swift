import ArgumentParser
import OfflineStore
import ReportModels

/// `list`'s filters, which `timeline` shares: one filter, several shapes (CLI.md).
struct FilterOptions: ParsableArguments {
    @Option(help: "Only reports with this tag.") var tag: String?
    @Option(help: "Only reports with this status (draft, review, final, archived).", completion: Completions.statuses) var status: String?
    @Option(help: "Only reports created by this analyst.") var author: String?
    @Option(help: ArgumentHelp("Only events at a place whose name contains this (case and accents ignored).", valueName: "place"))
    var place: String?
    @Option(help: ArgumentHelp("Only events on or after this date or date-time (ISO 8601, UTC).", valueName: "date"))
    var since: String?
    @Option(help: ArgumentHelp("Only events on or before this date (the whole day) or date-time.", valueName: "date"))
    var until: String?
    @Flag(help: "Only reports with open conflicts.") var conflicted = false
    @Flag(help: "Deleted reports instead of live ones.") var deleted = false

    /// The store's filter; refuses a bad tag, status or time with what is allowed.
    func filter(limit: Int? = nil) throws -> ReportFilter {
        ReportFilter(
            tag: try tag.map(FieldRules.tag), status: try status.map(FieldRules.status), author: author,
            conflictedOnly: conflicted, deleted: deleted,
            events: try EventFilter(since: since, until: until, place: place), limit: limit)
    }
}
