/// What differs between two policies, for `slactl policy diff OLD NEW`: the tiers, case kinds,
/// clocks (targets, calendars, escalation), calendars (zone, weekly hours, horizon) and every
/// date whose hours differ. Pure: two validated policies in, lines out.
public struct PolicyDiff: Sendable {
    public struct Line: Hashable, Sendable, CustomStringConvertible {
        /// `tier`, `kind`, `clock`, `calendar` or `day`.
        public let section: String
        public let subject: String
        public let change: String

        public var description: String { "\(section) \(subject): \(change)" }
    }

    public let lines: [Line]

    public var isEmpty: Bool { lines.isEmpty }

    public init(old: Policy, new: Policy) {
        var lines: [Line] = []
        let oldTiers = old.tiers.map(\.id)
        let newTiers = new.tiers.map(\.id)
        if oldTiers != newTiers {
            lines.append(
                Line(
                    section: "tier", subject: "ladder",
                    change: "\(oldTiers.joined(separator: " > ")) -> \(newTiers.joined(separator: " > "))"))
        }
        for id in Set(old.kinds.keys).union(new.kinds.keys).sorted() {
            switch (old.kinds[id], new.kinds[id]) {
            case (nil, _?): lines.append(Line(section: "kind", subject: id, change: "added"))
            case (_?, nil): lines.append(Line(section: "kind", subject: id, change: "removed"))
            case (let before?, let after?) where before.events != after.events:
                lines.append(
                    Line(section: "kind", subject: id, change: Self.setChange("events", before.events, after.events)))
            default: break
            }
        }
        for name in Set(old.clocks.map(\.name)).union(new.clocks.map(\.name)).sorted() {
            switch (old.clock(named: name), new.clock(named: name)) {
            case (nil, let after?):
                lines.append(
                    Line(section: "clock", subject: name, change: "added (\(after.target) on \(after.calendar))"))
            case (_?, nil): lines.append(Line(section: "clock", subject: name, change: "removed"))
            case (let before?, let after?):
                lines += Self.clockChanges(before, after, old: old, new: new)
            default: break
            }
        }
        for name in Set(old.calendars.keys).union(new.calendars.keys).sorted() {
            switch (old.calendars[name], new.calendars[name]) {
            case (nil, _?): lines.append(Line(section: "calendar", subject: name, change: "added"))
            case (_?, nil): lines.append(Line(section: "calendar", subject: name, change: "removed"))
            case (let before?, let after?): lines += Self.calendarChanges(name, before, after)
            default: break
            }
        }
        self.lines = lines
    }

    static func setChange(_ what: String, _ before: Set<String>, _ after: Set<String>) -> String {
        var parts: [String] = []
        let added = after.subtracting(before).sorted()
        let removed = before.subtracting(after).sorted()
        if !added.isEmpty { parts.append("+" + added.joined(separator: ",")) }
        if !removed.isEmpty { parts.append("-" + removed.joined(separator: ",")) }
        return "\(what) " + parts.joined(separator: " ")
    }

    static func clockChanges(_ before: ClockDefinition, _ after: ClockDefinition, old: Policy, new: Policy) -> [Line] {
        var changes: [String] = []
        func compare<T: Equatable>(_ what: String, _ a: T, _ b: T, _ show: (T) -> String) {
            if a != b { changes.append("\(what) \(show(a)) -> \(show(b))") }
        }
        compare("target", before.target, after.target) { $0.description }
        compare("calendar", before.calendar, after.calendar) { $0 }
        compare("warn-at", before.warnAt, after.warnAt) { $0.map { "\($0)" } ?? "none" }
        compare("warn-tier", old.tiers[before.warnTier].id, new.tiers[after.warnTier].id) { $0 }
        compare("escalate-to", old.tiers[before.escalateTo].id, new.tiers[after.escalateTo].id) { $0 }
        compare("escalate-every", before.escalateEvery, after.escalateEvery) { $0?.description ?? "none" }
        compare("condition", before.condition, after.condition) {
            "\($0.channels?.sorted() ?? []) \($0.amountBelow ?? -1) \($0.amountAtLeast ?? -1)"
        }
        for (what, a, b) in [
            ("kinds", before.kinds, after.kinds), ("starts-on", before.startsOn, after.startsOn),
            ("met-by", before.metBy, after.metBy), ("pauses-on", before.pausesOn, after.pausesOn),
            ("resumes-on", before.resumesOn, after.resumesOn), ("restarts-on", before.restartsOn, after.restartsOn),
        ] where a != b {
            changes.append(setChange(what, a, b))
        }
        return changes.map { Line(section: "clock", subject: before.name, change: $0) }
    }

    static func calendarChanges(_ name: String, _ before: BusinessCalendar, _ after: BusinessCalendar) -> [Line] {
        var lines: [Line] = []
        if before.zone.identifier != after.zone.identifier {
            lines.append(
                Line(
                    section: "calendar", subject: name,
                    change: "zone \(before.zone.identifier) -> \(after.zone.identifier)"))
        }
        for weekday in Weekday.allCases where (before.weekly[weekday] ?? []) != (after.weekly[weekday] ?? []) {
            lines.append(
                Line(
                    section: "calendar", subject: name,
                    change:
                        "\(weekday.rawValue) \(hours(before.weekly[weekday] ?? [])) -> \(hours(after.weekly[weekday] ?? []))"
                ))
        }
        if before.coveredThrough != after.coveredThrough {
            lines.append(
                Line(
                    section: "calendar", subject: name,
                    change: "data covers through \(before.coveredThrough?.description ?? "-") -> "
                        + "\(after.coveredThrough?.description ?? "-")"))
        }
        // Every date either calendar says something special about, compared by its hours.
        let dates = before.closedDates.union(before.extraOpenDates).union(before.dateHours.keys)
            .union(after.closedDates).union(after.extraOpenDates).union(after.dateHours.keys)
        for date in dates.sorted() where before.hours(on: date) != after.hours(on: date) {
            let label = after.dayNames[date] ?? before.dayNames[date]
            lines.append(
                Line(
                    section: "day", subject: "\(name) \(date) \(date.weekday.rawValue)",
                    change: "\(hours(before.hours(on: date))) -> \(hours(after.hours(on: date)))"
                        + (label.map { " (\($0))" } ?? "")))
        }
        return lines
    }

    static func hours(_ intervals: [OpeningInterval]) -> String {
        intervals.isEmpty ? "closed" : intervals.map(\.description).joined(separator: ",")
    }
}
