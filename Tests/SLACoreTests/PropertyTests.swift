import Foundation
import SLACore
import Testing

/// Properties of deadline arithmetic over random starts in 2026, with a fixed seed per calendar.
@Suite("Deadline arithmetic properties")
struct PropertyTests {
    static let calendarNames = ["store", "office", "always", "berlin-office", "berlin-always"]

    static func calendar(_ name: String) -> BusinessCalendar {
        switch name {
        case "berlin-office": return Fixtures.berlinOffice
        case "berlin-always": return Fixtures.berlinAlways
        default: return Fixtures.policy.calendars[name]!
        }
    }

    static func seed(_ name: String, _ salt: UInt64) -> UInt64 {
        name.utf8.reduce(salt) { $0 &* 31 &+ UInt64($1) }
    }

    /// Days where something happens: holidays, make-up days, the closed store day, DST switches.
    static let specialDays: [CivilDate] = [
        "2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-02-13", "2026-02-14",
        "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-20", "2026-02-22", "2026-02-23", "2026-02-28",
        "2026-03-28", "2026-03-29", "2026-03-30", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-09",
        "2026-06-19", "2026-09-18", "2026-09-20", "2026-09-25", "2026-09-30", "2026-10-01", "2026-10-07",
        "2026-10-10", "2026-10-24", "2026-10-25", "2026-10-26", "2026-12-31",
    ].map(day)

