import Foundation

/// Opening hours within one local day, in seconds after local midnight: `[start, end)`, end <= 86 400.
public struct OpeningInterval: Hashable, Sendable, CustomStringConvertible {
    public let start: Int
    public let end: Int

    public init?(start: Int, end: Int) {
        guard start >= 0, end <= 86_400, start < end else { return nil }
        self.start = start
        self.end = end
    }

    /// Parses `09:00-22:00`; `24:00` is allowed as an end.
    public init?(_ text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = Self.parseTime(parts[0]), let end = Self.parseTime(parts[1]) else {
            return nil
        }
        self.init(start: start, end: end)
    }

    static func parseTime(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute),
            hour < 24 || minute == 0
        else { return nil }
        return hour * 3600 + minute * 60
    }

    public var description: String {
        "\(CivilDate.pad(start / 3600)):\(CivilDate.pad(start / 60 % 60))-"
            + "\(CivilDate.pad(end / 3600)):\(CivilDate.pad(end / 60 % 60))"
    }
}

/// A named business calendar: when a store, an office or a desk is open, in its own time zone.
///
/// All deadline arithmetic walks this calendar's open spans day by day. Days are local days of
/// `zone`; a day's spans are converted to instants with the zone's offset on that day, so days
/// that change daylight saving time are 23 or 25 hours long, as they are on the wall.
public struct BusinessCalendar: Sendable {
    public let name: String
    public var zone: TimeZone { offsets.zone }
    private let offsets: ZoneOffsets
    /// Opening hours per weekday, Monday first.
    public let weekly: [Weekday: [OpeningInterval]]
    /// Dates on which the calendar is closed whatever the weekday says (public holidays).
    public let closedDates: Set<CivilDate>
    /// Dates open although the weekday is closed (make-up working days), with these hours.
    public let extraOpenDates: Set<CivilDate>
    public let extraOpenHours: [OpeningInterval]
    /// Hours for a given date that replace the weekday's (a late opening, an early close).
    public let dateHours: [CivilDate: [OpeningInterval]]
    /// The last date the calendar's holiday data speaks for (its horizon); nil for a calendar that
    /// needs none (open around the clock, or with no public holidays). Past it, deadlines are
    /// counted on the weekly hours alone and marked provisional.
    public let coveredThrough: CivilDate?
    /// The names of holidays and make-up days, from holiday files, for people (`slactl calendar show`).
    public let dayNames: [CivilDate: String]
    /// How many days before `coveredThrough` slad and `slactl policy check` start warning.
    public let warnDaysBeforeEnd: Int
    /// The holiday files the policy names (paths or globs relative to it), and how their iCalendar
    /// summaries are read: what `slactl calendar import` installs a new file under.
    public var holidayPatterns: [String] = []
    public var holidaySummaries = HolidaySummaryMapping.chinese

    /// How far deadline arithmetic looks ahead for open time before giving up (ten years).
    static let searchLimitDays = 3660

    public init(
        name: String, zone: TimeZone, weekly: [Weekday: [OpeningInterval]],
        closedDates: Set<CivilDate> = [], extraOpenDates: Set<CivilDate> = [],
        extraOpenHours: [OpeningInterval]? = nil, dateHours: [CivilDate: [OpeningInterval]] = [:],
        coveredThrough: CivilDate? = nil, dayNames: [CivilDate: String] = [:], warnDaysBeforeEnd: Int = 60
    ) {
        self.name = name
        self.coveredThrough = coveredThrough
        self.dayNames = dayNames
        self.warnDaysBeforeEnd = warnDaysBeforeEnd
        self.offsets = ZoneOffsets(zone)
        self.weekly = weekly.mapValues { $0.sorted { $0.start < $1.start } }
        self.closedDates = closedDates
        self.extraOpenDates = extraOpenDates
        let firstWorkingHours = Weekday.allCases.lazy.compactMap { weekly[$0] }.first { !$0.isEmpty }
        self.extraOpenHours = extraOpenHours ?? firstWorkingHours ?? []
        self.dateHours = dateHours.mapValues { $0.sorted { $0.start < $1.start } }
    }

