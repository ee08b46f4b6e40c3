import Crypto
import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// What a changeset from elsewhere may not say, though it parses: each is refused with one
/// reason, and the store is left exactly as it was.
@Suite("Strict imports")
struct StrictImportTests {
    let workspace: Workspace
    let bob: Store
    let mallory = ReplicaID()
    let time = Timestamp(millisecondsSince1970: 1_700_000_000_000)

    init() throws {
        workspace = try Workspace()
        bob = try workspace.store("bob")
    }

    /// Imports the file into bob's store and expects it refused with the store unchanged;
    /// returns the reason.
    func refused(_ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let before = try bob.rawDump()
        let summary = Synchronizer(store: bob).importFiles([url])
        #expect(summary.importedChangesets == 0 && summary.skipped.count == 1, "\(summary)", sourceLocation: sourceLocation)
        #expect(try bob.rawDump() == before, "the store changed", sourceLocation: sourceLocation)
        return summary.skipped.first?.reason ?? ""
    }

    func file(_ versions: [Version], writer: ReplicaID? = nil, name: String = UUID().uuidString) throws -> URL {
        try writeRawChangeset(versions.map(\.encoded), to: workspace.file("\(name).fnc"), writer: writer ?? mallory)
    }

    // MARK: - Clocks that name this replica

    @Test func aVersionThatHasSeenVersionsOfThisReplicaThatThisStoreDoesNotHoldIsRefused() throws {
        let me = bob.identity.replica
        // A report new to bob, whose first version claims to have seen three of bob's.
        let unknown = Version(snapshot: Report(title: "Made elsewhere"), after: VectorClock([me: 3]), replica: mallory, author: "mallory", time: time)
        let reason = try refused(try file([unknown]))
        #expect(reason.contains("has seen version \(me.short):3, made as this replica, which this store does not hold"), "\(reason)")

        // A report bob holds one version of: a version that saw bob's first is fine, one
        // that saw a second (which bob never made) is not — bob's next edit would be bob:2.
        let id = try bob.add("Bob's report")
        let mine = try bob.versions(of: id)[0]
        var edited = mine.snapshot
        edited.status = .final
        let beyond = Version(snapshot: edited, after: VectorClock([me: 2]), replica: mallory, author: "mallory", time: time)
        #expect(try refused(try file([beyond])).contains("has seen version \(me.short):2"))
        let fine = Version(snapshot: edited, after: mine.clock, replica: mallory, author: "mallory", time: time)
        #expect(Synchronizer(store: bob).importFiles([try file([fine])]).skipped.isEmpty)
        try bob.commitChange(to: id) { $0.title = "Bob's next edit" }
        #expect(try bob.versions(of: id).map(\.dot).contains(Dot(replica: me, counter: 2)))
        try bob.expectVerified()
    }

    @Test func aFileThatSaysThisReplicaWroteItHoldsOnlyVersionsThisStoreHas() throws {
        let id = try bob.add("Bob's report")
        let own = workspace.file("own.fnc")
        _ = try Synchronizer(store: bob).export(to: own, all: true)
        // Bob's own export comes back: nothing new, nothing refused.
        #expect(Synchronizer(store: bob).importFiles([own]).skipped.isEmpty)
        // A file written as bob holding a version bob never had.
        let other = Version(snapshot: Report(title: "Not bob's"), after: VectorClock(), replica: mallory, author: "mallory", time: time)
        let reason = try refused(try file([try bob.versions(of: id)[0], other], writer: bob.identity.replica))
        #expect(reason.contains("its header says this replica wrote it"), "\(reason)")
    }

    // MARK: - Numbers written one way only

    /// A version of a new report by mallory, with `text` in its encoding replaced and hashed
    /// again: whole but for what the replacement did.
    func forged(replacing text: String, with replacement: String) -> String {
        let version = Version(snapshot: Report(title: "Report"), after: VectorClock(), replica: mallory, author: "mallory", time: time)
        let member = "\"hash\":\"\(version.hash.hex)\","
        let content = version.encoded.replacingOccurrences(of: member, with: "").replacingOccurrences(of: text, with: replacement)
        let hash = SHA256.hash(data: Data(content.utf8)).map { String(format: "%02x", $0) }.joined()
        // The hash member sorts after "dot" and before "snapshot".
        return content.replacingOccurrences(of: ",\"snapshot\":", with: ",\"hash\":\"\(hash)\",\"snapshot\":")
    }

