import Foundation

/// One date of a holiday file: an off day (a public holiday) or a make-up working day (调休).
public struct HolidayDay: Hashable, Sendable {
    public let date: CivilDate
    public let name: String
    /// True for a day off; false for a weekend day that is a working day.
    public let isOffDay: Bool

    public init(date: CivilDate, name: String, isOffDay: Bool) {
        self.date = date
        self.name = name
        self.isOffDay = isOffDay
    }
}

/// What one holiday file says: its days and the whole years it covers.
public struct HolidayFile: Hashable, Sendable {
    public let path: String
    public let years: [Int]
    public let days: [HolidayDay]

    public init(path: String, years: [Int], days: [HolidayDay]) {
        self.path = path
        self.years = years.sorted()
        self.days = days.sorted { $0.date < $1.date }
    }

    /// The last date the file speaks for: the 31 December of its last year.
    public var coveredThrough: CivilDate? {
        years.last.flatMap { CivilDate(year: $0, month: 12, day: 31) }
    }

    /// Reads a file by its extension: `.json` is the holiday-cn data set, `.ics` iCalendar.
    public static func parse(
        _ bytes: [UInt8], path: String, summaries: HolidaySummaryMapping = .chinese
    ) throws(HolidayFileError) -> HolidayFile {
        let lower = path.lowercased()
        if lower.hasSuffix(".json") { return try parseHolidayCN(bytes, path: path) }
        if lower.hasSuffix(".ics") || lower.hasSuffix(".ical") {
            return try parseICalendar(bytes, path: path, summaries: summaries)
        }
        throw HolidayFileError(
            file: path, location: nil,
            message: "unknown format: name a holiday-cn file *.json or an iCalendar file *.ics")
    }
}

/// What is wrong with a holiday file, located: `cn-2027.json: days[3]: 2026-12-31 is outside 2027`.
public struct HolidayFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    /// `days[3]` for JSON, `line 12` for iCalendar; nil for the file as a whole.
    public let location: String?
    public let message: String

    public init(file: String, location: String?, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        "\(file): \(location.map { $0 + ": " } ?? "")\(message)"
    }
}

/// How an iCalendar feed says "day off" or "working day" in its event summaries. A summary that
/// contains a work marker is a make-up day; else one with an off marker is a holiday; else the
/// event is not about working days (a festival's name alone) and is passed over.
public struct HolidaySummaryMapping: Hashable, Sendable {
    public var offMarkers: [String]
    public var workMarkers: [String]

    public init(offMarkers: [String], workMarkers: [String]) {
        self.offMarkers = offMarkers
        self.workMarkers = workMarkers
    }

    /// The common Chinese feeds: "春节 休" / "春节（休）" / "春节假期", "春节 班" / "补班" / "上班".
    public static let chinese = HolidaySummaryMapping(offMarkers: ["休", "假"], workMarkers: ["班"])

    /// True for an off day, false for a make-up day, nil for neither.
    public func classify(_ summary: String) -> Bool? {
        if workMarkers.contains(where: { summary.contains($0) }) { return false }
        if offMarkers.contains(where: { summary.contains($0) }) { return true }
        return nil
    }
}

// MARK: Validation shared by both formats

extension HolidayFile {
    /// Refuses a date outside the file's years, a date twice, and a date both off and make-up.
    static func validated(
        _ entries: [(day: HolidayDay, location: String)], years: [Int], path: String
    ) throws(HolidayFileError) -> HolidayFile {
        var seen: [CivilDate: (day: HolidayDay, location: String)] = [:]
        for (day, location) in entries {
            if !years.contains(day.date.components.year) {
                let covered = years.map(String.init).joined(separator: ", ")
                throw HolidayFileError(
                    file: path, location: location, message: "\(day.date) is outside the file's year (\(covered))")
            }
            if let earlier = seen[day.date] {
                let message =
                    earlier.day.isOffDay == day.isOffDay
                    ? "\(day.date) is listed twice (also at \(earlier.location))"
                    : "\(day.date) is both an off day and a make-up working day (also at \(earlier.location))"
                throw HolidayFileError(file: path, location: location, message: message)
            }
            seen[day.date] = (day, location)
        }
        return HolidayFile(path: path, years: years, days: entries.map(\.day))
    }
}

// MARK: holiday-cn JSON

extension HolidayFile {
    /// `{"year": 2026, "days": [{"name": "元旦", "date": "2026-01-01", "isOffDay": true}, ...]}`,
    /// the format of the public holiday-cn data set (one file per year).
    public static func parseHolidayCN(_ bytes: [UInt8], path: String) throws(HolidayFileError) -> HolidayFile {
        struct Document: Decodable {
            struct Day: Decodable {
                let name: String?
                let date: String
                let isOffDay: Bool
            }
            let year: Int
            let days: [Day]
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Self.located(error, path: path)
        } catch {
            throw HolidayFileError(file: path, location: nil, message: "not JSON: \(error)")
        }
        guard (1970...9999).contains(document.year) else {
            throw HolidayFileError(file: path, location: "year", message: "\(document.year) is not a year such as 2027")
        }
        var entries: [(day: HolidayDay, location: String)] = []
        for (index, day) in document.days.enumerated() {
            let location = "days[\(index)]"
            guard let date = CivilDate(iso: day.date) else {
                throw HolidayFileError(
                    file: path, location: location + ".date", message: "'\(day.date)' is not a date (YYYY-MM-DD)")
            }
            entries.append(
                (HolidayDay(date: date, name: day.name ?? "", isOffDay: day.isOffDay), location + " (\(day.date))"))
        }
        return try validated(entries, years: [document.year], path: path)
    }