    /// A calendar open around the clock, every day, in `zone`.
    public static func alwaysOpen(name: String = "always", zone: TimeZone) -> BusinessCalendar {
        let allDay = [OpeningInterval(start: 0, end: 86_400)!]
        return BusinessCalendar(
            name: name, zone: zone, weekly: Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, allDay) }))
    }

    // MARK: Days

    /// The opening hours of one local date, after holidays, make-up days and per-date hours.
    public func hours(on date: CivilDate) -> [OpeningInterval] {
        if let special = dateHours[date] { return special }
        if closedDates.contains(date) { return [] }
        if extraOpenDates.contains(date) { return extraOpenHours }
        return weekly[date.weekday] ?? []
    }

    public func isOpenDay(_ date: CivilDate) -> Bool {
        !hours(on: date).isEmpty
    }

    /// The day's open spans as instants.
    public func spans(on date: CivilDate) -> [(start: Instant, end: Instant)] {
        hours(on: date).map { (instant(date, $0.start), instant(date, $0.end)) }
    }

    /// The local date an instant falls on.
    public func date(of instant: Instant) -> CivilDate {
        let local = instant.seconds + Int64(offset(at: instant))
        return CivilDate(dayNumber: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    /// The zone's UTC offset at an instant, in seconds.
    public func offset(at instant: Instant) -> Int {
        offsets.offset(atSecond: instant.seconds)
    }

    /// The instant of a local wall time. In a DST gap the time is pushed forward by the gap;
    /// in a DST overlap the earlier of the two instants is taken.
    public func instant(_ date: CivilDate, _ secondOfDay: Int) -> Instant {
        let local = Int64(date.dayNumber) * 86_400 + Int64(secondOfDay)
        let before = offset(at: Instant(seconds: local - 86_400))
        let after = offset(at: Instant(seconds: local + 86_400))
        let valid = [before, after].filter { offset(at: Instant(seconds: local - Int64($0))) == $0 }
        if let chosen = valid.max() {
            return Instant(seconds: local - Int64(chosen))
        }
        return Instant(seconds: local - Int64(min(before, after)))
    }

    // MARK: Open time

    /// The first instant at or after `start` at which `openSeconds` of open time have passed.
    /// Zero open seconds gives `start` itself. Nil only if the calendar stays closed for ten years.
    public func advance(from start: Instant, openSeconds: Int64) -> Instant? {
        advance(from: start, openMillis: openSeconds * 1000)
    }

    public func advance(from start: Instant, openMillis: Int64) -> Instant? {
        var remaining = openMillis
        if remaining <= 0 { return start }
        var date = self.date(of: start).adding(days: -1)
        for _ in 0..<Self.searchLimitDays {
            for span in spans(on: date) where span.end > start {
                let from = max(span.start, start)
                let available = span.end - from
                if available >= remaining { return from.adding(millis: remaining) }
                remaining -= available
            }
            date = date.adding(days: 1)
        }
        return nil
    }

    /// Open time between two instants, in milliseconds (zero when `end <= start`).
    public func openMillis(from start: Instant, to end: Instant) -> Int64 {
        guard end > start else { return 0 }
        var total: Int64 = 0
        var date = self.date(of: start).adding(days: -1)
        let lastDate = self.date(of: end).adding(days: 1)
        while date <= lastDate {
            for span in spans(on: date) {
                let from = max(span.start, start)
                let to = min(span.end, end)
                if to > from { total += to - from }
            }
            date = date.adding(days: 1)
        }
        return total
    }

    /// The close of the day a day-counted period ends on (Civil Code arts. 201-203): the start day
    /// is not counted; `days` more days are counted (only open days when `workingDaysOnly`); a last
    /// day that is not open moves to the next open day; the period ends at that day's closing time.
    public func endOfDayPeriod(from start: Instant, days: Int, workingDaysOnly: Bool) -> Instant? {
        var date = self.date(of: start)
        if workingDaysOnly {
            var counted = 0
            var steps = 0
            while counted < days {
                date = date.adding(days: 1)
                if isOpenDay(date) { counted += 1 }
                steps += 1
                if steps > Self.searchLimitDays { return nil }
            }
        } else {
            date = date.adding(days: days)
        }
        var steps = 0
        while !isOpenDay(date) {
            date = date.adding(days: 1)
            steps += 1
            if steps > Self.searchLimitDays { return nil }
        }
        return spans(on: date).last?.end
    }
}
