import Foundation
import GRDB
import OfflineStore
import ReportModels
import SyncEngine

/// The scenarios of issue 5, each timed next to its baseline in the same run.
final class Scenarios {
    let n: Int
    let repetitions: Int
    let work: URL
    let corpus: [Version]
    let replica = ReplicaID("b0b0b0b0-0000-4000-8000-000000000001")!
    let changeset: URL
    let level: Int32
    var results: [Result] = []
    /// A store holding the corpus, left by the import scenario for the others.
    var loaded: URL?

    init(n: Int, seed: UInt64, repetitions: Int, work: URL) throws {
        self.n = n
        self.repetitions = repetitions
        self.work = work
        var generator = Corpus(seed: seed)
        Self.log("generating \(n) reports (seed \(seed))")
        corpus = generator.versions(count: n, replica: replica)
        changeset = work.appending(path: "new-reports.fnc")
        level = Synchronizer.level(for: n)
        // Signed as a replica signs what it makes (DESIGN.md §9): the writer is the maker, so
        // its versions are covered by the file's signature and not verified one by one.
        let key = ReplicaSigningKey()
        let header = try Self.writeSigned(corpus.sorted { $0.reportID < $1.reportID }, makers: [replica: key], writer: replica,
                                          key: key, to: changeset, level: level)
        Self.log("corpus: \(header.uncompressedSize / n) bytes per version on average, \(header.uncompressedSize / 1_048_576) MB in all")
    }

    /// Writes a changeset in format 2: each version with its maker's signature, the identity
    /// of each maker, signed by `writer` with `key`.
    static func writeSigned(_ versions: [Version], makers: [ReplicaID: ReplicaSigningKey], writer: ReplicaID, key: ReplicaSigningKey,
                            to url: URL, level: Int32, encryption: TeamKey? = nil) throws -> ChangesetHeader {
        var keys = makers
        keys[writer] = key
        let identities = try keys.sorted { $0.key < $1.key }.map { replica, key in
            try IdentityLine(card: IdentityCard.make(replica: replica, analyst: "bench", signingKey: key))
        }
        let file = try ChangesetWriter(at: url, writer: writer, sequence: 1, level: level,
                                       signing: ChangesetSigning(key: key, folder: nil, identities: identities),
                                       encryption: encryption.map(ChangesetEncryption.init))
        for version in versions {
            try file.append(version, signature: MakerSignature.sign(hash: version.hash, with: keys[version.dot.replica]!))
        }
        return try file.finish()
    }

