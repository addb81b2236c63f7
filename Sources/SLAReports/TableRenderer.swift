import SLACore

extension ComplianceReport {
    /// Aligned plain text: a heading, the totals, then one table per section. Counts are
    /// right-aligned; long titles come last so that wide characters do not shift the columns.
    public func renderTable() -> String {
        var out = [title, "\(periodDescription); as of \(period.format(generatedAt))", ""]
        out.append(
            "Cases: \(summary.cases) opened (\(summary.open) open, \(summary.resolved) resolved, \(summary.closed) closed)"
        )
        out.append(
            "Clocks: \(summary.clocksRan) ran, \(summary.clocksMet) met, \(summary.clocksBreached) breached"
                + (metPermille.map { " (\(ReportText.percent($0)) met in time)" } ?? ""))
        out.append("Escalation entries: \(summary.escalations) (\(warningCount) warnings, \(breachCount) breaches)")

        out += ["", "CLOCKS BY CASE KIND"]
        out.append(
            AlignedTable.render(
                header: [
                    "KIND", "CLOCK", "TARGET", "CASES", "RAN", "MET", "BREACHED", "UNMET", "RUNNING", "PENDING",
                    "CANCELLED", "MET %", "MEDIAN LATE", "P90 LATE",
                ],
                rightAligned: Set(3...13),
                rows: clocks.map {
                    [
                        $0.kind, $0.clock, $0.target ?? "-", "\($0.cases)", "\($0.ran)", "\($0.met)", "\($0.breached)",
                        "\($0.unmet)", "\($0.running)", "\($0.pending)", "\($0.cancelled)",
                        ReportText.percent($0.metPermille), ReportText.duration($0.medianLateness),
                        ReportText.duration($0.p90Lateness),
                    ]
                }))

        out += ["", "ESCALATIONS BY TIER"]
        out.append(
            AlignedTable.render(
                header: ["TIER", "WARNINGS", "BREACHES", "TOTAL", "TITLE"], rightAligned: [1, 2, 3],
                rows: escalations.map { [$0.tier, "\($0.warnings)", "\($0.breaches)", "\($0.total)", $0.title ?? ""] }))

        for (heading, column, rows) in [
            ("COMPLAINTS BY CATEGORY", "CATEGORY", categories), ("COMPLAINTS BY CHANNEL", "CHANNEL", channels),
        ] {
            out += ["", heading]
            out.append(
                AlignedTable.render(
                    header: [column, "CASES", "SHARE"], rightAligned: [1, 2],
                    rows: rows.map {
                        [
                            $0.value ?? ReportText.notGiven, "\($0.cases)",
                            ReportText.percent(ReportText.share($0.cases, of: summary.cases)),
                        ]
                    }))
        }

        if let stores {
            out += ["", "BY STORE"]
            out.append(
                AlignedTable.render(
                    header: ["STORE", "CASES", "OPEN", "MET", "BREACHED", "MET %", "ESCALATIONS"],
                    rightAligned: Set(1...6),
                    rows: stores.map {
                        [
                            $0.store, "\($0.cases)", "\($0.open)", "\($0.clocksMet)", "\($0.clocksBreached)",
                            ReportText.percent(Self.metPermille(met: $0.clocksMet, breached: $0.clocksBreached)),
                            "\($0.escalations)",
                        ]
                    }))
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Columns separated by two spaces; no trailing blanks.
enum AlignedTable {
    static func render(header: [String], rightAligned: Set<Int>, rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.indices.map { column -> String in
                let cell = row[column]
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                if rightAligned.contains(column) { return pad + cell }
                return column == row.count - 1 ? cell : cell + pad
            }
            return cells.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
