import Logging
import SLACore
import SLAMessageIDs
import SLAStore
import ServiceLifecycle

/// Ships the store's outbox to HQ (issue 19), in seq order, in batches, at least once (HQ applies
/// idempotently), and never in the way of the store: it reads committed rows and deletes the rows
/// HQ confirmed, nothing else. While HQ or the WAN is down it retries with backoff and the
/// outbox grows; afterwards it catches up.
///
/// At start it asks HQ where the store stands (`lastSeq`) and resumes after it; after any
/// failure it asks again, since a batch may have been applied even though its answer was lost.
public final class Replicator: Service, Sendable {
    public struct Settings: Sendable {
        public var storeID: String
        public var hq: String
        public var batchSize: Int
        public var warnBacklogSeconds: Int
        /// The longest a call to HQ may take before it counts as failed.
        public var callTimeout: Duration = .seconds(30)
        /// When idle this long, HQ is told the store is alive (its `last_contact_at`).
        public var idleContact: Duration = .seconds(30)
        public var backoff = ReplicatorBackoff()

        public init(storeID: String, hq: String, batchSize: Int, warnBacklogSeconds: Int) {
            self.storeID = storeID
            self.hq = hq
            self.batchSize = batchSize
            self.warnBacklogSeconds = warnBacklogSeconds
        }

        public init(_ policy: HQPolicy) {
            self.init(
                storeID: policy.storeID, hq: policy.url, batchSize: policy.batchSize,
                warnBacklogSeconds: policy.warnBacklogSeconds)
        }
    }

    public let status = ReplicatorStatus()
    public let settings: Settings
    private let store: Store
    private let makeTarget: @Sendable () throws -> any ReplicationTarget
    private let clock: any WallClock
    private let logger: Logger