    /// A random instant of 2026: anywhere, at an opening or closing time, or on a special day.
    static func randomStart(_ calendar: BusinessCalendar, using random: inout SplitMix64) -> Instant {
        let yearStart = t("2026-01-01T00:00:00+08:00").millis
        let yearEnd = t("2027-01-01T00:00:00+08:00").millis
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            return Instant(millis: Int64.random(in: yearStart..<yearEnd, using: &random))
        case 1:
            let date = day("2026-01-01").adding(days: Int.random(in: 0..<365, using: &random))
            let boundaries = calendar.spans(on: date).flatMap { [$0.start, $0.end] } + [calendar.instant(date, 0)]
            let boundary = boundaries.randomElement(using: &random)!
            return boundary.adding(millis: [-1, 0, 0, 1].randomElement(using: &random)!)
        case 2:
            let date = specialDays.randomElement(using: &random)!
            let second = Int.random(in: 0..<86_400, using: &random)
            return calendar.instant(date, second).adding(millis: Int64.random(in: 0..<1000, using: &random))
        default:
            return Instant(seconds: Int64.random(in: yearStart / 1000..<yearEnd / 1000, using: &random))
        }
    }

    static func randomOpenTimeTarget(using random: inout SplitMix64) -> Target {
        Bool.random(using: &random)
            ? Target(value: Int.random(in: 1...1500, using: &random), unit: .minutes)
            : Target(value: Int.random(in: 1...120, using: &random), unit: .hours)
    }

    @Test(arguments: calendarNames)
    func openTimeTargetsAreExact(_ name: String) throws {
        let calendar = Self.calendar(name)
        var random = SplitMix64(seed: Self.seed(name, 1))
        for _ in 0..<300 {
            let start = Self.randomStart(calendar, using: &random)
            let target = Self.randomOpenTimeTarget(using: &random)
            let millis = try #require(target.openSeconds) * 1000
            let deadline = try #require(calendar.deadline(from: start, target: target))
            let context = "\(name): \(target) from \(start)"
            #expect(deadline > start, "\(context)")
            #expect(calendar.openMillis(from: start, to: deadline) == millis, "\(context) -> \(deadline)")
            // The first such instant: one millisecond earlier, the target is not yet used up.
            #expect(calendar.openMillis(from: start, to: deadline.adding(millis: -1)) == millis - 1, "\(context)")
            // Open time is additive at any point in between.
            let middle = Instant(millis: Int64.random(in: start.millis...deadline.millis, using: &random))
            #expect(
                calendar.openMillis(from: start, to: middle) + calendar.openMillis(from: middle, to: deadline)
                    == millis,
                "\(context), split at \(middle)")
        }
    }

    @Test(arguments: calendarNames)
    func advanceUndoesOpenMillis(_ name: String) throws {
        let calendar = Self.calendar(name)
        var random = SplitMix64(seed: Self.seed(name, 2))
        for _ in 0..<300 {
            let start = Self.randomStart(calendar, using: &random)
            let end = start.adding(millis: Int64.random(in: 0...(10 * 24 * hour), using: &random))
            let open = calendar.openMillis(from: start, to: end)
            let reached = try #require(calendar.advance(from: start, openMillis: open))
            // The same open time is reached no later than `end`, and nothing is open in between.
            #expect(reached <= end, "\(name): from \(start) to \(end)")
            #expect(calendar.openMillis(from: reached, to: end) == 0, "\(name): from \(start) to \(end)")
            #expect(calendar.openMillis(from: start, to: reached) == open)
        }
    }

    @Test(arguments: calendarNames)
    func laterStartsNeverGiveEarlierDeadlines(_ name: String) throws {
        let calendar = Self.calendar(name)
        var random = SplitMix64(seed: Self.seed(name, 3))
        for _ in 0..<300 {
            let start = Self.randomStart(calendar, using: &random)
            // Often close together (the same span), sometimes days apart.
            let gap =
                Bool.random(using: &random)
                ? Int64.random(in: 0...(2 * hour), using: &random)
                : Int64.random(in: 0...(5 * 24 * hour), using: &random)
            let later = start.adding(millis: gap)
            let target: Target
            switch Int.random(in: 0..<3, using: &random) {
            case 0: target = Self.randomOpenTimeTarget(using: &random)
            case 1: target = Target(value: Int.random(in: 1...10, using: &random), unit: .days)
            default: target = Target(value: Int.random(in: 1...10, using: &random), unit: .workingDays)
            }
            let first = try #require(calendar.deadline(from: start, target: target))
            let second = try #require(calendar.deadline(from: later, target: target))
            #expect(first <= second, "\(name): \(target) from \(start) -> \(first), from \(later) -> \(second)")
        }
    }

    @Test(arguments: calendarNames)
    func dayPeriodsEndAtTheCloseOfTheirLastDay(_ name: String) throws {
        let calendar = Self.calendar(name)
        var random = SplitMix64(seed: Self.seed(name, 4))
        for _ in 0..<200 {
            let start = Self.randomStart(calendar, using: &random)
            let workingDays = Bool.random(using: &random)
            let value = Int.random(in: 1...10, using: &random)
            let target = Target(value: value, unit: workingDays ? .workingDays : .days)
            let deadline = try #require(calendar.deadline(from: start, target: target))
            let context = "\(name): \(target) from \(start) -> \(deadline)"
            #expect(deadline > start, "\(context)")
            let startDay = calendar.date(of: start)
            let lastDay = calendar.date(of: deadline.adding(millis: -1))
            #expect(calendar.isOpenDay(lastDay), "\(context)")
            #expect(calendar.spans(on: lastDay).last?.end == deadline, "\(context)")
            if workingDays {
                // Exactly `value` open days after the start day, the last of them the last day.
                var open = 0
                var date = startDay.adding(days: 1)
                while date <= lastDay {
                    if calendar.isOpenDay(date) { open += 1 }
                    date = date.adding(days: 1)
                }
                #expect(open == value, "\(context)")
            } else {
                // `value` calendar days, then on to the first open day.
                let nominal = startDay.adding(days: value)
                #expect(lastDay >= nominal, "\(context)")
                var date = nominal
                while date < lastDay {
                    #expect(!calendar.isOpenDay(date), "\(context): \(date) is open")
                    date = date.adding(days: 1)
                }
            }
        }
    }
}
