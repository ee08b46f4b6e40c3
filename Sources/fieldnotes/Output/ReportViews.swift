import OfflineStore
import ReportModels

/// How a report looks: to people in a terminal, and to scripts as JSON (CLI.md).
enum ReportViews {
    // MARK: JSON

    /// The report object of CLI.md: the report's fields, its clock, and its conflicts with
    /// each candidate's replica.
    static func json(_ stored: StoredReport) -> JSONValue {
        json(stored.report, clock: stored.clock)
    }

    static func json(_ report: Report, clock: VectorClock) -> JSONValue {
        guard case .object(var members) = report.json else { preconditionFailure() }
        members["clock"] = clock.json
        members["conflicts"] = .array(report.conflicts.map(conflictJSON))
        return .object(members)
    }

    static func conflictJSON(_ conflict: Conflict) -> JSONValue {
        .object([
            "field": .string(conflict.field.description),
            "candidates": .array(conflict.candidates.map(candidateJSON)),
        ])
    }

    static func candidateJSON(_ candidate: Candidate) -> JSONValue {
        .object([
            "value": candidate.value,
            "version": .string(candidate.version.description),
            "replica": .string(candidate.version.replica.rawValue),
            "author": .string(candidate.author),
            "time": .string(candidate.time.description),
        ])
    }

    // MARK: Text

    /// The human view of `show`: header, narrative, events and sources, with conflicted
    /// fields marked.
    static func text(_ report: Report) -> String {
        let conflicted = Set(report.conflicts.map(\.field))
        func mark(_ path: FieldPath) -> String {
            guard conflicted.contains(path) else { return "" }
            return "  " + Console.warning("⚠ conflict")
        }
        var lines: [String] = []
        lines.append(Console.bold(Text.wrap(report.title)) + mark(.title))
        func field(_ label: String, _ value: String) -> String {
            Text.wrap(value, prefix: "  " + Text.pad(label, to: 13), indent: 15)
        }
        lines.append("")
        lines.append(field("id", report.id.rawValue))
        lines.append(field("status", report.status.rawValue) + mark(.status)
            + "    credibility \(report.credibility.map(String.init) ?? "–")" + mark(.credibility))
        if !report.tags.isEmpty { lines.append(field("tags", report.tags.sorted().joined(separator: ", "))) }
        lines.append(field("by", "\(report.author), created \(Text.time(report.createdAt)), updated \(Text.time(report.updatedAt))"))
        if conflicted.contains(.deleted) {
            lines.append(Text.wrap(Console.warning("⚠ deleted on one replica while edited on another;")
                + " shown as kept until `fieldnotes resolve \(report.id.rawValue.prefix(8)) --field deleted` decides", prefix: "  ", indent: 2))
        } else if report.deleted {
            lines.append("  " + Console.warning("deleted") + "  (`fieldnotes restore` brings it back)")
        }
        if !report.conflicts.isEmpty {
            lines.append(Console.warning(Text.wrap("\(Text.plural(report.conflicts.count, "open conflict")): `fieldnotes conflicts` shows them",
                                                   prefix: "  ", indent: 2)))
        }
        if !report.body.isEmpty {
            lines.append("")
            if conflicted.contains(.body) { lines.append(Console.warning("⚠ the narrative is in conflict; one version is shown")) }
            lines.append(Text.wrapNarrative(report.body))
        }
        if !report.events.isEmpty {
            lines.append("")
            lines.append(Console.bold("Events"))
            for event in report.events {
                var place = event.place
                if let lat = event.lat, let lon = event.lon { place += "  (\(lat), \(lon))" }
                let head = Text.wrap(place, prefix: "  \(Text.pad(event.id.rawValue, to: 4)) \(event.when)  ", indent: 7)
                let fieldMarks = FieldPath.EventField.allCases.contains { conflicted.contains(.eventField(event.id, $0)) }
                lines.append(head + mark(.event(event.id)) + (fieldMarks ? "  " + Console.warning("⚠ conflict") : ""))
                let figures = [event.killed.map { "killed \($0)" }, event.injured.map { "injured \($0)" }].compactMap { $0 }
                if !figures.isEmpty { lines.append("       " + figures.joined(separator: ", ")) }
                for line in event.summary.split(separator: "\n") {
                    lines.append(Text.wrap(String(line), prefix: "       ", indent: 7))
                }
            }
        }
        if !report.sources.isEmpty {
            lines.append("")
            lines.append(Console.bold("Sources"))
            for source in report.sources {
                let fieldMarks = FieldPath.SourceField.allCases.contains { conflicted.contains(.sourceField(source.id, $0)) }
                let prefix = "  \(Text.pad(source.id.rawValue, to: 4)) [\(source.reliability?.rawValue ?? "-")] "
                lines.append(Text.wrap(source.ref, prefix: prefix, indent: prefix.count) + mark(.source(source.id)) + (fieldMarks ? "  " + Console.warning("⚠ conflict") : ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