    func log(_ text: String) { Self.log(text) }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }

    func fresh(_ name: String) -> URL {
        let url = work.appending(path: "\(name)-\(UUID().uuidString.prefix(8))")
        return url
    }

    // MARK: Import

    /// fieldnotes importing a changeset of N new reports into an empty store (in a child
    /// process, so its peak memory is its own), against raw SQLite inserting the same rows
    /// through GRDB with the same FTS5 index, and with no index; and the same number of
    /// reports made by 10 analysts and relayed by an eleventh, every maker signature verified.
    ///
    /// The runs are interleaved — each repetition runs every contender once — so that a
    /// slower stretch of a shared machine weighs on all of them, not on one: the ratios
    /// are of medians measured in the same stretches.
    func importScenario() throws {
        let relayed = try writeRelayed()
        var ours: [Double] = []
        var memory: [Double] = []
        var relayedTimes: [Double] = []
        let rows = corpus.map(RawRow.init)
        var withIndex: [Double] = []
        var chunked: [Double] = []
        var withoutIndex: [Double] = []
        for repetition in 0..<repetitions {
            let store = fresh("import")
            log("import \(repetition + 1)/\(repetitions): fieldnotes")
            let child = try Measure.child(["child-import", "--store", store.path, "--file", changeset.path])
            ours.append(Double(child.output) ?? .nan)
            memory.append(child.peakMemoryMB)
            if loaded == nil { loaded = store } else { try? FileManager.default.removeItem(at: store) }
            log("import \(repetition + 1)/\(repetitions): relayed from 10 makers")
            let relayedStore = fresh("relayed")
            relayedTimes.append(Double(try Measure.child(["child-import", "--store", relayedStore.path, "--file", relayed.path]).output) ?? .nan)
            try? FileManager.default.removeItem(at: relayedStore)
            log("import \(repetition + 1)/\(repetitions): raw SQLite with FTS5 (row by row, and in chunks) and without")
            withIndex.append(try RawSQLite.insert(rows, at: fresh("raw-fts"), index: .rowByRow))
            chunked.append(try RawSQLite.insert(rows, at: fresh("raw-chunks"), index: .inChunks))
            withoutIndex.append(try RawSQLite.insert(rows, at: fresh("raw-plain"), index: nil))
        }
        let (mine, raw, rawChunked, plain) = (Measure.median(ours), Measure.median(withIndex), Measure.median(chunked), Measure.median(withoutIndex))
        importSeconds = mine
        results.append(Result(
            scenario: "import \(n) new reports", measured: seconds(mine),
            baseline: "raw SQLite + FTS5 \(seconds(raw))",
            ratio: String(format: "%.2f×", mine / raw), budget: "≤ 1.3× (signed; next: ≤ 1.0×)", met: mine / raw <= 1.3,
            figures: ["nextBarMet": .bool(mine / raw <= 1.0), "seconds": .double(mine), "rawSQLiteFTSSeconds": .double(raw), "rawSQLiteFTSChunkedSeconds": .double(rawChunked),
                      "rawSQLiteNoIndexSeconds": .double(plain), "ratio": .double(mine / raw),
                      "ratioToChunked": .double(mine / rawChunked), "ratioToNoIndex": .double(mine / plain),
                      "repetitions": .array(ours.map(JSONValue.double)), "rawSQLiteFTSRepetitions": .array(withIndex.map(JSONValue.double))]))
        results.append(Result(
            scenario: "  (the same, other baselines)", measured: "",
            baseline: "FTS5 in chunks \(seconds(rawChunked)), no index \(seconds(plain))",
            ratio: String(format: "%.2f× / %.1f×", mine / rawChunked, mine / plain), budget: "", met: nil, figures: [:]))
        let relayedMedian = Measure.median(relayedTimes)
        results.append(Result(
            scenario: "import \(n / 10 * 10) relayed from 10 makers", measured: seconds(relayedMedian),
            baseline: "raw SQLite + FTS5 \(seconds(raw))",
            ratio: String(format: "%.2f×", relayedMedian / raw), budget: "≤ 1.3× (signatures verified)", met: relayedMedian / raw <= 1.3,
            figures: ["seconds": .double(relayedMedian), "rawSQLiteFTSSeconds": .double(raw), "ratio": .double(relayedMedian / raw),
                      "repetitions": .array(relayedTimes.map(JSONValue.double))]))
        memoryFigures["import"] = memory.max() ?? .nan
    }

    /// The same number of reports made by 10 analysts and relayed by an eleventh: a
    /// changeset whose every version's maker signature the import verifies (on the decoding
    /// thread).
    private func writeRelayed() throws -> URL {
        let makers = (0..<10).map { _ in (ReplicaID(), ReplicaSigningKey()) }
        var generator = Corpus(seed: 7)
        let versions = makers.flatMap { maker in generator.versions(count: n / 10, replica: maker.0) }
            .sorted { $0.reportID < $1.reportID }
        let file = work.appending(path: "relayed.fnc")
        _ = try Self.writeSigned(versions, makers: Dictionary(uniqueKeysWithValues: makers), writer: ReplicaID(),
                                 key: ReplicaSigningKey(), to: file, level: level)
        return file
    }

    // MARK: Encryption

    /// The team key of encrypted scenarios: derived cheaply from a fixed passphrase, so the
    /// bench and its child processes derive the same one (what is measured is the cipher;
    /// scrypt runs once per laptop per folder, never per file).
    static let benchTeamKey = try! KeyDerivation(logN: 10, r: 8, p: 1, salt: [UInt8](repeating: 1, count: 16))!
        .deriveKey(from: "fieldnotes bench team passphrase")

    /// Export and import of N versions encrypted for a team (DESIGN.md §10), each next to
    /// the same in clear, interleaved: budget ≤ 1.1× both ways.
    func encryptionScenario() throws {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let key = ReplicaSigningKey()
        let sorted = corpus.sorted { $0.reportID < $1.reportID }
        let encrypted = work.appending(path: "encrypted.fnc")
        log("writing the corpus encrypted")
        _ = try Self.writeSigned(sorted, makers: [replica: key], writer: replica, key: key, to: encrypted, level: level,
                                 encryption: Self.benchTeamKey)
        var (plainImports, encryptedImports, plainExports, encryptedExports): ([Double], [Double], [Double], [Double]) = ([], [], [], [])
        var store: URL?
        for repetition in 0..<repetitions {
            log("encryption \(repetition + 1)/\(repetitions): import in clear, then encrypted")
            let plainStore = fresh("import-plain")
            plainImports.append(Double(try Measure.child(["child-import", "--store", plainStore.path, "--file", changeset.path]).output) ?? .nan)
            if store == nil { store = plainStore } else { try? FileManager.default.removeItem(at: plainStore) }
            let encryptedStore = fresh("import-encrypted")
            encryptedImports.append(Double(try Measure.child(["child-import", "--store", encryptedStore.path, "--file", encrypted.path, "--team-key"]).output) ?? .nan)
            try? FileManager.default.removeItem(at: encryptedStore)
            log("encryption \(repetition + 1)/\(repetitions): export in clear, then encrypted")
            let plainFile = work.appending(path: "export-plain.fnc"), encryptedFile = work.appending(path: "export-encrypted.fnc")
            plainExports.append(Double(try Measure.child(["child-export", "--store", store!.path, "--file", plainFile.path]).output) ?? .nan)
            encryptedExports.append(Double(try Measure.child(["child-export", "--store", store!.path, "--file", encryptedFile.path, "--encrypted"]).output) ?? .nan)
            try? FileManager.default.removeItem(at: plainFile)
            try? FileManager.default.removeItem(at: encryptedFile)
        }
        for (name, clear, sealed) in [("import", plainImports, encryptedImports), ("export", plainExports, encryptedExports)] {
            let (mine, base) = (Measure.median(sealed), Measure.median(clear))
            results.append(Result(
                scenario: "\(name) \(n) versions encrypted", measured: seconds(mine), baseline: "the same in clear \(seconds(base))",
                ratio: String(format: "%.2f×", mine / base), budget: "≤ 1.1×", met: mine / base <= 1.1,
                figures: ["seconds": .double(mine), "clearSeconds": .double(base), "ratio": .double(mine / base),
                          "repetitions": .array(sealed.map(JSONValue.double)), "clearRepetitions": .array(clear.map(JSONValue.double))]))
        }
    }

    var memoryFigures: [String: Double] = [:]
    /// The median seconds of fieldnotes' import, for ratios to it.
    var importSeconds: Double?

    // MARK: Verify

    /// `verify` of the loaded store (every version's hash, every state recomputed, SQLite's
    /// and the search index's own checks), next to importing the same reports.
    func verifyScenario() throws {
        guard let store = loaded, let imported = importSeconds else { return }
        var times: [Double] = []
        for repetition in 0..<repetitions {
            log("verify \(repetition + 1)/\(repetitions)")
            times.append(Double(try Measure.child(["child-verify", "--store", store.path]).output) ?? .nan)
        }
        let mine = Measure.median(times)
        results.append(Result(
            scenario: "verify \(n) reports", measured: seconds(mine), baseline: "their import \(seconds(imported))",
            ratio: String(format: "%.2f×", mine / imported), budget: "≤ 1.5×", met: mine / imported <= 1.5,
            figures: ["seconds": .double(mine), "importSeconds": .double(imported), "ratio": .double(mine / imported),
                      "repetitions": .array(times.map(JSONValue.double))]))
    }

    // MARK: Export

    /// fieldnotes exporting every version of the loaded store to a changeset, against zlib
    /// deflating the same payload bytes in memory at the same level.
    func exportScenario() throws {
        guard let store = loaded else { return }
        var ours: [Double] = []
        var memory: [Double] = []
        var file = work.appending(path: "export.fnc")
        for repetition in 0..<repetitions {
            log("export \(repetition + 1)/\(repetitions): fieldnotes")
            file = work.appending(path: "export-\(repetition).fnc")
            let child = try Measure.child(["child-export", "--store", store.path, "--file", file.path])
            ours.append(Double(child.output) ?? .nan)
            memory.append(child.peakMemoryMB)
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(try ChangesetReader.header(of: file).uncompressedSize)
        try ChangesetReader.read(file) { version, _ in
            payload.append(contentsOf: version.encoded.utf8)
            payload.append(UInt8(ascii: "\n"))
        }
        var zlib: [Double] = []
        var rawSize = 0
        for repetition in 0..<repetitions {
            log("export \(repetition + 1)/\(repetitions): raw zlib level \(level)")
            zlib.append(try Measure.time { rawSize = try zlibCompressedSize(of: payload, level: level) })
        }
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int
        let (mine, raw) = (Measure.median(ours), Measure.median(zlib))
        results.append(Result(
            scenario: "export \(n) versions (zlib level \(level))", measured: seconds(mine), baseline: "raw zlib \(seconds(raw))",
            ratio: String(format: "%.2f×", mine / raw), budget: "≤ 1.3× (signed; next: ≤ 1.0×)", met: mine / raw <= 1.3,
            figures: ["nextBarMet": .bool(mine / raw <= 1.0), "seconds": .double(mine), "rawZlibSeconds": .double(raw), "ratio": .double(mine / raw), "level": .int(Int64(level)),
                      "repetitions": .array(ours.map(JSONValue.double))]))
        let share = Double(size) / Double(payload.count)
        results.append(Result(
            scenario: "changeset size", measured: "\(size / 1_048_576) MB", baseline: "payload \(payload.count / 1_048_576) MB, raw zlib \(rawSize / 1_048_576) MB",
            ratio: String(format: "%.1f%%", share * 100), budget: "≤ 45%", met: share <= 0.45,
            figures: ["bytes": .int(Int64(size)), "payloadBytes": .int(Int64(payload.count)), "rawZlibBytes": .int(Int64(rawSize)),
                      "share": .double(share)]))
        memoryFigures["export"] = memory.max() ?? .nan
    }

    // MARK: Memory

    /// Peak memory of import and export at N/10 and at N: flat, not growing with the file.
    func memoryScenario() throws {
        let small = max(1, n / 10)
        let smallFile = work.appending(path: "small.fnc")
        let writer = try ChangesetWriter(at: smallFile, writer: replica, sequence: 1, level: level, signing: nil)
        for version in corpus.prefix(small).sorted(by: { $0.reportID < $1.reportID }) { try writer.append(version, signature: nil) }
        _ = try writer.finish()
        let store = fresh("memory")
        log("memory: import and export of \(small) reports")
        let importSmall = try Measure.child(["child-import", "--store", store.path, "--file", smallFile.path]).peakMemoryMB
        let exportSmall = try Measure.child(["child-export", "--store", store.path, "--file", work.appending(path: "small-export.fnc").path]).peakMemoryMB
        for (name, smallPeak) in [("import", importSmall), ("export", exportSmall)] {
            guard let peak = memoryFigures[name] else { continue }
            results.append(Result(
                scenario: "peak memory, \(name)", measured: String(format: "%.0f MB at %d", peak, n),
                baseline: String(format: "%.0f MB at %d", smallPeak, small),
                ratio: String(format: "%.0f MB", peak), budget: "< 300 MB", met: peak < 300,
                figures: ["peakMB": .double(peak), "peakMBAtTenth": .double(smallPeak), "reports": .int(Int64(n))]))
        }
    }

    // MARK: Formats others read

    /// `list --format stix|geojson|csv` of every report of the loaded store (DESIGN.md §12):
    /// reading the reports (and their writers), then making the document, in a child process
    /// for its peak memory. The document is built whole in memory: linear in the store, and
    /// its peak is the figure to watch. No budget is set; the reading is the baseline.
    func formatsScenario() throws {
        guard let store = loaded else { return }
        for format in ["stix", "geojson", "csv"] {
            log("list --format \(format) of \(n) reports")
            let child = try Measure.child(["child-formats", "--store", store.path, "--format", format])
            let figures = child.output.split(separator: " ").compactMap { Double($0) }
            guard figures.count == 3 else { throw BenchError("child-formats wrote \(child.output)") }
            let (reading, making, bytes) = (figures[0], figures[1], figures[2])
            results.append(Result(
                scenario: "list --format \(format) of \(n) reports", measured: "\(seconds(reading + making)), peak \(Int(child.peakMemoryMB)) MB",
                baseline: "reading them \(seconds(reading))", ratio: String(format: "%.2f×", (reading + making) / reading),
                budget: "— (\(Int(bytes / 1_048_576)) MB written)", met: nil,
                figures: ["readingSeconds": .double(reading), "makingSeconds": .double(making), "bytes": .int(Int64(bytes)),
                          "peakMB": .double(child.peakMemoryMB)]))
        }
    }

    // MARK: Search

    /// Full-text search latency over the loaded store: words an analyst would look for
    /// (places, and words past the few hundred most common), one or two at a time.
    func searchScenario() throws {
        guard let url = loaded else { return }
        let (latencies, hits, count) = try Self.searchLatencies(in: try Store.open(at: url))
        let (p50, p99) = (Measure.percentile(latencies, 0.5), Measure.percentile(latencies, 0.99))
        results.append(Result(
            scenario: "search at \(n) reports (\(count) queries)", measured: "p50 \(milliseconds(p50)), p99 \(milliseconds(p99))",
            baseline: "\(hits / count) hits per query (limit 20)", ratio: milliseconds(p50), budget: "p50 < 20 ms (next: p99 < 15 ms)",
            met: p50 < 0.020,
            figures: ["nextBarMet": .bool(p99 < 0.015), "p50Seconds": .double(p50), "p99Seconds": .double(p99), "queries": .int(Int64(count))]))
    }

    /// The search queries' latencies in a store: words an analyst would look for (places, and
    /// words past the few hundred most common), one or two at a time.
    static func searchLatencies(in store: Store) throws -> (latencies: [Double], hits: Int, queries: Int) {
        var generator = Corpus(seed: 7)
        var queries: [String] = []
        while queries.count < 300 {
            let word = generator.word()
            guard !Corpus.common.contains(word) else { continue }
            queries.append(queries.count % 3 == 0 ? Corpus.places.randomElement(using: &generator.random)!
                : queries.count % 3 == 1 ? word : "\(word) \(Corpus.places.randomElement(using: &generator.random)!)")
        }
        _ = try store.search(queries[0], limit: 20)  // warm the cache, as a running laptop would be
        var latencies: [Double] = []
        var hits = 0
        for query in queries {
            latencies.append(try Measure.time { hits += try store.search(query, limit: 20).count })
        }
        if ProcessInfo.processInfo.environment["FIELDNOTES_BENCH_SLOW_QUERIES"] != nil {
            for (query, seconds) in zip(queries, latencies).sorted(by: { $0.1 > $1.1 }).prefix(8) { log("slow query: \(milliseconds(seconds)) \(query)") }
        }
        return (latencies, hits, queries.count)
    }

    // MARK: A 1% edit, fieldnotes against git

    /// One analyst edits 1% of the reports and the other gets the edit: fieldnotes' sync out
    /// and sync in through a folder, against Markdown files through git add, commit, bundle
    /// create, fetch and merge. The edits themselves are not timed on either side.
    func editSyncScenario() throws {
        guard let loaded else { return }
        let edits = max(1, n / 100)
        let folder = work.appending(path: "shared")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let alice = try Store.open(at: loaded)
        log("edit sync: seeding the shared folder and a second replica")
        _ = try Synchronizer(store: alice).sync(with: folder)
        let bob = try Store.create(at: fresh("bob"), analyst: "bob")
        _ = try Synchronizer(store: bob).sync(with: folder)

        log("edit sync: seeding two git repositories with \(n) Markdown files")
        let repoA = work.appending(path: "git-alice")
        let repoB = work.appending(path: "git-bob")
        try FileManager.default.createDirectory(at: repoA, withIntermediateDirectories: true)
        for version in corpus { try markdown(version.snapshot).write(to: repoA.appending(path: "\(version.reportID).md"), atomically: false, encoding: .utf8) }
        try Measure.run("git", ["init", "-q", "-b", "main"], in: repoA)
        try Measure.run("git", ["-c", "user.name=alice", "-c", "user.email=a@example.org", "add", "-A"], in: repoA)
        try Measure.run("git", ["-c", "user.name=alice", "-c", "user.email=a@example.org", "commit", "-q", "-m", "reports"], in: repoA)
        try Measure.run("git", ["clone", "-q", repoA.path, repoB.path], in: work)

        var ours: [Double] = []
        var git: [Double] = []
        var random = SeededGenerator(state: 99)
        let ids = corpus.map(\.reportID)
        for repetition in 0..<repetitions {
            let chosen = Array(ids.shuffled(using: &random).prefix(edits))
            for id in chosen {
                try alice.commitChange(to: id) { $0.title = "Revised \(repetition): " + $0.title.prefix(60) }
            }
            log("edit sync \(repetition + 1)/\(repetitions): fieldnotes")
            ours.append(try Measure.time {
                _ = try Synchronizer(store: alice).sync(with: folder)
                let received = try Synchronizer(store: bob).sync(with: folder)
                guard received.importedVersions == edits else { throw BenchError("bob received \(received.importedVersions) of \(edits) edits") }
            })

            for id in chosen {
                let file = repoA.appending(path: "\(id).md")
                try ("# Revised \(repetition)\n" + (try String(contentsOf: file, encoding: .utf8))).write(to: file, atomically: false, encoding: .utf8)
            }
            log("edit sync \(repetition + 1)/\(repetitions): git")
            let identity = ["-c", "user.name=alice", "-c", "user.email=a@example.org"]
            let bundle = work.appending(path: "edit-\(repetition).bundle").path
            git.append(try Measure.time {
                try Measure.run("git", identity + ["add", "-A"], in: repoA)
                try Measure.run("git", identity + ["commit", "-q", "-m", "edits \(repetition)"], in: repoA)
                try Measure.run("git", ["bundle", "create", "-q", bundle, "main~1..main"], in: repoA)
                try Measure.run("git", ["fetch", "-q", bundle, "main"], in: repoB)
                try Measure.run("git", ["-c", "user.name=bob", "-c", "user.email=b@example.org", "merge", "-q", "--ff-only", "FETCH_HEAD"], in: repoB)
            })
        }
        let (mine, theirs) = (Measure.median(ours), Measure.median(git))
        results.append(Result(
            scenario: "1% edit (\(edits) reports) to a second replica", measured: seconds(mine), baseline: "git \(seconds(theirs))",
            ratio: String(format: "%.1f× faster", theirs / mine), budget: "≥ 5× faster (next: ≥ 10×)", met: theirs / mine >= 5,
            figures: ["nextBarMet": .bool(theirs / mine >= 10), "seconds": .double(mine), "gitSeconds": .double(theirs), "speedup": .double(theirs / mine), "edits": .int(Int64(edits))]))
    }

    /// A report as a Markdown file, for the git baseline.
    func markdown(_ report: ReportModels.Report) -> String {
        var text = "# \(report.title)\n\nstatus: \(report.status.rawValue), tags: \(report.tags.sorted().joined(separator: ", "))\n\n\(report.body)\n\n## Events\n\n"
        for event in report.events { text += "- \(event.when) \(event.place): \(event.summary)\n" }
        text += "\n## Sources\n\n"
        for source in report.sources { text += "- \(source.ref) (\(source.reliability?.rawValue ?? "-"))\n" }
        return text
    }

    // MARK: No-op sync

    /// A sync that finds nothing new, with 1,000 changesets (from ten replicas) in the folder.
    func noOpSyncScenario() throws {
        let folder = work.appending(path: "busy-folder")
        var generator = Corpus(seed: 4242)
        log("no-op sync: writing 1000 changesets")
        for writerIndex in 0..<10 {
            let writer = ReplicaID(String(format: "00000000-0000-4000-8000-%012d", writerIndex + 1))!
            let directory = folder.appending(path: "fieldnotes/replicas/\(writer)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for sequence in 1...100 {
                let file = directory.appending(path: String(format: "%08d.fnc", sequence))
                let changeset = try ChangesetWriter(at: file, writer: writer, sequence: sequence, level: 6, signing: nil)
                for version in generator.versions(count: 2, replica: writer) { try changeset.append(version, signature: nil) }
                _ = try changeset.finish()
            }
        }
        let store = try Store.create(at: fresh("busy"), analyst: "carol")
        let synchronizer = Synchronizer(store: store)
        let first = try synchronizer.sync(with: folder)
        guard first.importedChangesets == 1_000 else { throw BenchError("imported \(first.importedChangesets) of 1000 changesets") }
        var times: [Double] = []
        for _ in 0..<max(20, repetitions) {
            times.append(try Measure.time {
                let summary = try synchronizer.sync(with: folder)
                guard summary.importedChangesets == 0, summary.exportedVersions == 0 else { throw BenchError("the no-op sync was not") }
            })
        }
        let median = Measure.median(times)
        results.append(Result(
            scenario: "sync, nothing new, 1000 changesets in the folder", measured: milliseconds(median), baseline: "",
            ratio: milliseconds(median), budget: "< 100 ms", met: median < 0.1,
            figures: ["seconds": .double(median), "runs": .int(Int64(times.count))]))

        // The bad end of finding vanished files: every writer's directory deleted at once (the
        // team left, or the folder was wiped), and this store's snapshot with them (it would
        // cover them), so this store carries all it imported again.
        for writerIndex in 0..<10 {
            let writer = ReplicaID(String(format: "00000000-0000-4000-8000-%012d", writerIndex + 1))!
            try FileManager.default.removeItem(at: folder.appending(path: "fieldnotes/replicas/\(writer)"))
        }
        try? FileManager.default.removeItem(at: folder.appending(path: "fieldnotes/replicas/\(store.identity.replica)/snapshot.fnc"))
        var recarried = 0
        let seconds = try Measure.time { recarried = try synchronizer.sync(with: folder).exportedVersions }
        guard recarried == 2_000 else { throw BenchError("carried again \(recarried) of 2000 versions") }
        results.append(Result(
            scenario: "sync after 1000 changesets vanished: carried again", measured: milliseconds(seconds), baseline: "",
            ratio: milliseconds(seconds), budget: "< 1 s", met: seconds < 1,
            figures: ["seconds": .double(seconds), "versions": .int(Int64(recarried))]))
    }
}

