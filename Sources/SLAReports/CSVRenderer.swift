import SLACore

extension ComplianceReport {
    /// RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, a quote or a line
    /// break). One section per table, separated by an empty line; each section starts with its
    /// header line, and every row's first field names its section, so a spreadsheet can filter on
    /// it. Lateness is in milliseconds, percentages have one decimal. The file starts with a UTF-8
    /// byte order mark, without which Excel reads it in the machine's legacy code page and garbles
    /// every store or category name that is not ASCII.
    public func renderCSV() -> String {
        var sections: [[[String]]] = []
        sections.append([
            ["section", "period", "first_day", "last_day", "zone", "store", "generated_at"],
            [
                "report", period.label, "\(period.firstDay)", "\(period.lastDay)", period.zone.identifier, store ?? "",
                period.format(generatedAt),
            ],
        ])
        sections.append([
            [
                "section", "cases", "open", "resolved", "closed", "clocks_ran", "clocks_met", "clocks_breached",
                "met_percent", "escalations", "warnings", "breaches",
            ],
            [
                "summary", "\(summary.cases)", "\(summary.open)", "\(summary.resolved)", "\(summary.closed)",
                "\(summary.clocksRan)", "\(summary.clocksMet)", "\(summary.clocksBreached)",
                ReportText.percentNumber(metPermille) ?? "", "\(summary.escalations)", "\(warningCount)",
                "\(breachCount)",
            ],
        ])
        sections.append(
            [
                [
                    "section", "kind", "clock", "target", "calendar", "cases", "ran", "met", "breached", "unmet",
                    "running", "pending", "cancelled", "met_percent", "median_late_ms", "p90_late_ms", "title",
                ]
            ]
                + clocks.map {
                    [
                        "clock", $0.kind, $0.clock, $0.target ?? "", $0.calendar ?? "", "\($0.cases)", "\($0.ran)",
                        "\($0.met)", "\($0.breached)", "\($0.unmet)", "\($0.running)", "\($0.pending)",
                        "\($0.cancelled)", ReportText.percentNumber($0.metPermille) ?? "",
                        $0.medianLateness.map { "\($0)" } ?? "", $0.p90Lateness.map { "\($0)" } ?? "", $0.title ?? "",
                    ]
                })
        sections.append(
            [["section", "tier", "warnings", "breaches", "total", "title"]]
                + escalations.map {
                    ["tier", $0.tier, "\($0.warnings)", "\($0.breaches)", "\($0.total)", $0.title ?? ""]
                })
        sections.append(
            [["section", "category", "cases"]] + categories.map { ["category", $0.value ?? "", "\($0.cases)"] })
        sections.append(
            [["section", "channel", "cases"]] + channels.map { ["channel", $0.value ?? "", "\($0.cases)"] })
        if let stores {
            sections.append(
                [["section", "store", "cases", "open", "clocks_met", "clocks_breached", "escalations"]]
                    + stores.map {
                        [
                            "store", $0.store, "\($0.cases)", "\($0.open)", "\($0.clocksMet)", "\($0.clocksBreached)",
                            "\($0.escalations)",
                        ]
                    })
        }
        return CSV.byteOrderMark
            + sections.map { rows in
                rows.map { $0.map(CSV.field).joined(separator: ",") + "\r\n" }.joined()
            }.joined(separator: "\r\n")
    }
}

enum CSV {
    static let byteOrderMark = "\u{FEFF}"

    /// A field as RFC 4180 writes it: quoted, with quotes doubled, when it needs to be. Text that a
    /// spreadsheet would run as a formula (a category typed as `=HYPERLINK(...)`) gets a leading
    /// apostrophe, so it shows as the text it is; numbers stay numbers.
    static func field(_ text: String) -> String {
        if let first = text.first, "=+-@\t\r".contains(first), Double(text) == nil {
            return quoted("'" + text)
        }
        return quoted(text)
    }

    private static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
