@testable import fieldnotes
import Testing

/// `diff`'s narrative: hunks as the merge's line diff finds them, with their context.
@Suite("Unified diff")
struct UnifiedDiffTests {
    /// (old, new, the diff with 2 lines of context, the diff with none).
    static let cases: [(String, String, [String], [String])] = [
        ("", "",
         [],
         []),
        ("same\ntext", "same\ntext",
         [],
         []),
        ("", "added",
         ["@@ -1,1 +1,1 @@", "-", "+added"],
         ["@@ -1,1 +1,1 @@", "-", "+added"]),
        ("gone", "",
         ["@@ -1,1 +1,1 @@", "-gone", "+"],
         ["@@ -1,1 +1,1 @@", "-gone", "+"]),
        ("a\nb\nc", "a\nB\nc",
         ["@@ -1,3 +1,3 @@", " a", "-b", "+B", " c"],
         ["@@ -2,1 +2,1 @@", "-b", "+B"]),
        ("a\nb\nc\nd\ne\nf\ng\nh\ni\nj", "A\nb\nc\nd\ne\nf\ng\nh\ni\nJ",
         ["@@ -1,3 +1,3 @@", "-a", "+A", " b", " c", "@@ -8,3 +8,3 @@", " h", " i", "-j", "+J"],
         ["@@ -1,1 +1,1 @@", "-a", "+A", "@@ -10,1 +10,1 @@", "-j", "+J"]),
        ("a\nb\nc\nd\ne\nf", "a\nb\nx\ny\nc\nd\ne\nf",
         ["@@ -1,4 +1,6 @@", " a", " b", "+x", "+y", " c", " d"],
         ["@@ -2,0 +3,2 @@", "+x", "+y"]),
        ("a\nb\nc\nd\ne\nf", "a\nd\ne\nf",
         ["@@ -1,5 +1,3 @@", " a", "-b", "-c", " d", " e"],
         ["@@ -2,2 +1,0 @@", "-b", "-c"]),
        ("a\nb\nc\nd\ne\nf\ng", "a\nB\nc\nd\nE\nf\ng\nh",
         ["@@ -1,7 +1,8 @@", " a", "-b", "+B", " c", " d", "-e", "+E", " f", " g", "+h"],
         ["@@ -2,1 +2,1 @@", "-b", "+B", "@@ -5,1 +5,1 @@", "-e", "+E", "@@ -7,0 +8,1 @@", "+h"]),
        ("x\na\nb", "a\nb\ny",
         ["@@ -1,3 +1,3 @@", "-x", " a", " b", "+y"],
         ["@@ -1,1 +0,0 @@", "-x", "@@ -3,0 +3,1 @@", "+y"]),
        ("one\ntwo\nthree\n", "zero\none\nthree\nfour\n",
         ["@@ -1,4 +1,5 @@", "+zero", " one", "-two", " three", "+four", " "],
         ["@@ -0,0 +1,1 @@", "+zero", "@@ -2,1 +2,0 @@", "-two", "@@ -3,0 +4,1 @@", "+four"]),
    ]

    @Test func hunksWithAndWithoutContext() {
        for (old, new, withContext, bare) in Self.cases {
            #expect(UnifiedDiff.lines(from: old, to: new) == withContext, "\(old.debugDescription) → \(new.debugDescription)")
            #expect(UnifiedDiff.lines(from: old, to: new, context: 0) == bare, "\(old.debugDescription) → \(new.debugDescription)")
        }
    }
}
