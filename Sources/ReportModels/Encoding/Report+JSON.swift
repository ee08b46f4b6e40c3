// The canonical JSON form of reports, clocks and conflicts: what is hashed, stored and
// exchanged. Decoding checks the shape only; call `Report.validate()` for the rules.

extension Report {
    public var json: JSONValue {
        // Keys in canonical (byte) order, so that nothing needs sorting.
        .object([
            "author": .string(author),
            "body": .string(body),
            "conflicts": .array(conflicts.map(\.json)),
            "createdAt": .string(createdAt.description),
            "credibility": credibility.map { .int(Int64($0)) } ?? .null,
            "deleted": .bool(deleted),
            "events": .array(events.map(\.json)),
            "id": .string(id.rawValue),
            "sources": .array(sources.map(\.json)),
            "status": .string(status.rawValue),
            "tags": .array(tags.sorted().map(JSONValue.string)),
            "title": .string(title),
            "updatedAt": .string(updatedAt.description),
        ])
    }

    public init(json: JSONValue) throws(ShapeError) {
        try self.init(json: json, path: "")
    }

    init(json: JSONValue, path: String) throws(ShapeError) {
        var reader = try ObjectReader(json, path: path)
        let idText = try reader.string("id")
        guard let id = ReportID(idText) else { throw ShapeError(path: reader.childPath("id"), problem: "'\(idText)' is not a UUID") }
        self.id = id
        title = try reader.string("title")
        body = try reader.string("body")
        let statusText = try reader.string("status")
        guard let status = Status(rawValue: statusText) else {
            throw ShapeError(path: reader.childPath("status"), problem: "unknown status '\(statusText)'")
        }
        self.status = status
        var tags = Set<String>()
        for (index, tag) in try reader.array("tags").enumerated() {
            guard case .string(let text) = tag else { throw ShapeError(path: reader.childPath("tags[\(index)]"), problem: "expected a string") }
            tags.insert(text)
        }
        self.tags = tags
        credibility = try reader.optionalInt("credibility")
        sources = try reader.array("sources").enumerated().map { index, element throws(ShapeError) in
            try Source(json: element, path: reader.childPath("sources[\(index)]"))
        }
        events = try reader.array("events").enumerated().map { index, element throws(ShapeError) in
            try Event(json: element, path: reader.childPath("events[\(index)]"))
        }
        deleted = try reader.bool("deleted")
        author = try reader.string("author")
        createdAt = try reader.timestamp("createdAt")
        updatedAt = try reader.timestamp("updatedAt")
        conflicts = try reader.array("conflicts").enumerated().map { index, element throws(ShapeError) in
            try Conflict(json: element, path: reader.childPath("conflicts[\(index)]"))
        }
        try reader.finish()
    }
}

extension Event {
    public var json: JSONValue {
        .object([
            "id": .string(id.rawValue),
            "injured": injured.map { .int(Int64($0)) } ?? .null,
            "killed": killed.map { .int(Int64($0)) } ?? .null,
            "lat": lat.map(JSONValue.double) ?? .null,
            "lon": lon.map(JSONValue.double) ?? .null,
            "place": .string(place),
            "summary": .string(summary),
            "when": .string(when),
        ])
    }

    init(json: JSONValue, path: String) throws(ShapeError) {
        var reader = try ObjectReader(json, path: path)
        id = try reader.itemID("id")
        when = try reader.string("when")
        place = try reader.string("place")
        lat = try reader.optionalDouble("lat")
        lon = try reader.optionalDouble("lon")
        summary = try reader.string("summary")
        killed = try reader.optionalInt("killed")
        injured = try reader.optionalInt("injured")
        try reader.finish()
    }
}

extension Source {
    public var json: JSONValue {
        .object([
            "id": .string(id.rawValue),
            "ref": .string(ref),
            "reliability": reliability.map { .string($0.rawValue) } ?? .null,
        ])
    }

    init(json: JSONValue, path: String) throws(ShapeError) {
        var reader = try ObjectReader(json, path: path)
        id = try reader.itemID("id")
        ref = try reader.string("ref")
        if let text = try reader.optionalString("reliability") {
            guard let reliability = Reliability(rawValue: text) else {
                throw ShapeError(path: reader.childPath("reliability"), problem: "unknown reliability '\(text)'")
            }
            self.reliability = reliability
        } else {
            reliability = nil
        }
        try reader.finish()
    }
}

extension Conflict {
    public var json: JSONValue {
        .object(["candidates": .array(candidates.map(\.json)), "field": .string(field.description)])
    }

    init(json: JSONValue, path: String) throws(ShapeError) {
        var reader = try ObjectReader(json, path: path)
        let fieldText = try reader.string("field")
        guard let field = FieldPath(fieldText) else {
            throw ShapeError(path: reader.childPath("field"), problem: "unknown field path '\(fieldText)'")
        }
        let candidates = try reader.array("candidates").enumerated().map { index, element throws(ShapeError) in
            try Candidate(json: element, path: reader.childPath("candidates[\(index)]"))
        }
        try reader.finish()
        self.init(field: field, candidates: candidates)
    }
}

extension Candidate {
    public var json: JSONValue {
        .object([
            "author": .string(author),
            "clock": clock.json,
            "time": .string(time.description),
            "value": value,
            "version": .string(version.description),
        ])
    }

    init(json: JSONValue, path: String) throws(ShapeError) {
        var reader = try ObjectReader(json, path: path)
        value = try reader.value("value")
        version = try reader.dot("version")
        clock = try VectorClock(json: try reader.value("clock"), path: reader.childPath("clock"))
        author = try reader.string("author")
        time = try reader.timestamp("time")
        try reader.finish()
        guard clock[version.replica] == version.counter else {
            throw ShapeError(path: path, problem: "the version's dot is not its own entry in its clock")
        }
    }
}

extension VectorClock {
    /// `{"<replica-id>": counter, …}`.
    public var json: JSONValue {
        // Replica ids sort as their written form does (fixed-width lowercase hex), so the
        // members come out in key order without comparing strings.
        .object(JSONObject(sortedMembers: counters.sorted { $0.key < $1.key }.map {
            JSONObject.Member(key: $0.key.rawValue, value: .int(Int64($0.value)))
        }))
    }

    public init(json: JSONValue, path: String = "clock") throws(ShapeError) {
        guard case .object(let members) = json else { throw ShapeError(path: path, problem: "expected an object") }
        var counters: [ReplicaID: Int] = [:]
        counters.reserveCapacity(members.count)
        for (key, value) in members {
            guard let replica = ReplicaID(key), replica.rawValue == key else {
                throw ShapeError(path: path, problem: "'\(key)' is not a lowercase replica id")
            }
            // Far beyond any real history, and far from overflowing when incremented.
            guard case .int(let counter) = value, counter > 0, counter < VectorClock.counterLimit, let small = Int(exactly: counter) else {
                throw ShapeError(path: "\(path).\(key)", problem: "expected a positive whole number below 2^40")
            }
            counters[replica] = small
        }
        self.init(positive: counters)
    }
}

extension ObjectReader {
    mutating func itemID(_ key: String) throws(ShapeError) -> ItemID {
        let text = try string(key)
        guard let id = ItemID(text) else { throw ShapeError(path: childPath(key), problem: "'\(text)' is not a valid id") }
        return id
    }

    mutating func dot(_ key: String) throws(ShapeError) -> Dot {
        let text = try string(key)
        guard let dot = Dot(text), dot.replica.rawValue == text.prefix(36) else {
            throw ShapeError(path: childPath(key), problem: "'\(text)' is not a version dot (replica:counter)")
        }
        return dot
    }
}
