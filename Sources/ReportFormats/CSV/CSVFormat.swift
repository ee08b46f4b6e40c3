import Foundation
import ReportModels

/// Reports as CSV for spreadsheets (RFC 4180).
///
/// A header row, then one record per report or per event; every record ends in CRLF, the
/// last one too. A field is quoted when it holds a comma, a double quote, CR or LF, and its
/// quotes are doubled. Lists (tags, authors, reliabilities) are joined with `; `; times are
/// ISO 8601 in UTC (an event's date stays a date).
///
/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and some
/// strip a leading tab or CR first), so a report could make a colleague's spreadsheet fetch
/// a URL or run a command. Every text field that starts with one of those gets a leading
/// `'` (OWASP's advice on CSV injection), which spreadsheets show as text. Numbers
/// fieldnotes writes itself (coordinates, counts, figures) are never prefixed: a longitude
/// of `-3.7` stays a number.
public enum CSVFormat {
    /// The columns of ``reports(_:)``, in order.
    public static let reportColumns = [
        "id", "title", "status", "credibility", "tags", "authors", "created", "updated",
        "events", "killed", "injured", "firstEvent", "lastEvent", "conflicts",
    ]

    /// The columns of ``events(_:)``, in order.
    public static let eventColumns = [
        "reportId", "reportTitle", "eventId", "when", "place", "lat", "lon", "killed", "injured", "summary",
        "credibility", "sourceReliabilities", "status", "tags",
    ]

    /// One row per report: id, title, status, credibility, tags, authors, created, updated,
    /// events, killed, injured, firstEvent, lastEvent, then the number of open conflicts.
    /// `killed` and `injured` are totals over the events that give a figure (empty when none
    /// does). O(total size of the reports).
    public static func reports(_ reports: [ReportExport]) -> String {
        var output = record(reportColumns.map(Field.text))
        for export in reports {
            let report = export.report
            let span = ExportValues.firstAndLastEvent(of: report)
            output += record([
                .text(report.id.rawValue),
                .text(report.title),
                .text(report.status.rawValue),
                .number(report.credibility.map(String.init)),
                .text(report.tags.sorted().joined(separator: "; ")),
                .text(export.authors.joined(separator: "; ")),
                .text(report.createdAt.description),
                .text(report.updatedAt.description),
                .number(String(report.events.count)),
                .number(ExportValues.total(report.events.map(\.killed))),
                .number(ExportValues.total(report.events.map(\.injured))),
                .text(span.map { ExportValues.eventTime($0.first.when) } ?? ""),
                .text(span.map { ExportValues.eventTime($0.last.when) } ?? ""),
                .number(String(report.conflicts.count)),
            ])
        }
        return output
    }

    /// One row per event, reports in the order given and each report's events in its order:
    /// the report's id and title, the event's id, when (UTC), place, lat, lon, killed, injured
    /// and summary, then the report's credibility, its sources' distinct reliabilities, its
    /// status and tags. O(total size of the reports).
    public static func events(_ reports: [ReportExport]) -> String {
        var output = record(eventColumns.map(Field.text))
        for export in reports {
            let report = export.report
            let reliabilities = ExportValues.reliabilities(of: report).map(\.rawValue).joined(separator: "; ")
            for event in report.events {
                output += record([
                    .text(report.id.rawValue),
                    .text(report.title),
                    .text(event.id.rawValue),
                    .text(ExportValues.eventTime(event.when)),
                    .text(event.place),
                    .number(event.lat.map(ExportValues.plainDecimal)),
                    .number(event.lon.map(ExportValues.plainDecimal)),
                    .number(event.killed.map(String.init)),
                    .number(event.injured.map(String.init)),
                    .text(event.summary),
                    .number(report.credibility.map(String.init)),
                    .text(reliabilities),
                    .text(report.status.rawValue),
                    .text(report.tags.sorted().joined(separator: "; ")),
                ])
            }
        }
        return output
    }

    // MARK: - Fields and records

    /// A field's value and whether it may be guarded against formula injection.
    enum Field {
        /// Text that may come from a report: guarded.
        case text(String)
        /// A number fieldnotes wrote (nil: empty): never guarded.
        case number(String?)
    }

    /// The fields as one record, ended by CRLF.
    static func record(_ fields: [Field]) -> String {
        fields.map { field in
            switch field {
            case .text(let text): quoted(guarded(text))
            case .number(let number): quoted(number ?? "")
            }
        }.joined(separator: ",") + "\r\n"
    }

    /// A leading `'` on text a spreadsheet would read as a formula.
    static func guarded(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return text }
        return "'" + text
    }

    /// The field as RFC 4180 writes it: in double quotes, its quotes doubled, when it holds a
    /// comma, a double quote, CR or LF.
    static func quoted(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A })
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
