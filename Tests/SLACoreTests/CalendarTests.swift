import Foundation
import SLACore
import Testing

@Suite("Civil dates and opening intervals")
struct CivilDateTests {
    @Test func dayNumbersAndWeekdays() {
        #expect(day("1970-01-01").dayNumber == 0)
        #expect(day("1970-01-01").weekday == .thu)
        // 56 years with 14 leap days (1972...2024) before 2026-01-01.
        #expect(day("2026-01-01").dayNumber == 20_454)
        #expect(day("2026-01-01").weekday == .thu)
        #expect(day("2026-02-13").weekday == .fri)
        #expect(day("2026-02-14").weekday == .sat)
        #expect(day("2026-01-04").weekday == .sun)
        #expect(day("2026-09-20").weekday == .sun)
        #expect(day("2026-10-10").weekday == .sat)
        #expect(day("2026-03-29").weekday == .sun)
        #expect(day("1969-12-31").dayNumber == -1)
        #expect(day("1969-12-31").weekday == .wed)
        #expect(day("2024-02-29").adding(days: 1) == day("2024-03-01"))
        #expect(day("2025-12-31").adding(days: 1) == day("2026-01-01"))
        #expect(day("2026-02-16").description == "2026-02-16")
        #expect(CivilDate(dayNumber: -1).components == (1969, 12, 31))
    }

    @Test func invalidDatesAreRejected() {
        for text in [
            "2026-02-29", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01",
            "2026/01/01", "2026-01-01x", "", "2026-+1-01", "2026-01-+1", "+026-01-01",
        ] {
            #expect(CivilDate(iso: text) == nil, "\(text)")
        }
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2000-02-29") != nil)
        #expect(CivilDate(iso: "1900-02-29") == nil)
    }

    @Test func openingIntervals() {
        let store = OpeningInterval("09:00-22:00")
        #expect(store?.start == 9 * 3600)
        #expect(store?.end == 22 * 3600)
        #expect(store?.description == "09:00-22:00")
        #expect(OpeningInterval("00:00-24:00")?.end == 86_400)
        #expect(OpeningInterval(" 08:30 - 12:15 ")?.start == 8 * 3600 + 30 * 60)
        for text in [
            "9-22", "09:00", "22:00-09:00", "09:00-09:00", "09:00-24:30", "25:00-26:00", "9:00-22:00",
            "09:60-22:00", "+9:00-22:00", "09:00-22:00-23:00", "",
        ] {
            #expect(OpeningInterval(text) == nil, "\(text)")
        }
    }
}

@Suite("Store calendar: 09:00-22:00 every day, closed 2026-02-16")
struct StoreCalendarTests {
    let store = Fixtures.store

    @Test func hoursAndClosedDays() {
        #expect(store.zone.identifier == "Asia/Shanghai")
        #expect(store.hours(on: day("2026-02-15")) == [OpeningInterval("09:00-22:00")!])
        #expect(store.hours(on: day("2026-02-16")).isEmpty)
        #expect(!store.isOpenDay(day("2026-02-16")))
        #expect(store.isOpenDay(day("2026-02-17")))
        #expect(store.isOpenDay(day("2026-10-01")))  // a public holiday, but stores open
        let spans = store.spans(on: day("2026-02-13"))
        #expect(spans.count == 1)
        #expect(spans.first?.start == t("2026-02-13T09:00:00+08:00"))
        #expect(spans.first?.end == t("2026-02-13T22:00:00+08:00"))
    }

