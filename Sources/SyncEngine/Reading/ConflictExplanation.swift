import OfflineStore
import ReportModels

/// One open conflict with what a person needs to decide it: what the field was before the
/// candidates diverged, where narratives collide, and what taking a removal would hide.
public struct ConflictExplanation: Sendable {
    public let report: Report
    public let conflict: Conflict
    /// The field's value in the state the candidates diverged from (nil: it was not there;
    /// an item that was not there reads as not present).
    public let base: JSONValue?
    /// For the narrative: the passages where the candidates collide.
    public let regions: [LineMerge.Region]
    /// For a removal or a delete that collided with edits: what the report, as shown (kept),
    /// changed since the base — everyone's edits, not only the candidate's — given with each
    /// candidate that keeps it: what taking the removal would hide.
    public let hidden: [Dot: [FieldChange]]

    /// A field's value before and after.
    public struct FieldChange: Sendable, Equatable {
        public var field: FieldPath
        public var before: JSONValue?
        public var after: JSONValue?
    }

    /// `baseReport`: the state the candidates diverged from (`RecordHistory.base(of:)`).
    init(report: Report, conflict: Conflict, baseReport: Report?) {
        self.report = report
        self.conflict = conflict
        base = baseReport?.value(at: conflict.field) ?? Self.absent(conflict.field)
        if conflict.field == .body {
            regions = LineMerge.conflictingRegions(base: baseReport?.body ?? "", sides: conflict.candidates.map { $0.value.stringValue ?? "" })
        } else {
            regions = []
        }
        let keeps: JSONValue? = switch conflict.field {
        case .event, .source: .bool(true)
        case .deleted: .bool(false)
        default: nil
        }
        let kept = report.changedFields(since: baseReport)
            .filter { $0 != conflict.field && (conflict.field.item == nil || $0.item == conflict.field.item) }
            .map { FieldChange(field: $0, before: baseReport?.value(at: $0), after: report.value(at: $0)) }
        var hidden: [Dot: [FieldChange]] = [:]
        for candidate in conflict.candidates where candidate.value == keeps {
            hidden[candidate.version] = kept
        }
        self.hidden = hidden
    }

    private static func absent(_ field: FieldPath) -> JSONValue? {
        switch field {
        case .event, .source: .bool(false)
        default: nil
        }
    }
}

extension Store {
    /// Every version a report has, as its history. Cost: reading and indexing them all.
    public func history(of id: ReportID) throws -> RecordHistory {
        RecordHistory(try versions(of: id))
    }

    /// The open conflicts of one report, or of every report (deleted ones too) when `id` is
    /// nil, explained. Each report's history is read once.
    public func explainConflicts(of id: ReportID? = nil) throws -> [ConflictExplanation] {
        let reports: [StoredReport]
        if let id {
            reports = [try stored(id)]
        } else {
            reports = try self.reports(ReportFilter(conflictedOnly: true))
                + self.reports(ReportFilter(conflictedOnly: true, deleted: true))
        }
        return try reports.filter { !$0.report.conflicts.isEmpty }.flatMap { stored in
            let history = try history(of: stored.report.id)
            return stored.report.conflicts.map {
                ConflictExplanation(report: stored.report, conflict: $0, baseReport: history.base(of: $0))
            }
        }
    }

    /// One conflict of a report explained.
    public func explain(_ conflict: Conflict, of report: Report) throws -> ConflictExplanation {
        ConflictExplanation(report: report, conflict: conflict, baseReport: try history(of: report.id).base(of: conflict))
    }
}
