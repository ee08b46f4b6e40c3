/// A field value that breaks a rule of the report format: names the field, the value and
/// what is allowed. Every rule of DESIGN.md section 3 lives in this file.
public struct InvalidField: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var allowed: String

    public init(field: String, value: String, allowed: String) {
        self.field = field
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "invalid \(field) \(value.quotedForMessage): \(allowed)" }
}

extension String {
    /// A value as it appears in an error message: quoted, shortened, one line.
    var quotedForMessage: String {
        let flat = replacingOccurrences(of: "\n", with: "\\n")
        return "'" + (flat.count > 60 ? flat.prefix(57) + "..." : flat) + "'"
    }
}

// MARK: - Parsing one field from text (command-line flags, front matter)

public enum FieldRules {
    public static let maximumTitleLength = 300
    /// An analyst's name: the one written into each version (`author`) and each conflict's
    /// candidate, and shown wherever they are.
    public static let maximumNameLength = 200

    /// An analyst's name, as `init --analyst` takes it and as every version and conflict
    /// candidate from another replica must hold it: one line, no control characters, at
    /// most ``maximumNameLength`` characters.
    public static func analystName(_ text: String, field: String = "analyst", required: Bool = true) throws(InvalidField) {
        try Report.checkLine(text, field: field, required: required, maximum: maximumNameLength)
    }

    public static func status(_ text: String) throws(InvalidField) -> Status {
        guard let status = Status(rawValue: text.lowercased()) else {
            throw InvalidField(field: "status", value: text, allowed: "use one of draft, review, final, archived")
        }
        return status
    }

    public static func credibility(_ text: String, field: String = "credibility") throws(InvalidField) -> Int? {
        if text.isEmpty || text == "none" { return nil }
        guard let value = Int(text), (1...6).contains(value) else {
            throw InvalidField(field: field, value: text, allowed: "Admiralty credibility is a number from 1 to 6 (or 'none')")
        }
        return value
    }

    public static func reliability(_ text: String, field: String) throws(InvalidField) -> Reliability? {
        if text.isEmpty || text == "none" { return nil }
        guard let value = Reliability(rawValue: text.uppercased()) else {
            throw InvalidField(field: field, value: text, allowed: "Admiralty reliability is a letter from A to F (or 'none')")
        }
        return value
    }

    /// Tags are lowercased on the way in.
    public static func tag(_ text: String) throws(InvalidField) -> String {
        let tag = text.lowercased()
        try checkTag(tag, as: text)
        return tag
    }

    public static func itemID(_ text: String, field: String) throws(InvalidField) -> ItemID {
        guard let id = ItemID(text) else {
            throw InvalidField(field: field, value: text, allowed: "ids are 1 to 32 letters, digits, '-' or '_', starting with a letter or digit")
        }
        return id
    }

    public static func coordinate(_ text: String, field: String) throws(InvalidField) -> Double? {
        if text.isEmpty || text == "none" { return nil }
        let decimal = text.drop { $0 == "-" || $0 == "+" }
        guard text.count - decimal.count <= 1, !decimal.isEmpty,
              decimal.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), decimal.filter({ $0 == "." }).count <= 1,
              let value = Double(text), value.isFinite else {
            throw InvalidField(field: field, value: text, allowed: "use a decimal number of degrees")
        }
        return value
    }

    public static func casualties(_ text: String, field: String) throws(InvalidField) -> Int? {
        if text.isEmpty || text == "none" { return nil }
        guard let value = Int(text), value >= 0 else {
            throw InvalidField(field: field, value: text, allowed: "casualty figures are whole numbers, 0 or more (or 'none')")
        }
        return value
    }

    static func checkTag(_ tag: String, as written: String) throws(InvalidField) {
        // Most tags are lowercase ASCII words: told by their bytes, without Unicode tables.
        let utf8 = tag.utf8
        if utf8.count <= 50, let first = utf8.first, first < 0x80,
           utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }) {
            guard (0x61...0x7A).contains(first) || (0x30...0x39).contains(first) else {
                throw InvalidField(field: "tags", value: written,
                                   allowed: "a tag is one lowercase word of letters, digits, '-' or '_' (at most 50)")
            }
            return
        }
        func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        let scalars = tag.unicodeScalars
        guard let first = scalars.first, isLetterOrDigit(first), scalars.count <= 50, tag == tag.lowercased(),
              scalars.allSatisfy({ isLetterOrDigit($0) || $0 == "-" || $0 == "_" })
        else {
            throw InvalidField(field: "tags", value: written,
                                  allowed: "a tag is one lowercase word of letters, digits, '-' or '_' (at most 50)")
        }
    }
}