    @Test(arguments: [
        // Before opening: the clock starts at 09:00.
        ("2026-03-10T08:00:00+08:00", "15m", "2026-03-10T09:15:00+08:00"),
        ("2026-03-10T00:00:00+08:00", "1h", "2026-03-10T10:00:00+08:00"),
        // Exactly at opening.
        ("2026-03-10T09:00:00+08:00", "15m", "2026-03-10T09:15:00+08:00"),
        // After closing, and exactly at closing: nothing is left today.
        ("2026-03-10T23:00:00+08:00", "15m", "2026-03-11T09:15:00+08:00"),
        ("2026-03-10T22:00:00+08:00", "15m", "2026-03-11T09:15:00+08:00"),
        // One millisecond before closing counts that millisecond.
        ("2026-03-10T21:59:59.999+08:00", "1m", "2026-03-11T09:00:59.999+08:00"),
        // Ends exactly at closing time, the same day.
        ("2026-03-10T21:45:00+08:00", "15m", "2026-03-10T22:00:00+08:00"),
        ("2026-03-10T09:00:00+08:00", "13h", "2026-03-10T22:00:00+08:00"),
        // Runs over closing into the next morning.
        ("2026-03-10T21:50:00+08:00", "15m", "2026-03-11T09:05:00+08:00"),
        ("2026-03-10T21:30:00+08:00", "1h", "2026-03-11T09:30:00+08:00"),
        ("2026-03-10T09:00:00+08:00", "14h", "2026-03-11T10:00:00+08:00"),
        ("2026-03-10T20:00:00+08:00", "3h", "2026-03-11T10:00:00+08:00"),
        // On the closed day, and over it.
        ("2026-02-16T12:00:00+08:00", "15m", "2026-02-17T09:15:00+08:00"),
        ("2026-02-15T21:50:00+08:00", "15m", "2026-02-17T09:05:00+08:00"),
        ("2026-02-15T09:00:00+08:00", "26h", "2026-02-17T22:00:00+08:00"),
        // Days: the start day is not counted, the period ends at the close of its last day.
        ("2026-02-14T10:00:00+08:00", "1d", "2026-02-15T22:00:00+08:00"),
        ("2026-02-15T10:00:00+08:00", "1d", "2026-02-17T22:00:00+08:00"),  // 02-16 is closed: next open day
        ("2026-02-15T23:30:00+08:00", "1d", "2026-02-17T22:00:00+08:00"),
        ("2026-02-16T12:00:00+08:00", "1d", "2026-02-17T22:00:00+08:00"),
        ("2026-02-13T10:00:00+08:00", "3d", "2026-02-17T22:00:00+08:00"),  // 02-16 counts, but is not a last day
        ("2026-02-14T10:00:00+08:00", "3d", "2026-02-17T22:00:00+08:00"),
        ("2026-03-10T10:00:00+08:00", "3d", "2026-03-13T22:00:00+08:00"),
        ("2026-03-10T00:00:00+08:00", "1d", "2026-03-11T22:00:00+08:00"),
        ("2026-03-10T23:59:59+08:00", "1d", "2026-03-11T22:00:00+08:00"),
        ("2026-12-31T10:00:00+08:00", "1d", "2027-01-01T22:00:00+08:00"),
    ])
    func deadline(start: String, target: String, expected: String) throws {
        let target = try #require(Target(target))
        #expect(store.deadline(from: t(start), target: target) == t(expected))
    }

    @Test func openTimeBetweenInstants() {
        #expect(store.openMillis(from: t("2026-03-10T08:00:00+08:00"), to: t("2026-03-10T23:00:00+08:00")) == 13 * hour)
        #expect(store.openMillis(from: t("2026-02-15T21:00:00+08:00"), to: t("2026-02-17T10:00:00+08:00")) == 2 * hour)
        #expect(store.openMillis(from: t("2026-02-16T00:00:00+08:00"), to: t("2026-02-17T00:00:00+08:00")) == 0)
        #expect(store.openMillis(from: t("2026-03-10T22:00:00+08:00"), to: t("2026-03-11T09:00:00+08:00")) == 0)
        #expect(store.openMillis(from: t("2026-03-10T12:00:00+08:00"), to: t("2026-03-10T11:00:00+08:00")) == 0)
        #expect(store.openMillis(from: t("2026-03-10T12:00:00+08:00"), to: t("2026-03-10T12:00:00.250+08:00")) == 250)
        // A week has 7 open days of 13 hours.
        #expect(store.openMillis(from: t("2026-03-09T00:00:00+08:00"), to: t("2026-03-16T00:00:00+08:00")) == 91 * hour)
    }

