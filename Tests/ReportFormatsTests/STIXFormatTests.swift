import Foundation
@testable import ReportFormats
import ReportModels
import Testing

@Suite("STIX 2.1 for threat-intelligence platforms")
struct STIXFormatTests {
    typealias Object = [String: Any]

    /// The bundle's objects, after OASIS's validator accepts it.
    static func objects(_ document: String, seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Object] {
        let result = try FormatChecker.check(.stix, document, sourceLocation: sourceLocation)
        let valid = result.isValid
        #expect(valid, "\(result.problems)\(seed.map { " (seed \($0))" } ?? "")", sourceLocation: sourceLocation)
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? Object, sourceLocation: sourceLocation)
        #expect(bundle["type"] as? String == "bundle", sourceLocation: sourceLocation)
        return try #require(bundle["objects"] as? [Object], sourceLocation: sourceLocation)
    }

    @Test func uuidVersion5MatchesRFC4122sAlgorithm() throws {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
        let dns = try #require(UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
        #expect(UUIDv5.string(namespace: dns, name: "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        // uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/Ünïcode"): names are hashed as UTF-8.
        let url = try #require(UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8"))
        #expect(UUIDv5.string(namespace: url, name: "https://example.org/Ünïcode") == "5118fdca-3cd7-506f-8a60-bb073d09300c")
        #expect(STIXFormat.namespace.uuidString.lowercased() == "6337276c-6b60-4617-8556-60fac8ae8591")
    }

    @Test func theSampleIsAValidBundleOfAReportItsLocationsAndItsAnalysts() throws {
        let sample = try SampleReport.export()
        let objects = try Self.objects(STIXFormat.bundle([sample]))
        #expect(objects.map { $0["type"] as? String } == ["identity", "identity", "report", "location", "location", "location"])
        let report = try #require(objects.first { $0["type"] as? String == "report" })
        #expect(report["id"] as? String == STIXFormat.reportID(sample.report.id))
        #expect(report["name"] as? String == sample.report.title && report["description"] as? String == sample.report.body)
        #expect(report["published"] as? String == "2024-06-24T09:30:00.250Z" && report["created"] as? String == "2024-06-24T08:00:00.000Z")
        #expect(report["confidence"] as? Int == 50, "Admiralty 3, possibly true: 50 on the specification's scale")
        #expect(report["labels"] as? [String] == sample.report.tags.sorted()
            + ["admiralty:credibility=3", "admiralty:reliability=C", "admiralty:reliability=D"])
        #expect(report["created_by_ref"] as? String == STIXFormat.identityID(SampleReport.alice))
        let refs = try #require(report["object_refs"] as? [String])
        #expect(Set(refs) == Set(objects.filter { $0["type"] as? String != "report" }.compactMap { $0["id"] as? String }))
        let references = try #require(report["external_references"] as? [Object])
        #expect(references.map { $0["source_name"] as? String } == ["fieldnotes", sample.report.sources[0].ref, sample.report.sources[1].ref])
        #expect(references[1]["description"] as? String == "Admiralty source reliability C: fairly reliable.")
        let derbent = try #require(objects.first { $0["name"] as? String == "Derbent, Dagestan" })
        #expect(derbent["latitude"] as? Double == 42.06 && derbent["longitude"] as? Double == 48.29)
        #expect((derbent["description"] as? String)?.hasPrefix("When: 2024-06-23.\n\nGunmen fire") == true)
        let makhachkala = try #require(objects.first { $0["name"] as? String == "Makhachkala, Dagestan" })
        #expect((makhachkala["description"] as? String)?.hasPrefix("When: 2024-06-23. Killed: 9. Injured: 25.") == true)
        #expect(objects.allSatisfy { $0["spec_version"] as? String == "2.1" })
        #expect(objects.filter { $0["type"] as? String == "identity" }.allSatisfy { $0["identity_class"] as? String == "individual" })
    }

    @Test func credibilityMapsOntoConfidenceByTheSpecificationsAdmiraltyScale() {
        #expect((1...6).map { STIXFormat.confidence(credibility: $0) } == [90, 70, 50, 30, 10, nil])
        #expect(STIXFormat.confidence(credibility: nil) == nil && STIXFormat.confidence(credibility: 7) == nil)
    }

    @Test func exportingAgainGivesTheSameIdsSoPlatformsUpdateRatherThanDuplicate() throws {
        let sample = try SampleReport.export()
        #expect(STIXFormat.bundle([sample]) == STIXFormat.bundle([sample]), "the same bytes")
        var edited = sample
        edited.report.title = "Flashpoint (revised)"
        edited.report.updatedAt = Timestamp(millisecondsSince1970: sample.report.updatedAt.millisecondsSince1970 + 60_000)
        func ids(_ export: ReportExport) throws -> [String] {
            try Self.objects(STIXFormat.bundle([export])).compactMap { $0["id"] as? String }
        }
        #expect(try ids(edited) == (try ids(sample)))
        let modified = try Self.objects(STIXFormat.bundle([edited])).first { $0["type"] as? String == "report" }?["modified"] as? String
        #expect(modified == "2024-06-24T09:31:00.250Z", "a newer modified time, so the platform takes the update")
        // Ids are derived from the fieldnotes ids alone.
        #expect(STIXFormat.reportID(sample.report.id) == "report--" + UUIDv5.string(namespace: STIXFormat.namespace, name: "report:\(sample.report.id)"))
        #expect(STIXFormat.eventID(try #require(ItemID("e1")), of: sample.report.id)
            == "location--" + UUIDv5.string(namespace: STIXFormat.namespace, name: "location:\(sample.report.id)/e1"))
    }

    @Test func eventsWithoutCoordinatesBecomeNotesAndAReportWithoutAnAnalystStillNamesOne() throws {
        var report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000020")), title: "No one's", credibility: 6, deleted: true)
        report.events = [
            Event(id: try #require(ItemID("e1")), when: "2024-06-23T14:30+03:00", place: "Somewhere", summary: "No position given.", injured: 2),
            Event(id: try #require(ItemID("e2")), when: "2024-06-23", place: "Half", lat: 40),
        ]
        let objects = try Self.objects(STIXFormat.bundle([ReportExport(report: report, authors: [], heads: [])]))
        #expect(objects.map { $0["type"] as? String } == ["identity", "report", "note", "note"])
        #expect(objects[0]["name"] as? String == "unknown analyst")
        #expect(objects[1]["confidence"] == nil, "6, truth cannot be judged: no confidence")
        #expect(objects[1]["revoked"] as? Bool == true, "a deleted report is revoked")
        #expect(objects[1]["object_refs"] as? [String] == [STIXFormat.identityID("unknown analyst")])
        #expect(objects[2]["abstract"] as? String == "Somewhere" && objects[2]["object_refs"] as? [String] == [STIXFormat.reportID(report.id)])
        #expect(objects[2]["content"] as? String == "When: 2024-06-23T11:30:00.000Z. Injured: 2.\n\nNo position given.")
    }

    @Test func anAnalystInSeveralReportsIsOneIdentity() throws {
        let sample = try SampleReport.export()
        var second = sample
        second.report.id = try #require(ReportID("00000000-0000-4000-8000-000000000021"))
        second.authors = [SampleReport.bob]
        second.report.author = SampleReport.bob
        let objects = try Self.objects(STIXFormat.bundle([sample, second]))
        #expect(objects.filter { $0["type"] as? String == "identity" }.compactMap { $0["name"] as? String }
            == [SampleReport.alice, SampleReport.bob])
        #expect(objects.filter { $0["type"] as? String == "report" }.count == 2)
    }

    @Test func aRandomizedCorpusPassesOASISsValidator() throws {
        let seed = Corpus.seed()
        print("STIX corpus: seed \(seed) (replay with FIELDNOTES_SEED=\(seed))")
        let corpus = try Corpus.exports(seed: seed, count: 40)
        let document = STIXFormat.bundle(corpus)
        #expect(document == STIXFormat.bundle(corpus), "seed \(seed)")
        let objects = try Self.objects(document, seed: seed)
        let reports = objects.filter { $0["type"] as? String == "report" }
        #expect(reports.compactMap { $0["id"] as? String } == corpus.map { STIXFormat.reportID($0.report.id) }, "seed \(seed)")
        for (object, export) in zip(reports, corpus) {
            #expect(object["name"] as? String == export.report.title && object["description"] as? String == (export.report.body.isEmpty ? nil : export.report.body),
                    "seed \(seed)")
            let labels = object["labels"] as? [String] ?? []
            #expect(labels.contains("admiralty:credibility=\(export.report.credibility ?? 0)") == (export.report.credibility != nil), "seed \(seed)")
            #expect(object["confidence"] as? Int == STIXFormat.confidence(credibility: export.report.credibility), "seed \(seed)")
        }
        let events = corpus.map(\.report.events.count).reduce(0, +)
        #expect(objects.filter { ["location", "note"].contains($0["type"] as? String) }.count == events, "every event is there, seed \(seed)")
        // Each report's bundle on its own is valid too (as `list ID --format stix` would give).
        let single = try FormatChecker.check(.stix, corpus.prefix(8).map { STIXFormat.bundle([$0]) })
        let valid = single.isValid
        #expect(valid, "\(single.problems) (seed \(seed))")
    }
}
