import Foundation
import SLACore
import SLAReports
import Testing

@Suite struct ReportPeriodTests {
    let store = Fixtures.store
    let berlin = BusinessCalendar.alwaysOpen(name: "berlin", zone: TimeZone(identifier: "Europe/Berlin")!)

    @Test func aMonthIsItsLocalDays() throws {
        let october = try ReportPeriod.month("2026-10", in: store)
        #expect(october.form == .month)
        #expect(october.label == "2026-10")
        #expect("\(october.firstDay)" == "2026-10-01")
        #expect("\(october.lastDay)" == "2026-10-31")
        #expect(october.from == t("2026-10-01T00:00:00+08:00"))
        #expect(october.to == t("2026-11-01T00:00:00+08:00"))
        #expect(october.contains(t("2026-10-31T23:59:59+08:00")))
        #expect(!october.contains(t("2026-11-01T00:00:00+08:00")))
        #expect(!october.contains(t("2026-09-30T23:59:59+08:00")))
        #expect(try ReportPeriod.month("2026-02", in: store).lastDay == CivilDate(iso: "2026-02-28"))
        #expect(try ReportPeriod.month("2028-02", in: store).lastDay == CivilDate(iso: "2028-02-29"))
        #expect(try ReportPeriod.month("2026-12", in: store).to == t("2027-01-01T00:00:00+08:00"))
    }

    @Test func aMonthAcrossADaylightSavingChangeIsAnHourLonger() throws {
        let october = try ReportPeriod.month("2026-10", in: berlin)
        #expect(october.from == t("2026-10-01T00:00:00+02:00"))
        #expect(october.to == t("2026-11-01T00:00:00+01:00"))
        #expect(october.to - october.from == 31 * 24 * 3_600_000 + 3_600_000)
        #expect(october.format(october.to) == "2026-11-01T00:00:00+01:00")
    }

    @Test func isoWeeks() throws {
        let week = try ReportPeriod.week("2026-W44", in: store)
        #expect("\(week.firstDay)" == "2026-10-26")
        #expect("\(week.lastDay)" == "2026-11-01")
        #expect(week.from == t("2026-10-26T00:00:00+08:00"))
        #expect(week.to == t("2026-11-02T00:00:00+08:00"))
        // 2026 starts on a Thursday: its week 1 starts Monday 2025-12-29 and it has 53 weeks.
        #expect("\(try ReportPeriod.week("2026-W01", in: store).firstDay)" == "2025-12-29")
        #expect("\(try ReportPeriod.week("2026-W53", in: store).lastDay)" == "2027-01-03")
        #expect("\(try ReportPeriod.week("2027-W01", in: store).firstDay)" == "2027-01-04")
        #expect(throws: ReportPeriodError("bad week '2025-W53': 2025 has 52 ISO weeks")) {
            try ReportPeriod.week("2025-W53", in: store)
        }
    }

    @Test func dateRangesIncludeBothDays() throws {
        let range = try ReportPeriod.range(from: "2026-10-01", to: "2026-10-07", in: store)
        #expect(range.form == .range)
        #expect(range.label == "2026-10-01..2026-10-07")
        #expect(range.from == t("2026-10-01T00:00:00+08:00"))
        #expect(range.to == t("2026-10-08T00:00:00+08:00"))
        let oneDay = try ReportPeriod.range(from: "2026-10-01", to: "2026-10-01", in: store)
        #expect(oneDay.to - oneDay.from == 24 * 3_600_000)
    }

    @Test func theMonthBeforeIsWhatThe1stReports() {
        #expect(ReportPeriod.month(before: t("2026-11-01T06:00:00+08:00"), in: store).label == "2026-10")
        #expect(ReportPeriod.month(before: t("2027-01-01T06:00:00+08:00"), in: store).label == "2026-12")
        // 22:30 UTC on October 31st is already November 1st in Shanghai.
        #expect(ReportPeriod.month(before: t("2026-10-31T22:30:00Z"), in: store).label == "2026-10")
    }

    @Test func exactlyOnePeriod() throws {
        #expect(try ReportPeriod.parse(month: "2026-10", in: store).label == "2026-10")
        #expect(try ReportPeriod.parse(week: "2026-W44", in: store).label == "2026-W44")
        #expect(
            try ReportPeriod.parse(from: "2026-10-01", to: "2026-10-31", in: store).label == "2026-10-01..2026-10-31")
        let oneForm = ReportPeriodError(
            "give one period: a month (2026-10), a week (2026-W44), or from and to dates (2026-10-01, 2026-10-31)")
        #expect(throws: oneForm) { try ReportPeriod.parse(in: store) }
        #expect(throws: oneForm) { try ReportPeriod.parse(month: "2026-10", week: "2026-W44", in: store) }
        #expect(throws: ReportPeriodError("from and to go together: give both dates")) {
            try ReportPeriod.parse(from: "2026-10-01", in: store)
        }
    }

    @Test(arguments: ["2026-13", "2026-1", "26-10", "2026-10-01", "2026/10", "", "+026-10", "2026-00"])
    func badMonths(_ text: String) {
        #expect(throws: ReportPeriodError("bad month '\(text)': write YYYY-MM, such as 2026-10")) {
            try ReportPeriod.month(text, in: store)
        }
    }

    @Test(arguments: ["2026-W00", "2026-W5", "2026W44", "2026-w44", "2026-W+4", "2026-10"])
    func badWeeks(_ text: String) {
        #expect(throws: ReportPeriodError("bad week '\(text)': write YYYY-Www, such as 2026-W44")) {
            try ReportPeriod.week(text, in: store)
        }
    }

    @Test func badRanges() {
        #expect(throws: ReportPeriodError("bad from date '2026-10-32': write YYYY-MM-DD, such as 2026-10-01")) {
            try ReportPeriod.range(from: "2026-10-32", to: "2026-10-31", in: store)
        }
        #expect(throws: ReportPeriodError("bad to date 'soon': write YYYY-MM-DD, such as 2026-10-31")) {
            try ReportPeriod.range(from: "2026-10-01", to: "soon", in: store)
        }
        #expect(throws: ReportPeriodError("the period ends (2026-09-30) before it starts (2026-10-01)")) {
            try ReportPeriod.range(from: "2026-10-01", to: "2026-09-30", in: store)
        }
    }

    @Test func theStoresCalendarSetsTheZone() {
        #expect(Fixtures.policy.storeCalendar?.name == "store")
    }
}
