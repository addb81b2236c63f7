import Foundation
import SLACore
import SLAReports

/// The default policy, loaded from `config/policy.toml` as the daemon loads it.
enum Fixtures {
    /// The package root: this file is `Tests/SLAReportsTests/FixtureMonth.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static let policy: Policy = {
        let url = packageRoot.appendingPathComponent("config/policy.toml")
        do {
            // Its holiday files too, as slad reads them beside the policy.
            let holidays = packageRoot.appendingPathComponent("config/holidays")
            var files: [String: [UInt8]] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: holidays.path) {
                files["holidays/" + name] = Array(try Data(contentsOf: holidays.appendingPathComponent(name)))
            }
            return try PolicyLoader.load(
                text: try String(contentsOf: url, encoding: .utf8), file: url.path,
                holidayFiles: InMemoryHolidayFiles.finder(files))
        } catch {
            fatalError("the default policy does not load:\n\(error)")
        }
    }()

    static var store: BusinessCalendar { policy.calendars["store"]! }
}

/// An instant written as ISO 8601 with an offset; a typo in a test is a programming error.
func t(_ text: String) -> Instant {
    guard let instant = ISO8601.parse(text) else { fatalError("not an ISO 8601 instant: \(text)") }
    return instant
}

let minute: Int64 = 60_000
let hour: Int64 = 3_600_000

/// October 2026 in three stores, computed by hand (times are Asia/Shanghai, +08:00). The store
/// calendar is open 09:00-22:00 every day; the office calendar Monday to Friday 09:00-18:00 without
/// the National Day holidays (10-01, 10-02, 10-05, 10-06, 10-07) and with Saturday 10-10 worked.
///
/// - C-0: soft complaint, S01, service-attitude, in-store; opened 09-30 23:59: September, not counted.
/// - C-1: soft complaint, S01, service-attitude, in-store; opened Sat 10-03 10:00, reacted 10:10,
///   checked 10:50, resolved 11:00, revisited Fri 10-09 15:00. Reaction met (due 10:15); check
///   20m late (due 10:30); revisit met (due Sat 10-10 18:00: working days 10-08, 10-09, 10-10).
/// - C-2: hard complaint, S01, product-quality, phone, 1200 yuan; opened Thu 10-01 21:30, first
///   response 10-02 09:20, second 14:00, resolved 15:00, satisfaction called 10-03 09:00,
///   revisited Mon 10-12 10:00, never closed. First response met (due 10-02 09:30, after 30 min
///   on 10-01); second 2h30m late (due 11:30); satisfaction call met (due 10-03 15:00); revisit
///   40h late (due Sat 10-10 18:00); phone closure never met (due 10-02 22:00): 704h late at the
///   report.
/// - C-3: repair request, S02, product-quality, online; opened Mon 10-12 14:00, contacted 10-13
///   10:00, awaiting the customer 14:00 (24h used), customer responded 10-14 14:00, replied 10-15
///   20:00, product returned 10-20 10:00, satisfaction called 10-21 11:00. Contact met (due 10-13
///   22:00); concrete reply met (due 10-16 14:00 after the pause); satisfaction call 1h late.
/// - C-4: market complaint, S01, facilities, in-store, 500 yuan; opened Wed 10-14 21:30, resolved
///   10-15 09:10, revisited Tue 10-20 11:00. Quick resolution met (due 10-15 09:30); revisit met
///   (due 10-20 18:00) after its warning at 10:50.
/// - C-5: soft complaint, S01, service-attitude, phone; opened Sun 10-18 08:30 (before opening),
///   reacted 09:05, checked 09:20, resolved 10:00, closed Mon 10-19 12:00. Reaction (due 09:15),
///   check (due 09:30) and phone closure (due 10-19 22:00) met; the revisit cancelled by the closing.
/// - C-6: hard complaint, S03, product-quality, in-store, 3000 yuan; opened Tue 10-27 11:00, first
///   response 11:30, second 14:45, resolved 10-28 10:00, satisfaction called 10-29 09:00. First
///   response met; second 45m late (due 14:00); satisfaction call met (due 10-29 10:00) after its
///   warning at 05:12; revisit running (due Mon 11-02 18:00).
/// - C-7: quality inspection, S01, product-quality, in-store; opened Mon 10-19 10:00, inspection
///   requested 15:00, report received 10-26 10:00 (a restart), resolved 10-29 16:00. Resolution
///   met in its second cycle (due 10-29 22:00) after a warning at 11:48; revisit running.
/// - C-8: soft complaint, S02, other, authority; opened Fri 10-30 21:50, reacted 10-31 09:40,
///   never checked. Reaction 35m late (due 10-31 09:05); check never met (due 09:20): 20h40m late
///   at the report; revisit never started.
/// - C-10: hard complaint, S02, product-quality, phone; opened 11-01 00:30: November in Shanghai
///   (October in UTC), not counted.
///
/// The report is made at 2026-11-01 06:00, as the monthly timer would.
enum FixtureMonth {
    static let reportTime = t("2026-11-01T06:00:00+08:00")

    struct Script {
        var id: String
        var kind: String
        var store: String
        var category: String?
        var channel: String?
        var amount: Double?
        var openedAt: String
        var events: [(String, String)]
    }

