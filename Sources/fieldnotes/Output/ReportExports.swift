import OfflineStore
import ReportFormats
import ReportModels

/// Reports as they leave fieldnotes (`ReportFormats`): each state with its head versions and
/// the analysts who wrote it, which only the store's history knows.
enum ReportExports {
    /// Cost: one read of each report's versions' authors (``Store/authors(of:)``).
    static func of(_ reports: [StoredReport], in store: Store) throws -> [ReportExport] {
        let authors = try store.authors(of: reports.map(\.report.id))
        return reports.map { ReportExport(report: $0.report, authors: authors[$0.report.id] ?? [], heads: $0.heads) }
    }
}

extension EventFilter {
    /// The export with only the events the filter asks about.
    func events(_ export: ReportExport) -> ReportExport {
        var trimmed = export
        trimmed.report = events(of: export.report)
        return trimmed
    }
}
