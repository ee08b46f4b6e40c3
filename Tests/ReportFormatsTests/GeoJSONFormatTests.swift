import Foundation
import ReportFormats
import ReportModels
import Testing

@Suite("GeoJSON for maps")
struct GeoJSONFormatTests {
    typealias Object = [String: Any]

    /// The features of a document the checker accepts.
    static func features(_ document: String, seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Object] {
        let result = try FormatChecker.check(.geojson, document, sourceLocation: sourceLocation)
        let valid = result.isValid
        #expect(valid, "\(result.problems)\(seed.map { " (seed \($0))" } ?? "")", sourceLocation: sourceLocation)
        let collection = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? Object, sourceLocation: sourceLocation)
        #expect(collection["type"] as? String == "FeatureCollection" && collection["crs"] == nil, sourceLocation: sourceLocation)
        return try #require(collection["features"] as? [Object], sourceLocation: sourceLocation)
    }

    static func coordinates(_ feature: Object) -> [Double]? {
        ((feature["geometry"] as? Object)?["coordinates"] as? [NSNumber])?.map(\.doubleValue)
    }

    /// Each feature's coordinates exactly as written (Foundation's JSON reader on Linux can
    /// be a digit off; ReportModels' reader is exact).
    static func exactCoordinates(_ document: String) throws -> [[Double]] {
        guard case .array(let features)? = try JSONValue(parsing: document)["features"] else { return [] }
        return features.map { feature in
            guard case .array(let numbers)? = feature["geometry"]?["coordinates"] else { return [] }
            return numbers.compactMap { number -> Double? in
                switch number {
                case .double(let value): value
                case .int(let value): Double(value)
                default: nil
                }
            }
        }
    }

    @Test func theSampleIsOnePointPerEventInLongitudeLatitudeOrder() throws {
        let sample = try SampleReport.export()
        let (document, withoutCoordinates) = GeoJSONFormat.featureCollection([sample])
        #expect(withoutCoordinates == 0)
        let features = try Self.features(document)
        #expect(features.count == 3)
        #expect(features.map(Self.coordinates) == [[48.29, 42.06], [47.5, 42.98], [33.52, 44.62]], "[lon, lat]")
        let properties = try #require(features[1]["properties"] as? Object)
        #expect(properties["reportId"] as? String == sample.report.id.rawValue)
        #expect(properties["reportTitle"] as? String == sample.report.title)
        #expect(properties["eventId"] as? String == "e2" && properties["when"] as? String == "2024-06-23")
        #expect(properties["place"] as? String == "Makhachkala, Dagestan")
        #expect(properties["killed"] as? Int == 9 && properties["injured"] as? Int == 25)
        #expect((properties["summary"] as? String)?.hasPrefix("Attacks on a traffic police post") == true)
        #expect(properties["credibility"] as? Int == 3 && properties["sourceReliabilities"] as? [String] == ["C", "D"])
        #expect(properties["status"] as? String == "review" && (properties["tags"] as? [String])?.first == "crimea")
        #expect((features[0]["properties"] as? Object)?["killed"] is NSNull, "a figure not given is null, not 0")
        #expect(features[0]["id"] as? String == "\(sample.report.id.rawValue)/e1")
    }

    @Test func eventsWithoutAPositionAreCountedNotDropped() throws {
        var report = Report(id: try #require(ReportID("00000000-0000-4000-8000-000000000010")), title: "t")
        let positions: [(Double?, Double?)] = [(nil, nil), (42, nil), (nil, 48), (.nan, 10), (10, .infinity), (91, 0), (0, -181), (-90, 180)]
        report.events = try positions.enumerated().map { index, position in
            Event(id: try #require(ItemID("e\(index)")), when: "2024-06-23", place: "P\(index)", lat: position.0, lon: position.1)
        }
        let (document, withoutCoordinates) = GeoJSONFormat.featureCollection([ReportExport(report: report, authors: [], heads: [])])
        #expect(withoutCoordinates == 7)
        let features = try Self.features(document)
        #expect(features.count == 1 && Self.coordinates(features[0]) == [180, -90])
    }

    @Test func theSameReportsGiveTheSameBytes() throws {
        let sample = try SampleReport.export()
        var reordered = sample
        reordered.report.tags = []
        for tag in sample.report.tags.sorted().reversed() { reordered.report.tags.insert(tag) }
        #expect(GeoJSONFormat.featureCollection([sample]).document == GeoJSONFormat.featureCollection([reordered]).document)
        let seed = Corpus.seed()
        #expect(GeoJSONFormat.featureCollection(try Corpus.exports(seed: seed, count: 10)).document
            == GeoJSONFormat.featureCollection(try Corpus.exports(seed: seed, count: 10)).document, "seed \(seed)")
    }

    @Test func aRandomizedCorpusIsValidAndPlacesEveryEventWithAPosition() throws {
        let seed = Corpus.seed()
        print("GeoJSON corpus: seed \(seed) (replay with FIELDNOTES_SEED=\(seed))")
        let corpus = try Corpus.exports(seed: seed, count: 40)
        let (document, withoutCoordinates) = GeoJSONFormat.featureCollection(corpus)
        let features = try Self.features(document, seed: seed)
        let placed = corpus.flatMap { export in
            export.report.events.compactMap { event in event.lat != nil && event.lon != nil ? (export.report, event) : nil }
        }
        #expect(features.count == placed.count, "seed \(seed)")
        #expect(withoutCoordinates == corpus.map(\.report.events.count).reduce(0, +) - placed.count, "seed \(seed)")
        let coordinates = try Self.exactCoordinates(document)
        for ((feature, position), (report, event)) in zip(zip(features, coordinates), placed) {
            let properties = feature["properties"] as? Object
            #expect(position == [event.lon, event.lat].compactMap { $0 }, "seed \(seed): [lon, lat] of \(event.id)")
            #expect(properties?["reportId"] as? String == report.id.rawValue && properties?["eventId"] as? String == event.id.rawValue,
                    "seed \(seed)")
            #expect(properties?["place"] as? String == event.place && properties?["summary"] as? String == event.summary, "seed \(seed)")
            #expect((properties?["killed"] as? NSNumber)?.intValue == event.killed, "seed \(seed)")
        }
    }
}
