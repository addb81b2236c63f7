import Foundation
import Logging
import PostgresNIO
import SLACore
import SLAReports

/// The chain's compliance report: PostgreSQL counts the period's cases, clocks and escalations
/// (GROUP BYs over the report's rows, `hq_case_facts` and `hq_clocks`), and the counts fill the
/// same `ComplianceTallies` a store's own report fills, assembled by the same code, so that a
/// store's line at HQ reads as its local report does.
///
/// Only breached clocks travel one by one (their deadline, satisfaction and the case's closing):
/// their lateness is computed by the shared code, so median and p90 are the store's own.
/// A case's store is the store that shipped it (`store_id`).
public enum HQReport {
    public static func make(
        policy: Policy, period: ReportPeriod, store: String? = nil, now: Instant, on connection: PostgresConnection,
        logger: Logger = HQLog.quiet
    ) async throws -> ComplianceReport {
        let tallies = try await tallies(period: period, store: store, now: now, on: connection, logger: logger)
        return ComplianceReport(policy: policy, period: period, store: store, tallies: tallies, now: now)
    }

    /// The report's counts of the period (every store, or one), in four queries.
    public static func tallies(
        period: ReportPeriod, store: String?, now: Instant, on connection: PostgresConnection,
        logger: Logger = HQLog.quiet
    ) async throws -> ComplianceTallies {
        var tallies = ComplianceTallies()
        let queries = HQReportQueries(period: period, store: store)
        for try await (set, storeID, status, category, channel, count) in try await connection.query(
            queries.cases, logger: logger
        ).decode((String, String?, String?, String?, String?, Int64).self) {
            switch set {
            case "store":
                guard let storeID, let status, let caseStatus = CaseStatus(rawValue: status) else {
                    throw HQError("store \(storeID ?? "?"): cases of unknown status '\(status ?? "")'")
                }
                tallies.addCases(store: storeID, status: caseStatus, count: Int(count))
            case "category": tallies.addCategory(category, count: Int(count))
            default: tallies.addChannel(channel, count: Int(count))
            }
        }
        for try await (storeID, kind, clock, status, ran, satisfied, count) in try await connection.query(
            queries.clocks, logger: logger
        ).decode((String, String, String, String, Bool, Bool, Int64).self) {
            guard let clockStatus = ClockStatus(rawValue: status) else {
                throw HQError("store \(storeID): clocks \(clock) of unknown status '\(status)'")
            }
            tallies.addClocks(
                store: storeID, kind: kind, clock: clock, status: clockStatus, ran: ran, satisfied: satisfied,
                count: Int(count))
        }
        for try await (kind, clock, deadline, satisfied, closed) in try await connection.query(
            queries.breaches, logger: logger
        ).decode((String, String, Int64, Int64?, Int64?).self) {
            tallies.addLateness(
                kind: kind, clock: clock, deadline: Instant(millis: deadline),
                satisfiedAt: satisfied.map { Instant(millis: $0) },
                closedAt: closed.map { Instant(millis: $0) }, now: now)
        }
        for try await (storeID, tier, kind, count) in try await connection.query(queries.entries, logger: logger)
            .decode((String, String, String, Int64).self)
        {
            guard let kind = Escalation.Kind(rawValue: kind) else {
                throw HQError("store \(storeID): entries of unknown kind '\(kind)'")
            }
            tallies.addEscalations(store: storeID, tier: tier, kind: kind, count: Int(count))
        }
        return tallies
    }
}
