import OfflineStore
import ReportModels

/// Two states of a report and the fields that differ between them (`fieldnotes diff`).
public struct ReportComparison: Sendable {
    /// The older state; nil when the newer is the report's first version.
    public let old: Report?
    public let new: Report
    /// Fields that differ, in the report's order.
    public let fields: [FieldPath]
}

extension Store {
    /// Compares a report across versions. `from` and `to` name versions (REPLICA:COUNTER), each
    /// standing for the report right after it; without `to`, the report as it is now; without
    /// `from`, the state before its latest version.
    public func compare(_ id: ReportID, from: String?, to: String?) throws -> ReportComparison {
        let old: Report?
        if let from {
            old = try version(of: id, named: from).snapshot
        } else {
            let history = try history(of: id)
            old = history.latestHead.flatMap(history.state(before:))
        }
        let new = try to.map { try version(of: id, named: $0).snapshot } ?? stored(id).report
        return ReportComparison(old: old, new: new, fields: new.changedFields(since: old))
    }
}
