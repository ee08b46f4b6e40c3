import Foundation

/// A moment in UTC with millisecond precision, written in ISO 8601 (`2026-11-24T09:30:00.250Z`).
///
/// Whole milliseconds, not `Date`, so that a time survives encoding and decoding exactly and
/// hashes the same everywhere.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    public init(_ date: Date) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (a: Self, b: Self) -> Bool { a.millisecondsSince1970 < b.millisecondsSince1970 }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var description: String {
        let (days, msOfDay) = millisecondsSince1970.floorDivided(by: 86_400_000)
        let (year, month, day) = CivilDate.from(daysSince1970: days)
        let ms = Int(msOfDay)
        guard (0...9999).contains(year) else {
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(ms / 3_600_000, 2)):\(pad(ms / 60_000 % 60, 2)):\(pad(ms / 1000 % 60, 2)).\(pad(ms % 1000, 3))Z"
        }
        // Written digit by digit: every version and conflict candidate carries times.
        var bytes = Array("0000-00-00T00:00:00.000Z".utf8)
        func put(_ value: Int, at end: Int, width: Int) {
            var value = value
            for index in stride(from: end, to: end - width, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 3, width: 4)
        put(month, at: 6, width: 2)
        put(day, at: 9, width: 2)
        put(ms / 3_600_000, at: 12, width: 2)
        put(ms / 60_000 % 60, at: 15, width: 2)
        put(ms / 1000 % 60, at: 18, width: 2)
        put(ms % 1000, at: 22, width: 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses what ``description`` writes, and also times without fraction or with an offset.
    public init?(iso8601 string: String) {
        guard let parsed = ISODateTime(string), parsed.hasTime,
              let ms = parsed.millisecondsSince1970 else { return nil }
        millisecondsSince1970 = ms
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 { q -= 1; r += divisor }
        return (q, r)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms), without Calendar.
enum CivilDate {
    static func from(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func daysSince1970(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// An ISO 8601 calendar date (`2024-06-23`) or date-time (`2024-06-23T14:30`,
/// `2024-06-23T14:30:05.5Z`, `2024-06-23T14:30+03:00`), checked field by field.
struct ISODateTime {
    var year, month, day: Int
    var hour = 0, minute = 0, second = 0, millisecond = 0
    var offsetMinutes: Int?
    var hasTime = false

    init?(_ string: String) {
        var scanner = DigitScanner(Array(string.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2),
              (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
        if scanner.atEnd { return }
        guard scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2),
              hour < 24, minute < 60
        else { return nil }
        (self.hour, self.minute, hasTime) = (hour, minute, true)
        if scanner.skip(":") {
            guard let second = scanner.number(digits: 2), second < 60 else { return nil }
            self.second = second
            if scanner.skip(".") {
                guard let fraction = scanner.digits(), !fraction.isEmpty else { return nil }
                millisecond = Int((fraction + "00").prefix(3))!
            }
        }
        if scanner.skip("Z") || scanner.skip("z") {
            offsetMinutes = 0
        } else if let sign = scanner.sign() {
            guard let hours = scanner.number(digits: 2) else { return nil }
            _ = scanner.skip(":")  // both +03:00 and +0300 are ISO 8601
            guard let minutes = scanner.number(digits: 2), hours < 24, minutes < 60 else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard scanner.atEnd else { return nil }
    }

    /// Only for date-times; a time without offset is read as UTC.
    var millisecondsSince1970: Int64? {
        let days = CivilDate.daysSince1970(year: year, month: month, day: day)
        let minutes = Int64(hour * 60 + minute - (offsetMinutes ?? 0))
        return days * 86_400_000 + minutes * 60_000 + Int64(second * 1000 + millisecond)
    }
}

private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
        position += 1
        return true
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    mutating func number(digits count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + count] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        position += count
        return value
    }

    mutating func digits() -> String? {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}
