import ReportModels

/// Which candidate of a conflict a person picks (`resolve --take`).
public enum CandidateChoice: Equatable, Sendable {
    /// The candidate this replica wrote.
    case mine
    /// The one candidate this replica did not write.
    case theirs
    /// The candidate written by the replica whose id starts with this.
    case replica(String)
    /// The candidate written by this version (`REPLICA:COUNTER`, the replica id may be a prefix).
    case version(replica: String, counter: Int)

    /// `mine`, `theirs`, a replica id prefix, or a version dot.
    public init(_ text: String) {
        switch text.lowercased() {
        case "mine": self = .mine
        case "theirs": self = .theirs
        case let lowered:
            if let colon = lowered.lastIndex(of: ":"), let counter = Int(lowered[lowered.index(after: colon)...]) {
                self = .version(replica: String(lowered[..<colon]), counter: counter)
            } else {
                self = .replica(lowered)
            }
        }
    }
}

/// Why a resolution cannot be made; nothing is written.
public enum ResolutionError: Error, Equatable, CustomStringConvertible {
    case noSuchField(FieldPath, report: ReportID)
    case notInConflict(FieldPath)
    case noConflicts(ReportID)
    case noCandidate(FieldPath, choice: String, candidates: [String])
    case ambiguous(FieldPath, choice: String, candidates: [String])

    public var description: String {
        switch self {
        case .noSuchField(let field, let report):
            "report \(report.rawValue.prefix(8)) has no field \(field)"
        case .notInConflict(let field):
            "\(field) is not in conflict; `fieldnotes conflicts` lists the open ones"
        case .noConflicts(let report):
            "report \(report.rawValue.prefix(8)) has no open conflicts"
        case .noCandidate(let field, "mine", let candidates):
            "none of the candidates of \(field) was written on this replica; take one by its replica or version: \(candidates.joined(separator: ", "))"
        case .noCandidate(let field, let choice, let candidates):
            "no candidate of \(field) matches '\(choice)'; its candidates: \(candidates.joined(separator: ", "))"
        case .ambiguous(let field, let choice, let candidates):
            "'\(choice)' matches several candidates of \(field): \(candidates.joined(separator: ", ")); name one by its version"
        }
    }
}

extension Conflict {
    /// The candidate `choice` names, from the point of view of replica `me`.
    public func candidate(_ choice: CandidateChoice, me: ReplicaID) throws(ResolutionError) -> Candidate {
        let matches: [Candidate]
        let name: String
        switch choice {
        case .mine:
            (matches, name) = (candidates.filter { $0.version.replica == me }, "mine")
        case .theirs:
            (matches, name) = (candidates.filter { $0.version.replica != me }, "theirs")
        case .replica(let prefix):
            (matches, name) = (candidates.filter { $0.version.replica.rawValue.hasPrefix(prefix) }, prefix)
        case .version(let prefix, let counter):
            (matches, name) = (candidates.filter { $0.version.replica.rawValue.hasPrefix(prefix) && $0.version.counter == counter },
                               "\(prefix):\(counter)")
        }
        let listed = candidates.map { "\($0.version.short) (\($0.author))" }
        guard let match = matches.first else { throw .noCandidate(field, choice: name, candidates: listed) }
        guard matches.count == 1 else {
            throw .ambiguous(field, choice: name, candidates: matches.map { "\($0.version.short) (\($0.author))" })
        }
        return match
    }
}

extension Report {
    /// The conflicts `fields` name (every open conflict when `fields` is empty); a field that
    /// does not exist or is not in conflict is an error.
    public func conflicts(named fields: [FieldPath]) throws(ResolutionError) -> [Conflict] {
        guard !fields.isEmpty else {
            guard !conflicts.isEmpty else { throw .noConflicts(id) }
            return conflicts
        }
        return try fields.map { field throws(ResolutionError) in
            guard value(at: field) != nil else { throw .noSuchField(field, report: id) }
            guard let conflict = conflict(at: field) else { throw .notInConflict(field) }
            return conflict
        }
    }
}
