import ReportModels

/// A report as it leaves fieldnotes: its state, and what only its history knows.
public struct ReportExport: Sendable {
    public var report: Report
    /// The analysts who wrote its versions, the first writer first, each once.
    public var authors: [String]
    /// The dots of its head versions (one, unless concurrent versions are not yet merged).
    public var heads: [Dot]

    public init(report: Report, authors: [String], heads: [Dot]) {
        self.report = report
        self.authors = authors
        self.heads = heads
    }
}
