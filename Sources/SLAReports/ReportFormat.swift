import SLACore

/// The ways a report is written out.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// Aligned plain text for a terminal.
    case table
    /// RFC 4180, one section per table, each row led by its section's name.
    case csv
    /// Stable snake_case keys in a fixed order.
    case json
    /// One self-contained page: inline CSS and SVG charts, no script, nothing fetched.
    case html

    public var contentType: String {
        switch self {
        case .table: return "text/plain; charset=utf-8"
        case .csv: return "text/csv; charset=utf-8"
        case .json: return "application/json"
        case .html: return "text/html; charset=utf-8"
        }
    }

    /// The file name extension for a saved report.
    public var fileExtension: String {
        switch self {
        case .table: return "txt"
        case .csv, .json, .html: return rawValue
        }
    }
}

extension ComplianceReport {
    public func render(_ format: ReportFormat) -> String {
        switch format {
        case .table: return renderTable()
        case .csv: return renderCSV()
        case .json: return renderJSON()
        case .html: return renderHTML()
        }
    }

    /// "Complaint handling report 2026-10, all stores"
    public var title: String {
        "Complaint handling report \(period.label), " + (store.map { "store \($0)" } ?? "all stores")
    }

    /// "Cases opened 2026-10-01 to 2026-10-31 (Asia/Shanghai)"
    var periodDescription: String {
        let days =
            period.firstDay == period.lastDay ? "on \(period.firstDay)" : "\(period.firstDay) to \(period.lastDay)"
        return "Cases opened \(days) (\(period.zone.identifier))"
    }

    var metPermille: Int? { Self.metPermille(met: summary.clocksMet, breached: summary.clocksBreached) }

    var warningCount: Int { escalations.reduce(0) { $0 + $1.warnings } }
    var breachCount: Int { escalations.reduce(0) { $0 + $1.breaches } }
}

extension ComplianceReport.ClockRow {
    var metPermille: Int? { ComplianceReport.metPermille(met: met, breached: breached) }
}

/// Text shared by the renderers.
enum ReportText {
    /// A lateness for people: `45s`, `20m`, `12m30s`, `2h30m`, `1d16h` (cut, not rounded, below the
    /// second unit).
    static func duration(_ millis: Int64) -> String {
        let seconds = max(0, millis) / 1000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return join(seconds / 60, "m", seconds % 60, "s") }
        if seconds < 86_400 { return join(seconds / 3600, "h", seconds / 60 % 60, "m") }
        return join(seconds / 86_400, "d", seconds / 3600 % 24, "h")
    }

    private static func join(_ major: Int64, _ majorUnit: String, _ minor: Int64, _ minorUnit: String) -> String {
        minor == 0 ? "\(major)\(majorUnit)" : "\(major)\(majorUnit)\(minor)\(minorUnit)"
    }

    static func duration(_ millis: Int64?) -> String {
        millis.map { duration($0) } ?? "-"
    }

    /// Tenths of a percent as `63.6`; nil as nil.
    static func percentNumber(_ permille: Int?) -> String? {
        permille.map { "\($0 / 10).\($0 % 10)" }
    }

    /// `63.6%`, or `-` when there is nothing to divide.
    static func percent(_ permille: Int?) -> String {
        percentNumber(permille).map { $0 + "%" } ?? "-"
    }

    /// The share of `part` in `whole`, in tenths of a percent.
    static func share(_ part: Int, of whole: Int) -> Int? {
        whole > 0 ? (part * 1000 + whole / 2) / whole : nil
    }

    static let notGiven = "(not given)"
}
