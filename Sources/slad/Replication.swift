import Logging
import NIOConcurrencyHelpers
import SLAAPI
import SLAChain
import SLACore
import SLAMessageIDs
import SLAScheduler
import SLAStore
import SLASystemd
import ServiceLifecycle

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

/// The replicator of the policy's current `[hq]` (nil while off), run as a service of slad's group
/// and swapped when a reload changes `[hq]`: the old one is cancelled (a batch on its way is
/// abandoned, safely: the next asks HQ where the store stands) and the new one started.
final class ReplicationSwitch: Service, Sendable {
    private struct Current {
        var hq: HQPolicy?
        var replicator: Replicator?
        var task: Task<Void, Never>?
        var running = false
    }

    private let current: NIOLockedValueBox<Current>

    init(hq: HQPolicy?, replicator: Replicator?) {
        current = NIOLockedValueBox(Current(hq: hq, replicator: replicator))
    }

    var hq: HQPolicy? { current.withLockedValue { $0.hq } }
    var replicator: Replicator? { current.withLockedValue { $0.replicator } }

    func replace(hq: HQPolicy?, with replicator: Replicator?) {
        current.withLockedValue { current in
            current.task?.cancel()
            current.hq = hq
            current.replicator = replicator
            current.task = current.running ? Self.start(replicator) : nil
        }
    }

    func run() async throws {
        current.withLockedValue { current in
            current.running = true
            current.task = Self.start(current.replicator)
        }
        try? await gracefulShutdown()
        let last = current.withLockedValue { current in
            current.running = false
            defer { current.task = nil }
            return current.task
        }
        last?.cancel()
        await last?.value
    }

    private static func start(_ replicator: Replicator?) -> Task<Void, Never>? {
        guard let replicator else { return nil }
        return Task { try? await replicator.run() }
    }
}
