import Foundation
import ReportModels

/// Deterministic, English-like situation reports: ~3.6 KB each, prose drawn from a
/// vocabulary of thousands of words with a Zipf-like spread (so it compresses like real
/// text, not like a repeated string), with numbers, places and dates; 1–4 events, 1–3
/// sources, 2–6 tags.
struct Corpus {
    var random: SeededGenerator
    let words: [String]
    /// Cumulative Zipf weights over `words`, for sampling by rank.
    private let cumulative: [Double]

    static let common = """
        the of and to in a is that for it as was with be by on not he this are or his from at which but have an they \
        you were her she there been one all we their has would when if so no more out up into do any your what its our \
        these some other than then only over also after could first two may such most where through back years much \
        before should well people because each good those very still own however against government between under \
        forces security attack attacks police officials reported region local support strike border military \
        reports civilians according city during near claimed town area since while president ministry statement \
        minister intelligence troops operation operations groups group armed force fire killed wounded injured \
        sources source confirmed unconfirmed several least including following said says report situation threat \
        risk escalation tension tensions response authorities control village villages district province capital \
        east west north south northern southern eastern western central road roads bridge bridges port airport \
        drone drones missile missiles artillery shelling explosion explosions convoy checkpoint protest protests \
        ceasefire talks negotiations agreement opposition militants militia fighters insurgents refugees aid \
        humanitarian supplies fuel power water hospital school market residents population damage damaged \
        destroyed infrastructure railway station coast sea river mountains valley morning evening night week \
        month assessment analysts likely unlikely possible indicates suggests appears remains continued increase \
        decrease pattern activity movement movements presence deployment withdrawal reinforcements patrol patrols
        """.split(separator: " ").map(String.init)

    static let places = [
        "Derbent", "Makhachkala", "Sevastopol", "Grozny", "Nalchik", "Kaspiysk", "Khasavyurt", "Kerch", "Simferopol",
        "Yalta", "Feodosia", "Novorossiysk", "Sochi", "Tuapse", "Krasnodar", "Rostov", "Taganrog", "Mariupol",
        "Berdyansk", "Melitopol", "Kherson", "Odesa", "Mykolaiv", "Zaporizhzhia", "Dnipro", "Kharkiv", "Izium",
        "Sumy", "Belgorod", "Kursk", "Bryansk", "Vladikavkaz", "Magas", "Nazran", "Beslan", "Tskhinvali", "Sukhumi",
        "Gagra", "Batumi", "Poti", "Tbilisi", "Gyumri", "Yerevan", "Stepanakert", "Ganja", "Baku", "Aktau", "Atyrau",
        "Astrakhan", "Volgograd", "Elista", "Stavropol", "Pyatigorsk", "Kislovodsk", "Cherkessk", "Maykop", "Anapa",
    ]

    static let tags = [
        "north-caucasus", "dagestan", "crimea", "black-sea", "escalation", "us-russia", "terrorism", "militants",
        "drones", "missiles", "air-defence", "shelling", "ceasefire", "protests", "energy", "shipping", "ports",
        "railways", "border", "refugees", "humanitarian", "cyber", "disinformation", "elections", "sanctions",
        "chechnya", "ingushetia", "kabardino-balkaria", "abkhazia", "south-ossetia", "georgia", "armenia",
        "azerbaijan", "kazakhstan", "caspian", "sea-of-azov", "kherson", "zaporizhzhia", "odesa", "kharkiv",
    ]

    init(seed: UInt64, vocabulary: Int = 6_000) {
        var random = SeededGenerator(state: seed)
        // Invented words fill the long tail, so the vocabulary is large like a real one.
        let syllables = ["ka", "ro", "ne", "mi", "tal", "vor", "se", "du", "lan", "gri", "po", "ste", "ar", "il", "ken",
                         "mar", "ob", "ut", "ze", "chi", "ban", "dor", "ev", "fal", "hun", "jor", "lis", "nok", "pra", "qui"]
        var seen = Set(Self.common)
        var words = Self.common
        while words.count < vocabulary {
            let count = Int.random(in: 2...4, using: &random)
            let word = (0..<count).map { _ in syllables.randomElement(using: &random)! }.joined()
            if seen.insert(word).inserted { words.append(word) }
        }
        self.words = words
        self.random = random
        var total = 0.0
        cumulative = (0..<vocabulary).map { rank in
            total += 1 / pow(Double(rank + 1), 1.07)
            return total
        }
    }

