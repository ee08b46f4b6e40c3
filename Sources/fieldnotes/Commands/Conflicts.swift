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

        @Argument(help: "Only this report (id or unique prefix).", completion: Completions.reports(.all)) var id: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var display: DisplayOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let store = try storeOptions.open()
            let explanations = try store.explainConflicts(of: try id.map(store.resolveReport))
            if output.json {
                Console.printJSON(.array(explanations.map(\.json)))
                return
            }
            guard !explanations.isEmpty else {
                print("No open conflicts.")
                return
            }
            var lastReport: ReportID?
            for explanation in explanations {
                if explanation.report.id != lastReport {
                    if lastReport != nil { print("") }
                    print(Console.bold("\(explanation.report.id.rawValue.prefix(8))  \(Text.truncate(explanation.report.title, to: Text.width - 10))"))
                    lastReport = explanation.report.id
                }
                print(explanation.text)
            }
        }
    }
}

/// How an open conflict reads: in a terminal, and to scripts as JSON (CLI.md).
extension ConflictExplanation {
    var json: JSONValue {
        var members: JSONObject = [
            "report": .string(report.id.rawValue),
            "title": .string(report.title),
            "field": .string(conflict.field.description),
            "base": base ?? .null,
            "shown": .string(conflict.displayed.version.description),
            "candidates": .array(conflict.candidates.map { candidate in
                var json = ReportViews.candidateJSON(candidate)
                if let edits = hidden[candidate.version], case .object(var members) = json {
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
                    lines.append(Text.wrap(label(candidate) + ":", prefix: "    ", indent: 6))
                    lines += side.map { Text.wrap($0, prefix: "      ", indent: 6) }
                }
            }
            return lines.joined(separator: "\n")
        }
        lines.append(Text.wrap(Text.fieldValue(base, at: conflict.field), prefix: "    before   ", indent: 13))
        for candidate in conflict.candidates {
            lines.append(Text.wrap(label(candidate), prefix: "    ", indent: 6))
            var value = Text.fieldValue(candidate.value, at: conflict.field)
            if let edits = hidden[candidate.version], !edits.isEmpty {
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
}
