/// A clock's target as the policy writes it: `15m`, `3h`, `72h`, `3d` or `3wd` (`30s` for demos and tests).
///
/// Seconds, minutes and hours count open time of the clock's calendar. Days and working days are periods
/// that end at the close of their last day (see `BusinessCalendar.endOfDayPeriod`).
public struct Target: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case seconds = "s"
        case minutes = "m"
        case hours = "h"
        case days = "d"
        case workingDays = "wd"
    }

    public let value: Int
    public let unit: Unit

    public init(value: Int, unit: Unit) {
        self.value = value
        self.unit = unit
    }

    /// Parses `15m`, `3h`, `3d`, `3wd`: a positive whole number and a unit.
    public init?(_ text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 6, let value = Int(digits), value > 0,
            let unit = Unit(rawValue: String(text.dropFirst(digits.count)))
        else { return nil }
        self.init(value: value, unit: unit)
    }

    public var description: String { "\(value)\(unit.rawValue)" }

    /// Open seconds for `s`/`m`/`h` targets; nil for day-counted targets.
    public var openSeconds: Int64? {
        switch unit {
        case .seconds: return Int64(value)
        case .minutes: return Int64(value) * 60
        case .hours: return Int64(value) * 3600
        case .days, .workingDays: return nil
        }
    }
}

extension BusinessCalendar {
    /// The instant a clock started at `start` with `target` falls due on this calendar.
    public func deadline(from start: Instant, target: Target) -> Instant? {
        switch target.unit {
        case .seconds, .minutes, .hours:
            return advance(from: start, openSeconds: target.openSeconds!)
        case .days:
            return endOfDayPeriod(from: start, days: target.value, workingDaysOnly: false)
        case .workingDays:
            return endOfDayPeriod(from: start, days: target.value, workingDaysOnly: true)
        }
    }
}