    /// `makeTarget` is called at start, and again after it failed (a password file not yet there).
    public init(
        store: Store, settings: Settings, clock: any WallClock = SystemClock(), logger: Logger,
        makeTarget: @escaping @Sendable () throws -> any ReplicationTarget
    ) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.makeTarget = makeTarget
    }

    /// Until graceful shutdown (or cancellation): a batch on its way is abandoned, which is safe,
    /// since the next start asks HQ where the store stands.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var run = Run()
        while !Task.isCancelled {
            let target: any ReplicationTarget
            do {
                target = try makeTarget()
            } catch {
                await failed(error, &run)
                continue
            }
            await withDiscardingTaskGroup { group in
                group.addTask { await target.run() }
                await ship(to: target, &run)
                group.cancelAll()
            }
        }
    }

    /// What one run of the loop remembers between batches.
    struct Run {
        /// HQ's confirmed seq; nil until asked (at start and after each failure).
        var shipped: Int64?
        var failures = 0
        /// Since when HQ has failed, and the rows shipped since it answered again, until caught up.
        var outage: (since: Instant, shipped: Int)?
        var warnedBehind = false
        var lastCall = ContinuousClock.now
    }

    private func ship(to target: any ReplicationTarget, _ run: inout Run) async {
        let id = settings.storeID
        while !Task.isCancelled {
            checkBacklog(&run)
            do {
                let shipped: Int64
                if let known = run.shipped {
                    shipped = known
                } else {
                    shipped = try await call(&run) { try await target.lastSeq(store: id) }
                    let written = try store.outboxBacklog().lastSeq
                    if shipped > written { throw HQAhead(store: id, hq: shipped, written: written) }
                    trim(through: shipped)
                    run.shipped = shipped
                    status.contact(shipped: shipped, rows: 0, at: clock.now())
                }
                let batch = try store.outbox(after: shipped, limit: settings.batchSize)
                guard let last = batch.last else {
                    if let outage = run.outage { recovered(outage, &run) }
                    try await idle(target, shipped: shipped, &run)
                    continue
                }
                let confirmed = try await call(&run) { try await target.apply(store: id, changes: batch) }
                guard confirmed >= last.seq else { throw HQShort(sent: last.seq, confirmed: confirmed) }
                run.shipped = confirmed
                run.failures = 0
                run.outage?.shipped += batch.count
                status.contact(shipped: confirmed, rows: batch.count, at: clock.now())
                trim(through: confirmed)
            } catch {
                if Task.isCancelled { return }
                await failed(error, &run)
            }
        }
    }

    /// Nothing to ship: waits for a commit's rows (or says the store is alive after a while).
    private func idle(_ target: any ReplicationTarget, shipped: Int64, _ run: inout Run) async throws {
        await store.outbox.waitForRows(timeout: settings.idleContact)
        guard !Task.isCancelled, ContinuousClock.now - run.lastCall >= settings.idleContact else { return }
        let confirmed = try await call(&run) { try await target.apply(store: self.settings.storeID, changes: []) }
        status.contact(shipped: max(confirmed, shipped), rows: 0, at: clock.now())
    }

    /// One call to HQ, failed after `callTimeout`.
    private func call(_ run: inout Run, _ body: @escaping @Sendable () async throws -> Int64) async throws -> Int64 {
        run.lastCall = ContinuousClock.now
        let timeout = settings.callTimeout
        return try await withThrowingTaskGroup(of: Int64?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw HQTimeout(after: timeout) }
            return value
        }
    }

    /// Rows HQ confirmed go; a store that cannot delete them now (a full disk) keeps them a while.
    private func trim(through seq: Int64) {
        do {
            try store.trimOutbox(through: seq)
        } catch {
            logger.debug("replication: confirmed outbox rows not deleted yet: \(error)")
        }
    }

    private func failed(_ error: any Error, _ run: inout Run) async {
        run.failures += 1
        run.shipped = nil
        let now = clock.now()
        // PostgresNIO's own descriptions hide the server's message and the TLS failure.
        let reason = HQError.describe(error)
        if run.outage == nil {
            run.outage = (now, 0)
            logger.warning(
                "replication to HQ \(settings.hq) as store \(settings.storeID) failing: \(reason); retrying with backoff, the store keeps working and its changes wait in the outbox",
                metadata: ["message_id": "\(MessageID.replicationFailing)", "sla_hq_error": "\(reason)"])
        }
        status.failing(reason, since: run.outage?.since ?? now)
        try? await Task.sleep(for: settings.backoff.delay(after: run.failures))
    }

    private func recovered(_ outage: (since: Instant, shipped: Int), _ run: inout Run) {
        run.outage = nil
        let seconds = (clock.now() - outage.since) / 1000
        logger.notice(
            "replication to HQ recovered after \(seconds) s: caught up, \(outage.shipped) changes shipped since",
            metadata: [
                "message_id": "\(MessageID.replicationRecovered)", "sla_shipped": "\(outage.shipped)",
                "sla_outage_seconds": "\(seconds)",
            ])
    }

    /// The warning, once each time the oldest unshipped change gets older than the threshold.
    private func checkBacklog(_ run: inout Run) {
        guard let backlog = try? store.outboxBacklog(after: run.shipped ?? status.read().shippedSeq ?? 0) else {
            return
        }
        let lag = backlog.oldestCommittedAt.map { (clock.now().millis - $0) / 1000 } ?? 0
        if lag >= settings.warnBacklogSeconds, !run.warnedBehind {
            run.warnedBehind = true
            logger.warning(
                "replication to HQ is behind: \(backlog.count) changes wait, the oldest committed \(lag) s ago (warn-backlog-seconds = \(settings.warnBacklogSeconds))",
                metadata: [
                    "message_id": "\(MessageID.replicationBehind)", "sla_backlog_rows": "\(backlog.count)",
                    "sla_lag_seconds": "\(lag)",
                ])
        } else if lag < settings.warnBacklogSeconds {
            run.warnedBehind = false
        }
    }
}

/// HQ knows more of this store than it ever wrote: its database was replaced by an older copy,
/// or another slad ships under the same store id. Nothing is shipped until someone looks.
public struct HQAhead: Error, CustomStringConvertible {
    public let store: String
    public let hq: Int64
    public let written: Int64
    public var description: String {
        "HQ has changes through seq \(hq) for store \(store), but this store wrote only \(written): "
            + "another slad uses this store-id, or this store's database was restored from an older copy"
    }
}

/// HQ answered a batch with a lower seq than the batch's last.
public struct HQShort: Error, CustomStringConvertible {
    public let sent: Int64
    public let confirmed: Int64
    public var description: String { "HQ confirmed seq \(confirmed) of a batch through \(sent)" }
}

public struct HQTimeout: Error, CustomStringConvertible {
    public let after: Duration
    public var description: String { "HQ did not answer within \(after.components.seconds) s" }
}
