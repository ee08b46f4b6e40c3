import ReportModels
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test func formatsAsISO8601WithMilliseconds() {
        #expect(Timestamp(millisecondsSince1970: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSince1970: 1_719_144_000_250).description == "2024-06-23T12:00:00.250Z")
        #expect(Timestamp(millisecondsSince1970: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesWhatItFormatsAndOffsets() {
        for ms: Int64 in [0, 1, -1, 951_782_400_000, 1_719_144_000_250, 4_102_444_800_000] {
            let time = Timestamp(millisecondsSince1970: ms)
            #expect(Timestamp(iso8601: time.description) == time)
        }
        #expect(Timestamp(iso8601: "2024-06-23T15:00+03:00") == Timestamp(iso8601: "2024-06-23T12:00:00.000Z"))
    }

    @Test(arguments: ["2024-06-23", "2024-13-01T00:00Z", "2024-02-30T00:00Z", "2024-06-23T24:00Z", "yesterday", ""])
    func refusesWhatIsNotADateTime(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}
