import Foundation
import SLACore
import Testing

@Suite("ISO 8601 instants")
struct ISO8601Tests {
    // 2026-02-13 is day 20 497 after 1970-01-01 (20 454 for 2026-01-01, + 31 + 12).
    static let fridayTenInShanghai: Int64 = (20_497 * 86_400 + 2 * 3600) * 1000

    @Test(arguments: [
        "2026-02-13T10:00:00+08:00",
        "2026-02-13T02:00:00Z",
        "2026-02-13T02:00:00z",
        "2026-02-13 10:00:00+08:00",
        "2026-02-13T10:00+08:00",
        "2026-02-13T02:00Z",
        "2026-02-13T10:00:00+0800",
        "2026-02-12T21:00:00-05:00",
        "2026-02-12T20:30:00-05:30",
        "2026-02-13T02:00:00+00:00",
        "2026-02-13T02:00:00-00:00",
        "2026-02-13T02:00:00.000Z",
    ])
    func parsesTheSameInstant(text: String) {
        #expect(ISO8601.parse(text)?.millis == Self.fridayTenInShanghai)
    }

    @Test func fractionsOfASecond() {
        let base = Self.fridayTenInShanghai
        #expect(ISO8601.parse("2026-02-13T10:00:00.5+08:00")?.millis == base + 500)
        #expect(ISO8601.parse("2026-02-13T10:00:00.05+08:00")?.millis == base + 50)
        #expect(ISO8601.parse("2026-02-13T10:00:00.123+08:00")?.millis == base + 123)
        #expect(ISO8601.parse("2026-02-13T10:00:00.123999+08:00")?.millis == base + 123)  // truncated to ms
        #expect(ISO8601.parse("2026-02-13T10:00:59.999+08:00")?.millis == base + 59_999)
    }

    @Test func epochAndBeforeIt() {
        #expect(ISO8601.parse("1970-01-01T00:00:00Z")?.millis == 0)
        #expect(ISO8601.parse("1970-01-01T08:00:00+08:00")?.millis == 0)
        #expect(ISO8601.parse("1969-12-31T23:59:59.5Z")?.millis == -500)
        #expect(ISO8601.format(Instant(millis: -500), offsetSeconds: 0) == "1969-12-31T23:59:59.500Z")
        #expect(ISO8601.format(Instant(millis: -1), offsetSeconds: 0) == "1969-12-31T23:59:59.999Z")
        #expect(Instant(millis: -500).seconds == -1)
        #expect(Instant(millis: -1000).seconds == -1)
        #expect(Instant(millis: -1001).seconds == -2)
        #expect(Instant(millis: 1999).seconds == 1)
    }

    @Test func formatting() {
        let instant = Instant(millis: Self.fridayTenInShanghai)
        #expect(ISO8601.format(instant, offsetSeconds: 8 * 3600) == "2026-02-13T10:00:00+08:00")
        #expect(ISO8601.format(instant, offsetSeconds: 0) == "2026-02-13T02:00:00Z")
        #expect(ISO8601.format(instant, offsetSeconds: -(5 * 3600 + 1800)) == "2026-02-12T20:30:00-05:30")
        #expect(ISO8601.format(instant, offsetSeconds: 14 * 3600) == "2026-02-13T16:00:00+14:00")
        #expect(ISO8601.format(instant.adding(millis: 7), offsetSeconds: 3600) == "2026-02-13T03:00:00.007+01:00")
        #expect(ISO8601.format(instant.adding(millis: 120), offsetSeconds: 0) == "2026-02-13T02:00:00.120Z")
        #expect(instant.description == "2026-02-13T02:00:00Z")
    }

