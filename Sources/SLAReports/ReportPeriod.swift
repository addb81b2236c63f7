import Foundation
import SLACore

/// A period refused: the text says what was expected.
public struct ReportPeriodError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}

/// The local days a report covers, as the instants `[from, to)`: midnight of the first day to
/// midnight after the last, in the zone of the stores' calendar (daylight saving time included).
public struct ReportPeriod: Hashable, Sendable {
    public enum Form: String, Sendable {
        /// `2026-10`
        case month
        /// `2026-W44`, ISO 8601 weeks: Monday to Sunday, week 1 holds the year's first Thursday.
        case week
        /// From one date to another, both days included.
        case range
    }

    public let form: Form
    /// `2026-10`, `2026-W44`, or `2026-10-01..2026-10-31`.
    public let label: String
    public let firstDay: CivilDate
    /// The last day covered (included).
    public let lastDay: CivilDate
    /// Midnight starting `firstDay`.
    public let from: Instant
    /// Midnight ending `lastDay` (excluded).
    public let to: Instant
    public let zone: TimeZone

    public init(form: Form, label: String, firstDay: CivilDate, lastDay: CivilDate, calendar: BusinessCalendar) {
        self.form = form
        self.label = label
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.from = calendar.instant(firstDay, 0)
        self.to = calendar.instant(lastDay.adding(days: 1), 0)
        self.zone = calendar.zone
    }

    public func contains(_ instant: Instant) -> Bool {
        from <= instant && instant < to
    }

    /// The zone's UTC offset at an instant, in seconds.
    public func offset(at instant: Instant) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.seconds)))
    }

    /// An instant as ISO 8601 in the period's zone.
    public func format(_ instant: Instant) -> String {
        ISO8601.format(instant, offsetSeconds: offset(at: instant))
    }

    // MARK: Builders

    /// A calendar month written `YYYY-MM`.
    public static func month(_ text: String, in calendar: BusinessCalendar) throws(ReportPeriodError) -> ReportPeriod {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            let first = CivilDate(iso: "\(text)-01")
        else {
            throw ReportPeriodError("bad month '\(text)': write YYYY-MM, such as 2026-10")
        }
        let (year, month, _) = first.components
        let next =
            month == 12
            ? CivilDate(year: year + 1, month: 1, day: 1)! : CivilDate(year: year, month: month + 1, day: 1)!
        return ReportPeriod(
            form: .month, label: text, firstDay: first, lastDay: next.adding(days: -1), calendar: calendar)
    }

    /// The month before the one `instant` falls in (local to `calendar`): what is reported on the 1st.
    public static func month(before instant: Instant, in calendar: BusinessCalendar) -> ReportPeriod {
        let (year, month, _) = calendar.date(of: instant).components
        let first =
            month == 1
            ? CivilDate(year: year - 1, month: 12, day: 1)! : CivilDate(year: year, month: month - 1, day: 1)!
        let (y, m, _) = first.components
        // The label is well-formed by construction, so this cannot throw.
        return (try? Self.month("\(y)-\(m < 10 ? "0" : "")\(m)", in: calendar))!
    }

    /// An ISO 8601 week written `YYYY-Www`, Monday to Sunday.
    public static func week(_ text: String, in calendar: BusinessCalendar) throws(ReportPeriodError) -> ReportPeriod {
        let bad = ReportPeriodError("bad week '\(text)': write YYYY-Www, such as 2026-W44")
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 3, parts[1].first == "W",
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            parts[1].dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }),
            let year = Int(parts[0]), let week = Int(parts[1].dropFirst()), week >= 1
        else { throw bad }
        let monday = firstMonday(ofISOYear: year)
        let weeks = (firstMonday(ofISOYear: year + 1).dayNumber - monday.dayNumber) / 7
        guard week <= weeks else {
            throw ReportPeriodError("bad week '\(text)': \(year) has \(weeks) ISO weeks")
        }
        let start = monday.adding(days: (week - 1) * 7)
        return ReportPeriod(
            form: .week, label: text, firstDay: start, lastDay: start.adding(days: 6), calendar: calendar)
    }

    /// From one date to another (`YYYY-MM-DD`), both included.
    public static func range(from: String, to: String, in calendar: BusinessCalendar) throws(ReportPeriodError)
        -> ReportPeriod
    {
        guard let first = CivilDate(iso: from) else {
            throw ReportPeriodError("bad from date '\(from)': write YYYY-MM-DD, such as 2026-10-01")
        }
        guard let last = CivilDate(iso: to) else {
            throw ReportPeriodError("bad to date '\(to)': write YYYY-MM-DD, such as 2026-10-31")
        }
        guard first <= last else {
            throw ReportPeriodError("the period ends (\(to)) before it starts (\(from))")
        }
        return ReportPeriod(
            form: .range, label: "\(first)..\(last)", firstDay: first, lastDay: last, calendar: calendar)
    }

    /// Exactly one of a month, a week, or a from/to pair.
    public static func parse(
        month: String? = nil, week: String? = nil, from: String? = nil, to: String? = nil, in calendar: BusinessCalendar
    ) throws(ReportPeriodError) -> ReportPeriod {
        let forms = [month != nil, week != nil, from != nil || to != nil].filter { $0 }.count
        guard forms == 1 else {
            throw ReportPeriodError(
                "give one period: a month (2026-10), a week (2026-W44), or from and to dates (2026-10-01, 2026-10-31)")
        }
        if let month { return try Self.month(month, in: calendar) }
        if let week { return try Self.week(week, in: calendar) }
        guard let from, let to else { throw ReportPeriodError("from and to go together: give both dates") }
        return try range(from: from, to: to, in: calendar)
    }

    /// Monday of ISO week 1: the week that holds January 4th.
    static func firstMonday(ofISOYear year: Int) -> CivilDate {
        let january4 = CivilDate(year: year, month: 1, day: 4)!
        let sinceMonday = Weekday.allCases.firstIndex(of: january4.weekday)!
        return january4.adding(days: -sinceMonday)
    }
}
