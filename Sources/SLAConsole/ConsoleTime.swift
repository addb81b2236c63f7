import SLACore

/// Instants and durations as people read them: local time of the stores' calendar, to the second
/// (`2026-11-24 10:15:00`), and `1h 5m` / `1小时5分`.
public struct ConsoleTime: Sendable {
    let calendar: BusinessCalendar?
    let language: Language

    public init(policy: Policy, language: Language) {
        calendar = policy.storeCalendar
        self.language = language
    }

    public func format(_ instant: Instant) -> String {
        let iso = ISO8601.format(instant, offsetSeconds: calendar?.offset(at: instant) ?? 0)
        // 2026-11-24T10:15:00.214+08:00: the date, a space, the time to the second.
        let characters = Array(iso)
        guard characters.count >= 19 else { return iso }
        return String(characters[0..<10]) + " " + String(characters[11..<19])
    }

    /// The two largest units of a span (`2d 3h`, `5m 12s`, `40s`): what a countdown needs.
    public func duration(_ millis: Int64) -> String {
        Self.duration(millis, units: language.durationUnits)
    }

    static func duration(_ millis: Int64, units: Language.DurationUnits) -> String {
        let seconds = max(0, millis) / 1000
        let parts: [(Int64, String)] = [
            (seconds / 86_400, units.day), (seconds / 3_600 % 24, units.hour), (seconds / 60 % 60, units.minute),
            (seconds % 60, units.second),
        ]
        guard let first = parts.firstIndex(where: { $0.0 > 0 }) else { return "0" + units.second }
        return parts[first..<min(first + 2, parts.count)].filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }
            .joined(separator: units.separator)
    }
}

extension Language {
    /// How a duration's units are written; the board's script counts down with the same.
    public struct DurationUnits: Sendable {
        public let day, hour, minute, second, separator: String
    }

    public var durationUnits: DurationUnits {
        switch self {
        case .en: return DurationUnits(day: "d", hour: "h", minute: "m", second: "s", separator: " ")
        case .zh: return DurationUnits(day: "天", hour: "小时", minute: "分", second: "秒", separator: "")
        }
    }
}
