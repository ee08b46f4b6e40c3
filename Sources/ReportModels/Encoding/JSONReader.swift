/// Why a JSON value is not the shape a report, a version or a clock must have.
public struct ShapeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where in the document, as `events[2].killed`.
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

/// Reads the members of a JSON object with typed accessors whose errors say where and what.
/// Keys it was not asked for are refused by ``finish()``, so a misspelt or unknown field is
/// never silently dropped.
struct ObjectReader {
    let members: JSONObject
    let path: String
    /// How many of the object's members have been read (each is read once).
    private var read = 0
    /// Every key asked for, to name an unknown one.
    private var asked: [String] = []

    init(_ value: JSONValue, path: String) throws(ShapeError) {
        guard case .object(let members) = value else { throw ShapeError(path: path, problem: "expected an object") }
        self.members = members
        self.path = path
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func value(_ key: String) throws(ShapeError) -> JSONValue {
        asked.append(key)
        guard let value = members[key] else { throw ShapeError(path: childPath(key), problem: "missing") }
        read += 1
        return value
    }

    mutating func optional(_ key: String) -> JSONValue? {
        asked.append(key)
        guard let value = members[key] else { return nil }
        read += 1
        return value == .null ? nil : value
    }



    mutating func string(_ key: String) throws(ShapeError) -> String {
        guard case .string(let text) = try value(key) else { throw ShapeError(path: childPath(key), problem: "expected a string") }
        return text
    }

    mutating func optionalString(_ key: String) throws(ShapeError) -> String? {
        guard let value = optional(key) else { return nil }
        guard case .string(let text) = value else { throw ShapeError(path: childPath(key), problem: "expected a string") }
        return text
    }

    mutating func bool(_ key: String) throws(ShapeError) -> Bool {
        guard case .bool(let flag) = try value(key) else { throw ShapeError(path: childPath(key), problem: "expected true or false") }
        return flag
    }

    mutating func int(_ key: String) throws(ShapeError) -> Int64 {
        guard case .int(let number) = try value(key) else { throw ShapeError(path: childPath(key), problem: "expected a whole number") }
        return number
    }

    mutating func optionalInt(_ key: String) throws(ShapeError) -> Int? {
        guard let value = optional(key) else { return nil }
        guard case .int(let number) = value, let small = Int(exactly: number) else {
            throw ShapeError(path: childPath(key), problem: "expected a whole number")
        }
        return small
    }

    mutating func optionalDouble(_ key: String) throws(ShapeError) -> Double? {
        switch optional(key) {
        case nil: return nil
        case .double(let number)?: return number
        case .int(let number)?: return Double(number)
        default: throw ShapeError(path: childPath(key), problem: "expected a number")
        }
    }

    mutating func array(_ key: String) throws(ShapeError) -> [JSONValue] {
        guard case .array(let elements) = try value(key) else { throw ShapeError(path: childPath(key), problem: "expected a list") }
        return elements
    }

    /// A time written as ``Timestamp/description`` writes it (UTC, milliseconds): another
    /// spelling of the same moment would give one version a second encoding.
    mutating func timestamp(_ key: String) throws(ShapeError) -> Timestamp {
        let text = try string(key)
        guard let time = Timestamp(iso8601: text) else {
            throw ShapeError(path: childPath(key), problem: "expected an ISO 8601 date-time, found '\(text)'")
        }
        guard time.description == text else {
            throw ShapeError(path: childPath(key), problem: "'\(text)' is not in canonical form (\(time))")
        }
        return time
    }

    /// Refuses members that were never asked for.
    func finish() throws(ShapeError) {
        guard read < members.count else { return }
        if let unknown = members.keys.first(where: { !asked.contains($0) }) {
            throw ShapeError(path: childPath(unknown), problem: "unknown field")
        }
    }
}
