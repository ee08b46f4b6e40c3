/// The members of a JSON object, kept sorted by key in UTF-8 byte order with each key once:
/// the order the canonical encoding writes them in, so encoding never sorts, and lookups in
/// objects this small are a short scan rather than hashing.
public struct JSONObject: Hashable, Sendable, ExpressibleByDictionaryLiteral, Sequence {
    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
    }

    /// Sorted by key (UTF-8 byte order); keys unique.
    public private(set) var members: [Member]

    /// Later duplicates of a key replace earlier ones.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }

    public init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.map { Member(key: $0.key, value: $0.value) })
    }

    /// Sorts the members unless they already are (as in canonical input and in literals
    /// written in key order); of repeated keys the last wins.
    init(_ members: [Member]) {
        if zip(members, members.dropFirst()).allSatisfy({ Self.precedes($0.key, $1.key) }) {
            self.members = members
            return
        }
        var sorted: [Member] = []
        for member in members.enumerated().sorted(by: { Self.precedes($0.element.key, $1.element.key) || $0.element.key == $1.element.key && $0.offset < $1.offset }).map(\.element) {
            if sorted.last?.key == member.key { sorted[sorted.count - 1] = member } else { sorted.append(member) }
        }
        self.members = sorted
    }

    /// Members the caller knows are strictly sorted by key (a parser that compared the key
    /// bytes as it read them, or keys sorted by an order that is their byte order).
    init(sortedMembers members: [Member]) {
        self.members = members
    }

    /// Keys are ordered by their UTF-8 bytes, not by `String`'s Unicode-aware `<`.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Whether `members` are sorted with no repeated key (what a canonical document holds).
    static func isStrictlySorted(_ members: [Member]) -> Bool {
        zip(members, members.dropFirst()).allSatisfy { precedes($0.key, $1.key) }
    }

    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                let index = members.firstIndex { Self.precedes(key, $0.key) } ?? members.count
                members.insert(Member(key: key, value: newValue), at: index)
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// This object with `other`'s members added (replacing members with the same key).
    public func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        for member in other.members { result[member.key] = member.value }
        return result
    }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        members.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }
}
