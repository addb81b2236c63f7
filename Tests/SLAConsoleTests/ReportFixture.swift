import SLACore
import SLAReports

@testable import SLAConsole

enum ReportPeriodLookup {
    static func period(_ month: String, _ calendar: BusinessCalendar) throws -> ReportPeriod {
        try ReportPeriod.parse(month: month, in: calendar)
    }
}

enum ReportFixture {
    static func render(policy: Policy, period: ReportPeriod, cases: [Case], now: Instant) -> String {
        ComplianceReport(policy: policy, period: period, cases: cases, escalations: [], now: now).renderHTML()
    }
}
