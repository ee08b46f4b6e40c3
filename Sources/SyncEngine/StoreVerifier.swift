import Foundation
import OfflineStore
import ReportModels

/// Checks a store end to end: SQLite's integrity, every version whole (its hash matches its
/// content, its dot matches its columns, its report valid), and every record's stored state,
/// clock and heads equal to what its versions define.
public enum StoreVerifier {
    public struct Summary: Sendable {
        public var reports = 0
        public var versions = 0
        public var problems: [String] = []
        /// Versions accepted before the key that signed them was revoked: not damage (they
        /// stay, DESIGN.md §9), but what a person who revoked a key wants to review.
        public var revokedSince: [String] = []
    }

    /// The database itself could not be read through: nothing else can be checked.
    public enum Failure: Error, Equatable, LocalizedError {
        case databaseDamaged(String)

        public var errorDescription: String? {
            switch self {
            case .databaseDamaged(let detail):
                "the store's database is damaged (\(detail)); writes are refused until `fieldnotes verify` passes: restore the store from a backup, or make a new one (`fieldnotes init --store NEW`) and sync it from a peer"
            }
        }
    }

    /// `verify` as a command runs it: checks the store and records the verdict, since writes
    /// are refused while the last verdict was damage, until a verify passes (`StoreDamage`).
    ///
    /// States an earlier fieldnotes' merge rules computed are computed again first
    /// (``StateUpgrade``), as any command that writes does; a report whose versions cannot be
    /// read stays listed, and is named below.
    public static func verifyAndRecord(_ store: Store, progress: CheckProgress? = nil) throws -> Summary {
        _ = try? StateUpgrade.run(store)
        let summary: Summary
        do {
            summary = try verify(store, progress: progress)
        } catch {
            guard case .damaged(_, let detail)? = StoreFault(error, store: store.directory) else { throw error }
            StoreDamage.record(detail, in: store.directory)
            throw Failure.databaseDamaged(detail)
        }
        if let problem = summary.problems.first {
            StoreDamage.record(problem, in: store.directory)
        } else {
            StoreDamage.clear(in: store.directory)
        }
        return summary
    }

    /// Told how many reports have been checked, of about how many (a library never prints).
    public typealias CheckProgress = (_ checked: Int, _ total: Int) -> Void

    public static func verify(_ store: Store, progress: CheckProgress? = nil) throws -> Summary {
        var summary = Summary()
        let keys = Dictionary(grouping: try store.knownKeys(), by: \.replica)
        let signatures = SignatureCheck(keys: keys, me: store.identity.replica)
        let total = try progress.map { _ in try store.counts() }.map { $0.reports + $0.deletedReports } ?? 0
        // SQLite's checks of the file run on a second connection meanwhile; their problems come first.
        let integrity = try store.integrityProblems {
            try store.forEachRecord { record in
                check(record, into: &summary)
                progress?(summary.reports, max(total, summary.reports))
                for version in record.versions {
                    let name = "version \(version.replicaID.prefix(8)):\(version.counter) of report \(record.id)"
                    switch signatures.finding(for: version) {
                    case .problem(let problem)?: summary.problems.append("\(name): \(problem)")
                    case .revokedSince(let note)?: summary.revokedSince.append("\(name): \(note)")
                    case nil: break
                    }
                }
            }
        }
        // Team keys (DESIGN.md §10): each must be the key its id names, derived as it says.
        for stored in try store.teamKeys() where (try? TeamKey(stored)) == nil {
            summary.problems.append("team key \(Hex.encode(stored.id).prefix(8)): its id or derivation does not match the key")
        }
        summary.problems = integrity + summary.problems
        return summary
    }

    /// Checks one record: its versions whole, its state, clock and heads those its versions
    /// define, its listing and search entry those of its state.
    private static func check(_ record: Store.StoredRecord, into summary: inout Summary) {
        summary.reports += 1
        var versions: [Version] = []
        for stored in record.versions {
            summary.versions += 1
            let name = "version \(stored.replicaID.prefix(8)):\(stored.counter) of report \(record.id)"
            switch stored.decoded {
            case .failure(StoreError.corruptRecord(let detail)):
                summary.problems.append("\(name): damaged (\(detail))")
            case .failure(let error):
                summary.problems.append("\(name): \(describeError(error))")
            case .success(let version):
                if version.reportID.rawValue != stored.reportID || version.dot.replica.rawValue != stored.replicaID
                    || version.dot.counter != stored.counter || version.hash.hex != stored.hash {
                    summary.problems.append("\(name): its columns do not match its content")
                }
                do {
                    try version.validate()
                } catch {
                    summary.problems.append("\(name): \(describeError(error))")
                }
                versions.append(version)
            }
        }
        let history = RecordHistory(versions)
        if versions.count == record.versions.count, let problem = history.inconsistency {
            summary.problems.append("report \(record.id): its history is impossible: \(problem)")
            return
        }
        switch record.state {
        case nil:
            summary.problems.append("report \(record.id): has versions but no state")
        case .failure(let error):
            summary.problems.append("report \(record.id): \(describeError(error))")
        case .success(let stored):
            if versions.count < record.versions.count {
                // Named above; the state cannot be checked against versions that are damaged.
            } else if versions.isEmpty {
                summary.problems.append("report \(record.id): has a state but no versions")
            } else if stored.report != history.state {
                summary.problems.append("report \(record.id): its state differs from the state its versions define")
            } else if stored.clock != history.clock || stored.heads != history.heads.map(\.dot) {
                summary.problems.append("report \(record.id): its clock or heads differ from its versions'")
            } else if let problem = Result(catching: { try stored.report.validate() }).failure {
                summary.problems.append("report \(record.id): its state breaks a rule: \(describeError(problem))")
            } else if !record.derivedDataMatches {
                summary.problems.append("report \(record.id): its listing or search entry differs from its state")
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// The maker signature of a stored version against the keys the store knows its maker by
/// (DESIGN.md §9): it must verify with one of them; one that verifies only with a key revoked
/// since is named; this replica's own versions must all be signed. Cost: one Ed25519
/// verification per signed version (the key that verified last is tried first).
private struct SignatureCheck {
    let keys: [ReplicaID: [KnownKey]]
    let me: ReplicaID

    enum Finding {
        case problem(String)
        case revokedSince(String)
    }

    func finding(for version: Store.StoredVersion) -> Finding? {
        guard let replica = ReplicaID(version.replicaID), let hash = Hex.decode(version.hash, byteCount: 32) else { return nil }
        guard let signature = version.signature else {
            return replica == me ? .problem("made here but not signed") : nil
        }
        let known = keys[replica] ?? []
        guard let signer = known.first(where: { MakerSignature.verify(hash: ContentHash(bytes: hash), signature: signature, key: $0.key) }) else {
            return .problem("its signature does not verify with any key of its maker")
        }
        if signer.trust == .revoked {
            return .revokedSince("signed by \(signer.analyst) with key \(signer.key.fingerprint), revoked since")
        }
        return nil
    }
}
