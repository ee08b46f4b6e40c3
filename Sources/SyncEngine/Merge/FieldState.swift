import ReportModels

/// What one version holds in one field: a plain value, or an open conflict.
public enum FieldState: Hashable, Sendable {
    case value(JSONValue)
    case conflict([Candidate])

    /// The candidate shown while in conflict, or the value.
    var plainValue: JSONValue? {
        if case .value(let value) = self { return value }
        return nil
    }
}

extension Report {
    /// The field's state; nil when the path names an event or source that is not there.
    /// An item's presence reads `false` when the item is absent, so that adding and removing
    /// merge like any other change.
    func fieldState(at path: FieldPath) -> FieldState? {
        if let conflict = conflict(at: path) { return .conflict(conflict.candidates) }
        switch path {
        case .event, .source: return .value(value(at: path) ?? .bool(false))
        default: return value(at: path).map(FieldState.value)
        }
    }
}

/// A field as the merge reads it: one of the report's field paths, or the membership of one
/// tag (tags merge element by element).
enum MergedField: Hashable, Sendable {
    case path(FieldPath)
    case tag(String)

    /// The field's state in a report. With no report (no common past), an item or a tag
    /// reads as not present and every other field as nothing.
    func read(_ report: Report?) -> FieldState? {
        switch self {
        case .path(let path):
            guard let report else {
                switch path {
                case .event, .source: return .value(.bool(false))
                default: return nil
                }
            }
            return report.fieldState(at: path)
        case .tag(let tag):
            return .value(.bool(report?.tags.contains(tag) ?? false))
        }
    }

    /// The value a field reads when a report does not hold it (see `read`).
    var absent: FieldState? {
        switch self {
        case .path(.event), .path(.source), .tag: .value(.bool(false))
        case .path: nil
        }
    }
}

/// Every merged field of one report with its state, for reading many fields of a report in
/// O(1) each (a report's own accessors search its items and conflicts). Fields it does not
/// hold read as `MergedField.absent`.
struct FieldTable {
    private(set) var states: [MergedField: FieldState] = [:]

    init(_ report: Report?) {
        guard let report else { return }
        states.reserveCapacity(7 + report.tags.count + report.events.count * 8 + report.sources.count * 3)
        for path in [FieldPath.title, .body, .status, .credibility, .deleted] {
            states[.path(path)] = report.value(at: path).map(FieldState.value)
        }
        states[.path(.tags)] = report.value(at: .tags).map(FieldState.value)
        for tag in report.tags { states[.tag(tag)] = .value(.bool(true)) }
        for event in report.events {
            states[.path(.event(event.id))] = .value(.bool(true))
            for field in FieldPath.EventField.allCases { states[.path(.eventField(event.id, field))] = .value(event.value(of: field)) }
        }
        for source in report.sources {
            states[.path(.source(source.id))] = .value(.bool(true))
            for field in FieldPath.SourceField.allCases { states[.path(.sourceField(source.id, field))] = .value(source.value(of: field)) }
        }
        for conflict in report.conflicts { states[.path(conflict.field)] = .conflict(conflict.candidates) }
    }

    subscript(field: MergedField) -> FieldState? {
        states[field] ?? field.absent
    }
}
