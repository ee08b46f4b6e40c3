import ReportModels

/// The events of reports as GeoJSON (RFC 7946), for QGIS and web maps.
public enum GeoJSONFormat {
    /// An RFC 7946 FeatureCollection, one Point per event with coordinates; `withoutCoordinates`
    /// counts the events left out (the CLI says so on stderr).
    ///
    /// Reports in the order given, each report's events in its order. A point's coordinates
    /// are `[lon, lat]` in WGS 84 (RFC 7946 has no `crs` member); an event without both
    /// coordinates, or with one that is not finite or out of range, has no point and is
    /// counted instead. Each feature's `id` is `REPORT/EVENT`; its properties: `reportId`,
    /// `reportTitle`, `eventId`, `when` (UTC, a date stays a date), `place`, `killed`,
    /// `injured`, `summary` (absent figures are `null`), the report's `credibility`,
    /// `sourceReliabilities` (the distinct letters of its sources, A first), `status`, `tags`,
    /// `reportUpdated` and `conflicted` (whether the report has open conflicts).
    ///
    /// The same reports give the same bytes: members are written in key order. O(total size).
    public static func featureCollection(_ reports: [ReportExport]) -> (document: String, withoutCoordinates: Int) {
        var features: [JSONValue] = []
        var withoutCoordinates = 0
        for export in reports {
            let report = export.report
            let reliabilities = JSONValue.array(ExportValues.reliabilities(of: report).map { .string($0.rawValue) })
            for event in report.events {
                guard let position = ExportValues.position(of: event) else {
                    withoutCoordinates += 1
                    continue
                }
                let properties: JSONObject = [
                    "reportId": .string(report.id.rawValue),
                    "reportTitle": .string(report.title),
                    "eventId": .string(event.id.rawValue),
                    "when": .string(ExportValues.eventTime(event.when)),
                    "place": .string(event.place),
                    "killed": event.killed.map { .int(Int64($0)) } ?? .null,
                    "injured": event.injured.map { .int(Int64($0)) } ?? .null,
                    "summary": .string(event.summary),
                    "credibility": report.credibility.map { .int(Int64($0)) } ?? .null,
                    "sourceReliabilities": reliabilities,
                    "status": .string(report.status.rawValue),
                    "tags": .array(report.tags.sorted().map(JSONValue.string)),
                    "reportUpdated": .string(report.updatedAt.description),
                    "conflicted": .bool(report.isConflicted),
                ]
                features.append(.object([
                    "type": .string("Feature"),
                    "id": .string("\(report.id.rawValue)/\(event.id.rawValue)"),
                    "geometry": .object([
                        "type": .string("Point"),
                        "coordinates": .array([.double(position.lon), .double(position.lat)]),
                    ]),
                    "properties": .object(properties),
                ]))
            }
        }
        let collection = JSONValue.object(["type": .string("FeatureCollection"), "features": .array(features)])
        return (collection.prettyString, withoutCoordinates)
    }
}
