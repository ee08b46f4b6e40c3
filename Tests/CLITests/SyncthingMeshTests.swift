import Foundation
import ReportModels
import OfflineStore
import Testing

/// A team syncing through a real Syncthing mesh: three Syncthing instances on 127.0.0.1
/// (`SyncthingMesh`), one shared folder, and analysts running the real `fieldnotes` binary,
/// each `fieldnotes sync`-ing with their own device's copy of the folder.
///
/// The story: the team's first sync happens at once; concurrent edits merge and collide, and
/// one analyst resolves the conflict; a changeset of several MB is read while Syncthing is
/// still transferring it; Carol's replica directory is deleted and a newcomer joins; a device
/// is offline during 50 edits. At the end every store must be identical and pass `verify`.
///
/// It needs Debian's `syncthing` (`.ci/run` installs it) and FAILS without it, saying so.
/// Syncthing processes are stopped by pid on every exit path. `FIELDNOTES_SEED=<n>` replays
/// the random edits (every run prints its seed).
@Suite("Syncthing mesh, end to end")
struct SyncthingMeshTests {
    @Test(.timeLimit(.minutes(6)))
    func aTeamSyncingThroughARealSyncthingMeshConverges() async throws {
        let seed = ProcessInfo.processInfo.environment["FIELDNOTES_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("syncthing mesh: seed \(seed) (replay with FIELDNOTES_SEED=\(seed))")
        guard SyncthingMesh.installedBinary() != nil else {
            Issue.record("\(SyncthingMesh.MeshError.notInstalled)")
            return
        }
        let team = try MeshTeam(seed: seed)
        defer { team.mesh.stopAll() }
        do {
            try await team.play()
        } catch {
            Issue.record("seed \(seed): \(error)\n\(team.mesh.logTails())")
        }
    }
}

/// The analysts, their stores and the mesh, and the story they play.
final class MeshTeam {
    typealias Object = [String: Any]

    let seed: UInt64
    let sandbox: Sandbox
    let mesh: SyncthingMesh
    var random: MeshRandom
    /// Each analyst's store, and the copy of the shared folder they sync with.
    private(set) var stores: [String: URL] = [:]
    private(set) var folders: [String: URL] = [:]
    let started = Date()

    init(seed: UInt64) throws {
        self.seed = seed
        random = MeshRandom(seed: seed)
        sandbox = try Sandbox()
        mesh = try SyncthingMesh(names: ["alice", "bob", "carol"], in: sandbox.folder.appending(path: "mesh"))
        for analyst in ["alice", "bob", "carol"] { try join(analyst, folder: mesh.device(analyst).folder) }
    }

    deinit { mesh.stopAll() }

    func join(_ analyst: String, folder: URL) throws {
        let store = sandbox.folder.appending(path: "store-\(analyst)")
        try sandbox.initialize(analyst: analyst, at: store)
        stores[analyst] = store
        folders[analyst] = folder
    }

    func log(_ message: String) {
        print(String(format: "syncthing mesh [%6.1f s] ", Date().timeIntervalSince(started)) + message)
    }

    // MARK: Commands

    @discardableResult
    func ok(_ analyst: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try sandbox.run(arguments + ["--store", stores[analyst]!.path])
        #expect(result.status == 0, "seed \(seed): \(analyst): fieldnotes \(arguments.joined(separator: " ")) failed: \(result.stderr)",
                sourceLocation: sourceLocation)
        return result.stdout
    }

