import Foundation
import TOMLKit

/// One thing wrong with a policy file, located: `policy.toml:42: clock.revisit.target: bad duration`.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file):\(line.map(String.init) ?? "?"): \(key.isEmpty ? "" : key + ": ")\(message)"
    }
}

/// All errors of a policy file at once, so a store fixes them in one go.
public struct PolicyErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [PolicyError]

    public init(errors: [PolicyError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Reads `policy.toml` into a validated `Policy`, or reports every error with file, line and key.
public enum PolicyLoader {
    /// `holidayFiles` finds the files a calendar's `holidays` pattern names (SLAPolicyFile reads them
    /// beside the policy file); without it the patterns are checked for form only and no holiday
    /// file is read (the parse-only child, fuzzing, tests of other parts).
    public static func load(
        text: String, file: String = "policy.toml", holidayFiles: HolidayFileFinder? = nil
    ) throws(PolicyErrors) -> Policy {
        try load(text: text, file: file, holidayFiles: holidayFiles, contactsFile: nil)
    }

    /// `contactsFile` reads the contacts file `[delivery] contacts` names; without it only the
    /// key's form is checked.
    public static func load(
        text: String, file: String, holidayFiles: HolidayFileFinder?, contactsFile: ContactsFileReader?
    ) throws(PolicyErrors) -> Policy {
        if let problem = TOMLPrecheck.check(text) {
            throw PolicyErrors(errors: [PolicyError(file: file, line: problem.line, key: "", message: problem.message)])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw PolicyErrors(errors: [
                PolicyError(file: file, line: error.source.begin.line, key: "", message: error.description)
            ])
        } catch {
            throw PolicyErrors(errors: [PolicyError(file: file, line: nil, key: "", message: "\(error)")])
        }
        var reader = PolicyReader(
            file: file, lines: TOMLLineIndex(text), holidayFiles: holidayFiles, contactsFile: contactsFile)
        let policy = reader.read(root)
        if let policy, reader.errors.isEmpty { return policy }
        throw PolicyErrors(errors: reader.errors.sorted { ($0.line ?? 0, $0.key) < ($1.line ?? 0, $1.key) })
    }
}

/// Walks the TOML tree, collecting errors instead of stopping at the first.
struct PolicyReader {
    let file: String
    let lines: TOMLLineIndex
    let holidayFiles: HolidayFileFinder?
    var errors: [PolicyError] = []
    /// Calendars that were written but have errors: clocks naming them are not blamed again.
    var brokenCalendars: Set<String> = []
    var contactsFile: ContactsFileReader? = nil

    static let topLevelKeys: Set<String> = [
        "tier", "defaults", "calendar", "case", "kind", "clock", "delivery", "retention",
        "hq",
    ]
    static let clockKeys: Set<String> = [
        "title", "kinds", "when", "starts-on", "met-by", "pauses-on", "resumes-on", "restarts-on", "target",
        "calendar", "warn-at", "warn-tier", "escalate-to", "escalate-every",
    ]
    static let calendarKeys: Set<String> = [
        "zone", "hours", "closed", "open", "open-hours", "dates", "holidays", "covered-through",
        "warn-days-before-end", "ical-summaries",
    ]
    static let defaultKeys: Set<String> = ["warn-at", "warn-tier", "escalate-to", "escalate-every"]

    mutating func fail(_ key: String, _ message: String) {
        let error = PolicyError(file: file, line: lines.line(of: key), key: key, message: message)
        // A mistake in [defaults] is found once per clock that inherits it: report it once.
        if !errors.contains(error) { errors.append(error) }
    }

    mutating func read(_ root: TOMLTable) -> Policy? {
        checkKeys(root, allowed: Self.topLevelKeys, path: "")
        let tiers = readTiers(root)
        let calendars = readCalendars(root)
        let caseTable = table(root, "case", path: "case", required: false)
        if let caseTable { checkKeys(caseTable, allowed: ["categories", "channels"], path: "case") }
        // Without lists, any category or channel is accepted.
        let categories = stringList(caseTable, "categories", path: "case", required: false) ?? []
        let channels = stringList(caseTable, "channels", path: "case", required: false) ?? []
        // The API refuses a category or channel outside FieldRule: a policy may not list one.
        for (key, values) in [("case.categories", categories), ("case.channels", channels)] {
            for value in values {
                if let problem = FieldRule.category.problem(with: value) {
                    fail(key, "'\(value)' cannot be sent to the API: \(problem); use \(FieldRule.category.summary)")
                }
            }
        }
        let kinds = readKinds(root)
        let clocks = readClocks(root, tiers: tiers, calendars: calendars, kinds: kinds, channels: Set(channels))
        let delivery = readDelivery(table(root, "delivery", path: "delivery", required: false), tiers: tiers)
        let retention = readRetention(table(root, "retention", path: "retention", required: false))
        let hq = readHQ(table(root, "hq", path: "hq", required: false))
        guard errors.isEmpty else { return nil }
        return Policy(
            tiers: tiers, calendars: calendars, kinds: kinds, clocks: clocks, categories: categories,
            channels: channels, delivery: delivery, retention: retention, hq: hq)
    }

    // MARK: Tiers

    mutating func readTiers(_ root: TOMLTable) -> [Tier] {
        guard let array = root["tier"]?.array else {
            fail("tier", "the policy needs an escalation ladder: one or more [[tier]] tables")
            return []
        }
        var tiers: [Tier] = []
        for (index, element) in array.enumerated() {
            let path = "tier[\(index)]"
            guard let table = element.table else {
                fail(path, "a tier is a table with `id` and `title`")
                continue
            }
            checkKeys(table, allowed: ["id", "title"], path: path)
            guard let id = string(table, "id", path: path) else { continue }
            if tiers.contains(where: { $0.id == id }) {
                fail(path + ".id", "tier '\(id)' is listed twice")
                continue
            }
            tiers.append(Tier(id: id, title: optionalString(table, "title", path: path) ?? id))
        }
        if tiers.isEmpty, errors.isEmpty { fail("tier", "the escalation ladder has no tiers") }
        return tiers
    }

    // MARK: Calendars

    mutating func readCalendars(_ root: TOMLTable) -> [String: BusinessCalendar] {
        guard let calendars = table(root, "calendar", path: "calendar") else { return [:] }
        var result: [String: BusinessCalendar] = [:]
        for name in calendars.keys.sorted() {
            let path = "calendar.\(name)"
            guard let table = calendars[name]?.table else {
                fail(path, "a calendar is a table")
                continue
            }
            if let calendar = readCalendar(table, name: name, path: path) {
                result[name] = calendar
            } else {
                brokenCalendars.insert(name)
            }
        }
        return result
    }

    mutating func readCalendar(_ table: TOMLTable, name: String, path: String) -> BusinessCalendar? {
        checkKeys(table, allowed: Self.calendarKeys, path: path)
        let errorsBefore = errors.count
        var zone: TimeZone?
        if let zoneName = string(table, "zone", path: path) {
            zone = TimeZone(identifier: zoneName)
            if zone == nil {
                fail(path + ".zone", "unknown time zone '\(zoneName)' (an IANA name such as Asia/Shanghai)")
            }
        }
        var weekly: [Weekday: [OpeningInterval]] = [:]
        let errorsBeforeHours = errors.count
        if let hours = self.table(table, "hours", path: path, required: false) {
            checkKeys(hours, allowed: Set(Weekday.allCases.map(\.rawValue)), path: path + ".hours")
            for day in Weekday.allCases {
                if let intervals = self.intervals(hours, day.rawValue, path: path + ".hours") {
                    weekly[day] = intervals
                }
            }
        }
        // Hours that were written but are wrong are reported as such, not as "never open" too.
        if errors.count == errorsBeforeHours, weekly.values.allSatisfy(\.isEmpty) {
            fail(path + ".hours", "the calendar is never open: give opening hours for at least one weekday")
        }
        let closed = dates(table, "closed", path: path)
        let open = dates(table, "open", path: path)
        let openHours = intervals(table, "open-hours", path: path)
        var dateHours: [CivilDate: [OpeningInterval]] = [:]
        if let special = self.table(table, "dates", path: path, required: false) {
            for key in special.keys {
                guard let date = CivilDate(iso: key) else {
                    fail(path + ".dates.\(key)", "'\(key)' is not a date (YYYY-MM-DD)")
                    continue
                }
                dateHours[date] = intervals(special, key, path: path + ".dates") ?? []
            }
        }
        let holidays = readHolidays(table, path: path)
        var coveredThrough = holidays.coveredThrough
        if table["covered-through"] != nil {
            let explicit = dates(table, "covered-through", path: path, single: true)
            coveredThrough = explicit.first
        }
        var warnDays = 60
        if let value = table["warn-days-before-end"] {
            if let days = value.int, (0...366).contains(days) {
                warnDays = days
            } else {
                fail(path + ".warn-days-before-end", "expected a number of days from 0 to 366, such as 60")
            }
        }
        guard errors.count == errorsBefore, let zone else { return nil }
        var calendar = BusinessCalendar(
            name: name, zone: zone, weekly: weekly, closedDates: Set(closed).union(holidays.off),
            extraOpenDates: Set(open).union(holidays.work), extraOpenHours: openHours, dateHours: dateHours,
            coveredThrough: coveredThrough, dayNames: holidays.names, warnDaysBeforeEnd: warnDays)
        calendar.holidayPatterns = holidays.patterns
        calendar.holidaySummaries = holidays.summaries
        return calendar
    }

    mutating func intervals(_ table: TOMLTable, _ key: String, path: String) -> [OpeningInterval]? {
        guard let texts = stringList(table, key, path: path, required: false) else { return nil }
        var result: [OpeningInterval] = []
        for text in texts {
            guard let interval = OpeningInterval(text) else {
                fail(path + "." + key, "'\(text)' is not an interval such as \"09:00-22:00\"")
                continue
            }
            if let clash = result.first(where: { $0.start < interval.end && interval.start < $0.end }) {
                fail(path + "." + key, "'\(interval)' overlaps '\(clash)'")
                continue
            }
            result.append(interval)
        }
        return result
    }

    mutating func dates(_ table: TOMLTable, _ key: String, path: String, single: Bool = false) -> [CivilDate] {
        guard let value = table[key] else { return [] }
        if single {
            if let date = value.date, let civil = CivilDate(year: date.year, month: date.month, day: date.day) {
                return [civil]
            }
            if let text = value.string, let civil = CivilDate(iso: text) { return [civil] }
            fail(path + "." + key, "expected a date such as \"2027-12-31\"")
            return []
        }
        guard let array = value.array else {
            fail(path + "." + key, "expected a list of dates such as [\"2026-02-16\"]")
            return []
        }
        var result: [CivilDate] = []
        for element in array {
            if let date = element.date, let civil = CivilDate(year: date.year, month: date.month, day: date.day) {
                result.append(civil)
            } else if let text = element.string, let civil = CivilDate(iso: text) {
                result.append(civil)
            } else {
                fail(path + "." + key, "'\(element)' is not a date (YYYY-MM-DD)")
            }
        }
        return result
    }

    // MARK: Kinds

    mutating func readKinds(_ root: TOMLTable) -> [String: CaseKind] {
        guard let kinds = table(root, "kind", path: "kind") else { return [:] }
        var result: [String: CaseKind] = [:]
        for id in kinds.keys.sorted() {
            let path = "kind.\(id)"
            guard let table = kinds[id]?.table else {
                fail(path, "a case kind is a table")
                continue
            }
            checkKeys(table, allowed: ["title", "events"], path: path)
            let events = stringList(table, "events", path: path, required: false) ?? []
            result[id] = CaseKind(id: id, title: optionalString(table, "title", path: path) ?? id, events: Set(events))
        }
        if result.isEmpty { fail("kind", "the policy defines no case kinds") }
        return result
    }

    // MARK: Clocks

    mutating func readClocks(
        _ root: TOMLTable, tiers: [Tier], calendars: [String: BusinessCalendar], kinds: [String: CaseKind],
        channels: Set<String>
    ) -> [ClockDefinition] {
        let defaults = table(root, "defaults", path: "defaults", required: false) ?? TOMLTable()
        checkKeys(defaults, allowed: Self.defaultKeys, path: "defaults")
        guard let clocks = table(root, "clock", path: "clock") else { return [] }
        var result: [ClockDefinition] = []
        for name in clocks.keys.sorted() {
            let path = "clock.\(name)"
            guard let table = clocks[name]?.table else {
                fail(path, "a clock is a table")
                continue
            }
            if let clock = readClock(
                table, name: name, path: path, defaults: defaults, tiers: tiers, calendars: calendars,
                kinds: kinds, channels: channels)
            {
                result.append(clock)
            }
        }
        if result.isEmpty, errors.isEmpty { fail("clock", "the policy defines no clocks") }
        return result
    }

    // swiftlint:disable:next function_body_length
    mutating func readClock(
        _ table: TOMLTable, name: String, path: String, defaults: TOMLTable, tiers: [Tier],
        calendars: [String: BusinessCalendar], kinds: [String: CaseKind], channels: Set<String>
    ) -> ClockDefinition? {
        checkKeys(table, allowed: Self.clockKeys, path: path)
        let errorsBefore = errors.count
        let kindIDs = stringList(table, "kinds", path: path) ?? []
        for kind in kindIDs where kinds[kind] == nil {
            fail(path + ".kinds", "unknown case kind '\(kind)' (known: \(kinds.keys.sorted().joined(separator: ", ")))")
        }
        let knownEvents = kindIDs.compactMap { kinds[$0] }.reduce(into: Set<String>()) { $0.formUnion($1.events) }
        func events(_ key: String, required: Bool = false) -> Set<String> {
            let list = stringList(table, key, path: path, required: required) ?? []
            for event in list where !knownEvents.contains(event) && kindIDs.allSatisfy({ kinds[$0] != nil }) {
                fail(
                    path + "." + key,
                    "event '\(event)' is not an event of \(kindIDs.joined(separator: ", ")) "
                        + "(add it to the kind's `events`)")
            }
            return Set(list)
        }
        let startsOn = events("starts-on", required: true)
        let metBy = events("met-by", required: true)
        let pausesOn = events("pauses-on")
        let resumesOn = events("resumes-on")
        let restartsOn = events("restarts-on")
        if !pausesOn.isEmpty, resumesOn.isEmpty {
            fail(path + ".resumes-on", "a clock that pauses needs an event that resumes it")
        }
        if let shared = startsOn.intersection(metBy).first {
            fail(path + ".met-by", "event '\(shared)' both starts and satisfies the clock")
        }
        let condition = readCondition(table, path: path, channels: channels)
        let target = duration(table, "target", path: path, required: true)
        var calendarName = string(table, "calendar", path: path)
        if let name = calendarName, calendars[name] == nil, !brokenCalendars.contains(name) {
            fail(
                path + ".calendar",
                "unknown calendar '\(name)' (known: \(calendars.keys.sorted().joined(separator: ", ")))")
            calendarName = nil
        }
        let (source, sourcePath) = table["warn-at"] != nil ? (table, path) : (defaults, "defaults")
        var warnAt: Double?
        if let value = source["warn-at"] {
            if let fraction = value.double ?? value.int.map(Double.init), fraction >= 0, fraction < 1 {
                warnAt = fraction > 0 ? fraction : nil
            } else {
                fail(
                    sourcePath + ".warn-at",
                    "expected a fraction of the target from 0 (no warning) to below 1, such as 0.8")
            }
        }
        let warnTier = tier(table, defaults, "warn-tier", path: path, tiers: tiers) ?? 0
        let escalateTo = tier(table, defaults, "escalate-to", path: path, tiers: tiers)
        if escalateTo == nil, table["escalate-to"] == nil, defaults["escalate-to"] == nil {
            fail(path + ".escalate-to", "missing: which tier is told at breach (here or in [defaults])")
        }
        let everySource = table["escalate-every"] != nil ? (table, path) : (defaults, "defaults")
        let escalateEvery = duration(everySource.0, "escalate-every", path: everySource.1, required: false)
        guard errors.count == errorsBefore, let target, let calendarName, let escalateTo else { return nil }
        return ClockDefinition(
            name: name, title: optionalString(table, "title", path: path) ?? name, kinds: Set(kindIDs),
            condition: condition, startsOn: startsOn, metBy: metBy, pausesOn: pausesOn, resumesOn: resumesOn,
            restartsOn: restartsOn, target: target, calendar: calendarName, warnAt: warnAt, warnTier: warnTier,
            escalateTo: escalateTo, escalateEvery: escalateEvery)
    }

    mutating func readCondition(_ table: TOMLTable, path: String, channels: Set<String>) -> ClockCondition {
        guard let when = self.table(table, "when", path: path, required: false) else { return ClockCondition() }
        let whenPath = path + ".when"
        checkKeys(when, allowed: ["channels", "amount-below", "amount-at-least"], path: whenPath)
        var condition = ClockCondition()
        if let list = stringList(when, "channels", path: whenPath, required: false) {
            for channel in list where !channels.isEmpty && !channels.contains(channel) {
                fail(
                    whenPath + ".channels",
                    "unknown channel '\(channel)' (known: \(channels.sorted().joined(separator: ", ")))")
            }
            condition.channels = Set(list)
        }
        condition.amountBelow = number(when, "amount-below", path: whenPath)
        condition.amountAtLeast = number(when, "amount-at-least", path: whenPath)
        return condition
    }

    mutating func tier(_ table: TOMLTable, _ defaults: TOMLTable, _ key: String, path: String, tiers: [Tier]) -> Int? {
        let (source, sourcePath) = table[key] != nil ? (table, path) : (defaults, "defaults")
        guard source[key] != nil, let id = string(source, key, path: sourcePath) else { return nil }
        guard let index = tiers.firstIndex(where: { $0.id == id }) else {
            fail(sourcePath + "." + key, "unknown tier '\(id)' (tiers: \(tiers.map(\.id).joined(separator: ", ")))")
            return nil
        }
        return index
    }

    // MARK: Typed values

    mutating func checkKeys(_ table: TOMLTable, allowed: Set<String>, path: String) {
        for key in table.keys where !allowed.contains(key) {
            let full = path.isEmpty ? key : path + "." + key
            fail(full, "unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    mutating func table(_ parent: TOMLTable?, _ key: String, path: String, required: Bool = true) -> TOMLTable? {
        let full = path.hasSuffix(key) ? path : path + "." + key
        guard let value = parent?[key] else {
            if required, parent != nil { fail(full, "missing table") }
            return nil
        }
        guard let table = value.table else {
            fail(full, "expected a table")
            return nil
        }
        return table
    }

    mutating func string(_ table: TOMLTable, _ key: String, path: String) -> String? {
        guard let value = table[key] else {
            fail(path + "." + key, "missing")
            return nil
        }
        guard let text = value.string, !text.isEmpty else {
            fail(path + "." + key, "expected a non-empty string")
            return nil
        }
        return text
    }

    mutating func optionalString(_ table: TOMLTable, _ key: String, path: String) -> String? {
        table[key] == nil ? nil : string(table, key, path: path)
    }

    mutating func number(_ table: TOMLTable, _ key: String, path: String) -> Double? {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init), number >= 0 else {
            fail(path + "." + key, "expected a number of yuan, 0 or more")
            return nil
        }
        return number
    }

    mutating func stringList(_ table: TOMLTable?, _ key: String, path: String, required: Bool = true) -> [String]? {
        guard let table else { return nil }
        guard let value = table[key] else {
            if required { fail(path + "." + key, "missing") }
            return nil
        }
        if let single = value.string { return [single] }
        guard let array = value.array else {
            fail(path + "." + key, "expected a list of strings")
            return nil
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string else {
                fail(path + "." + key, "expected a list of strings")
                return nil
            }
            result.append(text)
        }
        if required, result.isEmpty { fail(path + "." + key, "the list is empty") }
        return result
    }

    mutating func duration(_ table: TOMLTable, _ key: String, path: String, required: Bool) -> Target? {
        guard let value = table[key] else {
            if required { fail(path + "." + key, "missing") }
            return nil
        }
        guard let text = value.string, let target = Target(text) else {
            // A string is shown as written between its quotes, like the names in other messages.
            let shown = value.string ?? "\(value)"
            fail(
                path + "." + key,
                "bad duration '\(shown)': write a whole number and m, h, d or wd, such as \"15m\" or \"3wd\"")
            return nil
        }
        return target
    }
}