    @Test func zeroOpenTimeIsTheStartItself() {
        let start = t("2026-02-16T03:00:00+08:00")
        #expect(store.advance(from: start, openSeconds: 0) == start)
        #expect(store.advance(from: start, openSeconds: 1) == t("2026-02-17T09:00:01+08:00"))
    }

    @Test func localDates() {
        #expect(store.date(of: t("2026-02-15T23:59:59+08:00")) == day("2026-02-15"))
        #expect(store.date(of: t("2026-02-16T00:00:00+08:00")) == day("2026-02-16"))
        #expect(store.date(of: t("2026-02-15T16:00:00Z")) == day("2026-02-16"))
        #expect(store.offset(at: t("2026-07-01T00:00:00Z")) == 8 * 3600)
    }
}

@Suite("Office calendar: Mon-Fri 09:00-18:00, China 2026 holidays and make-up days")
struct OfficeCalendarTests {
    let office = Fixtures.office

    @Test func holidaysAndMakeUpDays() {
        let holidays = [
            "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
            "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19", "2026-09-25",
            "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",
        ]
        for date in holidays {
            #expect(!office.isOpenDay(day(date)), "\(date) is a holiday")
        }
        let makeUpDays = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
        for date in makeUpDays {
            #expect(office.isOpenDay(day(date)), "\(date) is a make-up working day")
            #expect(office.hours(on: day(date)) == [OpeningInterval("09:00-18:00")!])
        }
        // Ordinary days.
        #expect(office.isOpenDay(day("2026-03-10")))
        #expect(!office.isOpenDay(day("2026-03-14")))  // Saturday
        #expect(!office.isOpenDay(day("2026-03-15")))  // Sunday
        #expect(!office.isOpenDay(day("2026-02-21")))  // Saturday inside the Spring Festival break
        // Working days in 2026: 261 weekdays - 19 weekday holidays + 6 make-up days.
        var open = 0
        var date = day("2026-01-01")
        while date < day("2027-01-01") {
            if office.isOpenDay(date) { open += 1 }
            date = date.adding(days: 1)
        }
        #expect(open == 248)
    }

    @Test(arguments: [
        // Spring Festival: 02-14 is a make-up Saturday; 02-16..20 and 02-23 are holidays.
        ("2026-02-13T10:00:00+08:00", "3wd", "2026-02-25T18:00:00+08:00"),
        ("2026-02-13T10:00:00+08:00", "1wd", "2026-02-14T18:00:00+08:00"),
        ("2026-02-14T10:00:00+08:00", "1wd", "2026-02-24T18:00:00+08:00"),
        // National Day: 10-01, 02, 05, 06, 07 holidays; 10-10 a make-up Saturday.
        ("2026-09-30T10:00:00+08:00", "3wd", "2026-10-10T18:00:00+08:00"),
        // 09-20 is a make-up Sunday.
        ("2026-09-18T10:00:00+08:00", "3wd", "2026-09-22T18:00:00+08:00"),
        // Year boundary: 01-01/02 holidays, 01-03 Saturday, 01-04 a make-up Sunday.
        ("2025-12-31T10:00:00+08:00", "3wd", "2026-01-06T18:00:00+08:00"),
        // A start outside office hours or on a closed day: still the day after is the first counted.
        ("2026-03-10T20:00:00+08:00", "1wd", "2026-03-11T18:00:00+08:00"),
        ("2026-03-14T10:00:00+08:00", "1wd", "2026-03-16T18:00:00+08:00"),
        ("2026-03-13T10:00:00+08:00", "3d", "2026-03-16T18:00:00+08:00"),  // last day Monday
        ("2026-03-12T10:00:00+08:00", "3d", "2026-03-16T18:00:00+08:00"),  // last day Sunday: next open day
        // Open hours over holidays.
        ("2026-02-13T17:30:00+08:00", "1h", "2026-02-14T09:30:00+08:00"),
        ("2026-02-14T17:30:00+08:00", "1h", "2026-02-24T09:30:00+08:00"),
        ("2026-04-30T09:00:00+08:00", "9h", "2026-04-30T18:00:00+08:00"),
        ("2026-04-30T09:00:00+08:00", "10h", "2026-05-06T10:00:00+08:00"),
        ("2025-12-31T17:00:00+08:00", "2h", "2026-01-04T10:00:00+08:00"),
    ])
    func deadline(start: String, target: String, expected: String) throws {
        let target = try #require(Target(target))
        #expect(office.deadline(from: t(start), target: target) == t(expected))
    }

