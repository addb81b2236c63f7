import Foundation
import Testing

@testable import SLACore

/// The offset table agrees with `TimeZone` itself, in zones with daylight saving time, with
/// changes of standard time, with half-hour shifts and with a skipped day.
@Suite struct ZoneOffsetsTests {
    @Test(arguments: [
        "Asia/Shanghai", "Europe/Berlin", "Europe/Moscow", "America/Sao_Paulo", "Australia/Lord_Howe",
        "Pacific/Apia", "America/New_York", "UTC",
    ])
    func theTableAgreesWithTheZoneFrom1970To2100(_ identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        let table = ZoneOffsets(zone)
        func expectSame(_ second: Int64) {
            let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
            #expect(table.offset(atSecond: second) == expected, "\(identifier) at \(second)")
        }
        // Every 3 hours: no offset in any zone has held for less.
        for second in stride(from: ZoneOffsets.firstSecond, to: ZoneOffsets.endSecond, by: 3 * 3600) {
            expectSame(second)
        }
        // Around every transition.
        var after = Date(timeIntervalSince1970: 0)
        while let next = zone.nextDaylightSavingTimeTransition(after: after), next.timeIntervalSince1970 < 4e9 {
            let second = Int64(next.timeIntervalSince1970)
            for delta: Int64 in [-3601, -1, 0, 1, 3600] { expectSame(second + delta) }
            after = next
        }
        // Outside the table, the zone answers.
        expectSame(-86_400 * 365)
        expectSame(ZoneOffsets.endSecond + 86_400 * 180)
    }
}
