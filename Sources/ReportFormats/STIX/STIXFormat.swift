import Foundation
import ReportModels

/// Reports as a STIX 2.1 bundle, for MISP and OpenCTI.
///
/// Per report, a `report` (name: the title; description: the narrative, if any; `published`: when it
/// was last updated), a `location` per event with coordinates, and a `note` about the report
/// per event without them (a STIX location needs coordinates or a region, and no event is
/// left out). Per analyst, once in the bundle, an `identity` (`individual`). The report's
/// `object_refs` are its locations and its analysts' identities (never empty: every report
/// has a creator, `unknown analyst` when none is recorded); `created_by_ref` is its creator.
///
/// Admiralty ratings travel twice: as labels (`admiralty:credibility=3`, one
/// `admiralty:reliability=C` per distinct rating of its sources, after the report's tags), and
/// credibility as `confidence` by the STIX 2.1 specification's own mapping (its appendix
/// "Confidence Scales", Admiralty Credibility): 1 → 90, 2 → 70, 3 → 50, 4 → 30, 5 → 10, and
/// 6 (truth cannot be judged) → no `confidence`, as for a report without a rating. The
/// sources are `external_references` (`source_name`: the reference; `external_id`: the
/// source's id; `description`: its rating), after one naming the report in fieldnotes.
///
/// Ids are name-based (UUIDv5 in ``namespace``) from the report's id, the report's and the
/// event's ids, and the analyst's name, so that exporting a report again gives the same ids
/// and a platform updates its objects (by `modified`) instead of adding copies. Objects carry
/// only properties the specification defines (no `x_` custom properties). A deleted report
/// is `revoked`.
public enum STIXFormat {
    /// The namespace of every STIX id fieldnotes makes: a random (version 4) UUID drawn once,
    /// `6337276c-6b60-4617-8556-60fac8ae8591`. Never change it: every id exported so far is
    /// derived from it, and platforms match re-exports by id.
    public static let namespace = UUID(uuid: (0x63, 0x37, 0x27, 0x6C, 0x6B, 0x60, 0x46, 0x17,
                                              0x85, 0x56, 0x60, 0xFA, 0xC8, 0xAE, 0x85, 0x91))

    /// The name an analyst without a recorded name is given.
    static let unknownAnalyst = "unknown analyst"

    /// A STIX 2.1 bundle: identities first (by name), then each report in the order given,
    /// followed by its locations and notes in its events' order. The bundle's id is derived
    /// from the ids of the objects in it. The same reports give the same bytes. O(total size).
    public static func bundle(_ reports: [ReportExport]) -> String {
        // Every analyst once, with the times of the reports they appear in.
        var identities: [String: (created: Timestamp, modified: Timestamp)] = [:]
        for export in reports {
            let (created, modified) = times(of: export.report)
            for analyst in analysts(of: export) {
                let known = identities[analyst]
                identities[analyst] = (min(known?.created ?? created, created), max(known?.modified ?? modified, modified))
            }
        }
        var objects: [JSONValue] = identities.keys.sorted().compactMap { name in
            identities[name].map { identity(name: name, created: $0.created, modified: $0.modified) }
        }
        for export in reports { objects += reportObjects(export) }
        let ids = objects.compactMap { $0["id"]?.stringValue }
        let bundle: JSONValue = .object([
            "type": .string("bundle"),
            "id": .string("bundle--" + UUIDv5.string(namespace: namespace, name: "bundle:" + ids.sorted().joined(separator: ","))),
            "objects": .array(objects),
        ])
        return bundle.prettyString
    }

    /// The STIX id of a report's `report` object.
    public static func reportID(_ report: ReportID) -> String {
        "report--" + UUIDv5.string(namespace: namespace, name: "report:\(report.rawValue)")
    }

    /// The STIX id of an event's `location` (or `note`, for an event without coordinates).
    public static func eventID(_ event: ItemID, of report: ReportID, type: String = "location") -> String {
        "\(type)--" + UUIDv5.string(namespace: namespace, name: "\(type):\(report.rawValue)/\(event.rawValue)")
    }

    /// The STIX id of an analyst's `identity`.
    public static func identityID(_ analyst: String) -> String {
        "identity--" + UUIDv5.string(namespace: namespace, name: "identity:\(analyst)")
    }

