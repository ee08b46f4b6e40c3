import Foundation

// A report seen as a map from field paths to JSON values: how merges, conflicts, resolutions,
// `log` and `diff` address fields without knowing each one.

extension Report {
    /// The value of a field; nil when the path names an event or source that is not there.
    /// An item's presence path (`events.e1`) holds `true`.
    public func value(at path: FieldPath) -> JSONValue? {
        switch path {
        case .title: .string(title)
        case .body: .string(body)
        case .status: .string(status.rawValue)
        case .credibility: credibility.map { .int(Int64($0)) } ?? .null
        case .tags: .array(tags.sorted().map(JSONValue.string))
        case .deleted: .bool(deleted)
        case .event(let id): event(id) == nil ? nil : .bool(true)
        case .eventField(let id, let field): event(id).map { $0.value(of: field) }
        case .source(let id): source(id) == nil ? nil : .bool(true)
        case .sourceField(let id, let field): source(id).map { $0.value(of: field) }
        }
    }

    /// Sets a field to a value of the field's JSON type. Setting an item's presence to
    /// `false` removes the item; `true` keeps an item that is there. Range rules are left to
    /// ``validate()``.
    public mutating func setValue(_ value: JSONValue, at path: FieldPath) throws(InvalidField) {
        func wrongType(_ expected: String) -> InvalidField {
            InvalidField(field: path.description, value: value.canonicalString, allowed: "expected \(expected)")
        }
        switch (path, value) {
        case (.title, .string(let text)): title = text
        case (.body, .string(let text)): body = text
        case (.status, .string(let text)): status = try FieldRules.status(text)
        case (.credibility, .null): credibility = nil
        case (.credibility, .int(let number)): credibility = Int(clamping: number)
        case (.tags, .array(let elements)):
            tags = []
            for element in elements {
                guard case .string(let tag) = element else { throw wrongType("a list of tags") }
                tags.insert(try FieldRules.tag(tag))
            }
        case (.deleted, .bool(let flag)): deleted = flag
        case (.event(let id), .bool(let present)):
            guard let index = events.firstIndex(where: { $0.id == id }) else { throw noSuchItem(path) }
            if !present { events.remove(at: index) }
        case (.source(let id), .bool(let present)):
            guard let index = sources.firstIndex(where: { $0.id == id }) else { throw noSuchItem(path) }
            if !present { sources.remove(at: index) }
        case (.eventField(let id, let field), _):
            guard let index = events.firstIndex(where: { $0.id == id }) else { throw noSuchItem(path) }
            try events[index].setValue(value, of: field, path: path)
            sortEvents()
        case (.sourceField(let id, let field), _):
            guard let index = sources.firstIndex(where: { $0.id == id }) else { throw noSuchItem(path) }
            try sources[index].setValue(value, of: field, path: path)
        case (.title, _), (.body, _), (.status, _): throw wrongType("a string")
        case (.credibility, _): throw wrongType("a number from 1 to 6 or null")
        case (.tags, _): throw wrongType("a list of tags")
        case (.deleted, _), (.event, _), (.source, _): throw wrongType("true or false")
        }
    }

    private func noSuchItem(_ path: FieldPath) -> InvalidField {
        InvalidField(field: path.description, value: path.item?.rawValue ?? "",
                        allowed: "report \(id) has no such \(path.description.hasPrefix("events") ? "event" : "source")")
    }

    /// Every field path of this report: the report fields, then each source's and each
    /// event's presence and fields.
    public var fieldPaths: [FieldPath] {
        var paths = FieldPath.reportFields
        for source in sources {
            paths.append(.source(source.id))
            paths += FieldPath.SourceField.allCases.map { .sourceField(source.id, $0) }
        }
        for event in events {
            paths.append(.event(event.id))
            paths += FieldPath.EventField.allCases.map { .eventField(event.id, $0) }
        }
        return paths
    }

    /// The fields whose value, or whose conflict, differs from `old` (every field of a new
    /// report). An item added or removed is reported by its presence path alone.
    public func changedFields(since old: Report?) -> [FieldPath] {
        guard let old else { return FieldPath.reportFields.filter { $0 != .deleted || deleted } }
        var changed = Set<FieldPath>()
        for path in Set(fieldPaths + old.fieldPaths) {
            let (mine, theirs) = (value(at: path), old.value(at: path))
            if (mine == nil) != (theirs == nil) {
                if case .event = path { changed.insert(path) }
                if case .source = path { changed.insert(path) }
            } else if mine != theirs || conflict(at: path) != old.conflict(at: path) {
                changed.insert(path)
            }
        }
        for conflict in conflicts + old.conflicts where self.conflict(at: conflict.field) != old.conflict(at: conflict.field) {
            changed.insert(conflict.field)
        }
        return changed.sorted()
    }
}

