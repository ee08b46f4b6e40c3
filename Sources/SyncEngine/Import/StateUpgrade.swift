import OfflineStore
import ReportModels

/// Computes again, by this fieldnotes' merge rules, the states a store computed by the rules
/// of an earlier one (the reports its migrations listed: `Store/statesToRecompute(limit:)`).
/// The state is a function of the set of versions (DESIGN.md §4); when the function is
/// corrected, a state stored by the old one must follow, or stores on the two versions would
/// disagree and `verify` would say so.
///
/// A batch of reports per transaction, each taken off the list with its new state: cut short,
/// it goes on where it stopped at the next command that writes. Cost: each listed report's
/// merge once (its versions' headers, and the snapshots the merge reads).
public enum StateUpgrade {
    public static let batchSize = 200

    /// Recomputes every listed state; returns how many. `progress` is told the count so far.
    @discardableResult
    public static func run(_ store: Store, progress: ((Int) -> Void)? = nil) throws -> Int {
        var done = 0
        while true {
            let reports = try store.statesToRecompute(limit: batchSize)
            guard !reports.isEmpty else { return done }
            try store.importing { transaction in
                var merger = IncrementalMerge(transaction: transaction, me: store.identity.replica)
                for report in reports {
                    try merger.recomputeStored(report)
                    try transaction.recomputed(report)
                }
            }
            done += reports.count
            progress?(done)
        }
    }
}