// MARK: - Checking a whole report

extension Version {
    /// Checks what a version says besides its place in history: its author and the author of
    /// each candidate of its conflicts are analysts' names
    /// (``FieldRules/analystName(_:field:required:)``), and its snapshot follows every rule of
    /// the report format. A version from another replica is checked so on import, and
    /// `verify` checks every version so.
    public func validate() throws(InvalidField) {
        try FieldRules.analystName(author, field: "author", required: false)
        for conflict in snapshot.conflicts {
            for candidate in conflict.candidates {
                try FieldRules.analystName(candidate.author, field: "conflicts.\(conflict.field).\(candidate.version.short).author", required: false)
            }
        }
        try snapshot.validate()
    }
}

extension Report {
    /// Sizes that keep every version well inside what a changeset reader accepts.
    public static let maximumBodyBytes = 1_000_000
    public static let maximumItems = 500
    public static let maximumTags = 100

    /// Checks every rule of the report format and throws the first one broken.
    public func validate() throws(InvalidField) {
        try Self.checkLine(title, field: "title", required: true, maximum: FieldRules.maximumTitleLength)
        try Self.checkText(body, field: "body", maximumBytes: Self.maximumBodyBytes)
        guard tags.count <= Self.maximumTags else {
            throw InvalidField(field: "tags", value: "\(tags.count) tags", allowed: "at most \(Self.maximumTags)")
        }
        for tag in tags.sorted() { try FieldRules.checkTag(tag, as: tag) }
        if let credibility, !(1...6).contains(credibility) {
            _ = try FieldRules.credibility(String(credibility))
        }
        try Self.checkItems(sources.map(\.id), field: "sources")
        for source in sources {
            try Self.checkLine(source.ref, field: "sources.\(source.id).ref", required: true, maximum: 1000)
        }
        try Self.checkItems(events.map(\.id), field: "events")
        for event in events { try event.validate() }
        try FieldRules.analystName(author, field: "author", required: false)
        try validateConflicts()
    }

    /// Each conflict names a field that exists (never `tags`, which merge as a set), once,
    /// with two or more different candidates that are each a valid value of the field, and
    /// the report shows the conflict's displayed candidate.
    func validateConflicts() throws(InvalidField) {
        var seen = Set<FieldPath>()
        for conflict in conflicts {
            func refuse(_ reason: String) -> InvalidField {
                InvalidField(field: "conflicts", value: conflict.field.description, allowed: reason)
            }
            guard conflict.field != .tags else { throw refuse("tags merge as a set and never conflict") }
            guard seen.insert(conflict.field).inserted else { throw refuse("a field may have one conflict") }
            guard conflict.candidates.count >= 2, Set(conflict.candidates.map(\.value)).count == conflict.candidates.count else {
                throw refuse("a conflict holds two or more different values")
            }
            guard value(at: conflict.field) == conflict.displayed.value else {
                throw refuse("the report must show the conflict's displayed candidate")
            }
            for candidate in conflict.candidates {
                var probe = self
                probe.conflicts = []
                do {
                    try probe.setValue(candidate.value, at: conflict.field)
                    try probe.validate()
                } catch {
                    throw refuse("candidate \(candidate.version) is not a valid value: \(error.description)")
                }
            }
        }
    }