/// A report as a plain row, for the raw SQLite baseline: its fields and its JSON document,
/// prepared before the clock starts.
struct RawRow {
    var id, title, body, tags, events, sources, document: String

    init(_ version: Version) {
        let report = version.snapshot
        id = report.id.rawValue
        title = report.title
        body = report.body
        tags = report.tags.sorted().joined(separator: " ")
        events = report.events.map { "\($0.place): \($0.summary)" }.joined(separator: "\n")
        sources = report.sources.map(\.ref).joined(separator: "\n")
        document = report.json.canonicalString
    }
}

/// The baseline: what an application storing these reports with search would do, and no
/// more — one table, the same FTS5 index as fieldnotes (same columns, same tokenizer), the
/// same pragmas, prepared statements, one transaction. Row by row is the straightforward
/// application; in chunks (500 rows, then their 500 index entries) is what fieldnotes does.
enum RawSQLite {
    enum Index { case rowByRow, inChunks }

    static func insert(_ rows: [RawRow], at url: URL, index: Index?) throws -> Double {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        let database = try DatabaseQueue(path: url.appending(path: "raw.sqlite").path, configuration: configuration)
        try database.write { db in
            try db.execute(sql: "CREATE TABLE reports (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT, document TEXT) STRICT")
            if index != nil {
                try db.execute(sql: "CREATE VIRTUAL TABLE search USING fts5(title, body, tags, events, sources, tokenize = 'porter unicode61 remove_diacritics 2')")
            }
        }
        let seconds = try Measure.time {
            try database.write { db in
                let insertRow = try db.makeStatement(sql: "INSERT INTO reports (id, title, document) VALUES (?, ?, ?)")
                let insertText = index == nil
                    ? nil
                    : try db.makeStatement(sql: "INSERT INTO search (rowid, title, body, tags, events, sources) VALUES (?, ?, ?, ?, ?, ?)")
                var pending: [(Int64, RawRow)] = []
                func flush() throws {
                    for (rowID, row) in pending {
                        try insertText?.execute(arguments: [rowID, row.title, row.body, row.tags, row.events, row.sources])
                    }
                    pending.removeAll(keepingCapacity: true)
                }
                for row in rows {
                    try insertRow.execute(arguments: [row.id, row.title, row.document])
                    pending.append((db.lastInsertedRowID, row))
                    if index != .inChunks || pending.count == 500 { try flush() }
                }
                try flush()
            }
        }
        try database.close()
        try? FileManager.default.removeItem(at: url)
        return seconds
    }
}
