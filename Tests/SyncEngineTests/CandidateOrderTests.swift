import Foundation
import ReportModels
@testable import SyncEngine
import Testing

/// A conflict whose two candidates stand for one version with different values (the version
/// carried a conflict of the narrative, and offers its candidates): the state must not depend
/// on the order the versions arrived in, nor on the process computing it. Found by the team
/// soak (seed 2994550001): two replicas' `verify` recomputed another candidate order than
/// the one they stored, because the tie was left to a dictionary's order.
@Suite("The order of a conflict's candidates")
struct CandidateOrderTests {
    /// The fourteen versions of the soak's report, as a store keeps them (one per line).
    static let versions: [Version] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Fixtures/tied-candidates.versions")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? Version(encoded: Array($0.utf8)) }
    }()

    @Test func candidatesOfOneVersionAreOrderedByValueWhateverTheArrivalOrder() throws {
        #expect(Self.versions.count == 14)
        let expected = try #require(RecordHistory(Self.versions).state)
        let tied = expected.conflicts.filter { conflict in
            Set(conflict.candidates.map(\.version)).count < conflict.candidates.count
        }
        #expect(!tied.isEmpty, "the fixture no longer holds a tie")
        for conflict in tied {
            for (a, b) in zip(conflict.candidates, conflict.candidates.dropFirst()) where a.version == b.version {
                #expect(a.value.canonicalString < b.value.canonicalString, "\(conflict.field)")
            }
        }
        var random = SeededGenerator(state: 2_994_550_001)
        for _ in 0..<50 {
            #expect(RecordHistory(Self.versions.shuffled(using: &random)).state == expected)
        }
    }
}
