import OfflineStore
import ReportModels

extension Store {
    /// The analysts who wrote a report's state, the first writer first, each once. With
    /// `clock` (a past state, `show --at`), only the versions in its past count.
    ///
    /// Cost: one JSON lookup per version (``Store/authors(of:)``); with a clock, the
    /// report's versions decoded once.
    public func writers(of id: ReportID, upTo clock: VectorClock? = nil) throws -> [String] {
        guard let clock else { return try authors(of: [id])[id] ?? [] }
        var seen = Set<String>()
        return try versions(of: id).filter { clock.dominates($0.clock) && seen.insert($0.author).inserted }.map(\.author)
    }
}
