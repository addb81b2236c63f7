import SLACore

extension ComplianceReport {
    /// One self-contained page a store manager can open or mail: inline CSS, one inline SVG bar
    /// chart per clock (met against breached), no script and nothing fetched (the page's content
    /// security policy forbids both), readable on paper.
    public func renderHTML() -> String {
        var body = ""
        body += "<header>\n<h1>\(HTML.escape(title))</h1>\n"
        body +=
            "<p class=\"meta\">\(HTML.escape(periodDescription)). As of \(HTML.escape(period.format(generatedAt))).</p>\n"
        body += "</header>\n"
        body += summaryCards()
        body += clockCharts()
        body += clockTable()
        body += tierTable()
        body += "<div class=\"pair\">\n"
        body += countTable("Complaints by category", column: "Category", categories)
        body += countTable("Complaints by channel", column: "Channel", channels)
        body += "</div>\n"
        if let stores { body += storeTable(stores) }
        body += footer()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="generator" content="slad">
            <title>\(HTML.escape(title))</title>
            <style>
            \(HTML.style)</style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    // MARK: Sections

    private func summaryCards() -> String {
        var cards = ""
        func card(_ value: String, _ label: String, _ detail: String, tone: String) {
            cards += "<div class=\"card \(tone)\"><div class=\"value\">\(HTML.escape(value))</div>"
            cards += "<div class=\"label\">\(HTML.escape(label))</div>"
            cards += "<div class=\"detail\">\(HTML.escape(detail))</div></div>\n"
        }
        card(
            "\(summary.cases)", "cases opened",
            "\(summary.open) open, \(summary.resolved) resolved, \(summary.closed) closed", tone: "plain")
        card(
            ReportText.percent(metPermille), "clocks met in time",
            "\(summary.clocksMet) of \(summary.clocksMet + summary.clocksBreached) decided, \(summary.clocksRan) ran",
            tone: "good")
        card(
            "\(summary.clocksBreached)", "clocks breached",
            "\(clocks.reduce(0) { $0 + $1.unmet }) still not satisfied",
            tone: summary.clocksBreached > 0 ? "bad" : "good")
        card(
            "\(summary.escalations)", "escalation entries", "\(warningCount) warnings, \(breachCount) breaches",
            tone: summary.escalations > 0 ? "warn" : "good")
        return "<section class=\"cards\">\n\(cards)</section>\n"
    }

    private func clockCharts() -> String {
        var out = "<h2>Clocks: met against breached</h2>\n"
        out += "<p class=\"legend\"><span class=\"key met\"></span>met in time "
        out += "<span class=\"key late\"></span>breached, satisfied late "
        out += "<span class=\"key unmet\"></span>breached, still not satisfied "
        out += "<span class=\"key track\"></span>all that ran</p>\n"
        if clocks.isEmpty { return out + "<p>No case was opened in this period.</p>\n" }
        out += "<div class=\"charts\">\n"
        for row in clocks {
            out += "<figure>\n<figcaption>\(HTML.escape(row.kind)) · \(HTML.escape(row.clock))"
            if let title = row.title { out += "<small>\(HTML.escape(title))</small>" }
            out += "</figcaption>\n" + Self.barChart(row) + "\n"
            var notes = ["target \(row.target ?? "?")", "\(row.ran) of \(row.cases) ran"]
            if row.running > 0 { notes.append("\(row.running) running") }
            if row.pending > 0 { notes.append("\(row.pending) not started") }
            if row.cancelled > 0 { notes.append("\(row.cancelled) cancelled") }
            if let median = row.medianLateness, let p90 = row.p90Lateness {
                notes.append("late by \(ReportText.duration(median)) (median), \(ReportText.duration(p90)) (90th pct.)")
            }
            out += "<p class=\"note\">\(HTML.escape(notes.joined(separator: " · ")))</p>\n</figure>\n"
        }
        return out + "</div>\n"
    }

    /// Two horizontal bars on a track as long as the clocks that ran: met, and breached (late, then unmet).
    static func barChart(_ row: ClockRow) -> String {
        let track = 200.0
        let left = 70.0
        let scale = row.ran > 0 ? track / Double(row.ran) : 0
        func width(_ count: Int) -> String { HTML.number(Double(count) * scale) }
        let late = row.breached - row.unmet
        let label =
            "\(row.clock): \(row.met) met, \(row.breached) breached (\(row.unmet) still not satisfied) of \(row.ran) that ran"
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 320 52\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
        svg += "<title>\(HTML.escape(label))</title>"
        for (index, name) in ["Met", "Breached"].enumerated() {
            let y = Double(index) * 26 + 4
            svg += "<text x=\"0\" y=\"\(HTML.number(y + 13))\">\(name)</text>"
            svg +=
                "<rect class=\"track\" x=\"\(HTML.number(left))\" y=\"\(HTML.number(y))\" width=\"\(HTML.number(track))\" height=\"18\"/>"
        }
        if row.met > 0 {
            svg += "<rect class=\"met\" x=\"\(HTML.number(left))\" y=\"4\" width=\"\(width(row.met))\" height=\"18\"/>"
        }
        if late > 0 {
            svg += "<rect class=\"late\" x=\"\(HTML.number(left))\" y=\"30\" width=\"\(width(late))\" height=\"18\"/>"
        }
        if row.unmet > 0 {
            svg +=
                "<rect class=\"unmet\" x=\"\(HTML.number(left + Double(late) * scale))\" y=\"30\" width=\"\(width(row.unmet))\" height=\"18\"/>"
        }
        svg += "<text class=\"count\" x=\"\(HTML.number(left + track + 8))\" y=\"17\">\(row.met)</text>"
        svg += "<text class=\"count\" x=\"\(HTML.number(left + track + 8))\" y=\"43\">\(row.breached)</text>"
        return svg + "</svg>"
    }

    private func clockTable() -> String {
        let columns = [
            "Target", "Cases", "Ran", "Met", "Breached", "Unmet", "Running", "Pending", "Cancelled", "Met %",
            "Median late", "P90 late",
        ]
        var out = "<h2>Clocks by case kind</h2>\n<table>\n<thead><tr><th>Clock</th>"
        out += columns.map { "<th class=\"n\">\($0)</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        var kind: String?
        for row in clocks {
            if row.kind != kind {
                kind = row.kind
                let title = row.kindTitle.map { " <span class=\"muted\">\(HTML.escape($0))</span>" } ?? ""
                out +=
                    "<tr class=\"group\"><th colspan=\"\(columns.count + 1)\">\(HTML.escape(row.kind))\(title)</th></tr>\n"
            }
            out += "<tr><td class=\"name\">\(HTML.escape(row.clock))</td>"
            out += HTML.cell(row.target ?? "-")
            for count in [row.cases, row.ran, row.met] { out += HTML.cell("\(count)") }
            out += HTML.cell("\(row.breached)", bad: row.breached > 0)
            out += HTML.cell("\(row.unmet)", bad: row.unmet > 0)
            for count in [row.running, row.pending, row.cancelled] { out += HTML.cell("\(count)") }
            out += HTML.cell(ReportText.percent(row.metPermille))
            out += HTML.cell(ReportText.duration(row.medianLateness))
            out += HTML.cell(ReportText.duration(row.p90Lateness)) + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func tierTable() -> String {
        var out = "<h2>Escalations by tier</h2>\n<table>\n<thead><tr><th>Tier</th>"
        out +=
            "<th class=\"n\">Warnings</th><th class=\"n\">Breaches</th><th class=\"n\">Total</th></tr></thead>\n<tbody>\n"
        for row in escalations {
            let title = row.title.map { "\(HTML.escape($0)) <span class=\"muted\">\(HTML.escape(row.tier))</span>" }
            out += "<tr><td>\(title ?? HTML.escape(row.tier))</td>"
            out += HTML.cell("\(row.warnings)") + HTML.cell("\(row.breaches)", bad: row.breaches > 0)
            out += HTML.cell("\(row.total)") + "</tr>\n"
        }
        out += "<tr class=\"total\"><td>All tiers</td>" + HTML.cell("\(warningCount)") + HTML.cell("\(breachCount)")
        out += HTML.cell("\(summary.escalations)") + "</tr>\n"
        return out + "</tbody>\n</table>\n"
    }

    private func countTable(_ heading: String, column: String, _ rows: [CountRow]) -> String {
        var out = "<section>\n<h2>\(HTML.escape(heading))</h2>\n<table>\n"
        out +=
            "<thead><tr><th>\(HTML.escape(column))</th><th class=\"n\">Cases</th><th class=\"n\">Share</th></tr></thead>\n"
        out += "<tbody>\n"
        for row in rows {
            out += "<tr><td>\(HTML.escape(row.value ?? ReportText.notGiven))</td>" + HTML.cell("\(row.cases)")
            out += HTML.cell(ReportText.percent(ReportText.share(row.cases, of: summary.cases))) + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private func storeTable(_ stores: [StoreRow]) -> String {
        var out = "<h2>By store</h2>\n<table>\n<thead><tr><th>Store</th>"
        out += ["Cases", "Open", "Clocks met", "Clocks breached", "Met %", "Escalations"].map {
            "<th class=\"n\">\($0)</th>"
        }.joined()
        out += "</tr></thead>\n<tbody>\n"
        for row in stores {
            out += "<tr><td>\(HTML.escape(row.store))</td>" + HTML.cell("\(row.cases)") + HTML.cell("\(row.open)")
            out += HTML.cell("\(row.clocksMet)") + HTML.cell("\(row.clocksBreached)", bad: row.clocksBreached > 0)
            out += HTML.cell(ReportText.percent(Self.metPermille(met: row.clocksMet, breached: row.clocksBreached)))
            out += HTML.cell("\(row.escalations)") + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func footer() -> String {
        """
        <footer>
        <p>How this is counted: a case belongs to the period it was opened in, with its clocks as they stand at \
        the time of the report. A clock ran if it was started; it was met if satisfied by its deadline, breached if \
        the deadline passed first (unmet: still not satisfied). Lateness runs from the deadline to when the clock \
        was satisfied, or to the report (or the case's closing) if it never was; the median of an even count is \
        the mean of the middle two, the 90th percentile the nearest rank. Escalation entries are the queue entries \
        written for these cases: a warning when most of a target is used, a breach for each tier told.</p>
        <p>Written by slad at \(HTML.escape(period.format(generatedAt))).</p>
        </footer>

        """
    }
}

enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A right-aligned number cell.
    static func cell(_ text: String, bad: Bool = false) -> String {
        "<td class=\"n\(bad ? " bad" : "")\">\(escape(text))</td>"
    }

    /// An SVG coordinate with at most two decimals and no trailing zeros.
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let whole = "\(hundredths / 100)"
        let fraction = hundredths % 100
        if fraction == 0 { return whole }
        return whole + "."
            + (fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)"))
    }

    static let style = """
        :root { --met: #2e7d32; --late: #ef8a17; --unmet: #c62828; --track: #e8eaed; --rule: #d0d4d9;
          --muted: #5f6368; --ink: #1f2328; }
        * { box-sizing: border-box; }
        body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
          "Microsoft YaHei", "PingFang SC", sans-serif; color: var(--ink); background: #fff; max-width: 1120px;
          margin: 0 auto; padding: 24px; line-height: 1.4; }
        h1 { font-size: 1.6rem; margin: 0 0 4px; }
        h2 { font-size: 1.15rem; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
        .meta, .muted, .note, footer { color: var(--muted); }
        .meta { margin: 0; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: 18px; }
        .card { border: 1px solid var(--rule); border-left: 5px solid var(--met); border-radius: 6px; padding: 10px 12px; }
        .card.plain { border-left-color: var(--muted); } .card.warn { border-left-color: var(--late); }
        .card.bad { border-left-color: var(--unmet); }
        .card .value { font-size: 1.7rem; font-weight: 700; }
        .card .label { font-weight: 600; }
        .card .detail { color: var(--muted); font-size: .85rem; }
        .legend { font-size: .85rem; color: var(--muted); margin: 0 0 10px; }
        .key { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -1px;
          border-radius: 2px; }
        .key:first-child { margin-left: 0; }
        .key.met { background: var(--met); } .key.late { background: var(--late); }
        .key.unmet { background: var(--unmet); } .key.track { background: var(--track); }
        .charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
        figure { margin: 0; border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
        figcaption { font-weight: 600; font-size: .95rem; }
        figcaption small { display: block; font-weight: 400; color: var(--muted); font-size: .8rem; }
        figure svg { display: block; width: 100%; height: auto; margin: 8px 0 4px; }
        svg text { font-size: 12px; fill: var(--ink); dominant-baseline: middle; }
        svg text.count { font-weight: 700; }
        svg .track { fill: var(--track); } svg .met { fill: var(--met); }
        svg .late { fill: var(--late); } svg .unmet { fill: var(--unmet); }
        .note { font-size: .8rem; margin: 0; }
        table { border-collapse: collapse; width: 100%; font-size: .85rem; }
        th, td { padding: 4px 6px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
        thead th { background: #f3f4f6; }
        th.n, td.n { text-align: right; font-variant-numeric: tabular-nums; }
        td.n { white-space: nowrap; }
        td.bad { color: var(--unmet); font-weight: 700; }
        td.name { white-space: nowrap; }
        tr.group th { background: #fafbfc; padding-top: 8px; }
        tr.total td { font-weight: 700; border-top: 2px solid var(--rule); }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
        footer { margin-top: 32px; font-size: .8rem; border-top: 1px solid var(--rule); }
        @media (max-width: 800px) { .cards, .charts, .pair { grid-template-columns: 1fr 1fr; } }
        @media print {
          @page { size: A4; margin: 14mm; }
          body { max-width: none; padding: 0; font-size: 9.5pt; }
          table { font-size: 8pt; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          h2 { break-after: avoid; }
          figure, tr, .card { break-inside: avoid; }
          .charts { grid-template-columns: repeat(2, 1fr); }
        }

        """
}
