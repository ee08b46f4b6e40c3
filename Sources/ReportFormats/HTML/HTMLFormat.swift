import ReportModels

/// A report as one printable, self-contained HTML page.
public enum HTMLFormat {
    /// One self-contained printable page for one report.
    ///
    /// The title; status, credibility and tags; the narrative rendered from Markdown
    /// (``Markdown/html(_:)``, its headings one level under the title's); the events as a
    /// table (when, place, coordinates, killed, injured, summary); the sources with their
    /// reliability; open conflicts, each conflicted field marked where it is shown and every
    /// candidate listed (value, author, version, time); a footer with the head version(s),
    /// the authors and the report's times. A deleted report says so at the top.
    ///
    /// Self-contained: the style is inline (with a print stylesheet), there is no script,
    /// and nothing is loaded — no `src`, no `<link>`, no `@import`, no `url(`, and a
    /// Content-Security-Policy that forbids loading anything should something slip. Every
    /// text from the report is escaped. The same report gives the same bytes (no time of
    /// export is written). O(size of the report).
    public static func page(_ export: ReportExport) -> String {
        let report = export.report
        let page = Page(export: export)
        var html: [String] = [
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            "<meta name=\"generator\" content=\"fieldnotes\">",
            "<title>\(HTMLText.escape(report.title))</title>",
            "<style>",
            HTMLStyle.css,
            "</style>",
            "</head>",
            "<body>",
            "<article class=\"report\">",
        ]
        html += page.header()
        html += page.narrative()
        html += page.events()
        html += page.sources()
        html += page.conflicts()
        html += page.footer()
        html += ["</article>", "</body>", "</html>"]
        return html.joined(separator: "\n")
    }
}

/// The parts of the page, each a list of lines.
private struct Page {
    let export: ReportExport
    var report: Report { export.report }
    let conflicted: Set<FieldPath>

    init(export: ReportExport) {
        self.export = export
        conflicted = Set(export.report.conflicts.map(\.field))
    }

    func text(_ text: String) -> String { HTMLText.escape(text) }

    /// A mark beside a value in conflict.
    func mark(_ path: FieldPath, _ words: String = "conflict") -> String {
        conflicted.contains(path) ? " " + Self.conflictMark(words) : ""
    }

    static func conflictMark(_ words: String) -> String {
        "<span class=\"conflict-mark\">⚠ \(HTMLText.escape(words))</span>"
    }

    // MARK: Header

    func header() -> [String] {
        var lines = ["<header>", "<h1 dir=\"auto\">\(text(report.title))\(mark(.title))</h1>"]
        if conflicted.contains(.deleted) {
            lines.append("<p class=\"banner deleted\">Deleted on one replica while edited on another: shown as kept until someone decides (see “Open conflicts”).</p>")
        } else if report.deleted {
            lines.append("<p class=\"banner deleted\">This report is deleted. It is kept, with its history, as a tombstone.</p>")
        }
        if !report.conflicts.isEmpty {
            let count = report.conflicts.count
            lines.append("<p class=\"banner conflicted\">\(count) open conflict\(count == 1 ? "" : "s"): concurrent edits that no one has decided yet. Each field in conflict is marked ⚠ and shows one of its values; every value is listed under “Open conflicts”.</p>")
        }
        lines.append("<dl class=\"facts\">")
        lines.append("<dt>Status</dt><dd>\(text(report.status.rawValue))\(mark(.status))</dd>")
        let credibility = report.credibility.map { value in
            Credibility.meaning(value).map { "\(value) — \($0)" } ?? String(value)
        } ?? "not rated"
        lines.append("<dt>Credibility</dt><dd>\(text(credibility))\(mark(.credibility))</dd>")
        if !report.tags.isEmpty {
            let tags = report.tags.sorted().map { "<span class=\"tag\">\(text($0))</span>" }.joined(separator: " ")
            lines.append("<dt>Tags</dt><dd>\(tags)</dd>")
        }
        lines.append("<dt>Report</dt><dd><code>\(text(report.id.rawValue))</code></dd>")
        lines += ["</dl>", "</header>"]
        return lines
    }

    // MARK: Narrative