    /// A decoding error said as the entry and what is wrong: `days[3].isOffDay: expected true or false`.
    static func located(_ error: DecodingError, path: String) -> HolidayFileError {
        func where_(_ codingPath: [any CodingKey]) -> String? {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let trimmed = text.hasPrefix(".") ? String(text.dropFirst()) : text
            return trimmed.isEmpty ? nil : trimmed.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = where_(context.codingPath)
            return HolidayFileError(file: path, location: parent, message: "missing \"\(key.stringValue)\"")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let expected =
                type == Bool.self
                ? "true (a day off) or false (a make-up working day)"
                : type == Int.self ? "a whole number" : type == String.self ? "a string" : "\(type)"
            return HolidayFileError(file: path, location: where_(context.codingPath), message: "expected \(expected)")
        case .dataCorrupted(let context):
            let detail = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
            return HolidayFileError(
                file: path, location: where_(context.codingPath),
                message: "not valid JSON" + (detail.map { ": " + $0 } ?? ""))
        @unknown default:
            return HolidayFileError(file: path, location: nil, message: "\(error)")
        }
    }
}

// MARK: iCalendar (RFC 5545) all-day events

extension HolidayFile {
    /// The all-day events (`DTSTART;VALUE=DATE:20270101`, optionally `DTEND` exclusive) of a feed,
    /// classified by their SUMMARY. The years covered are those its events fall in.
    public static func parseICalendar(
        _ bytes: [UInt8], path: String, summaries: HolidaySummaryMapping = .chinese
    ) throws(HolidayFileError) -> HolidayFile {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw HolidayFileError(file: path, location: nil, message: "the file is not UTF-8 text")
        }
        let lines = unfold(text)
        guard lines.contains(where: { $0.text.uppercased() == "BEGIN:VCALENDAR" }) else {
            throw HolidayFileError(file: path, location: nil, message: "not an iCalendar file (no BEGIN:VCALENDAR)")
        }
        var entries: [(day: HolidayDay, location: String)] = []
        var event: (line: Int, summary: String?, start: CivilDate?, end: CivilDate?)?
        for (number, line) in lines {
            let (name, parameters, value) = contentLine(line)
            switch name {
            case "BEGIN" where value.uppercased() == "VEVENT":
                event = (number, nil, nil, nil)
            case "SUMMARY":
                event?.summary = unescape(value)
            case "DTSTART", "DTEND":
                guard event != nil else { continue }
                guard let date = Self.date(value, parameters: parameters) else {
                    throw HolidayFileError(
                        file: path, location: "line \(number)",
                        message: "\(name) '\(value)' is not an all-day date (VALUE=DATE:YYYYMMDD)")
                }
                if name == "DTSTART" { event?.start = date } else { event?.end = date }
            case "END" where value.uppercased() == "VEVENT":
                guard let current = event else { continue }
                event = nil
                guard let start = current.start else {
                    throw HolidayFileError(
                        file: path, location: "line \(current.line)", message: "an event without DTSTART")
                }
                guard let summary = current.summary, let isOff = summaries.classify(summary) else { continue }
                // DTEND is exclusive (RFC 5545 3.6.1); without it an all-day event lasts one day.
                let end = current.end ?? start.adding(days: 1)
                guard end > start, end.dayNumber - start.dayNumber <= 60 else {
                    throw HolidayFileError(
                        file: path, location: "line \(current.line)",
                        message: "DTEND \(end) does not follow DTSTART \(start)")
                }
                var date = start
                while date < end {
                    entries.append((HolidayDay(date: date, name: summary, isOffDay: isOff), "line \(current.line)"))
                    date = date.adding(days: 1)
                }
            default:
                continue
            }
        }
        guard !entries.isEmpty else {
            throw HolidayFileError(
                file: path, location: nil,
                message: "no event's SUMMARY names an off day (\(summaries.offMarkers.joined(separator: ", "))) "
                    + "or a working day (\(summaries.workMarkers.joined(separator: ", ")))")
        }
        let years = Set(entries.map { $0.day.date.components.year }).sorted()
        return try validated(entries, years: years, path: path)
    }

    /// Lines with their first physical line number, folded lines joined (RFC 5545 3.1).
    static func unfold(_ text: String) -> [(number: Int, text: String)] {
        var result: [(number: Int, text: String)] = []
        // "\r\n" is one Character in Swift: split on any newline, so CRLF and LF both count once.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            if let first = line.first, first == " " || first == "\t", !result.isEmpty {
                result[result.count - 1].text += line.dropFirst()
            } else if !line.isEmpty {
                result.append((index + 1, line))
            }
        }
        return result
    }

    /// `DTSTART;VALUE=DATE:20270101` -> ("DTSTART", ["VALUE=DATE"], "20270101").
    static func contentLine(_ line: String) -> (name: String, parameters: [String], value: String) {
        guard let colon = line.firstIndex(of: ":") else { return (line.uppercased(), [], "") }
        let head = line[..<colon].split(separator: ";").map(String.init)
        return ((head.first ?? "").uppercased(), Array(head.dropFirst()), String(line[line.index(after: colon)...]))
    }

    static func date(_ value: String, parameters: [String]) -> CivilDate? {
        // A date-time (with a time part) is not an all-day event.
        guard value.count == 8, value.allSatisfy({ $0.isASCII && $0.isNumber }),
            parameters.allSatisfy({ !$0.uppercased().hasPrefix("VALUE=") || $0.uppercased() == "VALUE=DATE" })
        else { return nil }
        let digits = Array(value)
        return CivilDate(iso: "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))")
    }

    static func unescape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\,", with: ",").replacingOccurrences(of: "\\;", with: ";")
            .replacingOccurrences(of: "\\n", with: " ").replacingOccurrences(of: "\\N", with: " ")
            .replacingOccurrences(of: "\\\\", with: "\\")
    }
}
