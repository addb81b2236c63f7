import ArgumentParser
import Foundation
import SLAChain
import SLACommandLine
import SLACore
import SLAReports

/// `slactl report --hq URL`: the compliance report over every store of the chain, from HQ's
/// PostgreSQL: the same computation and renderings as slad's, on HQ's rows. slactl checks the
/// period and the format and runs this with them.
struct HQReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", shouldDisplay: false)

    @Option(help: "HQ's PostgreSQL (postgres://USER@HOST:PORT/DATABASE).") var hq: String
    @Option(help: "A file whose first line is the password.") var passwordFile: String?
    @Option(help: "HQ's CA certificate (PEM).") var cacert: String?
    @Option(help: "The policy whose clocks, tiers and calendar the report names (default: slad's).")
    var policy: String?
    @Option(help: "A month, e.g. 2026-10.") var month: String?
    @Option(help: "An ISO week, e.g. 2026-W44.") var week: String?
    @Option(help: "First day of a date range (with --to).") var from: String?
    @Option(help: "Last day of a date range, included (with --from).") var to: String?
    @Option(help: "Only this store.") var store: String?
    @Option(help: "table, csv, json or html.") var format = "table"
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        try reportingUsageErrorsPlainly {
            let endpoint = try hqEndpoint(hq, passwordFile: passwordFile, cacert: cacert)
            let policy = try loadPolicy(policy ?? defaultPolicyPath())
            guard let calendar = policy.storeCalendar else {
                printError("slactl: the policy has no calendar to count the period in")
                throw ExitStatus.refused
            }
            let period: ReportPeriod
            do {
                period = try ReportPeriod.parse(month: month, week: week, from: from, to: to, in: calendar)
            } catch let error as ReportPeriodError {
                throw ValidationError(error.message)
            }
            guard let format = ReportFormat(rawValue: format) else {
                throw ValidationError("--format must be one of: table, csv, json, html.")
            }
            let store = store
            let now = Instant(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
            let report = try withHQ(endpoint) { connection in
                try await HQReport.make(policy: policy, period: period, store: store, now: now, on: connection)
            }
            try emit(Data(report.render(format).utf8), to: output)
        }
    }
}