    static let scripts: [Script] = [
        Script(
            id: "C-0", kind: "soft-complaint", store: "S01", category: "service-attitude", channel: "in-store",
            openedAt: "2026-09-30T23:59:00+08:00", events: []),
        Script(
            id: "C-1", kind: "soft-complaint", store: "S01", category: "service-attitude", channel: "in-store",
            openedAt: "2026-10-03T10:00:00+08:00",
            events: [
                ("reacted", "2026-10-03T10:10:00+08:00"), ("checked", "2026-10-03T10:50:00+08:00"),
                ("resolved", "2026-10-03T11:00:00+08:00"), ("revisited", "2026-10-09T15:00:00+08:00"),
            ]),
        Script(
            id: "C-2", kind: "hard-complaint", store: "S01", category: "product-quality", channel: "phone",
            amount: 1200, openedAt: "2026-10-01T21:30:00+08:00",
            events: [
                ("first-response", "2026-10-02T09:20:00+08:00"), ("second-response", "2026-10-02T14:00:00+08:00"),
                ("resolved", "2026-10-02T15:00:00+08:00"), ("satisfaction-called", "2026-10-03T09:00:00+08:00"),
                ("revisited", "2026-10-12T10:00:00+08:00"),
            ]),
        Script(
            id: "C-3", kind: "repair-request", store: "S02", category: "product-quality", channel: "online",
            openedAt: "2026-10-12T14:00:00+08:00",
            events: [
                ("contacted", "2026-10-13T10:00:00+08:00"), ("awaiting-customer", "2026-10-13T14:00:00+08:00"),
                ("customer-responded", "2026-10-14T14:00:00+08:00"), ("replied", "2026-10-15T20:00:00+08:00"),
                ("product-returned", "2026-10-20T10:00:00+08:00"),
                ("satisfaction-called", "2026-10-21T11:00:00+08:00"),
            ]),
        Script(
            id: "C-4", kind: "market-complaint", store: "S01", category: "facilities", channel: "in-store",
            amount: 500, openedAt: "2026-10-14T21:30:00+08:00",
            events: [("resolved", "2026-10-15T09:10:00+08:00"), ("revisited", "2026-10-20T11:00:00+08:00")]),
        Script(
            id: "C-5", kind: "soft-complaint", store: "S01", category: "service-attitude", channel: "phone",
            openedAt: "2026-10-18T08:30:00+08:00",
            events: [
                ("reacted", "2026-10-18T09:05:00+08:00"), ("checked", "2026-10-18T09:20:00+08:00"),
                ("resolved", "2026-10-18T10:00:00+08:00"), ("closed", "2026-10-19T12:00:00+08:00"),
            ]),
        Script(
            id: "C-6", kind: "hard-complaint", store: "S03", category: "product-quality", channel: "in-store",
            amount: 3000, openedAt: "2026-10-27T11:00:00+08:00",
            events: [
                ("first-response", "2026-10-27T11:30:00+08:00"), ("second-response", "2026-10-27T14:45:00+08:00"),
                ("resolved", "2026-10-28T10:00:00+08:00"), ("satisfaction-called", "2026-10-29T09:00:00+08:00"),
            ]),
        Script(
            id: "C-7", kind: "quality-inspection", store: "S01", category: "product-quality", channel: "in-store",
            openedAt: "2026-10-19T10:00:00+08:00",
            events: [
                ("inspection-requested", "2026-10-19T15:00:00+08:00"),
                ("inspection-report-received", "2026-10-26T10:00:00+08:00"),
                ("resolved", "2026-10-29T16:00:00+08:00"),
            ]),
        Script(
            id: "C-8", kind: "soft-complaint", store: "S02", category: "other", channel: "authority",
            openedAt: "2026-10-30T21:50:00+08:00", events: [("reacted", "2026-10-31T09:40:00+08:00")]),
        Script(
            id: "C-10", kind: "hard-complaint", store: "S02", category: "product-quality", channel: "phone",
            openedAt: "2026-11-01T00:30:00+08:00", events: []),
    ]

    /// Every case as it stands at the report time, and every queue entry written for it by then.
    static let (cases, escalations): ([Case], [Escalation]) = {
        let engine = Engine(policy: Fixtures.policy)
        var cases: [Case] = []
        var escalations: [Escalation] = []
        do {
            for script in scripts {
                let opening = CaseOpening(
                    id: script.id, kind: script.kind, store: script.store, category: script.category,
                    channel: script.channel, amount: script.amount, openedAt: t(script.openedAt))
                var (record, effects) = try engine.open(opening, now: opening.openedAt)
                for (event, at) in script.events {
                    effects += try engine.record(event, at: t(at), on: &record, now: t(at))
                }
                effects += engine.advance(&record, to: reportTime)
                cases.append(record)
                escalations += effects.compactMap(\.escalation)
            }
        } catch {
            fatalError("the fixture month does not run: \(error)")
        }
        return (cases, escalations)
    }()

    static let period: ReportPeriod = try! ReportPeriod.month("2026-10", in: Fixtures.store)

    static func report(store: String? = nil) -> ComplianceReport {
        ComplianceReport(
            policy: Fixtures.policy, period: period, store: store, cases: cases, escalations: escalations,
            now: reportTime)
    }
}
