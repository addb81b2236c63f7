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

    public var description: String {
        if daysLeft < 0 {
            return "calendar '\(calendar)': its holiday data ended on \(coveredThrough) (\(-daysLeft) days ago); "
                + "deadlines after it are provisional: add the next year's holiday file"
        }
        return "calendar '\(calendar)': its holiday data ends on \(coveredThrough) (in \(daysLeft) days); "
            + "add the next year's holiday file (slactl calendar import FILE --calendar \(calendar))"
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
            return HorizonWarning(calendar: name, coveredThrough: end, daysLeft: left)
        }
    }
}