    @Test(arguments: [
        "",
        "2026-02-13",
        "2026-02-13T10:00:00",
        "2026-02-13T10:00",
        "2026-02-13T24:00:00Z",
        "2026-02-13T10:60:00Z",
        "2026-02-13T10:00:60Z",
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-02-13X10:00:00Z",
        "2026-02-13t10:00:00Z",
        "2026-02-13T1:00:00Z",
        "2026-02-13T10:0:00Z",
        "2026-02-13T10:00:00+8:00",
        "2026-02-13T10:00:00+08",
        "2026-02-13T10:00:00+24:00",
        "2026-02-13T10:00:00+08:60",
        "2026-02-13T10:00:00 +08:00",
        "2026-02-13T10:00:00+08:00 ",
        "2026-02-13T10:00:00Zulu",
        "2026-02-13T10:00:00.Z",
        "2026-02-13T10:00:00,5Z",
        "26-02-13T10:00:00Z",
        "2026-2-13T10:00:00Z",
        "2026-+2-13T10:00:00Z",
        "2026-02-+3T10:00:00Z",
        "+026-02-13T10:00:00Z",
        "２０２６-02-13T10:00:00Z",
        "2026-02-13T10:00:00+08:00\n",
    ])
    func rejects(text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test func formatThenParseRoundTrips() {
        var random = SplitMix64(seed: 8601)
        let offsets = [0, 8 * 3600, -5 * 3600, 5 * 3600 + 1800, -(9 * 3600 + 30 * 60), 14 * 3600, -12 * 3600, 2 * 3600]
        for _ in 0..<500 {
            // From 1950 to 2100, to the millisecond.
            let millis = Int64.random(in: -631_152_000_000...4_102_444_800_000, using: &random)
            let offset = offsets.randomElement(using: &random)!
            let instant = Instant(millis: millis)
            let text = ISO8601.format(instant, offsetSeconds: offset)
            #expect(ISO8601.parse(text) == instant, "\(text)")
            // Parse then format gives the text back.
            #expect(ISO8601.parse(text).map { ISO8601.format($0, offsetSeconds: offset) } == text)
        }
    }

    @Test func agreesWithFoundation() {
        var random = SplitMix64(seed: 42)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for _ in 0..<200 {
            let seconds = Int64.random(in: 0...4_102_444_800, using: &random)
            let instant = Instant(seconds: seconds)
            let foundation = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(ISO8601.format(instant, offsetSeconds: 0) == foundation)
            #expect(ISO8601.parse(foundation) == instant)
        }
    }

    @Test func yearsBeforeOneThousandKeepFourDigits() {
        let first = Instant(millis: -62_135_596_800_000)  // 0001-01-01T00:00:00Z
        #expect(ISO8601.format(first, offsetSeconds: 0) == "0001-01-01T00:00:00Z")
        #expect(ISO8601.parse("0001-01-01T00:00:00Z") == first)
        #expect(ISO8601.format(Instant(seconds: 0), offsetSeconds: 0) == "1970-01-01T00:00:00Z")
    }

    @Test func instantsCodeAsISO8601() throws {
        let instant = t("2026-02-13T10:00:00.250+08:00")
        let data = try JSONEncoder().encode([instant])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-02-13T02:00:00.250Z"]"#)
        #expect(
            try JSONDecoder().decode([Instant].self, from: Data(#"["2026-02-13T10:00:00.25+08:00"]"#.utf8)) == [instant]
        )
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Instant].self, from: Data(#"["2026-02-13T10:00:00"]"#.utf8))
        }
    }
}

@Suite("Targets")
struct TargetTests {
    @Test(arguments: [
        ("15m", 15, Target.Unit.minutes, Int64(900)),
        ("3h", 3, .hours, 10_800),
        ("72h", 72, .hours, 259_200),
        ("1m", 1, .minutes, 60),
        ("999999m", 999_999, .minutes, 59_999_940),
    ])
    func parsesOpenTime(text: String, value: Int, unit: Target.Unit, seconds: Int64) throws {
        let target = try #require(Target(text))
        #expect(target.value == value)
        #expect(target.unit == unit)
        #expect(target.openSeconds == seconds)
        #expect(target.description == text)
    }

    @Test(arguments: [
        ("3d", 3, Target.Unit.days), ("1d", 1, .days), ("3wd", 3, .workingDays), ("10wd", 10, .workingDays),
    ])
    func parsesDays(text: String, value: Int, unit: Target.Unit) throws {
        let target = try #require(Target(text))
        #expect(target.value == value)
        #expect(target.unit == unit)
        #expect(target.openSeconds == nil)
        #expect(target.description == text)
    }

    @Test(arguments: [
        "", "0m", "0wd", "15", "15x", "-3h", "+3h", "1.5h", "h", "wd", "3 h", " 3h", "3h ", "3H", "3w", "3dw",
        "3hh", "1000000m", "99999999999999999999h", "٣h",
    ])
    func rejects(text: String) {
        #expect(Target(text) == nil)
    }
}
