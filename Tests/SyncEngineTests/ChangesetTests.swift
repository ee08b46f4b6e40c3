import Foundation
@testable import OfflineStore
import ReportModels
@testable import SyncEngine
import Testing

/// The changeset file: written and read back, and every kind of bad file refused with the
/// store left exactly as it was.
@Suite("Changeset files")
struct ChangesetTests {
    /// A store with reports and a changeset of all its versions.
    func exported(_ workspace: Workspace, reports: Int = 3) throws -> (Store, URL) {
        let store = try workspace.store("alice")
        for index in 0..<reports {
            let id = try store.add("Report \(index)")
            try store.commitChange(to: id) { $0.status = .final }
        }
        let url = workspace.file("all.fnc")
        #expect(try Synchronizer(store: store).export(to: url, all: true) == reports * 2)
        return (store, url)
    }

    /// The same versions in format 1 (unsigned, as fieldnotes wrote before signatures), whose
    /// header fields can be changed without breaking a signature: each check of the payload
    /// against its header is then seen on its own. (Format 2's header is signed; a changed
    /// byte there is refused for that first: `SignedChangesetTests`.)
    func exportedInFormatOne(_ workspace: Workspace) throws -> (Store, URL) {
        let (store, signed) = try exported(workspace)
        let url = workspace.file("format1.fnc")
        let writer = try ChangesetWriter(at: url, writer: store.identity.replica, sequence: 1, level: 6, signing: nil)
        try ChangesetReader.read(signed) { version, _ in try writer.append(version, signature: nil) }
        _ = try writer.finish()
        return (store, url)
    }

    @Test func versionsRoundTripInReportOrder() throws {
        let workspace = try Workspace()
        let (store, url) = try exported(workspace)
        var read: [Version] = []
        let header = try ChangesetReader.read(url) { version, _ in
            read.append(version)
            #expect(version.encoded == version.json.canonicalString)
        }.header
        #expect(header.writer == store.identity.replica)
        #expect(header.count == 6)
        #expect(read.map(\.reportID) == read.map(\.reportID).sorted())
        let expected = try store.summaries(ReportFilter()).flatMap { try store.versions(of: $0.id) }
        #expect(Set(read) == Set(expected))
    }

