import Metrics

/// Gauges set at each scrape from what the scheduler published and a few store counts: the state
/// of slad now, rather than events counted as they happen.
public enum StatusGauges {
    /// Open cases, running and paused clocks of one case kind.
    public struct KindCounts: Sendable, Equatable {
        public var openCases = 0
        public var runningClocks = 0
        public var pausedClocks = 0

        public init(openCases: Int = 0, runningClocks: Int = 0, pausedClocks: Int = 0) {
            self.openCases = openCases
            self.runningClocks = runningClocks
            self.pausedClocks = pausedClocks
        }
    }

    /// Every kind of the policy is set, with 0 when it has nothing, so that a series drops to 0
    /// instead of vanishing.
    public static func set(kinds: [String: KindCounts]) {
        for (kind, counts) in kinds {
            SLAMetrics.gauge(.casesOpen, ["kind": kind]).record(counts.openCases)
            SLAMetrics.gauge(.clocksRunning, ["kind": kind]).record(counts.runningClocks)
            SLAMetrics.gauge(.clocksPaused, ["kind": kind]).record(counts.pausedClocks)
        }
    }

    public static func set(
        frozenCases: Int, pendingEntries: Int?, nextDueMillis: Int64?, storeFailing: Bool, storeFailed: Bool
    ) {
        SLAMetrics.gauge(.casesFrozen).record(frozenCases)
        if let pendingEntries { SLAMetrics.gauge(.entriesPending).record(pendingEntries) }
        // No running clock: 0, which an alert on "time until next deadline" must read as none.
        SLAMetrics.gauge(.nextDeadline).record(Double(nextDueMillis ?? 0) / 1000)
        SLAMetrics.gauge(.storeFailing).record(storeFailing ? 1 : 0)
        SLAMetrics.gauge(.storeFailed).record(storeFailed ? 1 : 0)
    }

    /// Pending deliveries by route; every route of the policy is set (0 when none waits).
    public static func set(pendingDeliveries: [String: Int]) {
        for (route, count) in pendingDeliveries {
            SLAMetrics.gauge(.deliveriesPending, ["route": route]).record(count)
        }
    }

    /// `endMillis`: the instant the calendar's holiday data ends (Unix milliseconds).
    public static func set(holidayDataEndMillis endMillis: Int64, calendar: String) {
        SLAMetrics.gauge(.holidayDataEnd, ["calendar": calendar]).record(Double(endMillis) / 1000)
    }

    /// Replication to HQ (only while `[hq]` is set).
    public static func set(
        replicationBacklogRows rows: Int, lagSeconds: Double, lastContactMillis: Int64?, failing: Bool
    ) {
        SLAMetrics.gauge(.replicationBacklog).record(rows)
        SLAMetrics.gauge(.replicationLag).record(lagSeconds)
        SLAMetrics.gauge(.replicationLastContact).record(Double(lastContactMillis ?? 0) / 1000)
        SLAMetrics.gauge(.replicationFailing).record(failing ? 1 : 0)
    }
}
