import Foundation
import GRDB
import SLACore

/// The store's side of replication to HQ: whether commits write outbox rows (off unless `[hq]`
/// is configured: then a commit pays one flag read and nothing else), the rows a transaction
/// writes, and the wake-up the replicator waits on.
///
/// Unchecked: `on`, `pending` and `waiters` are only touched under `lock`.
public final class Outbox: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    /// Rows were committed since the replicator last woke up.
    private var pending = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    init() {}

    /// Whether commits write outbox rows.
    public var isOn: Bool { lock.withLock { on } }

    func set(on value: Bool) { lock.withLock { on = value } }

    // MARK: Writing, inside a write transaction

    /// Inside `Store.commit`: the batch's changes, each case once (its state after the batch),
    /// then its events (numbered as the chain numbered them), the entries it wrote and the
    /// entries its acknowledgements changed.
    func append(_ batch: WriteBatch, chain: EventChain, entries: [QueueEntry], _ db: Database) throws {
        guard isOn else { return }
        let at = batch.writtenAt.millis
        var last: [String: Int] = [:]
        for (index, record) in batch.cases.enumerated() { last[record.id] = index }
        // A row written later is shipped with the batch that writes it.
        for (index, record) in batch.cases.enumerated()
        where last[record.id] == index && !batch.rowsLater.contains(record.id) {
            try insert(.caseState, key: record.id, at: at, payload: OutboxCodec.encode(record), db)
        }
        for (event, link) in zip(batch.events, chain.links) {
            var numbered = event
            numbered.seq = link.seq
            try insert(.event, key: event.caseID, at: at, payload: OutboxCodec.encode(numbered), db)
        }
        for entry in entries {
            try insert(.entry, key: String(entry.id), at: at, payload: OutboxCodec.encode(entry), db)
        }
        // An acknowledgement changed its entry only if the entry now carries it (the first stands).
        for ack in batch.acknowledgements {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM escalations WHERE id = ? AND acked_by IS ? AND acked_at IS ?",
                    arguments: [ack.entryID, ack.actor, ack.at.millis])
            else { continue }
            let entry = Store.entry(row)
            try insert(.entry, key: String(entry.id), at: at, payload: OutboxCodec.encode(entry), db)
        }
        wakeAfterCommit(db)
    }

    /// Inside a write transaction: the entries' rows as they now are (after a delivery outcome).
    func appendEntries(_ ids: [Int64], at: Instant, _ db: Database) throws {
        guard isOn, !ids.isEmpty else { return }
        for id in ids {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM escalations WHERE id = ?", arguments: [id])
            else { continue }
            try insert(.entry, key: String(id), at: at.millis, payload: OutboxCodec.encode(Store.entry(row)), db)
        }
        wakeAfterCommit(db)
    }

    /// One row. AUTOINCREMENT numbers it: never a number used before, even once every row is
    /// trimmed, and a rolled-back transaction takes its numbers back (so they stay gapless).
    func insert(_ kind: OutboxChange.Kind, key: String, at: Int64, payload: Data, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO outbox (kind, key, committed_at, payload) VALUES (?, ?, ?, ?)")
            .execute(arguments: [kind.rawValue, key, at, payload])
    }

    func wakeAfterCommit(_ db: Database) {
        db.afterNextTransaction(onCommit: { [self] _ in wake() })
    }

    // MARK: Waking the replicator

    /// Says that rows were committed: the waiting replicator (if any) resumes.
    public func wake() {
        let resumed = lock.withLock {
            let all = waiters
            waiters = [:]
            pending = all.isEmpty  // nobody waits: the next wait returns at once
            return all
        }
        for (_, waiter) in resumed { waiter.resume() }
    }

    /// Returns when rows are committed (at once if some were since the last return), or after
    /// `timeout`, or when the task is cancelled.
    public func waitForRows(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForWake() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForWake() async {
        let id = lock.withLock {
            nextWaiter += 1
            return nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock {
                    if pending {
                        pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