    /// An import checks a file's header before it starts and reads the versions after it
    /// from the same open file: another file taking the name in between changes nothing.
    @Test func anOpenedFileIsReadAsItWasWhenOpened() throws {
        let workspace = try Workspace()
        let (alice, url) = try exported(workspace, reports: 2)
        let bob = try workspace.store("bob")
        try bob.add("Bob's")
        let replacement = workspace.file("bob.fnc")
        #expect(try Synchronizer(store: bob).export(to: replacement, all: true) == 1)
        let opened = try ChangesetReader.OpenFile(url)
        #expect(opened.header.writer == alice.identity.replica)
        try FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: replacement, to: url)
        var read: [Version] = []
        let header = try ChangesetReader.read(opened) { version, _ in read.append(version) }.header
        #expect(header == opened.header && header.count == 4)
        #expect(read.map(\.dot.replica) == Array(repeating: alice.identity.replica, count: 4))
        #expect(try ChangesetReader.header(of: url).writer == bob.identity.replica)
    }

    @Test func thePayloadIsCompressed() throws {
        let workspace = try Workspace()
        let (_, url) = try exported(workspace, reports: 200)
        let header = try ChangesetReader.header(of: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        #expect(Double(size) < 0.45 * Double(header.uncompressedSize))
    }

    @Test func importingIntoAnotherStoreReproducesTheReports() throws {
        let workspace = try Workspace()
        let (alice, url) = try exported(workspace)
        let bob = try workspace.store("bob")
        let summary = Synchronizer(store: bob).importFiles([url])
        #expect(summary.importedVersions == 6 && summary.skipped.isEmpty)
        #expect(try bob.canonicalDump() == alice.canonicalDump())
        try bob.expectVerified()
    }

    /// Imports `url` into a fresh store holding one report and expects it refused with the
    /// store unchanged; returns the reason.
    func expectRefused(_ url: URL, in workspace: Workspace, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let bob = try workspace.store("bob-\(UUID().uuidString)")
        try bob.add("Bob's own")
        let before = try bob.rawDump()
        let summary = Synchronizer(store: bob).importFiles([url])
        #expect(summary.importedChangesets == 0, sourceLocation: sourceLocation)
        #expect(summary.skipped.count == 1, sourceLocation: sourceLocation)
        #expect(try bob.rawDump() == before, "the store changed", sourceLocation: sourceLocation)
        return summary.skipped.first?.reason ?? ""
    }

    @Test func aWrongChecksumIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exportedInFormatOne(workspace)
        try patch(url, at: 60, with: [0xFF, 0xEE])
        #expect(try expectRefused(url, in: workspace).contains("does not match its checksum"))
    }

    @Test(arguments: [0.5, 0.9, 0.99])
    func aTruncatedFileIsRefused(fraction: Double) throws {
        let workspace = try Workspace()
        let (_, url) = try exported(workspace, reports: 20)
        let data = try Data(contentsOf: url)
        try data.prefix(Int(Double(data.count) * fraction)).write(to: url)
        #expect(try expectRefused(url, in: workspace).contains("truncated"))
    }

    @Test func aFileCutInsideItsHeaderIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exported(workspace)
        try Data(try Data(contentsOf: url).prefix(40)).write(to: url)
        #expect(try expectRefused(url, in: workspace).contains("truncated"))
    }

    @Test func aFutureFormatVersionIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exported(workspace)
        try patch(url, at: 8, with: [0, 4])
        #expect(try expectRefused(url, in: workspace).contains("written in changeset format 4 by a newer fieldnotes"))
    }

    @Test func aPayloadThatInflatesPastItsDeclaredSizeIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exportedInFormatOne(workspace)
        try patch(url, at: 44, with: bigEndian(UInt64(1000)))
        #expect(try expectRefused(url, in: workspace).contains("inflates past its declared 1000 bytes"))
    }

    @Test func aDecompressionBombIsStoppedAtTheDeclaredSize() throws {
        let workspace = try Workspace()
        // 64 MB of spaces compress to a few kilobytes; the header claims 1 KB.
        let url = workspace.file("bomb.fnc")
        let writer = try ChangesetWriter(at: url, writer: ReplicaID(), sequence: 1, level: 9, signing: nil)
        let line = String(repeating: " ", count: 1 << 20)
        for _ in 0..<64 { try writer.append(encodedVersion: line, signature: nil) }
        _ = try writer.finish()
        try patch(url, at: 44, with: bigEndian(UInt64(1024)))
        #expect(try expectRefused(url, in: workspace).contains("decompression bomb"))
    }

    @Test func aCountThatDoesNotMatchIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exportedInFormatOne(workspace)
        try patch(url, at: 36, with: bigEndian(UInt64(7)))
        #expect(try expectRefused(url, in: workspace).contains("not the 7 its header declares"))
    }

    @Test func dataAfterTheCompressedStreamIsRefused() throws {
        let workspace = try Workspace()
        let (_, url) = try exported(workspace)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("tail".utf8))
        try handle.close()
        #expect(try expectRefused(url, in: workspace).contains("data after the end"))
    }

    @Test func somethingThatIsNotAChangesetIsRefused() throws {
        let workspace = try Workspace()
        let url = workspace.file("notes.fnc")
        try Data("Just some notes, not a changeset.".utf8).write(to: url)
        #expect(try expectRefused(url, in: workspace).contains("not a fieldnotes changeset"))
        let missing = workspace.file("missing.fnc")
        #expect(try expectRefused(missing, in: workspace).contains("cannot read"))
    }

    @Test func malformedVersionsAreRefused() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let id = try alice.add("Report")
        let good = try alice.versions(of: id)[0].json.canonicalString
        let replica = alice.identity.replica.rawValue
        var invalidReport = try alice.versions(of: id)[0].snapshot
        invalidReport.events[0].lat = 91
        invalidReport.events[0].lon = 0
        let invalid = Version(snapshot: invalidReport, after: VectorClock(), replica: alice.identity.replica, author: "alice", time: .now)
        let cases: [(String, String)] = [
            ("not json at all", "invalid JSON"),
            (good.replacingOccurrences(of: id.rawValue, with: "not-a-uuid"), "not a UUID"),
            (good.replacingOccurrences(of: "\"\(replica)\":1", with: "\"\(replica)\":0"), "positive whole number"),
            (good.replacingOccurrences(of: "\"\(replica)\":1", with: "\"\(replica)\":2"), "not its replica's entry"),
            (good.replacingOccurrences(of: "\"status\":\"draft\"", with: "\"status\":\"done\""), "unknown status"),
            (good.replacingOccurrences(of: "Report", with: "Tampered"), "does not match its hash"),
            (invalid.json.canonicalString, "latitude is between -90 and 90"),
            (good.replacingOccurrences(of: "\"e1\"", with: "\"e 1\""), "not a valid id"),
        ]
        for (index, (line, reason)) in cases.enumerated() {
            let url = try writeRawChangeset([good, line], to: workspace.file("bad-\(index).fnc"))
            let refusal = try expectRefused(url, in: workspace)
            #expect(refusal.contains("version 2 is malformed"), "\(refusal)")
            #expect(refusal.contains(reason), "\(reason): \(refusal)")
        }
    }

    @Test func aKnownDotWithOtherContentIsRefusedLoudly() throws {
        let workspace = try Workspace()
        let alice = try workspace.store("alice")
        let id = try alice.add("Report")
        let first = workspace.file("first.fnc")
        _ = try Synchronizer(store: alice).export(to: first, all: true)
        // A copy of alice's store, edited on another laptop, makes a different version 2.
        let copy = workspace.root.appending(path: "store-alice-copy")
        try FileManager.default.copyItem(at: alice.directory, to: copy)
        let twin = try Store.open(at: copy)
        try alice.commitChange(to: id) { $0.title = "Edited on the first laptop" }
        try twin.commitChange(to: id) { $0.title = "Edited on the second laptop" }
        let fromTwin = workspace.file("twin.fnc")
        _ = try Synchronizer(store: twin).export(to: fromTwin, all: true)
        let before = try alice.rawDump()
        let summary = Synchronizer(store: alice).importFiles([fromTwin])
        #expect(summary.skipped.first?.reason.contains("already here with different content") == true)
        #expect(summary.skipped.first?.reason.contains("copies of one store") == true)
        #expect(try alice.rawDump() == before)
    }

    @Test func aChangesetIsReadInPiecesWhateverItsSize() throws {
        let workspace = try Workspace()
        let url = workspace.file("big.fnc")
        let alice = try workspace.store("alice")
        let id = try alice.add("Report")
        let line = try alice.versions(of: id)[0].json.canonicalString
        let writer = try ChangesetWriter(at: url, writer: alice.identity.replica, sequence: 1, level: 1, signing: nil)
        for _ in 0..<3_000 { try writer.append(encodedVersion: line, signature: nil) }
        let header = try writer.finish()
        #expect(header.uncompressedSize > 3 * ChangesetReader.readSize)
        var count = 0
        try ChangesetReader.read(url) { _, _ in count += 1 }
        #expect(count == 3_000)
    }

    @Test func aVersionMadeAsThisReplicaButNotByThisStoreIsRefused() throws {
        let workspace = try Workspace()
        let bob = try workspace.store("bob")
        let forged = Version(snapshot: Report.sample(), after: VectorClock(), replica: bob.identity.replica, author: "bob", time: .now)
        let url = try writeRawChangeset([forged.encoded], to: workspace.file("forged.fnc"))
        let before = try bob.rawDump()
        let summary = Synchronizer(store: bob).importFiles([url])
        #expect(summary.skipped.first?.reason.contains("made as this replica but not by this store") == true)
        #expect(try bob.rawDump() == before)
    }

    @Test(arguments: ["same clock", "out of order"])
    func anImpossibleHistoryIsRefusedNotMerged(kind: String) throws {
        let workspace = try Workspace()
        let (x, y) = (ReplicaID(), ReplicaID())
        var report = Report.sample()
        report.author = "x"
        let first: Version
        let second: Version
        if kind == "same clock" {
            // Each claims to have seen the other.
            first = Version(snapshot: report, after: VectorClock([y: 1]), replica: x, author: "x", time: .now)
            report.title = "Other"
            second = Version(snapshot: report, after: VectorClock([x: 1]), replica: y, author: "y", time: .now)
        } else {
            // x's second version has not seen what x's first had.
            first = Version(snapshot: report, after: VectorClock([y: 5]), replica: x, author: "x", time: .now)
            report.title = "Other"
            second = Version(snapshot: report, after: VectorClock([x: 1]), replica: x, author: "x", time: .now)
        }
        let url = try writeRawChangeset([first.encoded, second.encoded], to: workspace.file("impossible.fnc"))
        let reason = try expectRefused(url, in: workspace)
        #expect(reason.contains(kind == "same clock" ? "have the same clock" : "has not seen"), "\(reason)")

        // One version per file, in either order: the second is refused whichever came first.
        for (index, order) in [[first, second], [second, first]].enumerated() {
            let bob = try workspace.store("bob-\(kind.prefix(3))-\(index)")
            let urls = try order.enumerated().map { number, version in
                try writeRawChangeset([version.encoded], to: workspace.file("alone-\(kind.prefix(3))-\(index)-\(number).fnc"))
            }
            #expect(Synchronizer(store: bob).importFiles([urls[0]]).skipped.isEmpty)
            let before = try bob.rawDump()
            let summary = Synchronizer(store: bob).importFiles([urls[1]])
            #expect(summary.skipped.first?.reason.contains(kind == "same clock" ? "have the same clock" : "has not seen") == true,
                    "\(summary.skipped)")
            #expect(try bob.rawDump() == before, "the store changed")
        }
    }
}

