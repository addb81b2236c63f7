import SLACore
import SLAReports
import Testing

/// Every number of the fixture month's report, computed by hand (see `FixtureMonth`).
@Suite struct ComplianceReportTests {
    let report = FixtureMonth.report()

    @Test func theFixtureWritesTheQueueEntriesWorkedOutByHand() {
        func entries(_ caseID: String) -> [String] {
            FixtureMonth.escalations.filter { $0.caseID == caseID }.map {
                "\($0.clock) \($0.tier) \($0.kind.rawValue) \(ISO8601.format($0.dueAt, offsetSeconds: 8 * 3600))"
            }.sorted()
        }
        #expect(
            entries("C-1") == [
                "soft-check duty-supervisor breach 2026-10-03T10:30:00+08:00",
                "soft-check service-desk warning 2026-10-03T10:24:00+08:00",
            ])
        #expect(
            entries("C-2") == [
                "hard-first-response service-desk warning 2026-10-02T09:18:00+08:00",
                "hard-second-response department-head breach 2026-10-02T12:30:00+08:00",
                "hard-second-response hq breach 2026-10-02T13:30:00+08:00",
                "hard-second-response service-desk warning 2026-10-02T10:54:00+08:00",
                "hard-second-response store-manager breach 2026-10-02T11:30:00+08:00",
                "phone-closure department-head breach 2026-10-03T17:00:00+08:00",
                "phone-closure duty-supervisor breach 2026-10-02T22:00:00+08:00",
                "phone-closure hq breach 2026-10-03T21:00:00+08:00",
                "phone-closure service-desk warning 2026-10-02T19:18:00+08:00",
                "phone-closure store-manager breach 2026-10-03T13:00:00+08:00",
                "revisit duty-supervisor breach 2026-10-10T18:00:00+08:00",
                "revisit service-desk warning 2026-10-10T12:36:00+08:00",
            ])
        #expect(
            entries("C-3") == [
                "repair-satisfaction-call duty-supervisor breach 2026-10-21T10:00:00+08:00",
                "repair-satisfaction-call service-desk warning 2026-10-21T05:12:00+08:00",
            ])
        #expect(entries("C-4") == ["revisit service-desk warning 2026-10-20T10:50:00+08:00"])
        #expect(entries("C-5") == [])
        #expect(
            entries("C-6") == [
                "hard-satisfaction-call service-desk warning 2026-10-29T05:12:00+08:00",
                "hard-second-response service-desk warning 2026-10-27T13:24:00+08:00",
                "hard-second-response store-manager breach 2026-10-27T14:00:00+08:00",
            ])
        #expect(entries("C-7") == ["inspection-resolution service-desk warning 2026-10-29T11:48:00+08:00"])
        #expect(
            entries("C-8") == [
                "soft-check department-head breach 2026-10-31T10:20:00+08:00",
                "soft-check duty-supervisor breach 2026-10-31T09:20:00+08:00",
                "soft-check hq breach 2026-10-31T10:50:00+08:00",
                "soft-check service-desk warning 2026-10-31T09:14:00+08:00",
                "soft-check store-manager breach 2026-10-31T09:50:00+08:00",
                "soft-first-reaction department-head breach 2026-10-31T09:35:00+08:00",
                "soft-first-reaction duty-supervisor breach 2026-10-31T09:05:00+08:00",
                "soft-first-reaction service-desk warning 2026-10-31T09:02:00+08:00",
                "soft-first-reaction store-manager breach 2026-10-31T09:20:00+08:00",
            ])
        // The cases outside October have entries of their own, which the report must leave out.
        #expect(!entries("C-0").isEmpty)
    }

    @Test func countsOnlyTheCasesOpenedInTheMonthInItsZone() {
        #expect(report.period.from == t("2026-10-01T00:00:00+08:00"))
        #expect(report.period.to == t("2026-11-01T00:00:00+08:00"))
        let summary = report.summary
        #expect(summary.cases == 8)  // not C-0 (09-30 23:59) nor C-10 (11-01 00:30, 10-31 in UTC)
        #expect(summary.open == 2)  // C-3, C-8
        #expect(summary.resolved == 5)  // C-1, C-2, C-4, C-6, C-7
        #expect(summary.closed == 1)  // C-5
        #expect(summary.clocksRan == 25)
        #expect(summary.clocksMet == 14)
        #expect(summary.clocksBreached == 8)
        #expect(summary.escalations == 30)
        #expect(ComplianceReport.metPermille(met: 14, breached: 8) == 636)
    }

    /// (kind, clock): cases, ran, met, breached, unmet, running, pending, cancelled, median, p90.
    @Test func countsAndLatenessPerKindAndClock() {
        struct Expected: Equatable, CustomStringConvertible {
            var kind, clock: String
            var counts: [Int]
            var median, p90: Int64?
            var description: String {
                "\(kind) \(clock) \(counts) \(median.map { "\($0)" } ?? "-") \(p90.map { "\($0)" } ?? "-")"
            }
        }
        func row(_ kind: String, _ clock: String, _ counts: [Int], _ median: Int64? = nil, _ p90: Int64? = nil)
            -> Expected
        {
            Expected(kind: kind, clock: clock, counts: counts, median: median, p90: p90)
        }
        let expected = [
            row("hard-complaint", "hard-first-response", [2, 2, 2, 0, 0, 0, 0, 0]),
            row("hard-complaint", "hard-satisfaction-call", [2, 2, 2, 0, 0, 0, 0, 0]),
            // C-2 2h30m late, C-6 45m late: the median is the mean of the two.
            row(
                "hard-complaint", "hard-second-response", [2, 2, 0, 2, 0, 0, 0, 0], 97 * minute + 30_000, 150 * minute),
            // C-2 never closed: from 10-02 22:00 to the report at 11-01 06:00.
            row("hard-complaint", "phone-closure", [1, 1, 0, 1, 1, 0, 0, 0], 704 * hour, 704 * hour),
            // C-2 revisited Monday 10:00, due Saturday 18:00; C-6's runs until 11-02.
            row("hard-complaint", "revisit", [2, 2, 0, 1, 0, 1, 0, 0], 40 * hour, 40 * hour),
            row("market-complaint", "market-quick-resolution", [1, 1, 1, 0, 0, 0, 0, 0]),
            row("market-complaint", "revisit", [1, 1, 1, 0, 0, 0, 0, 0]),
            row("quality-inspection", "inspection-resolution", [1, 1, 1, 0, 0, 0, 0, 0]),
            row("quality-inspection", "revisit", [1, 1, 0, 0, 0, 1, 0, 0]),
            row("repair-request", "repair-concrete-reply", [1, 1, 1, 0, 0, 0, 0, 0]),
            row("repair-request", "repair-contact", [1, 1, 1, 0, 0, 0, 0, 0]),
            row("repair-request", "repair-satisfaction-call", [1, 1, 0, 1, 0, 0, 0, 0], hour, hour),
            row("soft-complaint", "phone-closure", [1, 1, 1, 0, 0, 0, 0, 0]),
            // C-1 met, C-5 cancelled by its closing, C-8 never resolved.
            row("soft-complaint", "revisit", [3, 2, 1, 0, 0, 0, 1, 1]),
            // C-1 20m late; C-8 unmet, 20h40m at the report.
            row("soft-complaint", "soft-check", [3, 3, 1, 2, 1, 0, 0, 0], 630 * minute, 1240 * minute),
            row("soft-complaint", "soft-first-reaction", [3, 3, 2, 1, 0, 0, 0, 0], 35 * minute, 35 * minute),
        ]
        let actual = report.clocks.map {
            row(
                $0.kind, $0.clock,
                [$0.cases, $0.ran, $0.met, $0.breached, $0.unmet, $0.running, $0.pending, $0.cancelled],
                $0.medianLateness, $0.p90Lateness)
        }
        #expect(actual == expected)
        #expect(report.clocks.first { $0.clock == "soft-check" }?.lateness == [20 * minute, 1240 * minute])
        #expect(report.clocks.first?.title == "First response to a hard complaint (section 6 item 6)")
        #expect(report.clocks.first?.target == "1h")
        #expect(report.clocks.first?.calendar == "store")
    }

    @Test func escalationsPerTierInLadderOrder() {
        let rows = report.escalations.map { "\($0.tier) \($0.warnings) \($0.breaches) \($0.total)" }
        #expect(
            rows == [
                "service-desk 12 0 12", "duty-supervisor 0 6 6", "store-manager 0 5 5", "department-head 0 4 4",
                "hq 0 3 3",
            ])
        #expect(report.escalations[0].title == "Service desk / frontline (服务台)")
    }

    @Test func complaintsPerCategoryChannelAndStore() {
        #expect(
            report.categories.map { "\($0.value ?? "-") \($0.cases)" } == [
                "product-quality 4", "service-attitude 2", "facilities 1", "other 1",
            ])
        #expect(
            report.channels.map { "\($0.value ?? "-") \($0.cases)" } == [
                "phone 2", "in-store 4", "authority 1", "online 1",
            ])
        #expect(
            report.stores?.map {
                "\($0.store) \($0.cases) \($0.open) \($0.clocksMet) \($0.clocksBreached) \($0.escalations)"
            } == ["S01 5 0 10 4 16", "S02 2 2 2 3 11", "S03 1 0 2 1 3"])
    }

    @Test func oneStore() {
        let s02 = FixtureMonth.report(store: "S02")
        #expect(s02.store == "S02")
        #expect(s02.stores == nil)
        #expect(s02.summary.cases == 2)
        #expect(s02.summary.open == 2)
        #expect(s02.summary.clocksMet == 2)
        #expect(s02.summary.clocksBreached == 3)
        #expect(s02.summary.escalations == 11)
        #expect(
            s02.clocks.map { "\($0.kind) \($0.clock)" } == [
                "repair-request repair-concrete-reply", "repair-request repair-contact",
                "repair-request repair-satisfaction-call", "soft-complaint revisit", "soft-complaint soft-check",
                "soft-complaint soft-first-reaction",
            ])
        #expect(
            s02.escalations.map { "\($0.tier) \($0.warnings) \($0.breaches)" } == [
                "service-desk 3 0", "duty-supervisor 0 3", "store-manager 0 2", "department-head 0 2", "hq 0 1",
            ])
        #expect(s02.categories.map(\.cases) == [1, 0, 0, 1])
        #expect(s02.channels.map(\.cases) == [0, 0, 1, 1])
    }

    @Test func anEmptyPeriod() {
        let period = try! ReportPeriod.month("2026-12", in: Fixtures.store)
        let report = ComplianceReport(
            policy: Fixtures.policy, period: period, cases: FixtureMonth.cases,
            escalations: FixtureMonth.escalations, now: FixtureMonth.reportTime)
        #expect(report.summary == ComplianceReport.Summary())
        #expect(report.clocks.isEmpty)
        #expect(report.escalations.map(\.total) == [0, 0, 0, 0, 0])
        #expect(report.categories.map(\.cases) == [0, 0, 0, 0])
        #expect(report.stores == [])
        #expect(report.render(.html).contains("No case was opened in this period."))
    }

    @Test func valuesOutsideThePolicyAndMissingOnesHaveRowsOfTheirOwn() {
        let opened = t("2026-10-05T10:00:00+08:00")
        func record(_ id: String, category: String?, channel: String?) -> Case {
            var (record, _) = try! Engine(policy: Fixtures.policy).open(
                CaseOpening(id: id, kind: "soft-complaint", store: "S09", openedAt: opened), now: opened)
            // Values the policy has since dropped, or never checked.
            record.opening.category = category
            record.opening.channel = channel
            return record
        }
        let cases = [
            record("X-1", category: nil, channel: "fax"), record("X-2", category: "noise", channel: nil),
            record("X-3", category: "other", channel: nil),
        ]
        let entry = Escalation(
            caseID: "X-1", clock: "gone", cycle: 1, tier: "regional-office", kind: .breach, dueAt: opened,
            deadline: opened)
        let report = ComplianceReport(
            policy: Fixtures.policy, period: FixtureMonth.period, cases: cases, escalations: [entry],
            now: FixtureMonth.reportTime)
        #expect(
            report.categories.map { "\($0.value ?? "nil") \($0.cases)" } == [
                "product-quality 0", "service-attitude 0", "facilities 0", "other 1", "noise 1", "nil 1",
            ])
        #expect(report.channels.map { "\($0.value ?? "nil") \($0.cases)" }.suffix(2) == ["fax 1", "nil 2"])
        #expect(report.escalations.last?.tier == "regional-office")
        #expect(report.escalations.last?.title == nil)
        #expect(report.escalations.last?.breaches == 1)
    }

    @Test func medianAndNearestRankPercentile() {
        #expect(Statistics.median([]) == nil)
        #expect(Statistics.median([5]) == 5)
        #expect(Statistics.median([9, 1, 5]) == 5)
        #expect(Statistics.median([1, 2, 3, 10]) == 2)  // (2 + 3) / 2, rounded down
        #expect(Statistics.percentile(90, of: []) == nil)
        #expect(Statistics.percentile(90, of: [7]) == 7)
        #expect(Statistics.percentile(90, of: Array(1...10)) == 9)
        #expect(Statistics.percentile(90, of: Array(1...11)) == 10)  // rank ceil(9.9) = 10
        #expect(Statistics.percentile(90, of: Array(1...20)) == 18)
        #expect(Statistics.percentile(90, of: [3, 1, 2]) == 3)
    }
}
