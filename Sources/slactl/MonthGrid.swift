import SLACore

/// A month of a calendar as a grid, for `slactl calendar show`: each day's number and a mark.
enum MonthGrid {
    static let legend =
        "  .  open    -  closed (weekly)    H  holiday    W  make-up working day    S  special hours    "
        + "?  open by the weekly hours, past the holiday data"

    static func render(_ calendar: BusinessCalendar, year: Int, month: Int) -> String {
        guard let first = CivilDate(year: year, month: month, day: 1) else { return "" }
        let names = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        var lines: [String] = []
        let horizon = calendar.coveredThrough.map { "holiday data through \($0)" } ?? "no holiday data needed"
        lines.append("\(calendar.name)  \(names[month - 1]) \(year)  (\(calendar.zone.identifier); \(horizon))")
        lines.append(" Mon  Tue  Wed  Thu  Fri  Sat  Sun")
        var row = String(repeating: "     ", count: first.weekday.index)
        var notes: [String] = []
        var date = first
        while date.components.month == month {
            let mark = self.mark(calendar, date)
            row += pad("\(date.components.day)\(mark)", 5)
            if date.weekday == .sun {
                lines.append(row)
                row = ""
            }
            if let note = self.note(calendar, date, mark) { notes.append(note) }
            date = date.adding(days: 1)
        }
        if !row.isEmpty { lines.append(row) }
        lines.append(legend)
        if let end = calendar.coveredThrough, end.components.year == year, end.components.month == month {
            notes.append("\(end): the holiday data ends here; later deadlines are provisional")
        }
        return (lines + notes.map { "  " + $0 }).joined(separator: "\n")
    }

    static func mark(_ calendar: BusinessCalendar, _ date: CivilDate) -> String {
        if calendar.dateHours[date] != nil { return "S" }
        if calendar.closedDates.contains(date) { return "H" }
        if calendar.extraOpenDates.contains(date) { return "W" }
        if let end = calendar.coveredThrough, date > end, calendar.isOpenDay(date) { return "?" }
        return calendar.isOpenDay(date) ? "." : "-"
    }

    static func note(_ calendar: BusinessCalendar, _ date: CivilDate, _ mark: String) -> String? {
        let name = calendar.dayNames[date].map { " \($0)" } ?? ""
        switch mark {
        case "H": return "\(date) \(date.weekday.rawValue)  holiday\(name)"
        case "W": return "\(date) \(date.weekday.rawValue)  make-up working day\(name)"
        case "S":
            let hours = calendar.hours(on: date)
            return
                "\(date) \(date.weekday.rawValue)  \(hours.isEmpty ? "closed" : hours.map(\.description).joined(separator: ","))"
        default: return nil
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - 1 - text.count)) + text + " "
    }
}

extension Weekday {
    var index: Int { Weekday.allCases.firstIndex(of: self)! }
}
