import ArgumentParser
import Foundation
import SLAChain
import SLACore
import SLAReports

/// `report --hq URL`: the compliance report over every store of the chain, from HQ's PostgreSQL.
struct HQReportOptions: ParsableArguments {
    @Option(help: "Report from HQ's PostgreSQL over every store (postgres://USER@HOST:PORT/DATABASE).")
    var hq: String?

    @Option(help: "With --hq: a file whose first line is the password.")
    var passwordFile: String?

    // HQ's CA certificate is the connection options' --cacert (one option: a command may not
    // name two the same).

    @Option(help: "With --hq: the policy whose clocks, tiers and calendar the report names (default: slad's).")
    var policy: String?

    func endpoint(_ url: String, caFile: String?) throws -> HQEndpoint {
        do {
            return try HQEndpoint(url: url, passwordFile: passwordFile, caFile: caFile)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

extension ReportCommand {
    /// The chain's report: the same computation and renderings as slad's, on HQ's rows.
    func runAtHQ(_ url: String) throws {
        let endpoint = try atHQ.endpoint(url, caFile: connection.cacert)
        let policy = try loadPolicy(atHQ.policy ?? defaultPolicyPath())
        guard let calendar = policy.storeCalendar else {
            printError("slactl: the policy has no calendar to count the period in")
            throw ExitStatus.refused
        }
        let period: ReportPeriod
        do {
            period = try ReportPeriod.parse(month: month, week: week, from: from, to: to, in: calendar)
        } catch {
            throw ValidationError(error.message)
        }
        guard let format = ReportFormat(rawValue: resolvedFormat) else {
            throw ValidationError("--format must be one of: \(Self.formats.joined(separator: ", ")).")
        }
        let store = store
        let now = Instant(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        let report = try withHQ(endpoint) { connection in
            try await HQReport.make(policy: policy, period: period, store: store, now: now, on: connection)
        }
        try emit(Data(report.render(format).utf8), to: output)
    }
}