    /// STIX confidence for an Admiralty credibility (see the type's documentation); nil for
    /// 6, no rating, or anything outside 1–6.
    public static func confidence(credibility: Int?) -> Int? {
        switch credibility {
        case 1: 90
        case 2: 70
        case 3: 50
        case 4: 30
        case 5: 10
        default: nil
        }
    }

    // MARK: - Objects

    /// The creator first, then the other authors.
    static func analysts(of export: ReportExport) -> [String] {
        let named = ExportValues.analysts(of: export)
        return named.isEmpty ? [unknownAnalyst] : named
    }

    /// `created` and `modified`: STIX requires modified ≥ created, which a replica's clock
    /// going backwards could break.
    static func times(of report: Report) -> (created: Timestamp, modified: Timestamp) {
        (report.createdAt, max(report.createdAt, report.updatedAt))
    }

    static func identity(name: String, created: Timestamp, modified: Timestamp) -> JSONValue {
        .object([
            "type": .string("identity"),
            "spec_version": .string("2.1"),
            "id": .string(identityID(name)),
            "created": .string(created.description),
            "modified": .string(modified.description),
            "name": .string(name),
            "identity_class": .string("individual"),
        ])
    }

    /// The report, then its locations and notes.
    static func reportObjects(_ export: ReportExport) -> [JSONValue] {
        let report = export.report
        let (created, modified) = times(of: report)
        let creator = identityID(analysts(of: export)[0])
        var locations: [JSONValue] = []
        var notes: [JSONValue] = []
        for event in report.events {
            let common: JSONObject = [
                "spec_version": .string("2.1"),
                "created": .string(created.description),
                "modified": .string(modified.description),
                "created_by_ref": .string(creator),
            ]
            if let position = ExportValues.position(of: event) {
                locations.append(.object(common.merging([
                    "type": .string("location"),
                    "id": .string(eventID(event.id, of: report.id)),
                    "name": .string(event.place),
                    "description": .string(eventDescription(event)),
                    "latitude": .double(position.lat),
                    "longitude": .double(position.lon),
                ])))
            } else {
                notes.append(.object(common.merging([
                    "type": .string("note"),
                    "id": .string(eventID(event.id, of: report.id, type: "note")),
                    "abstract": .string(event.place),
                    "content": .string(eventDescription(event)),
                    "object_refs": .array([.string(reportID(report.id))]),
                ])))
            }
        }
        let references = [JSONValue.object([
            "source_name": .string("fieldnotes"),
            "external_id": .string(report.id.rawValue),
            "description": .string("The report's id in fieldnotes."),
        ])] + report.sources.map { source in
            JSONValue.object([
                "source_name": .string(source.ref),
                "external_id": .string(source.id.rawValue),
                "description": .string(source.reliability.map { "Admiralty source reliability \($0.rawValue): \($0.meaning)." }
                    ?? "Admiralty source reliability not rated."),
            ])
        }
        var labels = report.tags.sorted()
        if let credibility = report.credibility { labels.append("admiralty:credibility=\(credibility)") }
        labels += ExportValues.reliabilities(of: report).map { "admiralty:reliability=\($0.rawValue)" }
        var object: JSONObject = [
            "type": .string("report"),
            "spec_version": .string("2.1"),
            "id": .string(reportID(report.id)),
            "created": .string(created.description),
            "modified": .string(modified.description),
            "created_by_ref": .string(creator),
            "name": .string(report.title),
            "published": .string(modified.description),
            "report_types": .array([.string("threat-report")]),
            "object_refs": .array((analysts(of: export).map(identityID) + locations.compactMap { $0["id"]?.stringValue }).map(JSONValue.string)),
            "external_references": .array(references),
        ]
        if !report.body.isEmpty { object["description"] = .string(report.body) }
        if !labels.isEmpty { object["labels"] = .array(labels.map(JSONValue.string)) }
        if let confidence = confidence(credibility: report.credibility) { object["confidence"] = .int(Int64(confidence)) }
        if report.deleted { object["revoked"] = .bool(true) }
        return [.object(object)] + locations + notes
    }

    /// When, the casualty figures and the summary, for a location's description or a note.
    static func eventDescription(_ event: Event) -> String {
        var facts = ["When: \(ExportValues.eventTime(event.when))."]
        if let killed = event.killed { facts.append("Killed: \(killed).") }
        if let injured = event.injured { facts.append("Injured: \(injured).") }
        let head = facts.joined(separator: " ")
        return event.summary.isEmpty ? head : head + "\n\n" + event.summary
    }
}
