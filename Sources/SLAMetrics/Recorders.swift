import CoreMetrics
import Metrics

/// What the scheduler records, once its commit is on disk.
public enum SchedulerMetrics {
    /// The kind of a queue entry, as counted: the first entry of a breached clock is its breach,
    /// later ones (the next tiers, while it stays overdue) are escalations.
    public enum Entry: Sendable {
        case warning, breach, escalation
    }

    public static func clockMet(kind: String, clock: String) {
        SLAMetrics.counter(.clocksMet, ["kind": kind, "clock": clock]).increment()
    }

    /// A queue entry written (or written as skipped by catch-up), `lateMillis` after it was due.
    /// A skipped breach still counts as a breach: the clock did breach; the entry is not pushed.
    public static func entryWritten(
        _ entry: Entry, skipped: Bool, kind: String, clock: String, tier: String, lateMillis: Int64
    ) {
        let labels: KeyValuePairs<String, String> = ["kind": kind, "clock": clock, "tier": tier]
        if entry == .breach { SLAMetrics.counter(.clocksBreached, labels).increment() }
        if skipped {
            SLAMetrics.counter(.entriesSkipped, labels).increment()
            return
        }
        switch entry {
        case .warning: SLAMetrics.counter(.warnings, labels).increment()
        case .escalation: SLAMetrics.counter(.escalations, labels).increment()
        case .breach: break
        }
        lateness.record(SLAMetrics.seconds(millis: lateMillis))
    }

    /// One group commit's transaction: how many API writes it answered, and how long it took.
    public static func groupCommitted(writes: Int, duration: Duration) {
        commitWrites.record(writes)
        commitDuration.recordNanoseconds(duration.nanoseconds)
    }

    private static let lateness = SLAMetrics.recorder(.entryLateness)
    private static let commitWrites = SLAMetrics.recorder(.groupCommitWrites)
    private static let commitDuration = SLAMetrics.timer(.groupCommitDuration)
}

/// What the store records.
public enum StoreMetrics {
    /// Started where a transaction's statements end; the closure, run once it is committed
    /// (GRDB's `afterNextTransaction(onCommit:)`), records how long the COMMIT took: with WAL and
    /// `synchronous=FULL` that is writing the WAL and its fsync.
    public static func syncTimer<Connection>() -> @Sendable (Connection) -> Void {
        let start = ContinuousClock.now
        return { _ in sync.recordNanoseconds((ContinuousClock.now - start).nanoseconds) }
    }

    private static let sync = SLAMetrics.timer(.storeSync)
}

/// What delivery records, per attempt.
public enum DeliveryMetrics {
    /// An attempt's outcome: delivered, failed and retried later (`retry`), or failed for good.
    /// `late`: milliseconds from the entry's due instant to now.
    public static func attempt(_ route: String, _ failed: Bool, _ retry: Bool, late: Int64) {
        attempted(route: route, failed: failed, willRetry: retry, lateMillis: late)
    }

    static func attempted(route: String, failed: Bool, willRetry: Bool, lateMillis: Int64) {
        let labels: KeyValuePairs<String, String> = ["route": route]
        switch (failed, willRetry) {
        case (false, _):
            SLAMetrics.counter(.deliveriesSent, labels).increment()
            SLAMetrics.recorder(.deliveryLateness, labels).record(SLAMetrics.seconds(millis: lateMillis))
        case (true, true): SLAMetrics.counter(.deliveryRetries, labels).increment()
        case (true, false): SLAMetrics.counter(.deliveriesFailed, labels).increment()
        }
    }
}

/// Policy reloads (SIGHUP).
public enum PolicyMetrics {
    public static func reloaded(ok: Bool) {
        SLAMetrics.counter(.policyReloads, ["result": ok ? "ok" : "refused"]).increment()
    }
}

extension Duration {
    /// Whole nanoseconds (a metric's resolution), saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled + attoseconds / 1_000_000_000
    }
}
