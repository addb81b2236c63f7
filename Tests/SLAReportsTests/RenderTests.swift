import Foundation
import SLACore
import Testing

@testable import SLAReports

/// The fixture month in every format, numbers checked against the hand-computed ones.
@Suite struct RenderTests {
    let report = FixtureMonth.report()

    @Test func csvIsExactlyTheHandComputedMonth() {
        let expected = """
            section,period,first_day,last_day,zone,store,generated_at
            report,2026-10,2026-10-01,2026-10-31,Asia/Shanghai,,2026-11-01T06:00:00+08:00

            section,cases,open,resolved,closed,clocks_ran,clocks_met,clocks_breached,met_percent,escalations,warnings,breaches
            summary,8,2,5,1,25,14,8,63.6,30,12,18

            section,kind,clock,target,calendar,cases,ran,met,breached,unmet,running,pending,cancelled,met_percent,median_late_ms,p90_late_ms,title
            clock,hard-complaint,hard-first-response,1h,store,2,2,2,0,0,0,0,0,100.0,,,First response to a hard complaint (section 6 item 6)
            clock,hard-complaint,hard-satisfaction-call,24h,always,2,2,2,0,0,0,0,0,100.0,,,Satisfaction call after a hard complaint is resolved (section 6 item 13)
            clock,hard-complaint,hard-second-response,3h,store,2,2,0,2,0,0,0,0,0.0,5850000,9000000,Second response with the expected resolution time (section 6 item 6)
            clock,hard-complaint,phone-closure,1d,store,1,1,0,1,1,0,0,0,0.0,2534400000,2534400000,"Phone complaint closed the same day, at the latest the next day"
            clock,hard-complaint,revisit,3wd,office,2,2,0,1,0,1,0,0,0.0,144000000,144000000,Customer revisit (回访) after resolution (property procedure 4.3)
            clock,market-complaint,market-quick-resolution,1h,store,1,1,1,0,0,0,0,0,100.0,,,Quick handling: a complaint under 2000 yuan resolved within 1 hour
            clock,market-complaint,revisit,3wd,office,1,1,1,0,0,0,0,0,100.0,,,Customer revisit (回访) after resolution (property procedure 4.3)
            clock,quality-inspection,inspection-resolution,3d,store,1,1,1,0,0,0,0,0,100.0,,,"Handling opinion within 3 days, counted from the inspection report"
            clock,quality-inspection,revisit,3wd,office,1,1,0,0,0,1,0,0,,,,Customer revisit (回访) after resolution (property procedure 4.3)
            clock,repair-request,repair-concrete-reply,72h,always,1,1,1,0,0,0,0,0,100.0,,,Customer given the concrete solution (section 2 item 6)
            clock,repair-request,repair-contact,1d,store,1,1,1,0,0,0,0,0,100.0,,,Service centre contacts the customer and books a visit (section 2 item 2)
            clock,repair-request,repair-satisfaction-call,24h,always,1,1,0,1,0,0,0,0,0.0,3600000,3600000,Satisfaction asked after the repaired product is returned (section 2 item 11)
            clock,soft-complaint,phone-closure,1d,store,1,1,1,0,0,0,0,0,100.0,,,"Phone complaint closed the same day, at the latest the next day"
            clock,soft-complaint,revisit,3wd,office,3,2,1,0,0,0,1,1,100.0,,,Customer revisit (回访) after resolution (property procedure 4.3)
            clock,soft-complaint,soft-check,30m,store,3,3,1,2,1,0,0,0,33.3,37800000,74400000,Facts checked (核对) for a soft complaint (section 5 item 12)
            clock,soft-complaint,soft-first-reaction,15m,store,3,3,2,1,0,0,0,0,66.7,2100000,2100000,First reaction to a soft complaint (section 5 item 12)

            section,tier,warnings,breaches,total,title
            tier,service-desk,12,0,12,Service desk / frontline (服务台)
            tier,duty-supervisor,0,6,6,Duty supervisor / store secretariat (值班主管)
            tier,store-manager,0,5,5,Store manager (店长)
            tier,department-head,0,4,4,Department head (部主管)
            tier,hq,0,3,3,Customer-service HQ (客服课 / 部本部)

            section,category,cases
            category,product-quality,4
            category,service-attitude,2
            category,facilities,1
            category,other,1

            section,channel,cases
            channel,phone,2
            channel,in-store,4
            channel,authority,1
            channel,online,1

            section,store,cases,open,clocks_met,clocks_breached,escalations
            store,S01,5,0,10,4,16
            store,S02,2,2,2,3,11
            store,S03,1,0,2,1,3

            """
        let rendered = report.render(.csv)
        #expect(rendered.hasPrefix("\u{FEFF}section,"))  // the BOM Excel needs to read UTF-8
        let csv = String(rendered.dropFirst())
        // RFC 4180 ends every line with CRLF; compare line by line for a readable failure.
        #expect(!csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(
            csv.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
                == expected.split(separator: "\n", omittingEmptySubsequences: false))
        #expect(csv == expected.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func csvQuotesWhatNeedsIt() {
        #expect(CSV.field("S01") == "S01")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("crlf\r\nend") == "\"crlf\r\nend\"")
        #expect(CSV.field("") == "")
        // Formulas are shown as text, not run; numbers are left alone.
        #expect(CSV.field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(CSV.field("+86 138") == "'+86 138")
        #expect(CSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.field("-12.5") == "-12.5")
        #expect(CSV.field("40.0") == "40.0")
    }

    @Test func jsonIsExactlyTheHandComputedStore() {
        let expected = """
            {
              "period": {
                "form": "month",
                "label": "2026-10",
                "first_day": "2026-10-01",
                "last_day": "2026-10-31",
                "from": "2026-10-01T00:00:00+08:00",
                "to": "2026-11-01T00:00:00+08:00",
                "zone": "Asia/Shanghai"
              },
              "store": "S03",
              "generated_at": "2026-11-01T06:00:00+08:00",
              "summary": {
                "cases": 1,
                "open": 0,
                "resolved": 1,
                "closed": 0,
                "clocks_ran": 4,
                "clocks_met": 2,
                "clocks_breached": 1,
                "met_percent": 66.7,
                "escalations": 3,
                "warnings": 2,
                "breaches": 1
              },
              "clocks": [
                {
                  "kind": "hard-complaint",
                  "clock": "hard-first-response",
                  "title": "First response to a hard complaint (section 6 item 6)",
                  "target": "1h",
                  "calendar": "store",
                  "cases": 1,
                  "ran": 1,
                  "met": 1,
                  "breached": 0,
                  "unmet": 0,
                  "running": 0,
                  "pending": 0,
                  "cancelled": 0,
                  "met_percent": 100.0,
                  "median_late_ms": null,
                  "p90_late_ms": null
                },
                {
                  "kind": "hard-complaint",
                  "clock": "hard-satisfaction-call",
                  "title": "Satisfaction call after a hard complaint is resolved (section 6 item 13)",
                  "target": "24h",
                  "calendar": "always",
                  "cases": 1,
                  "ran": 1,
                  "met": 1,
                  "breached": 0,
                  "unmet": 0,
                  "running": 0,
                  "pending": 0,
                  "cancelled": 0,
                  "met_percent": 100.0,
                  "median_late_ms": null,
                  "p90_late_ms": null
                },
                {
                  "kind": "hard-complaint",
                  "clock": "hard-second-response",
                  "title": "Second response with the expected resolution time (section 6 item 6)",
                  "target": "3h",
                  "calendar": "store",
                  "cases": 1,
                  "ran": 1,
                  "met": 0,
                  "breached": 1,
                  "unmet": 0,
                  "running": 0,
                  "pending": 0,
                  "cancelled": 0,
                  "met_percent": 0.0,
                  "median_late_ms": 2700000,
                  "p90_late_ms": 2700000
                },
                {
                  "kind": "hard-complaint",
                  "clock": "revisit",
                  "title": "Customer revisit (回访) after resolution (property procedure 4.3)",
                  "target": "3wd",
                  "calendar": "office",
                  "cases": 1,
                  "ran": 1,
                  "met": 0,
                  "breached": 0,
                  "unmet": 0,
                  "running": 1,
                  "pending": 0,
                  "cancelled": 0,
                  "met_percent": null,
                  "median_late_ms": null,
                  "p90_late_ms": null
                }
              ],
              "escalations": [
                {
                  "tier": "service-desk",
                  "title": "Service desk / frontline (服务台)",
                  "warnings": 2,
                  "breaches": 0,
                  "total": 2
                },
                {
                  "tier": "duty-supervisor",
                  "title": "Duty supervisor / store secretariat (值班主管)",
                  "warnings": 0,
                  "breaches": 0,
                  "total": 0
                },
                {
                  "tier": "store-manager",
                  "title": "Store manager (店长)",
                  "warnings": 0,
                  "breaches": 1,
                  "total": 1
                },
                {
                  "tier": "department-head",
                  "title": "Department head (部主管)",
                  "warnings": 0,
                  "breaches": 0,
                  "total": 0
                },
                {
                  "tier": "hq",
                  "title": "Customer-service HQ (客服课 / 部本部)",
                  "warnings": 0,
                  "breaches": 0,
                  "total": 0
                }
              ],
              "categories": [
                {
                  "category": "product-quality",
                  "cases": 1
                },
                {
                  "category": "service-attitude",
                  "cases": 0
                },
                {
                  "category": "facilities",
                  "cases": 0
                },
                {
                  "category": "other",
                  "cases": 0
                }
              ],
              "channels": [
                {
                  "channel": "phone",
                  "cases": 0
                },
                {
                  "channel": "in-store",
                  "cases": 1
                },
                {
                  "channel": "authority",
                  "cases": 0
                },
                {
                  "channel": "online",
                  "cases": 0
                }
              ],
              "stores": null
            }

            """
        let json = FixtureMonth.report(store: "S03").render(.json)
        #expect(
            json.split(separator: "\n", omittingEmptySubsequences: false)
                == expected.split(separator: "\n", omittingEmptySubsequences: false))
        #expect(json == expected)
    }

    /// The whole month's JSON parses and carries the hand-computed numbers.
    @Test func jsonOfTheMonthCarriesTheHandComputedNumbers() throws {
        let json = report.render(.json)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["cases"] as? Int == 8)
        #expect(summary["clocks_met"] as? Int == 14)
        #expect(summary["clocks_breached"] as? Int == 8)
        #expect(summary["met_percent"] as? Double == 63.6)
        #expect(summary["escalations"] as? Int == 30)
        let clocks = try #require(object["clocks"] as? [[String: Any]])
        #expect(clocks.count == 16)
        let check = try #require(
            clocks.first { $0["kind"] as? String == "soft-complaint" && $0["clock"] as? String == "soft-check" })
        #expect(check["median_late_ms"] as? Int == 37_800_000)
        #expect(check["p90_late_ms"] as? Int == 74_400_000)
        #expect(check["met_percent"] as? Double == 33.3)
        let tiers = try #require(object["escalations"] as? [[String: Any]])
        #expect(tiers.map { $0["total"] as? Int } == [12, 6, 5, 4, 3])
        let stores = try #require(object["stores"] as? [[String: Any]])
        #expect(stores.map { $0["escalations"] as? Int } == [16, 11, 3])
        #expect((object["categories"] as? [[String: Any]])?.map { $0["cases"] as? Int } == [4, 2, 1, 1])
        #expect((object["channels"] as? [[String: Any]])?.map { $0["cases"] as? Int } == [2, 4, 1, 1])
    }

    @Test func jsonEscapesStrings() {
        #expect(JSONValue.quote("a\"b\\c\nd\u{1}é") == "\"a\\\"b\\\\c\\nd\\u0001é\"")
    }

    @Test func tableHasTheTotalsAndOneAlignedRowPerClock() {
        let table = report.render(.table)
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            Array(lines.prefix(6)) == [
                "Complaint handling report 2026-10, all stores",
                "Cases opened 2026-10-01 to 2026-10-31 (Asia/Shanghai); as of 2026-11-01T06:00:00+08:00",
                "",
                "Cases: 8 opened (2 open, 5 resolved, 1 closed)",
                "Clocks: 25 ran, 14 met, 8 breached (63.6% met in time)",
                "Escalation entries: 30 (12 warnings, 18 breaches)",
            ])
        #expect(!lines.contains { $0.hasSuffix(" ") })
        func words(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }
        let header = try! #require(lines.firstIndex { $0.hasPrefix("KIND ") })
        #expect(lines[header - 1] == "CLOCKS BY CASE KIND")
        let rows = lines[(header + 1)...].prefix { !$0.isEmpty }
        #expect(rows.count == 16)
        #expect(
            rows.map(words).contains([
                "soft-complaint", "soft-check", "30m", "3", "3", "1", "2", "1", "0", "0", "0", "33.3%", "10h30m",
                "20h40m",
            ]))
        #expect(
            rows.map(words).contains([
                "hard-complaint", "phone-closure", "1d", "1", "1", "0", "1", "1", "0", "0", "0", "0.0%", "29d8h",
                "29d8h",
            ]))
        #expect(
            rows.map(words).contains([
                "hard-complaint", "hard-second-response", "3h", "2", "2", "0", "2", "0", "0", "0", "0", "0.0%",
                "1h37m", "2h30m",
            ]))
        #expect(
            rows.map(words).contains([
                "quality-inspection", "revisit", "3wd", "1", "1", "0", "0", "0", "1", "0", "0", "-", "-", "-",
            ]))
        // Right-aligned counts: every row of the section is as long as the header.
        #expect(rows.allSatisfy { $0.count == lines[header].count })
        #expect(table.contains("\nESCALATIONS BY TIER\nTIER             WARNINGS  BREACHES  TOTAL  TITLE\n"))
        #expect(table.contains("\nservice-desk           12         0     12  Service desk / frontline (服务台)\n"))
        #expect(table.contains("\nCATEGORY          CASES  SHARE\nproduct-quality       4  50.0%\n"))
        #expect(table.contains("\nCHANNEL    CASES  SHARE\nphone          2  25.0%\nin-store       4  50.0%\n"))
        #expect(
            table.hasSuffix(
                "\nBY STORE\nSTORE  CASES  OPEN  MET  BREACHED  MET %  ESCALATIONS\n"
                    + "S01        5     0   10         4  71.4%           16\n"
                    + "S02        2     2    2         3  40.0%           11\n"
                    + "S03        1     0    2         1  66.7%            3\n"))
    }

    @Test func durationsForPeople() {
        #expect(ReportText.duration(0) == "0s")
        #expect(ReportText.duration(45_000) == "45s")
        #expect(ReportText.duration(20 * minute) == "20m")
        #expect(ReportText.duration(12 * minute + 30_000) == "12m30s")
        #expect(ReportText.duration(150 * minute) == "2h30m")
        #expect(ReportText.duration(40 * hour) == "1d16h")
        #expect(ReportText.duration(48 * hour) == "2d")
        #expect(ReportText.duration(nil) == "-")
    }

    @Test func htmlIsOneSelfContainedPageWithAChartPerClock() throws {
        let html = report.render(.html)
        if let path = ProcessInfo.processInfo.environment["SLAD_REPORT_HTML_OUT"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.contains("<title>Complaint handling report 2026-10, all stores</title>"))
        #expect(html.contains("<h1>Complaint handling report 2026-10, all stores</h1>"))
        // Self-contained: no script, nothing fetched, no links out.
        for forbidden in ["<script", "javascript:", " src=", " href=", "url(", "@import", "<link", "<iframe", "<img"] {
            #expect(!html.lowercased().contains(forbidden), "found \(forbidden)")
        }
        #expect(html.contains("default-src 'none'; style-src 'unsafe-inline'"))
        // One chart per clock, each saying its numbers to screen readers.
        #expect(occurrences(of: "<svg", in: html) == 16)
        #expect(occurrences(of: "</svg>", in: html) == 16)
        #expect(occurrences(of: "<figure>", in: html) == 16)
        #expect(
            html.contains(
                "aria-label=\"soft-check: 1 met, 2 breached (1 still not satisfied) of 3 that ran\""))
        #expect(
            html.contains("aria-label=\"hard-first-response: 2 met, 0 breached (0 still not satisfied) of 2 that ran\"")
        )
        // soft-check: 3 ran on a 200-unit track; met 1 (66.67), late 1, unmet 1 after it.
        #expect(html.contains("<rect class=\"met\" x=\"70\" y=\"4\" width=\"66.67\" height=\"18\"/>"))
        #expect(html.contains("<rect class=\"late\" x=\"70\" y=\"30\" width=\"66.67\" height=\"18\"/>"))
        #expect(html.contains("<rect class=\"unmet\" x=\"136.67\" y=\"30\" width=\"66.67\" height=\"18\"/>"))
        // The numbers.
        for text in [
            "<div class=\"value\">8</div>", "<div class=\"value\">63.6%</div>", "14 of 22 decided, 25 ran",
            "<div class=\"value\">30</div>", "12 warnings, 18 breaches", "late by 10h30m (median), 20h40m (90th pct.)",
            "late by 29d8h (median), 29d8h (90th pct.)", "<td class=\"n\">33.3%</td>",
            "<tr><td>S01</td><td class=\"n\">5</td><td class=\"n\">0</td><td class=\"n\">10</td><td class=\"n bad\">4</td><td class=\"n\">71.4%</td><td class=\"n\">16</td></tr>",
            "<tr><td>product-quality</td><td class=\"n\">4</td><td class=\"n\">50.0%</td></tr>",
            "<tr><td>phone</td><td class=\"n\">2</td><td class=\"n\">25.0%</td></tr>",
            "<tr class=\"total\"><td>All tiers</td><td class=\"n\">12</td><td class=\"n\">18</td><td class=\"n\">30</td></tr>",
            "Store manager (店长) <span class=\"muted\">store-manager</span></td><td class=\"n\">0</td><td class=\"n bad\">5</td><td class=\"n\">5</td>",
        ] {
            #expect(html.contains(text), "missing \(text)")
        }
        try checkWellFormed(html)
    }

    @Test func htmlEscapesWhatStoresType() throws {
        let opened = t("2026-10-05T10:00:00+08:00")
        var (record, _) = try Engine(policy: Fixtures.policy).open(
            CaseOpening(id: "X-1", kind: "soft-complaint", store: "<b>S&1</b>", openedAt: opened), now: opened)
        record.opening.category = "\"quoted\""
        record.clocks = []
        let report = ComplianceReport(
            policy: Fixtures.policy, period: FixtureMonth.period, store: nil, cases: [record], escalations: [],
            now: FixtureMonth.reportTime)
        let html = report.render(.html)
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;b&gt;S&amp;1&lt;/b&gt;"))
        #expect(html.contains("&quot;quoted&quot;"))
        try checkWellFormed(html)
        #expect(report.render(.csv).contains("\r\nstore,<b>S&1</b>,1,1,0,0,0\r\n"))
        #expect(report.render(.csv).contains("\r\ncategory,\"\"\"quoted\"\"\",1\r\n"))
    }

    @Test func aStoreReportSaysSoAndHasNoStoreTable() {
        let report = FixtureMonth.report(store: "S02")
        let html = report.render(.html)
        #expect(html.contains("<title>Complaint handling report 2026-10, store S02</title>"))
        #expect(!html.contains("<h2>By store</h2>"))
        #expect(occurrences(of: "<svg", in: html) == 6)
        #expect(!report.render(.table).contains("BY STORE"))
        #expect(!report.render(.csv).contains("section,store,"))
        #expect(report.render(.csv).contains("\r\nreport,2026-10,2026-10-01,2026-10-31,Asia/Shanghai,S02,"))
    }
}

