import Foundation
import OfflineStore
import ReportModels

/// What a change to a report decided: the version it made (nil when the report was left as
/// it was) and the open conflicts it decided by setting their fields.
public struct EditResult: Sendable {
    public let version: Version?
    /// Conflicts open before the change and closed by it, in the report's order.
    public let decided: [FieldPath]

    /// Conflicts still open after the change.
    public var openConflicts: Int { version?.snapshot.conflicts.count ?? 0 }
}

/// An event or a source of a report, named by its id.
public enum ReportItem: Equatable, Sendable {
    case event(ItemID)
    case source(ItemID)

    public var id: ItemID {
        switch self {
        case .event(let id), .source(let id): id
        }
    }

    /// The field that says whether the item is present.
    public var presence: FieldPath {
        switch self {
        case .event(let id): .event(id)
        case .source(let id): .source(id)
        }
    }

    public var noun: String {
        switch self {
        case .event: "event"
        case .source: "source"
        }
    }
}

/// Why a change to a report was refused; nothing is written.
public enum EditError: Error, Equatable, LocalizedError {
    case deleted(ReportID)
    case itemExists(ReportItem, report: ReportID)
    case noItem(ReportItem, report: ReportID)
    /// The report gained a version between reading it for an edit and writing the edit.
    case changedMeanwhile(ReportID)

    public var errorDescription: String? {
        switch self {
        case .deleted(let report):
            let short = report.rawValue.prefix(8)
            return "report \(short) is deleted; run `fieldnotes restore \(short)` first to change it"
        case .itemExists(let item, let report):
            return "report \(report.rawValue.prefix(8)) already has \(item.noun == "event" ? "an" : "a") \(item.noun) '\(item.id)'"
        case .noItem(let item, let report):
            let short = report.rawValue.prefix(8)
            return "report \(short) has no \(item.noun) '\(item.id)'; `fieldnotes show \(short)` lists them"
        case .changedMeanwhile:
            return "the report changed while you were editing it (a sync or another edit); run `fieldnotes edit` again"
        }
    }
}

/// Changing reports as a person does: every change is one new version by this replica whose
/// parents are all the report's heads (`Store.commitChange`), made under these rules:
///
/// - A deleted report's content is not changed until it is restored: `list` and `search`
///   leave it out, so the change would go unseen. Deleting and restoring, and deciding
///   conflicts, are allowed on a deleted report.
/// - Setting a conflicted field decides its conflict (`Report.assign`); the result says which
///   conflicts a change decided.
/// - What a person enters meets rules beyond the report's own (an event's position is given
///   whole: `Event.validateEntry`).
extension Store {
    /// A change to what a report says (not to whether it is deleted).
    @discardableResult
    public func changeContent(of id: ReportID, _ change: (inout Report) throws -> Void) throws -> EditResult {
        try recordEdit(of: id) { report in
            try Self.requireNotDeleted(report)
            try change(&report)
        }
    }

    /// Deletes a report (a tombstone) or restores it.
    @discardableResult
    public func setDeleted(_ deleted: Bool, of id: ReportID) throws -> EditResult {
        try recordEdit(of: id) { try $0.assign(.bool(deleted), at: .deleted) }
    }

    /// Adds an event the report does not have yet.
    @discardableResult
    public func add(_ event: Event, to id: ReportID) throws -> EditResult {
        try event.validateEntry()
        return try changeContent(of: id) { report in
            guard report.event(event.id) == nil else { throw EditError.itemExists(.event(event.id), report: id) }
            report.events.append(event)
        }
    }

    /// Adds a source the report does not have yet.
    @discardableResult
    public func add(_ source: Source, to id: ReportID) throws -> EditResult {
        try changeContent(of: id) { report in
            guard report.source(source.id) == nil else { throw EditError.itemExists(.source(source.id), report: id) }
            report.sources.append(source)
        }
    }

    /// Sets fields of an event or a source the report has.
    @discardableResult
    public func set(_ values: [(FieldPath, JSONValue)], of item: ReportItem, in id: ReportID) throws -> EditResult {
        try changeContent(of: id) { report in
            guard report.value(at: item.presence) != nil else { throw EditError.noItem(item, report: id) }
            for (path, value) in values { try report.assign(value, at: path) }
            if case .event(let event) = item { try report.event(event)?.validateEntry() }
        }
    }

    /// Removes an event or a source the report has.
    @discardableResult
    public func remove(_ item: ReportItem, from id: ReportID) throws -> EditResult {
        try changeContent(of: id) { report in
            guard report.value(at: item.presence) != nil else { throw EditError.noItem(item, report: id) }
            try report.assign(.bool(false), at: item.presence)
        }
    }

    /// Refuses a report that is deleted (and not in conflict over it).
    public static func requireNotDeleted(_ report: Report) throws(EditError) {
        guard report.deleted, report.conflict(at: .deleted) == nil else { return }
        throw .deleted(report.id)
    }

    /// Commits a change and says which conflicts it decided: those open in the state it
    /// changed (the state of every head, which is the new version's past) and not in its
    /// snapshot.
    func recordEdit(of id: ReportID, _ change: (inout Report) throws -> Void) throws -> EditResult {
        var openBefore: [FieldPath] = []
        let version = try commitChange(to: id) { report in
            openBefore = report.conflicts.map(\.field)
            try change(&report)
        }
        let decided = version.map { version in openBefore.filter { version.snapshot.conflict(at: $0) == nil } } ?? []
        return EditResult(version: version, decided: decided)
    }
}

// MARK: - Editing a whole report

/// A report read to be edited as a whole (`fieldnotes edit`): what the person starts from,
/// and for a narrative in conflict, the text its candidates diverged from.
public struct ReportDraft: Sendable {
    public let report: Report
    /// The narrative the candidates of its conflict diverged from; nil without one.
    public let bodyBase: String?
}

extension Store {
    /// Reads a report to edit; a deleted one is refused.
    public func beginEdit(of id: ReportID) throws -> ReportDraft {
        let report = try stored(id).report
        try Self.requireNotDeleted(report)
        let bodyBase = try report.conflict(at: .body).map { try explain($0, of: report).base?.stringValue ?? "" }
        return ReportDraft(report: report, bodyBase: bodyBase)
    }

    /// Applies the edit of a draft. Refused if the report gained a version since the draft
    /// was read: applying a document made from an older state would undo what arrived since.
    @discardableResult
    public func finishEdit(_ draft: ReportDraft, _ change: (inout Report) throws -> Void) throws -> EditResult {
        try changeContent(of: draft.report.id) { report in
            guard report == draft.report else { throw EditError.changedMeanwhile(draft.report.id) }
            try change(&report)
        }
    }
}
