import SLACore

extension ComplianceReport {
    /// JSON with snake_case keys in a fixed order (the same every time), two-space indents, and
    /// `null` for what does not apply. Lateness is in milliseconds; percentages have one decimal.
    public func renderJSON() -> String {
        func number(_ value: Int) -> JSONValue { .number("\(value)") }
        func number(_ value: Int64?) -> JSONValue { value.map { .number("\($0)") } ?? .null }
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func percent(_ permille: Int?) -> JSONValue {
            ReportText.percentNumber(permille).map(JSONValue.number) ?? .null
        }

        let document: JSONValue = .object([
            (
                "period",
                .object([
                    ("form", .string(period.form.rawValue)), ("label", .string(period.label)),
                    ("first_day", .string("\(period.firstDay)")), ("last_day", .string("\(period.lastDay)")),
                    ("from", .string(period.format(period.from))), ("to", .string(period.format(period.to))),
                    ("zone", .string(period.zone.identifier)),
                ])
            ),
            ("store", string(store)),
            ("generated_at", .string(period.format(generatedAt))),
            (
                "summary",
                .object([
                    ("cases", number(summary.cases)), ("open", number(summary.open)),
                    ("resolved", number(summary.resolved)), ("closed", number(summary.closed)),
                    ("clocks_ran", number(summary.clocksRan)), ("clocks_met", number(summary.clocksMet)),
                    ("clocks_breached", number(summary.clocksBreached)), ("met_percent", percent(metPermille)),
                    ("escalations", number(summary.escalations)), ("warnings", number(warningCount)),
                    ("breaches", number(breachCount)),
                ])
            ),
            (
                "clocks",
                .array(
                    clocks.map {
                        .object([
                            ("kind", .string($0.kind)), ("clock", .string($0.clock)), ("title", string($0.title)),
                            ("target", string($0.target)), ("calendar", string($0.calendar)),
                            ("cases", number($0.cases)), ("ran", number($0.ran)), ("met", number($0.met)),
                            ("breached", number($0.breached)), ("unmet", number($0.unmet)),
                            ("running", number($0.running)), ("pending", number($0.pending)),
                            ("cancelled", number($0.cancelled)), ("met_percent", percent($0.metPermille)),
                            ("median_late_ms", number($0.medianLateness)), ("p90_late_ms", number($0.p90Lateness)),
                        ])
                    })
            ),
            (
                "escalations",
                .array(
                    escalations.map {
                        .object([
                            ("tier", .string($0.tier)), ("title", string($0.title)), ("warnings", number($0.warnings)),
                            ("breaches", number($0.breaches)), ("total", number($0.total)),
                        ])
                    })
            ),
            (
                "categories",
                .array(categories.map { .object([("category", string($0.value)), ("cases", number($0.cases))]) })
            ),
            (
                "channels",
                .array(channels.map { .object([("channel", string($0.value)), ("cases", number($0.cases))]) })
            ),
            (
                "stores",
                stores.map { rows in
                    .array(
                        rows.map {
                            .object([
                                ("store", .string($0.store)), ("cases", number($0.cases)), ("open", number($0.open)),
                                ("clocks_met", number($0.clocksMet)), ("clocks_breached", number($0.clocksBreached)),
                                ("escalations", number($0.escalations)),
                            ])
                        })
                } ?? .null
            ),
        ])
        return document.rendered(indent: "") + "\n"
    }
}

/// Just enough JSON to write a report with its keys in a chosen order.
indirect enum JSONValue {
    case null
    /// A number already written out.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func rendered(indent: String) -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .number(let text): return text
        case .string(let text): return Self.quote(text)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n"
                + members.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(
                    separator: ",\n")
                + "\n\(indent)}"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