extension Event {
    public func value(of field: FieldPath.EventField) -> JSONValue {
        switch field {
        case .when: .string(when)
        case .place: .string(place)
        case .lat: lat.map(JSONValue.double) ?? .null
        case .lon: lon.map(JSONValue.double) ?? .null
        case .summary: .string(summary)
        case .killed: killed.map { .int(Int64($0)) } ?? .null
        case .injured: injured.map { .int(Int64($0)) } ?? .null
        }
    }

    mutating func setValue(_ value: JSONValue, of field: FieldPath.EventField, path: FieldPath) throws(InvalidField) {
        switch (field, value) {
        case (.when, .string(let text)): when = text
        case (.place, .string(let text)): place = text
        case (.summary, .string(let text)): summary = text
        case (.lat, .null): lat = nil
        case (.lat, .double(let number)): lat = number
        case (.lat, .int(let number)): lat = Double(number)
        case (.lon, .null): lon = nil
        case (.lon, .double(let number)): lon = number
        case (.lon, .int(let number)): lon = Double(number)
        case (.killed, .null): killed = nil
        case (.killed, .int(let number)): killed = Int(clamping: number)
        case (.injured, .null): injured = nil
        case (.injured, .int(let number)): injured = Int(clamping: number)
        default:
            throw InvalidField(field: path.description, value: value.canonicalString, allowed: "that is not a value of this field's type")
        }
    }
}

extension Source {
    public func value(of field: FieldPath.SourceField) -> JSONValue {
        switch field {
        case .ref: .string(ref)
        case .reliability: reliability.map { .string($0.rawValue) } ?? .null
        }
    }

    mutating func setValue(_ value: JSONValue, of field: FieldPath.SourceField, path: FieldPath) throws(InvalidField) {
        switch (field, value) {
        case (.ref, .string(let text)): ref = text
        case (.reliability, .null): reliability = nil
        case (.reliability, .string(let text)): reliability = try FieldRules.reliability(text, field: path.description)
        default:
            throw InvalidField(field: path.description, value: value.canonicalString, allowed: "that is not a value of this field's type")
        }
    }
}

extension FieldPath {
    /// Reads a value as a person types it on the command line (`credibility=3`,
    /// `events.e1.lat=42.06`, `deleted=false`, `tags=a,b`), checking the field's rules.
    public func parseValue(_ text: String) throws(InvalidField) -> JSONValue {
        switch self {
        case .title, .body: return .string(text)
        case .status: return .string(try FieldRules.status(text).rawValue)
        case .credibility: return try FieldRules.credibility(text).map { .int(Int64($0)) } ?? .null
        case .tags:
            var tags: [JSONValue] = []
            for part in text.split(separator: ",") {
                tags.append(.string(try FieldRules.tag(part.trimmingCharacters(in: .whitespaces))))
            }
            return .array(tags)
        case .deleted, .event, .source:
            switch text.lowercased() {
            case "true", "yes": return .bool(true)
            case "false", "no": return .bool(false)
            default: throw InvalidField(field: description, value: text, allowed: "use true or false")
            }
        case .eventField(_, let field):
            switch field {
            case .when, .place: return .string(text)
            case .summary: return .string(text == "none" ? "" : text)
            case .lat, .lon: return try FieldRules.coordinate(text, field: description).map(JSONValue.double) ?? .null
            case .killed, .injured: return try FieldRules.casualties(text, field: description).map { .int(Int64($0)) } ?? .null
            }
        case .sourceField(_, let field):
            switch field {
            case .ref: return .string(text)
            case .reliability: return try FieldRules.reliability(text, field: description).map { .string($0.rawValue) } ?? .null
            }
        }
    }
}

extension Event {
    /// Sets one field to a value of the field's JSON type, leaving the order of the report's
    /// events to the caller (`Report.sortEvents()`); range rules are left to `validate()`.
    public mutating func setValue(_ value: JSONValue, of field: FieldPath.EventField) throws(InvalidField) {
        try setValue(value, of: field, path: .eventField(id, field))
    }
}

extension Source {
    /// Sets one field to a value of the field's JSON type; range rules are left to `validate()`.
    public mutating func setValue(_ value: JSONValue, of field: FieldPath.SourceField) throws(InvalidField) {
        try setValue(value, of: field, path: .sourceField(id, field))
    }
}
