import PostgresNIO
import SLAReports

/// The four queries of HQ's report of a period (every store, or one), over the report's rows
/// (`hq_case_facts`, `hq_clocks`) and the entries. Apart from `HQReport` so that the benchmark
/// can EXPLAIN the very queries the report runs.
public struct HQReportQueries: Sendable {
    /// Cases per store and status, per category, per channel (one scan): the grouping set in the
    /// first column (`store`, `category`, `channel`), then store, status, category, channel, count.
    public let cases: PostgresQuery
    /// Clocks per store, kind, clock and state: store, kind, clock, status, ran, satisfied, count.
    public let clocks: PostgresQuery
    /// Breached clocks with a deadline, one by one: kind, clock, and in milliseconds the deadline,
    /// the satisfaction and the case's closing (what lateness is computed from).
    public let breaches: PostgresQuery
    /// Escalations of the period's cases, skipped entries left out: store, tier, kind, count.
    public let entries: PostgresQuery

    public var all: [(name: String, query: PostgresQuery)] {
        [("cases", cases), ("clocks", clocks), ("breaches", breaches), ("entries", entries)]
    }

    public init(period: ReportPeriod, store: String?) {
        let (from, to) = (period.from.millis, period.to.millis)
        cases = """
            SELECT CASE WHEN GROUPING(store_id) = 0 THEN 'store' WHEN GROUPING(category) = 0 THEN 'category'
                    ELSE 'channel' END,
                store_id, status, category, channel, count(*)
            FROM hq_case_facts
            WHERE opened_at >= to_timestamp(\(from) / 1000.0) AND opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR store_id = \(store))
            GROUP BY GROUPING SETS ((store_id, status), (category), (channel))
            """
        clocks = """
            SELECT store_id, case_kind, clock, status, cycle > 0, satisfied_at IS NOT NULL, count(*)
            FROM hq_clocks
            WHERE opened_at >= to_timestamp(\(from) / 1000.0) AND opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR store_id = \(store))
            GROUP BY 1, 2, 3, 4, 5, 6
            """
        breaches = """
            SELECT case_kind, clock, (extract(epoch FROM deadline) * 1000)::bigint,
                (extract(epoch FROM satisfied_at) * 1000)::bigint, (extract(epoch FROM closed_at) * 1000)::bigint
            FROM hq_clocks
            WHERE opened_at >= to_timestamp(\(from) / 1000.0) AND opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR store_id = \(store)) AND status = 'breached' AND deadline IS NOT NULL
            """
        entries = """
            SELECT e.store_id, e.tier, e.kind, count(*)
            FROM hq_case_facts c JOIN hq_entries e ON e.store_id = c.store_id AND e.case_id = c.case_id
            WHERE c.opened_at >= to_timestamp(\(from) / 1000.0) AND c.opened_at < to_timestamp(\(to) / 1000.0)
                AND (\(store)::text IS NULL OR c.store_id = \(store)) AND e.state <> 'skipped'
            GROUP BY 1, 2, 3
            """
    }
}
