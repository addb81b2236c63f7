import SLACore
import SLAReports

/// The monthly report (SLAReports' HTML) inside a console page. The report is a whole document
/// with its style inline, which the console's content security policy forbids: its body goes in
/// the page, its style is served as `/console/static/report.css`.
public enum ReportEmbed {
    /// What lies between `<body>` and `</body>` of a rendered report.
    public static func body(of document: String) -> String {
        between("<body>", "</body>", in: document) ?? ""
    }

    /// The report's stylesheet, from a report of nothing (it is the same for every report).
    public static func style(policy: Policy, now: Instant) -> String {
        guard let calendar = policy.storeCalendar,
            let period = try? ReportPeriod.parse(month: "2026-01", week: nil, from: nil, to: nil, in: calendar)
        else { return "" }
        let document = ComplianceReport(policy: policy, period: period, cases: [], escalations: [], now: now)
            .renderHTML()
        return between("<style>", "</style>", in: document) ?? ""
    }

    static func between(_ start: String, _ end: String, in text: String) -> String? {
        guard let open = text.range(of: start), let close = text.range(of: end, options: .backwards),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}

extension Pages {
    /// `reportHTML` is the body of a report SLAReports rendered (it escapes what it shows).
    /// `stores`: the choice of stores offered; `allStores`: whether "all stores" is one of them.
    public static func reports(
        reportHTML: String?, month: String, stores: [String], selected: String?, allStores: Bool, frame: PageFrame
    ) -> String {
        var fields: [String: Any] = [
            "month": month, "reportStyle": true, "storeChoice": allStores || stores.count > 1, "allStores": allStores,
            "stores": stores.map { ["value": $0, "selected": $0 == selected] as [String: Any] },
        ]
        if let reportHTML { fields["reportHTML"] = reportHTML }
        return render("reports", frame: frame, title: frame.phrase(.reportsTitle), section: .reports, fields)
    }
}