    func file(lines: [String]) throws -> URL {
        try writeRawChangeset(lines, to: workspace.file("\(UUID().uuidString).fnc"), writer: mallory)
    }

    @Test func aForgeryThatChangesNothingImports() throws {
        let dot = "\"dot\":\"\(mallory):1\""
        #expect(Synchronizer(store: bob).importFiles([try file(lines: [forged(replacing: dot, with: dot)])]).skipped.isEmpty)
    }

    @Test(arguments: [":+1", ":01", ":1 ", ":0x1", ":18446744073709551617"])
    func aDotWithANumberWrittenAnotherWayIsRefused(spelling: String) throws {
        let line = forged(replacing: "\"dot\":\"\(mallory):1\"", with: "\"dot\":\"\(mallory)\(spelling)\"")
        #expect(line.contains("\(mallory)\(spelling)"))
        let reason = try refused(try file(lines: [line]))
        #expect(reason.contains("version 1 is malformed") && reason.contains("is not a version dot"), "\(reason)")
    }

    @Test func aTimeWrittenAnotherWayIsRefused() throws {
        let line = forged(replacing: "\"time\":\"\(time)\"", with: "\"time\":\"2023-11-15T01:13:20+03:00\"")
        let reason = try refused(try file(lines: [line]))
        #expect(reason.contains("time: '2023-11-15T01:13:20+03:00' is not in canonical form"), "\(reason)")
    }

    @Test func dotsAreReadInTheirOneSpellingAndNeverOverflow() {
        let replica = mallory.rawValue
        #expect(Dot("\(replica):1") == Dot(replica: mallory, counter: 1))
        #expect(Dot("\(replica):1099511627775")?.counter == (1 << 40) - 1)
        for bad in ["+1", "01", "0", "-1", "", " 1", "1099511627776", "9223372036854775807", "9223372036854775808", "99999999999999999999999"] {
            #expect(Dot("\(replica):\(bad)") == nil, "\(bad)")
        }
    }

    // MARK: - The changeset header

    @Test(arguments: [
        ("reserved", 90, [UInt8(1)], "reserved bytes are not zero"),
        ("sequence too large", 28, bigEndian(UInt64(1) << 62), "sequence 4611686018427387904 is not between 1 and 1000000000000"),
        ("sequence past Int", 28, bigEndian(UInt64.max), "sequence 18446744073709551615 is not between"),
        ("nil writer", 12, [UInt8](repeating: 0, count: 16), "the writer is not a replica id"),
        ("not a random id", 18, [UInt8(0x11)], "the writer is not a replica id"),
        ("level", 85, [UInt8(200)], "zlib level 200"),
        ("count past size", 36, bigEndian(UInt64(1) << 40), "versions in"),
        ("size past any", 44, bigEndian(UInt64.max), "versions in"),
    ])
    func aHeaderThatNoFieldnotesWritesIsRefused(kind: String, offset: Int, bytes: [UInt8], reason: String) throws {
        let version = Version(snapshot: Report(title: "Report"), after: VectorClock(), replica: mallory, author: "mallory", time: time)
        let url = try file([version], name: kind)
        try patch(url, at: offset, with: bytes)
        let refusal = try refused(url)
        #expect(refusal.contains("damaged header") && refusal.contains(reason), "\(kind): \(refusal)")
    }

    @Test func theLargestSequenceIsRead() throws {
        let url = try writeRawChangeset([], to: workspace.file("last.fnc"), writer: mallory, sequence: ChangesetHeader.maximumSequence)
        #expect(try ChangesetReader.header(of: url).sequence == ChangesetHeader.maximumSequence)
    }
}