    @Test func openTimeOverSpringFestival() {
        // Fri 02-13 from 10:00 (8h), Sat 02-14 (9h), nothing until Tue 02-24 (9h), Wed 02-25 to 12:00 (3h).
        let open = office.openMillis(from: t("2026-02-13T10:00:00+08:00"), to: t("2026-02-25T12:00:00+08:00"))
        #expect(open == 29 * hour)
    }
}

@Suite("Always calendar: around the clock in Asia/Shanghai")
struct AlwaysCalendarTests {
    let always = Fixtures.always

    @Test func hoursCountWallTime() {
        #expect(
            always.deadline(from: t("2026-03-10T10:00:00+08:00"), target: Target("24h")!)
                == t("2026-03-11T10:00:00+08:00"))
        #expect(
            always.deadline(from: t("2026-03-10T10:00:00+08:00"), target: Target("72h")!)
                == t("2026-03-13T10:00:00+08:00"))
        #expect(
            always.deadline(from: t("2026-12-31T23:59:00+08:00"), target: Target("2m")!)
                == t("2027-01-01T00:01:00+08:00"))
        #expect(
            always.deadline(from: t("2026-02-16T23:00:00+08:00"), target: Target("1d")!)
                == t("2026-02-18T00:00:00+08:00"))
        #expect(
            always.openMillis(from: t("2026-03-10T10:00:00+08:00"), to: t("2026-03-13T10:00:00+08:00")) == 72 * hour)
    }
}

@Suite("Daylight saving time: Europe/Berlin")
struct DaylightSavingTests {
    let always = Fixtures.berlinAlways
    let office = Fixtures.berlinOffice

    @Test func offsetsAroundTheSwitches() {
        // Spring forward at 01:00 UTC on 2026-03-29, fall back at 01:00 UTC on 2026-10-25.
        #expect(always.offset(at: t("2026-03-29T00:59:59Z")) == 3600)
        #expect(always.offset(at: t("2026-03-29T01:00:00Z")) == 7200)
        #expect(always.offset(at: t("2026-10-25T00:59:59Z")) == 7200)
        #expect(always.offset(at: t("2026-10-25T01:00:00Z")) == 3600)
        #expect(always.offset(at: t("2026-01-15T12:00:00Z")) == 3600)
        #expect(always.offset(at: t("2026-07-15T12:00:00Z")) == 7200)
    }

    @Test func localDatesAroundTheSwitches() {
        #expect(always.date(of: t("2026-03-28T22:59:59Z")) == day("2026-03-28"))  // 23:59:59+01:00
        #expect(always.date(of: t("2026-03-28T23:00:00Z")) == day("2026-03-29"))  // 00:00+01:00
        #expect(always.date(of: t("2026-03-29T21:59:59Z")) == day("2026-03-29"))  // 23:59:59+02:00
        #expect(always.date(of: t("2026-03-29T22:00:00Z")) == day("2026-03-30"))  // 00:00+02:00
        #expect(always.date(of: t("2026-10-24T21:59:59Z")) == day("2026-10-24"))  // 23:59:59+02:00
        #expect(always.date(of: t("2026-10-24T22:00:00Z")) == day("2026-10-25"))  // 00:00+02:00
        #expect(always.date(of: t("2026-10-25T22:59:59Z")) == day("2026-10-25"))  // 23:59:59+01:00
        #expect(always.date(of: t("2026-10-25T23:00:00Z")) == day("2026-10-26"))  // 00:00+01:00
    }