func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// Tags open and close in order, attributes are quoted, and every `&` starts an entity: what a
/// mail client or an old browser needs to read the page as it was meant.
func checkWellFormed(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let void: Set<String> = ["meta", "br", "hr", "img", "input", "link"]
    var stack: [String] = []
    var rest = Substring(html)
    while let open = rest.firstIndex(where: { $0 == "<" || $0 == "&" }) {
        if rest[open] == "&" {
            let entity = rest[open...].prefix { $0 != ";" && $0 != " " && $0 != "<" }
            #expect(
                entity.count > 1 && entity.count < 8 && rest[open...].dropFirst(entity.count).first == ";",
                "a bare & at \(rest[open...].prefix(20))", sourceLocation: sourceLocation)
            rest = rest[rest.index(after: open)...]
            continue
        }
        let close = try #require(rest[open...].firstIndex(of: ">"), sourceLocation: sourceLocation)
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("!") { continue }
        #expect(!tag.contains("<"), "unclosed tag before \(tag.prefix(40))", sourceLocation: sourceLocation)
        #expect(
            occurrences(of: "\"", in: String(tag)) % 2 == 0, "unbalanced quotes in <\(tag)>",
            sourceLocation: sourceLocation)
        let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
        if tag.hasPrefix("/") {
            let top = stack.popLast()
            #expect(top == name, "</\(name)> closes <\(top ?? "nothing")>", sourceLocation: sourceLocation)
        } else if !tag.hasSuffix("/") && !void.contains(name) {
            stack.append(name)
            if name == "style" || name == "title" {
                // Raw text up to its end tag.
                let end = try #require(rest.range(of: "</\(name)>"), sourceLocation: sourceLocation)
                rest = rest[end.lowerBound...]
            }
        }
    }
    #expect(stack.isEmpty, "left open: \(stack)", sourceLocation: sourceLocation)
}
