import ArgumentParser
import OfflineStore
import ReportModels
import SyncEngine

extension Fieldnotes {
    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every open conflict: what collided, who wrote each side, and what it was before.",
            discussion: """
                For each conflicted field: the base value (before the concurrent edits) and each \
                candidate with its analyst, replica, time and version. Narratives show only the \
                colliding passages. `fieldnotes resolve` decides.
                """)

        @Argument(help: "Only this report (id or unique prefix).") var id: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let reports: [StoredReport]
            if let id {
                reports = [try store.stored(try store.resolveReport(id))].filter { !$0.report.conflicts.isEmpty }
            } else {
                reports = try store.reports(ReportFilter(conflictedOnly: true))
                    + store.reports(ReportFilter(conflictedOnly: true, deleted: true))
            }
            let views = try reports.flatMap { stored in
                let history = RecordHistory(try store.versions(of: stored.report.id))
                return stored.report.conflicts.map { ConflictView(report: stored.report, conflict: $0, history: history) }
            }
            if output.json {
                Console.printJSON(.array(views.map(\.json)))
                return
            }
            guard !views.isEmpty else {
                print("No open conflicts.")
                return
            }
            var lastReport: ReportID?
            for view in views {
                if view.report.id != lastReport {
                    if lastReport != nil { print("") }
                    print(Console.bold("\(view.report.id.rawValue.prefix(8))  \(Text.truncate(view.report.title, to: Text.width - 10))"))
                    lastReport = view.report.id
                }
                print(view.text)
            }
        }
    }
}

/// One open conflict with what a person needs to decide it.
struct ConflictView {
    let report: Report
    let conflict: Conflict
    /// The field's value in the state the candidates diverged from (nil: it was not there).
    let base: JSONValue?
    /// For the narrative: the passages where the candidates collide.
    let regions: [LineMerge.Region]
    /// For a removal or a delete that collided with edits: what the report, as shown (kept),
    /// changed since the base — everyone's edits, not only the candidate's — given with each
    /// candidate that keeps it: what taking the removal would hide.
    let edits: [Dot: [Edit]]

    struct Edit {
        var field: FieldPath
        var before: JSONValue?
        var after: JSONValue?
    }

    init(report: Report, conflict: Conflict, history: RecordHistory) {
        self.report = report
        self.conflict = conflict
        let baseReport = history.base(of: conflict)
        base = baseReport?.value(at: conflict.field) ?? Self.absent(conflict.field)
        if conflict.field == .body {
            regions = LineMerge.conflictingRegions(base: baseReport?.body ?? "", sides: conflict.candidates.map { $0.value.stringValue ?? "" })
        } else {
            regions = []
        }
        var edits: [Dot: [Edit]] = [:]
        let keeps: JSONValue? = switch conflict.field {
        case .event, .source: .bool(true)
        case .deleted: .bool(false)
        default: nil
        }
        let kept = report.changedFields(since: baseReport)
            .filter { $0 != conflict.field && (conflict.field.item == nil || $0.item == conflict.field.item) }
            .map { Edit(field: $0, before: baseReport?.value(at: $0), after: report.value(at: $0)) }
        for candidate in conflict.candidates where candidate.value == keeps {
            edits[candidate.version] = kept
        }
        self.edits = edits
    }

    /// An item that was not in the base reads as not present.
    private static func absent(_ field: FieldPath) -> JSONValue? {
        switch field {
        case .event, .source: .bool(false)
        default: nil
        }
    }

    var json: JSONValue {
        var members: JSONObject = [
            "report": .string(report.id.rawValue),
            "title": .string(report.title),
            "field": .string(conflict.field.description),
            "base": base ?? .null,
            "shown": .string(conflict.displayed.version.description),
            "candidates": .array(conflict.candidates.map { candidate in
                var json = ReportViews.candidateJSON(candidate)
                if let edits = edits[candidate.version], case .object(var members) = json {
                    members["edits"] = .array(edits.map { .string($0.field.description) })
                    json = .object(members)
                }
                return json
            }),
        ]
        if !regions.isEmpty {
            members["hunks"] = .array(regions.map { region in
                .object([
                    "line": .int(Int64(region.line)),
                    "base": .string(region.base.joined(separator: "\n")),
                    "candidates": .array(zip(conflict.candidates, region.sides).map { candidate, lines in
                        .object(["version": .string(candidate.version.description), "text": .string(lines.joined(separator: "\n"))])
                    }),
                ])
            })
        }
        return .object(members)
    }

    var text: String {
        var lines = ["  " + Console.bold(conflict.field.description) + Console.dim("  (\(Text.plural(conflict.candidates.count, "candidate")))")]
        let shown = conflict.displayed.version
        func label(_ candidate: Candidate) -> String {
            "\(candidate.version.short)  \(candidate.author), \(Text.time(candidate.time))" + (candidate.version == shown ? Console.dim("  (shown)") : "")
        }
        if conflict.field == .body {
            for region in regions {
                lines.append("    " + Console.dim("at line \(region.line), before:"))
                lines += region.base.map { Text.wrap($0, prefix: "      ", indent: 6) }
                for (candidate, side) in zip(conflict.candidates, region.sides) {
                    lines.append("    " + label(candidate) + ":")
                    lines += side.map { Text.wrap($0, prefix: "      ", indent: 6) }
                }
            }
            return lines.joined(separator: "\n")
        }
        lines.append(Text.wrap(describe(base), prefix: "    before   ", indent: 13))
        for candidate in conflict.candidates {
            lines.append(Text.wrap(label(candidate), prefix: "    ", indent: 6))
            var value = describe(candidate.value)
            if let edits = edits[candidate.version], !edits.isEmpty {
                if conflict.field == .deleted {
                    value += ", and changed " + edits.map(\.field.description).joined(separator: ", ")
                } else {
                    value += ", and edited: " + edits.map { edit in
                        let name = edit.field.description.split(separator: ".").last.map(String.init) ?? ""
                        return "\(name) \(edit.before.map(Text.value) ?? "(none)") → \(edit.after.map(Text.value) ?? "(none)")"
                    }.joined(separator: ", ")
                }
            }
            lines.append(Text.wrap(value, prefix: "             ", indent: 13))
        }
        return lines.joined(separator: "\n")
    }

    /// Values as people read them; presence and deletion in words.
    func describe(_ value: JSONValue?) -> String {
        switch (conflict.field, value) {
        case (.deleted, .bool(true)?): "deleted"
        case (.deleted, .bool(false)?): "not deleted"
        case (.event, .bool(true)?), (.source, .bool(true)?): "present"
        case (.event, .bool(false)?), (.source, .bool(false)?): "removed"
        case (_, nil): "(not there)"
        case (_, let value?): Text.value(value)
        }
    }
}
