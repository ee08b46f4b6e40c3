/// The name of one mergeable field of a report: `title`, `body`, `status`, `credibility`,
/// `tags`, `deleted`, `events.<id>` (whether the event is there), `events.<id>.<field>`,
/// `sources.<id>` and `sources.<id>.<field>`.
public enum FieldPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    case title, body, status, credibility, tags, deleted
    case event(ItemID)
    case eventField(ItemID, EventField)
    case source(ItemID)
    case sourceField(ItemID, SourceField)

    public enum EventField: String, CaseIterable, Comparable, Sendable {
        case when, place, lat, lon, summary, killed, injured
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public enum SourceField: String, CaseIterable, Comparable, Sendable {
        case ref, reliability
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// The report-level fields, in the order people read them.
    public static let reportFields: [FieldPath] = [.title, .status, .credibility, .tags, .body, .deleted]

    public init?(_ string: String) {
        let parts = string.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            guard let field = Self.reportFields.first(where: { $0.description == parts[0] }) else { return nil }
            self = field
        case 2, 3:
            guard let id = ItemID(parts[1]) else { return nil }
            switch (parts[0], parts.count == 3 ? parts[2] : nil) {
            case ("events", nil): self = .event(id)
            case ("sources", nil): self = .source(id)
            case ("events", let name?):
                guard let field = EventField(rawValue: name) else { return nil }
                self = .eventField(id, field)
            case ("sources", let name?):
                guard let field = SourceField(rawValue: name) else { return nil }
                self = .sourceField(id, field)
            default: return nil
            }
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .title: "title"
        case .body: "body"
        case .status: "status"
        case .credibility: "credibility"
        case .tags: "tags"
        case .deleted: "deleted"
        case .event(let id): "events.\(id)"
        case .eventField(let id, let field): "events.\(id).\(field.rawValue)"
        case .source(let id): "sources.\(id)"
        case .sourceField(let id, let field): "sources.\(id).\(field.rawValue)"
        }
    }

    /// The event or source this path is about, if any.
    public var item: ItemID? {
        switch self {
        case .event(let id), .eventField(let id, _), .source(let id), .sourceField(let id, _): id
        default: nil
        }
    }

    /// Ordered by their written form, which keeps an item's paths together.
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}
