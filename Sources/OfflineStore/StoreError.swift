import Foundation
import ReportModels

/// What can go wrong with a store, said so that a person knows what to do next.
public enum StoreError: Error, Equatable, LocalizedError {
    case missing(path: String)
    case alreadyExists(path: String)
    case notAStore(path: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case unknownReport(String)
    case ambiguousReport(String, candidates: [String])
    case reportIDTooShort(String)
    case unknownVersion(report: ReportID, version: String)
    case ambiguousVersion(report: ReportID, version: String, candidates: [String])
    case invalid(InvalidField)
    case invalidAnalyst(InvalidField)
    case corruptRecord(String)
    case cannotCreate(path: String, reason: String)
    case migrationFailed(path: String, migration: Int, reason: String)
    case tooLarge(report: ReportID, bytes: Int)
    case remoteExists(String)
    case unknownRemote(String)
    case invalidRemoteName(String)
    case signingKeyMissing(path: String)
    case signingKeyUnreadable(path: String, reason: String)
    /// No replica this store knows of (by a version or a key) has this id or prefix.
    case unknownReplica(String)
    case ambiguousReplica(String, candidates: [String])
    /// SQLite refused what no command should ask of it — a constraint, a statement gone wrong:
    /// a bug. `code` is SQLite's extended result code (nil: an error of GRDB's own). Its
    /// message and statement are not said: they are for the code, not for a person.
    case internalError(code: Int32?)

    public var errorDescription: String? {
        switch self {
        case .missing(let path):
            "no fieldnotes store at \(path): run `fieldnotes init` to create one, or pass --store"
        case .alreadyExists(let path):
            "a store already exists at \(path); use it, or pass --store to create another"
        case .notAStore(let path):
            "\(path) is not a fieldnotes store (or it is damaged); check the --store path, or move it aside and run `fieldnotes init`"
        case .newerSchema(let path, let found, let supported):
            "the store at \(path) was written by a newer fieldnotes (schema \(found); this one knows up to \(supported)); upgrade fieldnotes to use it"
        case .unknownReport(let prefix):
            "no report matches '\(prefix)'; `fieldnotes list` shows the ids"
        case .ambiguousReport(let prefix, let candidates):
            "'\(prefix)' matches several reports: \(candidates.joined(separator: ", ")); type more of the id"
        case .reportIDTooShort(let prefix):
            "'\(prefix)' is too short to name a report; give at least 4 characters of its id"
        case .unknownVersion(let report, let version):
            "report \(report) has no version '\(version)'; `fieldnotes log \(report.rawValue.prefix(8))` lists them"
        case .ambiguousVersion(_, let version, let candidates):
            "'\(version)' matches several versions: \(candidates.joined(separator: ", ")); type more of the replica id"
        case .invalid(let error):
            error.description
        case .invalidAnalyst(let error):
            "\(error.description); the analyst name must be one line of text (at most \(FieldRules.maximumNameLength) characters): pass --analyst NAME"
        case .cannotCreate(let path, let reason):
            "cannot create a store at \(path): \(reason); choose another --store path"
        case .migrationFailed(let path, let migration, let reason):
            "could not upgrade the store at \(path) to schema \(migration) (\(reason)); it is unchanged — run `fieldnotes verify`, and report this"
        case .tooLarge(let report, let bytes):
            "report \(report.rawValue.prefix(8)) would be \(bytes / 1_048_576) MB, too large to sync; shorten its narrative or resolve its conflicts"
        case .remoteExists(let name):
            "a remote named '\(name)' exists already; `fieldnotes remote rm \(name)` first to change it"
        case .signingKeyMissing(let path):
            "this replica's signing key \(path) is missing, so it cannot sign what it makes (its peers would refuse it as forged); restore the file from a backup of the store, or make a new replica (`fieldnotes init --store NEW`) and sync it from a peer"
        case .signingKeyUnreadable(let path, let reason):
            "cannot use this replica's signing key \(path): \(reason); restore the file from a backup of the store, or make a new replica (`fieldnotes init --store NEW`) and sync it from a peer"
        case .invalidRemoteName:
            "a remote name is letters, digits, '-', '_' and '.', starting with a letter or digit"
        case .unknownReplica(let text):
            "no replica this store knows of has an id starting with '\(text)'; give its whole id (`fieldnotes status` names the replicas that hold compaction back)"
        case .ambiguousReplica(let text, let candidates):
            "'\(text)' matches several replicas: \(candidates.joined(separator: ", ")); type more of the id"
        case .unknownRemote(let name):
            "no remote named '\(name)'; `fieldnotes remote list` shows them"
        case .corruptRecord(let detail):
            "the store holds a damaged record (\(detail)); run `fieldnotes verify`"
        case .internalError(let code):
            "internal error in the store\(code.map { " (SQLite code \($0))" } ?? ""); nothing was changed — run `fieldnotes verify`, and report this"
        }
    }
}