    func json(_ analyst: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        let output = try ok(analyst, arguments + ["--json"], sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])
    }

    /// `fieldnotes sync` with the analyst's own copy of the folder; it must succeed, quietly,
    /// refusing nothing. Returns its JSON summary.
    @discardableResult
    func sync(_ analyst: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Object {
        let result = try sandbox.run(["sync", folders[analyst]!.path, "--json", "--store", stores[analyst]!.path])
        #expect(result.status == 0 && result.stderr.isEmpty,
                "seed \(seed): \(analyst)'s sync exited \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? Object ?? [:]
        #expect((summary["skipped"] as? [Any])?.isEmpty == true,
                "seed \(seed): \(analyst)'s sync refused changesets: \(summary["skipped"] ?? "?")", sourceLocation: sourceLocation)
        return summary
    }

    /// Every analyst named syncs until a whole round, begun with Syncthing's folders in step,
    /// writes nothing: then each has imported every changeset in identical folders and has
    /// nothing left to send. `settled`: until a round also imports nothing, so that what
    /// each sync records in its own `replica.json` has been carried and read too. Returns the
    /// rounds it took.
    @discardableResult
    func converge(_ analysts: [String], _ what: String, settled: Bool = false,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        for round in 1...8 {
            try await mesh.waitUntilInSync("\(what), round \(round)")
            var exported = 0, imported = 0
            var waiting: [String] = []
            for analyst in analysts {
                let summary = try sync(analyst, sourceLocation: sourceLocation)
                // A changeset written again (a vanished one) is writing too: it must travel.
                exported += (summary["exportedVersions"] as? Int ?? 0) + (summary["rewrittenChangesets"] as? Int ?? 0)
                imported += summary["importedChangesets"] as? Int ?? 0
                waiting += (summary["waiting"] as? [Object] ?? []).map { "\(analyst) waits for \($0["missing"] ?? "?")" }
            }
            if exported == 0 && (!settled || imported == 0) {
                #expect(waiting.isEmpty, "seed \(seed): \(what): with the folders in step, \(waiting)", sourceLocation: sourceLocation)
                log("\(what): converged in \(round) round\(round == 1 ? "" : "s")")
                return round
            }
        }
        throw SyncthingMesh.MeshError.failed("\(what): the analysts were still writing changesets after 8 rounds of sync")
    }

    func dump(_ analyst: String) throws -> [String] {
        try Store.open(at: stores[analyst]!).canonicalDump()
    }

    /// Every named store holds exactly what the first one holds; names the reports that differ.
    func expectIdentical(_ analysts: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try dump(analysts[0])
        for analyst in analysts.dropFirst() {
            let other = try dump(analyst)
            guard other != reference else { continue }
            let mine = Set(reference), theirs = Set(other)
            let differing = mine.symmetricDifference(theirs).map { String($0.prefix(36)) }
            Issue.record("seed \(seed): \(what): \(analyst)'s store differs from \(analysts[0])'s (\(reference.count) vs \(other.count) reports; differing: \(Set(differing).sorted().prefix(6)))",
                         sourceLocation: sourceLocation)
        }
    }

    func report(_ analyst: String, _ id: String) throws -> Object {
        try json(analyst, ["show", id]) as? Object ?? [:]
    }

    func replica(_ analyst: String) throws -> String {
        (try json(analyst, ["status"]) as? Object)?["replica"] as? String ?? "?"
    }

    func add(_ analyst: String, title: String, body: String) throws -> String {
        try ok(analyst, ["add", "--title", title, "--body", body]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: The story

    func play() async throws {
        let analysts = ["alice", "bob", "carol"]
        log("three Syncthing homes generated, three stores made")
        for analyst in analysts { try mesh.start(analyst) }
        try await mesh.waitUntilConnected()
        log("three Syncthing devices connected (\(mesh.devices.map { "\($0.name) tcp://127.0.0.1:\($0.listenPort)" }.joined(separator: ", ")))")

        // 1. The team's first sync, all at once: each sets up the folder before Syncthing has
        // carried anything of the others'.
        let sample = try sandbox.ok(["add", "--from", Sandbox.fixtures.appending(path: "flashpoint-sitrep.md").path,
                                     "--store", stores["alice"]!.path]).trimmingCharacters(in: .whitespacesAndNewlines)
        let first = try syncAtOnce(analysts)
        for (analyst, result) in zip(analysts, first) {
            #expect(result.status == 0 && result.stderr.isEmpty, "seed \(seed): \(analyst)'s first sync: \(result.stderr)")
        }
        try await converge(analysts, "first sync")
        let folderConflicts = try conflictCopies(in: mesh.device("alice").folder.appending(path: "fieldnotes"))
        #expect(folderConflicts.isEmpty, "seed \(seed): the first syncs at once made Syncthing conflict copies: \(folderConflicts)")
        try expectIdentical(analysts, "after the first sync")

        // 2. Concurrent edits: different fields merge, the same field collides; Bob decides.
        try ok("alice", ["set", sample, "title=Alice: Dagestan and Sevastopol, one escalation risk", "tags+=alice-desk"])
        try ok("bob", ["event", "set", sample, "e2", "killed=10"])
        try ok("bob", ["set", sample, "tags+=bob-desk"])
        try ok("carol", ["set", sample, "title=Carol: Flashpoint after the Dagestan attacks"])
        var pool = [sample]
        pool.append(try add("alice", title: "Alice's morning report", body: "Checkpoint traffic normal."))
        pool.append(try add("bob", title: "Bob's port report", body: "Two tankers left Novorossiysk."))
        for analyst in analysts { try sync(analyst) }
        try await converge(analysts, "concurrent edits")
        try expectIdentical(analysts, "after the concurrent edits")
        let carolReplica = try replica("carol")
        for analyst in analysts {
            let merged = try report(analyst, sample)
            let conflicts = (merged["conflicts"] as? [Object] ?? []).compactMap { $0["field"] as? String }
            #expect(conflicts == ["title"], "seed \(seed): \(analyst) sees conflicts \(conflicts)")
            let killed = (merged["events"] as? [Object] ?? []).first { $0["id"] as? String == "e2" }?["killed"] as? Int
            #expect(killed == 10, "seed \(seed): \(analyst): Bob's casualty figure did not merge (\(killed.map(String.init) ?? "nil"))")
            let tags = Set(merged["tags"] as? [String] ?? [])
            #expect(tags.isSuperset(of: ["alice-desk", "bob-desk"]), "seed \(seed): \(analyst)'s tags: \(tags.sorted())")
        }
        try ok("bob", ["resolve", sample, "--field", "title", "--take", String(carolReplica.prefix(8))])
        try await converge(analysts, "the resolution")
        for analyst in analysts {
            let resolved = try report(analyst, sample)
            #expect((resolved["conflicts"] as? [Any])?.isEmpty == true, "seed \(seed): \(analyst) still sees \(resolved["conflicts"] ?? "?")")
            #expect(resolved["title"] as? String == "Carol: Flashpoint after the Dagestan attacks", "seed \(seed): \(analyst): \(resolved["title"] ?? "?")")
        }
        try expectIdentical(analysts, "after the resolution")

        // 3. A changeset of several MB, read while Syncthing is still transferring it.
        try await largeChangesetReadWhileInTransfer()

        // 4. Carol edits, everyone imports; then her replica directory is deleted from the
        // folder and Syncthing deletes it everywhere; Dave joins, through Alice's copy of the
        // folder, while Carol stays away: the others must carry her versions to him.
        let carols = try add("carol", title: "Carol's checkpoint report", body: "Queues at the Verkhny Lars crossing.")
        pool.append(carols)
        try ok("carol", ["set", sample, "status=review"])
        try await converge(analysts, "Carol's edits")
        let carolDirectory = "fieldnotes/replicas/\(carolReplica)"
        try FileManager.default.removeItem(at: mesh.device("carol").folder.appending(path: carolDirectory))
        try await mesh.waitUntilInSync("the deletion of Carol's directory")
        for device in mesh.devices {
            #expect(!FileManager.default.fileExists(atPath: device.folder.appending(path: carolDirectory).path),
                    "seed \(seed): Syncthing did not delete Carol's directory on \(device.name)")
        }
        log("Carol's replica directory deleted everywhere by Syncthing")
        try join("dave", folder: mesh.device("alice").folder)
        let stayers = ["alice", "bob", "dave"]
        try await converge(stayers, "Dave joining without Carol")
        try expectIdentical(stayers, "the newcomer Dave, Carol's directory deleted (her versions must be carried again by those who hold them)")
        let seenByDave = try sandbox.run(["show", carols, "--json", "--store", stores["dave"]!.path])
        #expect(seenByDave.status == 0, "seed \(seed): Dave lacks Carol's report \(carols) (orphaned versions not carried again): \(seenByDave.stderr)")
        if seenByDave.status == 0 {
            #expect((try report("dave", sample))["status"] as? String == "review", "seed \(seed): Dave lacks Carol's status edit")
        }
        // Carol comes back: her sync writes her vanished files again, and Syncthing carries them.
        try await converge(analysts + ["dave"], "Carol back")
        try expectIdentical(analysts + ["dave"], "after Carol's return")
        for device in mesh.devices {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: device.folder.appending(path: carolDirectory).path)) ?? []
            #expect(files.contains { $0.hasSuffix(".fnc") }, "seed \(seed): Carol's directory was not written again on \(device.name): \(files)")
        }

        // 5. Bob's device offline during 50 of his edits (and 25 by the others).
        let everyone = analysts + ["dave"]
        log("stopping Bob's Syncthing: \(mesh.stop("bob"))")
        var bobEdits = 0, otherEdits = 0
        while bobEdits < 50 || otherEdits < 25 {
            if bobEdits < 50 && (otherEdits >= 25 || random.below(3) < 2) {
                try randomEdit("bob", pool)
                bobEdits += 1
                if bobEdits % 10 == 0 { try sync("bob") }
            } else {
                let analyst = ["alice", "carol", "dave"][random.below(3)]
                try randomEdit(analyst, pool)
                otherEdits += 1
                if otherEdits % 5 == 0 { try sync(analyst) }
            }
        }
        try await converge(["alice", "carol", "dave"], "the others while Bob is offline")
        try mesh.start("bob")
        try await mesh.waitUntilConnected()
        log("Bob's Syncthing back")
        try await converge(everyone, "Bob back online", settled: true)
        try await mesh.waitUntilInSync("the end")

        // The end: every store identical and verified; no Syncthing conflict inside any
        // replica's directory (each has one writer).
        try expectIdentical(everyone, "at the end")
        for analyst in everyone { try ok(analyst, ["verify"]) }
        for device in mesh.devices {
            let copies = try conflictCopies(in: device.folder.appending(path: "fieldnotes/replicas"))
            #expect(copies.isEmpty, "seed \(seed): Syncthing conflict copies in replica directories on \(device.name): \(copies)")
        }
        let status = try json("alice", ["status"]) as? Object ?? [:]
        log("done: \(status["reports"] ?? "?") reports, \(status["versions"] ?? "?") versions, \(status["conflicts"] ?? "?") open conflicts on each of \(everyone.count) stores")
    }

    /// Alice adds eight reports of about 800 KB each (a changeset of about 4 MB) with her
    /// device's sending limited, so Syncthing takes seconds to carry it; Bob and Carol sync
    /// over and over meanwhile. No sync may fail or import part of it, and at least one must
    /// have run while the file was still a Syncthing temporary.
    private func largeChangesetReadWhileInTransfer() async throws {
        let readers = ["bob", "carol"]
        let count = 8
        try await mesh.limitSending("alice", kibPerSecond: 2_000)
        for index in 1...count {
            let file = sandbox.folder.appending(path: "archive-\(index).txt")
            try Data(random.prose(bytes: 800_000).utf8).write(to: file)
            try ok("alice", ["add", "--title", "Archive scan \(index)", "--body-file", file.path, "--tag", "archive"])
        }
        let aliceReplica = try replica("alice")
        let written = try sync("alice")
        #expect(written["exportedVersions"] as? Int == count, "seed \(seed): Alice's sync wrote \(written["exportedVersions"] ?? "?") versions")
        let directory = "fieldnotes/replicas/\(aliceReplica)"
        let files = try FileManager.default.contentsOfDirectory(atPath: mesh.device("alice").folder.appending(path: directory).path)
            .filter { $0.hasSuffix(".fnc") && $0 != "snapshot.fnc" }.sorted()  // (the sync wrote a snapshot too)
        let big = try #require(files.last)
        let size = (try FileManager.default.attributesOfItem(atPath: mesh.device("alice").folder.appending(path: "\(directory)/\(big)").path)[.size] as? Int) ?? 0
        log("Alice wrote \(big), \(size / 1000) KB; Bob and Carol sync while Syncthing carries it")
        #expect(size > 3_000_000, "seed \(seed): the large changeset is only \(size) bytes")

        let aliceSnapshot = try? Data(contentsOf: mesh.device("alice").folder.appending(path: "\(directory)/snapshot.fnc"))
        var imported: [String: Int] = [:]
        var duringTransfer = 0, syncs = 0
        var verifiedDuringTransfer = false
        let deadline = Date().addingTimeInterval(90)
        while readers.contains(where: { imported[$0, default: 0] < count }) && Date() < deadline {
            for reader in readers where imported[reader, default: 0] < count {
                let copy = mesh.device(reader).folder.appending(path: directory)
                let temporaryBefore = mesh.temporaries(reader).contains { $0.hasPrefix(directory) }
                let summary = try sync(reader)
                // Still not there after the sync: the sync cannot have seen it whole. (Checked
                // after, not before: Syncthing may finish the file while the sync runs.)
                let inTransfer = temporaryBefore && !FileManager.default.fileExists(atPath: copy.appending(path: big).path)
                // Alice's snapshot (written by the same sync, holding these versions too) may
                // arrive first: Syncthing renames a file into place whole, so a snapshot there
                // is complete, and importing everything from it is right.
                let snapshotArrived = try? Data(contentsOf: copy.appending(path: "snapshot.fnc")) == aliceSnapshot
                syncs += 1
                let versions = summary["importedVersions"] as? Int ?? 0
                if inTransfer {
                    duringTransfer += 1
                    #expect(versions == 0 || snapshotArrived == true, "seed \(seed): \(reader) imported \(versions) versions from a changeset still in transfer")
                    if !verifiedDuringTransfer {
                        try ok(reader, ["verify"])
                        verifiedDuringTransfer = true
                    }
                }
                #expect(versions == 0 || versions == count, "seed \(seed): \(reader) imported part of the changeset: \(versions) of \(count) versions")
                imported[reader, default: 0] += versions
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        log("large changeset: \(syncs) syncs by Bob and Carol, \(duringTransfer) while it was a Syncthing temporary")
        #expect(readers.allSatisfy { imported[$0] == count }, "seed \(seed): the large changeset did not arrive within 90 s: \(imported)")
        #expect(duringTransfer > 0, "seed \(seed): no sync ran while Syncthing was transferring the large changeset (it went too fast to test)")
        try await mesh.limitSending("alice", kibPerSecond: nil)
        try await converge(["alice", "bob", "carol"], "the large changeset")
        for analyst in ["alice", "bob", "carol"] {
            let archive = try json(analyst, ["list", "--tag", "archive"]) as? [Any] ?? []
            #expect(archive.count == count, "seed \(seed): \(analyst) has \(archive.count) archive reports")
        }
        try expectIdentical(["alice", "bob", "carol"], "after the large changeset")
    }

    /// One random change to a random report of the pool, as `analyst`.
    private func randomEdit(_ analyst: String, _ pool: [String]) throws {
        let id = pool[random.below(pool.count)]
        let word = ["border", "convoy", "drone", "harbour", "militia", "ceasefire", "refinery", "bridge"][random.below(8)]
        let change: [String]
        switch random.below(6) {
        case 0: change = ["set", id, "title=\(analyst.capitalized): \(word) update \(random.below(1000))"]
        case 1: change = ["set", id, "status=\(["draft", "review", "final"][random.below(3)])"]
        case 2: change = ["set", id, "credibility=\(1 + random.below(6))"]
        case 3: change = ["set", id, "tags+=\(word)"]
        case 4: change = ["set", id, "tags-=\(word)"]
        default: change = ["set", id, "body=\(analyst) notes: \(word) activity, \(random.below(100)) vehicles."]
        }
        try ok(analyst, change)
    }

    /// `fieldnotes sync` by several analysts at the same moment: every process is started
    /// before any is waited for.
    private func syncAtOnce(_ analysts: [String]) throws -> [RunResult] {
        var running: [(Process, URL, URL)] = []
        for analyst in analysts {
            let process = Process()
            process.executableURL = Sandbox.binary
            process.arguments = ["sync", folders[analyst]!.path, "--store", stores[analyst]!.path]
            process.currentDirectoryURL = sandbox.folder
            process.environment = ["HOME": sandbox.folder.path, "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "USER": "tester"]
            let out = sandbox.folder.appending(path: ".sync-\(analyst).out"), err = sandbox.folder.appending(path: ".sync-\(analyst).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            running.append((process, out, err))
        }
        for (process, _, _) in running { try process.run() }
        return try running.map { process, out, err in
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
            return RunResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                             stderr: try String(contentsOf: err, encoding: .utf8))
        }
    }

    /// Syncthing's conflict copies (`*.sync-conflict-*`) under a folder.
    private func conflictCopies(in folder: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.contains(".sync-conflict-") { found.append(path) }
        }
        return found.sorted()
    }
}

/// Random choices for the team's story, replayable from the seed the test prints.
struct MeshRandom {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(state: seed) }

    mutating func next() -> UInt64 { generator.next() }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Text of about `bytes` bytes: lines of made-up words, which compress like real prose
    /// does not (to about 60%), so a few reports make a changeset of several MB.
    mutating func prose(bytes: Int) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes + 100)
        var lineLength = 0
        while text.count < bytes {
            let length = 3 + below(8)
            for _ in 0..<length { text.append(UInt8(ascii: "a") + UInt8(below(26))) }
            lineLength += length + 1
            text.append(lineLength > 70 ? UInt8(ascii: "\n") : UInt8(ascii: " "))
            if lineLength > 70 { lineLength = 0 }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
