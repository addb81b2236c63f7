import Foundation
import Logging
import PostgresNIO
import SLACore
import SLAReports
import SLAStore

/// The chain's compliance report: the cases of a period from every store (or one), selected in
/// PostgreSQL, then computed by the same `ComplianceReport` as a store's own report, so that a
/// store's line at HQ reads as its local report does.
///
/// Case ids are per store (every store has its C-1): the cases are told apart by store before
/// the shared code matches entries to cases.
public enum HQReport {
    /// The cases opened in the period and the entries written for them, as the shared code takes them.
    public struct Inputs: Sendable {
        public var cases: [Case] = []
        public var escalations: [Escalation] = []
    }

    public static func make(
        policy: Policy, period: ReportPeriod, store: String? = nil, now: Instant, on connection: PostgresConnection,
        logger: Logger = HQLog.quiet
    ) async throws -> ComplianceReport {
        let inputs = try await select(period: period, store: store, on: connection, logger: logger)
        return ComplianceReport(
            policy: policy, period: period, store: store, cases: inputs.cases, escalations: inputs.escalations,
            now: now)
    }

    /// The selection, in two queries over `hq_cases_opened` and `hq_entries_case`. Each case's
    /// state is read in the store's binary layout (CaseCodec), entries from their columns.
    public static func select(
        period: ReportPeriod, store: String?, on connection: PostgresConnection, logger: Logger = HQLog.quiet
    ) async throws -> Inputs {
        var inputs = Inputs()
        let from = period.from.millis
        let to = period.to.millis
        let caseRows = try await connection.query(
            """
            SELECT store_id, state_bin FROM hq_cases
            WHERE opened_at >= to_timestamp(\(from) / 1000.0) AND opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR store_id = \(store))
            ORDER BY store_id, opened_at, case_id
            """, logger: logger)
        for try await (storeID, state) in caseRows.decode((String, Data).self) {
            var record: Case
            do {
                record = try CaseCodec.decode(state)
            } catch {
                throw HQError("store \(storeID): a case HQ cannot read: \(error)")
            }
            record.opening.id = qualified(storeID, record.opening.id)
            inputs.cases.append(record)
        }
        // Entries skipped in a catch-up told nobody: not escalations, as in the store's report.
        let entryRows = try await connection.query(
            """
            SELECT e.store_id, e.case_id, e.clock, e.cycle, e.tier, e.kind,
                (extract(epoch FROM e.due_at) * 1000)::bigint, (extract(epoch FROM e.deadline) * 1000)::bigint
            FROM hq_entries e JOIN hq_cases c ON c.store_id = e.store_id AND c.case_id = e.case_id
            WHERE c.opened_at >= to_timestamp(\(from) / 1000.0) AND c.opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR c.store_id = \(store)) AND e.state <> 'skipped'
            ORDER BY e.store_id, e.entry_id
            """, logger: logger)
        for try await (storeID, caseID, clock, cycle, tier, kind, due, deadline) in entryRows.decode(
            (String, String, String, Int32, String, String, Int64, Int64).self)
        {
            guard let kind = Escalation.Kind(rawValue: kind) else {
                throw HQError("store \(storeID): an entry of case \(caseID) of unknown kind '\(kind)'")
            }
            inputs.escalations.append(
                Escalation(
                    caseID: qualified(storeID, caseID), clock: clock, cycle: Int(cycle), tier: tier, kind: kind,
                    dueAt: Instant(millis: due), deadline: Instant(millis: deadline)))
        }
        return inputs
    }

    /// `S01/C-1`: unique over the chain.
    static func qualified(_ store: String, _ caseID: String) -> String { store + "/" + caseID }
}