    @Test func wallTimesToInstants() {
        #expect(always.instant(day("2026-03-29"), 0) == t("2026-03-29T00:00:00+01:00"))
        #expect(always.instant(day("2026-03-29"), 86_400) == t("2026-03-30T00:00:00+02:00"))
        // 02:30 does not exist on 03-29: pushed forward by the gap.
        #expect(always.instant(day("2026-03-29"), 2 * 3600 + 1800) == t("2026-03-29T03:30:00+02:00"))
        // 02:30 happens twice on 10-25: the earlier one.
        #expect(always.instant(day("2026-10-25"), 2 * 3600 + 1800) == t("2026-10-25T02:30:00+02:00"))
        #expect(always.instant(day("2026-10-25"), 86_400) == t("2026-10-26T00:00:00+01:00"))
    }

    @Test func daysAre23And25HoursLong() {
        let spring = always.spans(on: day("2026-03-29"))
        #expect(spring.count == 1)
        #expect(spring.first.map { $0.end - $0.start } == 23 * hour)
        let autumn = always.spans(on: day("2026-10-25"))
        #expect(autumn.first.map { $0.end - $0.start } == 25 * hour)
        #expect(
            always.openMillis(from: t("2026-03-29T00:00:00+01:00"), to: t("2026-03-30T00:00:00+02:00")) == 23 * hour)
        #expect(
            always.openMillis(from: t("2026-10-25T00:00:00+02:00"), to: t("2026-10-26T00:00:00+01:00")) == 25 * hour)
    }

    @Test(arguments: [
        // Open hours are elapsed hours: 24h across the spring switch is 13:00 on the wall.
        ("2026-03-28T12:00:00+01:00", "24h", "2026-03-29T13:00:00+02:00"),
        ("2026-10-24T12:00:00+02:00", "24h", "2026-10-25T11:00:00+01:00"),
        ("2026-03-29T01:30:00+01:00", "1h", "2026-03-29T03:30:00+02:00"),
        ("2026-10-25T02:30:00+02:00", "1h", "2026-10-25T02:30:00+01:00"),
        // A day period ends at 24:00 of its last day, whatever its length.
        ("2026-03-28T12:00:00+01:00", "1d", "2026-03-30T00:00:00+02:00"),
        ("2026-10-24T12:00:00+02:00", "1d", "2026-10-26T00:00:00+01:00"),
        ("2026-03-29T12:00:00+02:00", "1d", "2026-03-31T00:00:00+02:00"),
    ])
    func aroundTheClock(start: String, target: String, expected: String) throws {
        let target = try #require(Target(target))
        #expect(always.deadline(from: t(start), target: target) == t(expected))
    }

    @Test(arguments: [
        // Friday 17:00 before the spring switch: one hour on Friday, one on Monday in summer time.
        ("2026-03-27T17:00:00+01:00", "2h", "2026-03-30T10:00:00+02:00"),
        ("2026-10-23T17:00:00+02:00", "2h", "2026-10-26T10:00:00+01:00"),
        ("2026-03-27T12:00:00+01:00", "1wd", "2026-03-30T18:00:00+02:00"),
        ("2026-10-23T12:00:00+02:00", "1wd", "2026-10-26T18:00:00+01:00"),
        ("2026-03-28T12:00:00+01:00", "1d", "2026-03-30T18:00:00+02:00"),  // last day Sunday
        ("2026-03-30T09:00:00+02:00", "9h", "2026-03-30T18:00:00+02:00"),
    ])
    func weekdays(start: String, target: String, expected: String) throws {
        let target = try #require(Target(target))
        #expect(office.deadline(from: t(start), target: target) == t(expected))
    }

    @Test func weekdayOpenTimeAcrossTheSwitches() {
        #expect(office.openMillis(from: t("2026-03-27T17:00:00+01:00"), to: t("2026-03-30T10:00:00+02:00")) == 2 * hour)
        #expect(office.openMillis(from: t("2026-10-23T17:00:00+02:00"), to: t("2026-10-26T10:00:00+01:00")) == 2 * hour)
        // A working week has 45 open hours on either side of a switch.
        #expect(
            office.openMillis(from: t("2026-03-23T00:00:00+01:00"), to: t("2026-03-30T00:00:00+02:00")) == 45 * hour)
        #expect(office.spans(on: day("2026-03-30")).first?.start == t("2026-03-30T07:00:00Z"))
        #expect(office.spans(on: day("2026-03-27")).first?.start == t("2026-03-27T08:00:00Z"))
    }
}
