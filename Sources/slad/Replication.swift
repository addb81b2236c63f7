import Logging
import SLAAPI
import SLAChain
import SLACore
import SLAMessageIDs
import SLAScheduler
import SLAStore
import SLASystemd

/// `[hq]` (issue 19): the outbox turned on (with the store's history enqueued the first time) and
/// the replicator made; without it the outbox is off and nothing is made.
extension Slad {
    func startReplication(_ policy: Policy, _ store: Store, _ logger: Logger) -> Replicator? {
        guard let hq = policy.hq else {
            do {
                try store.disableOutbox()
            } catch {
                logger.error("replication: the outbox could not be turned off: \(error)")
            }
            return nil
        }
        let backfill: Int
        // The first start with [hq] enqueues the store's history: a large store takes a while.
        SystemdNotify.extendTimeout(seconds: 300)
        do {
            backfill = try store.enableOutbox(storeID: hq.storeID, at: SystemClock().now())
        } catch {
            // The store works without HQ: replication waits for the next start.
            logger.error(
                "replication to HQ not started: the outbox could not be turned on: \(error)",
                metadata: ["message_id": "\(MessageID.replicationFailing)"])
            return nil
        }
        let history = backfill > 0 ? ", the store's history first (\(backfill) changes)" : ""
        logger.notice(
            "replicating to HQ \(hq.url) as store \(hq.storeID)\(history)",
            metadata: ["message_id": "\(MessageID.replicationStarted)", "sla_backfill": "\(backfill)"])
        let hqLogger = {
            var hqLogger = logger
            hqLogger[metadataKey: "sla_hq_store"] = "\(hq.storeID)"
            return hqLogger
        }()
        return Replicator(store: store, settings: Replicator.Settings(hq), logger: hqLogger) {
            try PostgresReplicationTarget(policy: hq, logger: hqLogger)
        }
    }
}

/// Replication as health, the status line and /metrics show it.
enum ReplicationReport {
    /// What health, the status line and /metrics call for the view; nil while `[hq]` is off.
    static func source(_ replicator: Replicator?, service: SLAService) -> (@Sendable () -> ReplicationView?)? {
        guard let replicator else { return nil }
        return { view(replicator, store: service.store, policy: service.policy, now: SystemClock().now()) }
    }

    static func view(_ replicator: Replicator, store: Store, policy: Policy, now: Instant) -> ReplicationView {
        let status = replicator.status.read()
        let settings = replicator.settings
        let backlog = try? store.outboxBacklog(after: status.shippedSeq ?? 0)
        let lag = backlog?.oldestCommittedAt.map { max(0, Double(now.millis - $0) / 1000) } ?? 0
        let state: String
        if lag >= Double(settings.warnBacklogSeconds) {
            state = "behind"
        } else {
            state = status.state.rawValue
        }
        let offset = policy.storeCalendar?.offset(at: now) ?? 0
        return ReplicationView(
            state: state, storeID: settings.storeID, hq: settings.hq, backlogRows: backlog?.count ?? 0,
            lagSeconds: (lag * 10).rounded() / 10,
            lastContact: status.lastContact.map { ISO8601.format($0, offsetSeconds: offset) },
            shippedSeq: status.shippedSeq, lastError: status.lastError)
    }

    /// For the status line: `HQ: caught up`, `HQ: 120 changes behind (lag 35 s)`, `HQ FAILING: ...`.
    static func statusText(_ view: ReplicationView) -> String {
        let behind =
            view.backlogRows == 0 ? "caught up" : "\(view.backlogRows) changes behind (lag \(Int(view.lagSeconds)) s)"
        switch view.state {
        case "failing",
            "behind" where view.lastError != nil:
            return "HQ UNREACHABLE, \(behind)"
        case "behind": return "HQ BEHIND: \(behind)"
        case "starting": return "HQ: connecting, \(behind)"
        default: return "HQ: \(behind)"
        }
    }
}
