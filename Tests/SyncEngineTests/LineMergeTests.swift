import SyncEngine
import Testing

@Suite("Line-based three-way merge of bodies")
struct LineMergeTests {
    let base = "one\ntwo\nthree\nfour\nfive"

    @Test func editsOfDifferentLinesMergeCleanly() {
        #expect(LineMerge.merge(base: base, sides: ["ONE\ntwo\nthree\nfour\nfive", "one\ntwo\nthree\nfour\nFIVE"])
            == .merged("ONE\ntwo\nthree\nfour\nFIVE"))
    }

    @Test func editsOfNeighbouringLinesMergeCleanly() {
        #expect(LineMerge.merge(base: base, sides: ["one\nTWO\nthree\nfour\nfive", "one\ntwo\nTHREE\nfour\nfive"])
            == .merged("one\nTWO\nTHREE\nfour\nfive"))
    }

    @Test func insertionsAndDeletionsMerge() {
        #expect(LineMerge.merge(base: base, sides: ["zero\none\ntwo\nthree\nfour\nfive", "one\ntwo\nfour\nfive\nsix"])
            == .merged("zero\none\ntwo\nfour\nfive\nsix"))
    }

    @Test func theSameChangeOnBothSidesIsNotAConflict() {
        #expect(LineMerge.merge(base: base, sides: ["one\n2\nthree\nfour\nfive", "one\n2\nthree\nfour\nfive"])
            == .merged("one\n2\nthree\nfour\nfive"))
    }

    @Test func overlappingEditsConflictAndEachCandidateKeepsTheOthersCleanChanges() {
        let outcome = LineMerge.merge(base: base, sides: ["ONE\ntwo\nthree\nfour\nFIVE-A", "one\ntwo\nthree\nFOUR\nFIVE-B"])
        // Lines 4-5 collide (B changed 4 and 5, A changed 5); line 1 is A's alone.
        #expect(outcome == .conflicted(["ONE\ntwo\nthree\nfour\nFIVE-A", "ONE\ntwo\nthree\nFOUR\nFIVE-B"]))
    }

    @Test func insertionsAtTheSamePlaceConflict() {
        let outcome = LineMerge.merge(base: "a\nb", sides: ["a\nx\nb", "a\ny\nb"])
        #expect(outcome == .conflicted(["a\nx\nb", "a\ny\nb"]))
    }

    @Test func aSideInNoConflictGetsNoCandidate() {
        let outcome = LineMerge.merge(base: base, sides: ["one\nA\nthree\nfour\nfive", "one\nB\nthree\nfour\nfive", "one\ntwo\nthree\nfour\nFIVE"])
        #expect(outcome == .conflicted(["one\nA\nthree\nfour\nFIVE", "one\nB\nthree\nfour\nFIVE", nil]))
    }

    @Test func theDiffCutsChangesIntoMaximalHunksBetweenPairedLines() {
        let old = LineDiff.lines("x\na\nb\nc\nd")
        let new = LineDiff.lines("a\nB\nC\nd\ny")
        let hunks = LineDiff.changes(from: old, to: new).hunks.map { [$0.removed, $0.inserted] }
        #expect(hunks == [[0..<1, 0..<0], [2..<4, 1..<3], [5..<5, 4..<5]])
        #expect(Array(LineDiff.changes(from: old, to: old).hunks).isEmpty)
        #expect(LineDiff.lines("") == [""] && LineDiff.lines("a\n") == ["a", ""])
    }

    @Test func emptyTextsMerge() {
        #expect(LineMerge.merge(base: "", sides: ["", "added"]) == .merged("added"))
        #expect(LineMerge.merge(base: "gone", sides: ["", "gone"]) == .merged(""))
    }
}