/// Changesets are compressed in blocks on both cores, into one ordinary zlib stream.
@Suite("Compression in blocks")
struct BlockDeflaterTests {
    @Test(arguments: [0, 1, 1_000, BlockDeflater.blockSize - 1, BlockDeflater.blockSize, BlockDeflater.blockSize + 1, 3_000_000])
    func whatIsCompressedInBlocksInflatesAsOneStream(size: Int) throws {
        var state: UInt64 = UInt64(size) &+ 20261127
        // Text-like bytes, with repeats across blocks, so the dictionaries matter.
        let words = ["convoy ", "ferry ", "harbour\n", "strike ", "Derbent ", "\u{2014} "].map { Array($0.utf8) }
        var input: [UInt8] = []
        while input.count < size {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            input += words[Int(state >> 60) % words.count]
        }
        input = Array(input.prefix(size))
        for level: Int32 in [1, 6] {
            let deflater = BlockDeflater(level: level)
            var compressed: [UInt8] = []
            var offset = 0
            while offset < input.count {  // fed in uneven pieces, as versions come
                let piece = min(input.count - offset, 7_919)
                try input[offset..<offset + piece].withUnsafeBytes { try deflater.compress($0) { compressed += $0 } }
                offset += piece
            }
            try deflater.finish { compressed += $0 }
            let inflater = try Inflater()
            var output: [UInt8] = []
            let trailing = try compressed.withUnsafeBytes { try inflater.decompress($0) { output += $0 } }
            #expect(inflater.finished && trailing == 0, "size \(size), level \(level)")
            #expect(output == input, "size \(size), level \(level)")
            if size > 100_000 { #expect(compressed.count < input.count / 3, "size \(size), level \(level): \(compressed.count) bytes") }
        }
    }
}