    mutating func word() -> String {
        let target = Double.random(in: 0..<cumulative.last!, using: &random)
        var (low, high) = (0, cumulative.count - 1)
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return words[low]
    }

    mutating func sentence() -> String {
        var parts: [String] = []
        for index in 0..<Int.random(in: 8...20, using: &random) {
            switch Int.random(in: 0..<40, using: &random) {
            case 0: parts.append(Self.places.randomElement(using: &random)!)
            case 1: parts.append(String(Int.random(in: 2...950, using: &random)))
            case 2: parts.append("\(Int.random(in: 1...28, using: &random)) \(["January", "March", "June", "August", "October"].randomElement(using: &random)!) \(Int.random(in: 2019...2025, using: &random))")
            default: parts.append(index == 0 ? word().capitalized : word())
            }
        }
        return parts.joined(separator: " ") + "."
    }

    mutating func paragraph() -> String {
        (0..<Int.random(in: 3...6, using: &random)).map { _ in sentence() }.joined(separator: " ")
    }

    mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    mutating func report(createdAt: Timestamp) -> Report {
        var body = "## Key points\n\n"
        for _ in 0..<Int.random(in: 2...3, using: &random) { body += "- " + sentence() + "\n" }
        body += "\n## Assessment\n\n"
        while body.utf8.count < 2_300 { body += paragraph() + "\n\n" }
        var report = Report(id: ReportID(uuid())!, title: String(sentence().dropLast()), body: Report.normalizedBody(body))
        report.status = Status.allCases.randomElement(using: &random)!
        report.credibility = Bool.random(using: &random) ? Int.random(in: 1...6, using: &random) : nil
        report.tags = Set((0..<Int.random(in: 2...6, using: &random)).map { _ in Self.tags.randomElement(using: &random)! })
        report.events = (0..<Int.random(in: 1...4, using: &random)).map { index in
            let located = Bool.random(using: &random)
            return Event(
                id: ItemID("e\(index + 1)")!,
                when: String(format: "%04d-%02d-%02d", Int.random(in: 2020...2025, using: &random), Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random)),
                place: Self.places.randomElement(using: &random)! + ", " + Self.places.randomElement(using: &random)!,
                lat: located ? (Double(Int.random(in: 3_000...6_000, using: &random)) / 100) : nil,
                lon: located ? (Double(Int.random(in: 2_000...5_000, using: &random)) / 100) : nil,
                summary: sentence(),
                killed: Bool.random(using: &random) ? Int.random(in: 0...40, using: &random) : nil,
                injured: Bool.random(using: &random) ? Int.random(in: 0...200, using: &random) : nil)
        }
        report.sources = (0..<Int.random(in: 1...3, using: &random)).map { index in
            Source(id: ItemID("s\(index + 1)")!, ref: String(sentence().prefix(80)), reliability: Reliability.allCases.randomElement(using: &random))
        }
        report.author = "bench"
        report.createdAt = createdAt
        report.updatedAt = createdAt
        report.sortEvents()
        return report
    }

    /// `count` new reports as first versions by one replica.
    mutating func versions(count: Int, replica: ReplicaID) -> [Version] {
        let start = Timestamp(millisecondsSince1970: 1_719_100_000_000)
        return (0..<count).map { index in
            let time = Timestamp(millisecondsSince1970: start.millisecondsSince1970 + Int64(index) * 1000)
            return Version(snapshot: report(createdAt: time), after: VectorClock(), replica: replica, author: "bench", time: time)
        }
    }
}