    /// One line of text: no line breaks or other control characters.
    static func checkLine(_ text: String, field: String, required: Bool, maximum: Int) throws(InvalidField) {
        if required, text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw InvalidField(field: field, value: text, allowed: "it must not be empty")
        }
        if containsControl(text, allowing: [], orLineSeparators: true) {
            let breaks = text.contains(where: \.isNewline)
            throw InvalidField(field: field, value: text, allowed: breaks ? "it must be a single line" : "it must not hold control characters")
        }
        // Counting characters walks grapheme clusters; only long texts need it. A character
        // takes a few bytes, an emoji sequence a few dozen; a "character" of thousands of
        // combining marks is not text anyone typed.
        if text.utf8.count > maximum, text.utf8.count > maximum * 64 || text.count > maximum {
            throw InvalidField(field: field, value: text, allowed: "at most \(maximum) characters")
        }
    }

    /// Text of several lines: tabs and line breaks, but no other control characters.
    static func checkText(_ text: String, field: String, maximumBytes: Int) throws(InvalidField) {
        if containsControl(text, allowing: [UInt8(ascii: "\n"), UInt8(ascii: "\t")]) {
            throw InvalidField(field: field, value: text, allowed: "it must not hold control characters other than tabs and line breaks")
        }
        if text.utf8.count > maximumBytes {
            throw InvalidField(field: field, value: "\(text.utf8.count) bytes", allowed: "at most \(maximumBytes) bytes")
        }
    }

    /// Whether the text holds a C0 or C1 control character (U+0000–U+001F, U+007F–U+009F)
    /// other than the allowed ones — or, with `orLineSeparators`, U+2028 or U+2029 — scanning
    /// its UTF-8 bytes (C1 controls are C2 80–C2 9F; the separators E2 80 A8 and E2 80 A9).
    static func containsControl(_ text: String, allowing allowed: [UInt8], orLineSeparators: Bool = false) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var (previous, beforePrevious): (UInt8, UInt8) = (0, 0)
            var index = 0
            while index < bytes.count {
                // Eight printable ASCII bytes at a time (most text): none of them can be, or
                // start, what is looked for. Each test below may fire on a word that holds
                // none (then the bytes are looked at one by one), never miss one that does.
                if index + 8 <= bytes.count {
                    let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101
                    let nonASCII = word & (ones &* 0x80)
                    let belowSpace = (word &- ones &* 0x20) & ~word & (ones &* 0x80)
                    let delete = ((word ^ (ones &* 0x7F)) &- ones) & ~(word ^ (ones &* 0x7F)) & (ones &* 0x80)
                    if nonASCII | belowSpace | delete == 0 {
                        index += 8
                        (beforePrevious, previous) = (0x20, 0x20)
                        continue
                    }
                }
                let byte = bytes[index]
                index += 1
                if byte < 0x20 {
                    if !allowed.contains(byte) { return true }
                } else if byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) {
                    return true
                } else if orLineSeparators, beforePrevious == 0xE2, previous == 0x80, byte == 0xA8 || byte == 0xA9 {
                    return true
                }
                (beforePrevious, previous) = (previous, byte)
            }
            return false
        }
    }

    static func checkItems(_ ids: [ItemID], field: String) throws(InvalidField) {
        guard ids.count <= maximumItems else {
            throw InvalidField(field: field, value: "\(ids.count) items", allowed: "at most \(maximumItems)")
        }
        var seen = Set<ItemID>()
        for id in ids where !seen.insert(id).inserted {
            throw InvalidField(field: field, value: id.rawValue, allowed: "each id may appear only once in a report")
        }
    }
}

extension Event {
    /// Checks the event's fields; messages name them as `<name>.<field>`, by default
    /// `events.<id>`.
    public func validate(as name: String? = nil) throws(InvalidField) {
        let prefix = name ?? "events.\(id)"
        guard ISODateTime(when) != nil else {
            throw InvalidField(field: "\(prefix).when", value: when,
                               allowed: "use an ISO date (2024-06-23) or date-time (2024-06-23T14:30Z)")
        }
        try Report.checkLine(place, field: "\(prefix).place", required: true, maximum: 500)
        try Report.checkText(summary, field: "\(prefix).summary", maximumBytes: 8_000)
        if let lat, !(lat.isFinite && (-90...90).contains(lat)) {
            throw InvalidField(field: "\(prefix).lat", value: lat.description, allowed: "latitude is between -90 and 90")
        }
        if let lon, !(lon.isFinite && (-180...180).contains(lon)) {
            throw InvalidField(field: "\(prefix).lon", value: lon.description, allowed: "longitude is between -180 and 180")
        }
        for (name, figure) in [("killed", killed), ("injured", injured)] {
            if let figure, figure < 0 {
                throw InvalidField(field: "\(prefix).\(name)", value: String(figure),
                                   allowed: "casualty figures are whole numbers, 0 or more")
            }
        }
    }

    /// What a person enters must also give lat and lon together. This is a rule for input,
    /// not of the report: two analysts each changing one of them merge to a half position,
    /// which stays visible (and mendable) rather than making the report unreadable.
    public func validateEntry(as name: String? = nil) throws(InvalidField) {
        try validate(as: name)
        if (lat == nil) != (lon == nil) {
            throw InvalidField(field: "\(name ?? "events.\(id)").\(lat == nil ? "lat" : "lon")", value: "none",
                               allowed: "give both lat and lon, or neither")
        }
    }
}