    func narrative() -> [String] {
        guard !report.body.isEmpty || conflicted.contains(.body) else { return [] }
        var lines = ["<section class=\"narrative\">"]
        if conflicted.contains(.body) {
            lines.append("<p class=\"banner conflicted\">⚠ The narrative is in conflict: one version is shown; every version is listed under “Open conflicts”.</p>")
        }
        lines.append(Markdown.html(Markdown.blocks(report.body), headingOffset: 1))
        lines.append("</section>")
        return lines
    }

    // MARK: Events and sources

    func events() -> [String] {
        guard !report.events.isEmpty else { return [] }
        var lines = [
            "<section class=\"events\">",
            "<h2>Events</h2>",
            "<table>",
            "<thead><tr><th>Event</th><th>When</th><th>Place</th><th>Coordinates</th><th class=\"number\">Killed</th><th class=\"number\">Injured</th><th>Summary</th></tr></thead>",
            "<tbody>",
        ]
        for event in report.events {
            func cell(_ field: FieldPath.EventField, _ content: String, class name: String? = nil) -> String {
                "<td\(name.map { " class=\"\($0)\"" } ?? "") dir=\"auto\">\(content)\(mark(.eventField(event.id, field)))</td>"
            }
            let isConflicted = conflicted.contains(.event(event.id))
                || FieldPath.EventField.allCases.contains { conflicted.contains(.eventField(event.id, $0)) }
            let presence = mark(.event(event.id), "removed on one replica, edited on another")
            lines.append("<tr\(isConflicted ? " class=\"conflicted\"" : "")>"
                + "<td><code>\(text(event.id.rawValue))</code>\(presence)</td>"
                + cell(.when, text(event.when), class: "nowrap")
                + cell(.place, text(event.place))
                + "<td class=\"nowrap\">\(coordinates(event))\(mark(.eventField(event.id, .lat)))\(mark(.eventField(event.id, .lon)))</td>"
                + cell(.killed, event.killed.map(String.init) ?? "–", class: "number")
                + cell(.injured, event.injured.map(String.init) ?? "–", class: "number")
                + cell(.summary, multiline(event.summary))
                + "</tr>")
        }
        lines += ["</tbody>", "</table>", "</section>"]
        return lines
    }

    /// `42.06, 48.29`; what there is of a half position; a dash for none.
    func coordinates(_ event: Event) -> String {
        func degrees(_ value: Double?) -> String? { value.map { $0.isFinite ? ExportValues.plainDecimal($0) : "invalid" } }
        switch (degrees(event.lat), degrees(event.lon)) {
        case (let lat?, let lon?): return text("\(lat), \(lon)")
        case (let lat?, nil): return text("latitude \(lat), no longitude")
        case (nil, let lon?): return text("longitude \(lon), no latitude")
        case (nil, nil): return "–"
        }
    }

    func sources() -> [String] {
        guard !report.sources.isEmpty else { return [] }
        var lines = [
            "<section class=\"sources\">",
            "<h2>Sources</h2>",
            "<table>",
            "<thead><tr><th>Source</th><th>Reference</th><th>Reliability</th></tr></thead>",
            "<tbody>",
        ]
        for source in report.sources {
            let isConflicted = conflicted.contains(.source(source.id))
                || FieldPath.SourceField.allCases.contains { conflicted.contains(.sourceField(source.id, $0)) }
            let reliability = source.reliability.map { "\($0.rawValue) — \($0.meaning)" } ?? "not rated"
            lines.append("<tr\(isConflicted ? " class=\"conflicted\"" : "")>"
                + "<td><code>\(text(source.id.rawValue))</code>\(mark(.source(source.id), "removed on one replica, edited on another"))</td>"
                + "<td dir=\"auto\">\(text(source.ref))\(mark(.sourceField(source.id, .ref)))</td>"
                + "<td>\(text(reliability))\(mark(.sourceField(source.id, .reliability)))</td>"
                + "</tr>")
        }
        lines += ["</tbody>", "</table>", "</section>"]
        return lines
    }

    // MARK: Conflicts

    func conflicts() -> [String] {
        guard !report.conflicts.isEmpty else { return [] }
        var lines = [
            "<section class=\"conflicts\">",
            "<h2>Open conflicts</h2>",
            "<p>Concurrent versions set these fields to different values. The value marked “shown” is the one the page shows; <code>fieldnotes resolve</code> decides.</p>",
        ]
        for conflict in report.conflicts {
            let shown = report.value(at: conflict.field)
            lines.append("<div class=\"conflict\">")
            lines.append("<h3><code>\(text(conflict.field.description))</code>\(text(context(of: conflict.field)))</h3>")
            lines.append("<table>")
            lines.append("<thead><tr><th>Value</th><th>Author</th><th>Version</th><th>Time</th></tr></thead>")
            lines.append("<tbody>")
            for candidate in conflict.candidates {
                let isShown = candidate.value == shown
                lines.append("<tr\(isShown ? " class=\"shown\"" : "")>"
                    + "<td dir=\"auto\">\(value(candidate.value, at: conflict.field))\(isShown ? " <span class=\"shown-mark\">(shown)</span>" : "")</td>"
                    + "<td dir=\"auto\">\(text(candidate.author.isEmpty ? "unknown analyst" : candidate.author))</td>"
                    + "<td><code>\(text(candidate.version.description))</code></td>"
                    + "<td class=\"nowrap\">\(time(candidate.time))</td>"
                    + "</tr>")
            }
            lines += ["</tbody>", "</table>", "</div>"]
        }
        lines.append("</section>")
        return lines
    }

    /// What an event or source path is about: ` — event e2, Makhachkala, Dagestan`.
    func context(of field: FieldPath) -> String {
        switch field {
        case .event(let id), .eventField(let id, _):
            return " — event \(id)" + (report.event(id).map { ", " + $0.place } ?? "")
        case .source(let id), .sourceField(let id, _):
            return " — source \(id)" + (report.source(id).map { ", " + $0.ref } ?? "")
        default:
            return ""
        }
    }

    /// A candidate's value as people read it: a narrative as its text, presence and deletion
    /// in words, none as `(none)`.
    func value(_ value: JSONValue, at field: FieldPath) -> String {
        switch (field, value) {
        case (.body, .string(let body)): return "<pre class=\"candidate\">\(text(body))</pre>"
        case (.deleted, .bool(let deleted)): return deleted ? "deleted" : "not deleted"
        case (.event, .bool(let present)), (.source, .bool(let present)): return present ? "present" : "removed"
        case (_, .null): return "(none)"
        case (_, .string(let string)): return multiline(string)
        case (_, .array(let items)): return text(items.map { $0.stringValue ?? $0.canonicalString }.joined(separator: ", "))
        case (_, .double(let number)) where number.isFinite: return text(ExportValues.plainDecimal(number))
        case (_, .double): return "invalid number"
        default: return text(value.canonicalString)
        }
    }

    // MARK: Footer

    func footer() -> [String] {
        let heads = export.heads.map { "<code>\(text($0.description))</code>" }
        let version: String
        switch heads.count {
        case 0: version = "Version: unknown"
        case 1: version = "Version: " + heads[0]
        default: version = "Head versions, not yet merged: " + heads.joined(separator: ", ")
        }
        let authors = ExportValues.analysts(of: export)
        return [
            "<footer>",
            "<p>\(version)</p>",
            "<p>Written by \(authors.isEmpty ? "an unknown analyst" : authors.map(text).joined(separator: ", ")). Created \(time(report.createdAt)), updated \(time(report.updatedAt)).</p>",
            "<p>Exported from fieldnotes.</p>",
            "</footer>",
        ]
    }

    // MARK: Pieces

    /// `<time datetime="2024-06-23T10:00:00.000Z">2024-06-23 10:00 UTC</time>`.
    func time(_ timestamp: Timestamp) -> String {
        let iso = timestamp.description
        let shown = iso.count == 24 ? String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + " UTC" : iso
        return "<time datetime=\"\(text(iso))\">\(text(shown))</time>"
    }

    /// Text whose line breaks are kept.
    func multiline(_ string: String) -> String {
        string.split(separator: "\n", omittingEmptySubsequences: false).map { text(String($0)) }.joined(separator: "<br>")
    }
}
