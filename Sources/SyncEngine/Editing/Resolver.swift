import Foundation
import OfflineStore
import ReportModels

/// How a person decides conflicts (`fieldnotes resolve`).
public enum ConflictDecision: Sendable {
    /// Take a candidate of each conflict.
    case take(CandidateChoice)
    /// Give one conflicted field a new value, as typed (`FieldPath.parseValue`).
    case set(String)
}

/// Why a decision of `--set` names too many fields; nothing is written.
public enum DecisionError: Error, Equatable, LocalizedError {
    case oneValueForSeveral(open: [FieldPath])

    public var errorDescription: String? {
        switch self {
        case .oneValueForSeveral(let open):
            "--set gives one value: name one field with --field (open: \(open.map(\.description).joined(separator: ", ")))"
        }
    }
}

extension Store {
    /// Decides the conflicts `fields` name (every open one when empty) all or nothing: every
    /// choice is made before anything changes, so one bad choice decides nothing. The decision
    /// is one version that has every head as parent. A deleted report's conflicts can be decided
    /// without restoring it (they would otherwise stay open in `conflicts` and `status`).
    ///
    /// `readText` turns a value typed for the narrative (`@FILE`) into its text.
    /// Returns the fields decided, in the order named.
    public func resolve(_ id: ReportID, fields: [FieldPath], by decision: ConflictDecision,
                        readText: (String) throws -> String = { $0 }) throws -> EditResult {
        let me = identity.replica
        var decided: [FieldPath] = []
        let version = try commitChange(to: id) { report in
            let conflicts = try report.conflicts(named: Self.unique(fields))
            if case .set = decision, conflicts.count > 1 {
                throw DecisionError.oneValueForSeveral(open: conflicts.map(\.field))
            }
            let values = try conflicts.map { conflict -> (FieldPath, JSONValue) in
                switch decision {
                case .take(let choice):
                    return (conflict.field, try conflict.candidate(choice, me: me).value)
                case .set(let text):
                    let text = conflict.field == .body ? try readText(text) : text
                    return (conflict.field, try conflict.field.parseValue(text))
                }
            }
            // An item's presence sorts before its fields: once a decision removes the item,
            // there is no field left to set, and its conflict goes with the item (`normalize`).
            for (field, value) in values {
                if field.item == nil || report.value(at: field) != nil { try report.assign(value, at: field) }
                decided.append(field)
            }
        }
        return EditResult(version: version, decided: version == nil ? [] : decided)
    }

    private static func unique(_ fields: [FieldPath]) -> [FieldPath] {
        var seen = Set<FieldPath>()
        return fields.filter { seen.insert($0).inserted }
    }
}
