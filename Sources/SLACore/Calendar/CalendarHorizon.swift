/// The data horizon of a calendar: past the last date its holiday data covers, slad still counts
/// deadlines on the weekly hours, but says they are provisional: a holiday it does not know of may
/// fall there.
extension BusinessCalendar {
    /// Why a period counted from `start` to `end` is provisional on this calendar, or nil when the
    /// calendar's data covers every day of it.
    public func provisionalReason(from start: Instant, to end: Instant) -> String? {
        guard let coveredThrough, date(of: max(start, end)) > coveredThrough else { return nil }
        return "calendar '\(name)' has holiday data only through \(coveredThrough): "
            + "counted on its weekly hours after that"
    }

    /// Days from `today` to the last covered date (0 on that date, negative once past it).
    public func daysOfDataLeft(today: CivilDate) -> Int? {
        coveredThrough.map { $0.dayNumber - today.dayNumber }
    }
}

/// A calendar whose holiday data ends soon (or has ended): what `slactl policy check`, slad's start
/// and reload, and its daily check warn about.
public struct HorizonWarning: Hashable, Sendable, CustomStringConvertible {
    public let calendar: String
    public let coveredThrough: CivilDate
    /// Days left (negative: days since the data ended).
    public let daysLeft: Int
    /// Whether the calendar takes holiday files (else its dates are written in the policy).
    public let takesHolidayFiles: Bool

    var advice: String {
        takesHolidayFiles
            ? "add the next year's holiday file (slactl calendar import FILE --calendar \(calendar))"
            : "add the next year's dates to the calendar in the policy and move its covered-through"
    }

    public var description: String {
        if daysLeft < 0 {
            return "calendar '\(calendar)': its holiday data ended on \(coveredThrough) (\(-daysLeft) days ago); "
                + "deadlines after it are provisional: \(advice)"
        }
        return "calendar '\(calendar)': its holiday data ends on \(coveredThrough) (in \(daysLeft) days); \(advice)"
    }
}

extension Policy {
    /// The calendars whose data ends within their warning window of `today` (or has ended).
    public func horizonWarnings(today: CivilDate) -> [HorizonWarning] {
        calendars.keys.sorted().compactMap { name in
            let calendar = calendars[name]!
            guard let end = calendar.coveredThrough, let left = calendar.daysOfDataLeft(today: today),
                left <= calendar.warnDaysBeforeEnd
            else { return nil }
            return HorizonWarning(
                calendar: name, coveredThrough: end, daysLeft: left,
                takesHolidayFiles: !calendar.holidayPatterns.isEmpty)
        }
    }
}

extension Policy {
    /// A stable digest of everything deadlines are computed from (calendars and the clocks' targets
    /// and escalation): slad keeps the last one it recomputed open cases on, and recomputes them at
    /// start when it differs (the file was edited while slad was down).
    public var deadlineRulesFingerprint: String {
        var text = ""
        for name in calendars.keys.sorted() {
            let calendar = calendars[name]!
            text +=
                "calendar \(name) \(calendar.zone.identifier) through \(calendar.coveredThrough?.description ?? "-")\n"
            for day in Weekday.allCases { text += "\(day) \(calendar.weekly[day] ?? [])\n" }
            text +=
                "closed \(calendar.closedDates.sorted())\nopen \(calendar.extraOpenDates.sorted()) \(calendar.extraOpenHours)\n"
            for date in calendar.dateHours.keys.sorted() { text += "date \(date) \(calendar.dateHours[date]!)\n" }
        }
        for clock in clocks {
            text += "clock \(clock.name) \(clock.target) \(clock.calendar) \(clock.warnAt ?? 0) \(clock.warnTier) "
            text += "\(clock.escalateTo) \(clock.escalateEvery?.description ?? "-")\n"
        }
        text += "tiers \(tiers.map(\.id))\n"
        // FNV-1a: stable from one run to the next, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
