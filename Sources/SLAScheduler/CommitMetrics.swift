import SLACore
import SLAMetrics
import SLAStore

/// The scheduler's metrics, from what a commit wrote: each recorded by one line in `SLAService`
/// (kept to one line each, so that the service stays about its own work).
enum CommitMetrics {
    /// The clocks met by a commit now on disk. `kindOf` names the case kind of a case in memory
    /// (a clock met is always of a case just written, so in memory).
    static func record(effects: [Effect], kindOf: (String) -> String?) {
        for case .clockMet(let caseID, let clock, _, _) in effects {
            SchedulerMetrics.clockMet(kind: kindOf(caseID) ?? "unknown", clock: clock)
        }
    }

    /// The entries written by a commit now on disk (on the log thread, with their lines).
    static func record(entries: [QueueEntry]) {
        for entry in entries {
            let escalation = entry.escalation
            let counted: SchedulerMetrics.Entry =
                switch escalation.kind {
                case .warning: .warning
                case .breach where escalation.dueAt == escalation.deadline: .breach
                case .breach: .escalation
                }
            SchedulerMetrics.entryWritten(
                counted, skipped: entry.state == .skipped, kind: entry.caseKind, clock: escalation.clock,
                tier: escalation.tier, lateMillis: entry.lateMillis)
        }
    }

    /// Commits `batch` to `store`, timing the transaction when there is one.
    static func commit(_ batch: WriteBatch, writes: Int, to store: Store) throws -> [QueueEntry] {
        guard !batch.isEmpty else { return try store.commit(batch) }
        let start = ContinuousClock.now
        let written = try store.commit(batch)
        SchedulerMetrics.groupCommitted(writes: writes, duration: ContinuousClock.now - start)
        return written
    }
}
