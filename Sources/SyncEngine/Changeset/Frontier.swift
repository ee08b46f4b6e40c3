import OfflineStore
import ReportModels

/// What a snapshot covers (DESIGN.md §11): per writer of the folder, the last of its changeset
/// files whose versions the snapshot holds — every one of that writer's files up to it. A
/// writer not named is covered up to 0 (none of its files).
///
/// It is the first line of a snapshot's payload, in canonical JSON:
/// `{"frontier":{"<replica id>":42,…}}`. Read from a file it is untrusted: the line is bounded,
/// every id checked, every number in 1…``ChangesetHeader/maximumSequence``, and it must be the
/// canonical encoding of what it says (so one frontier has one spelling).
public struct Frontier: Hashable, Sendable {
    public private(set) var sequences: [ReplicaID: Int]

    /// Writers in one frontier: as many as makers in one file.
    static let maximumWriters = ChangesetHeader.maximumIdentityCount
    /// About 60 bytes a writer.
    static let maximumLineSize = 64 * maximumWriters

    /// Entries of 0 are dropped (they cover nothing).
    public init(_ sequences: [ReplicaID: Int]) {
        self.sequences = sequences.filter { $0.value > 0 }
    }

    public subscript(writer: ReplicaID) -> Int { sequences[writer] ?? 0 }

    /// Covers at least what `other` covers, writer by writer.
    public func dominates(_ other: Frontier) -> Bool {
        other.sequences.allSatisfy { self[$0.key] >= $0.value }
    }

    /// How many files it covers in all: which of two snapshots is the newer, when neither
    /// dominates. (At most 10^5 writers × 10^12: no overflow.)
    public var total: Int { sequences.values.reduce(0, +) }

    var encoded: [UInt8] {
        let members = Dictionary(uniqueKeysWithValues: sequences.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) })
        return JSONValue.object(["frontier": .object(JSONObject(members))]).canonicalBytes
    }

    /// Parses a frontier line (without its newline).
    init(parsing line: [UInt8]) throws(ChangesetError) {
        guard line.count <= Self.maximumLineSize else { throw .malformedFrontier("longer than \(Self.maximumLineSize) bytes") }
        guard let json = try? JSONValue(parsing: line), case .object(let outer) = json, outer.members.count == 1,
              case .object(let entries)? = outer["frontier"]
        else { throw .malformedFrontier("it is not {\"frontier\":{…}}") }
        guard entries.members.count <= Self.maximumWriters else { throw .malformedFrontier("more than \(Self.maximumWriters) writers") }
        var sequences: [ReplicaID: Int] = [:]
        for member in entries.members {
            guard let writer = ReplicaID(member.key), writer.rawValue == member.key else {
                throw .malformedFrontier("\(String(reflecting: String(member.key.prefix(40)))) is not a replica id")
            }
            guard case .int(let sequence) = member.value, (1...Int64(ChangesetHeader.maximumSequence)).contains(sequence) else {
                throw .malformedFrontier("the sequence of writer \(writer) is not between 1 and \(ChangesetHeader.maximumSequence)")
            }
            sequences[writer] = Int(sequence)
        }
        self.init(sequences)
        guard encoded == line else { throw .malformedFrontier("it is not in canonical form") }
    }
}
