import Foundation
import GRDB
import SLACore

/// How far the outbox is behind: rows not yet confirmed by HQ, and the commit time of the oldest.
public struct OutboxBacklog: Sendable, Hashable {
    public var count: Int
    /// Milliseconds since 1970; nil when nothing waits.
    public var oldestCommittedAt: Int64?
    /// The highest seq written so far (0 before the first).
    public var lastSeq: Int64

    public init(count: Int, oldestCommittedAt: Int64?, lastSeq: Int64) {
        self.count = count
        self.oldestCommittedAt = oldestCommittedAt
        self.lastSeq = lastSeq
    }
}

extension Store {
    /// `daemon_state` key: the store id whose backfill the outbox holds (see `enableOutbox`).
    static let outboxStoreKey = "outbox.store-id"

    /// Turns the outbox on, for HQ's store `storeID`. The first time (and after it was off, or
    /// for another store id), every case, event and queue entry already in the store is enqueued
    /// first, as snapshots, in the same transaction that turns it on: HQ then gets the store's
    /// history and every change after it, with nothing between. Returns how many rows that
    /// backfill wrote (0 when it was done before).
    @discardableResult
    public func enableOutbox(storeID: String, at now: Instant) throws -> Int {
        try write { db in
            let done = try String.fetchOne(
                db, sql: "SELECT value FROM daemon_state WHERE key = ?", arguments: [Self.outboxStoreKey])
            var rows = 0
            if done != storeID {
                rows = try self.backfill(at: now.millis, db)
                try db.execute(
                    sql: "INSERT OR REPLACE INTO daemon_state (key, value) VALUES (?, ?)",
                    arguments: [Self.outboxStoreKey, storeID])
            }
            // On the writer's queue right after COMMIT: no commit can slip in between unrecorded.
            db.afterNextTransaction(onCommit: { [outbox] _ in outbox.set(on: true) })
            if rows > 0 { outbox.wakeAfterCommit(db) }
            return rows
        }
    }

    /// Turns the outbox off (the default): commits write no rows. Rows not yet shipped stay; the
    /// backfill is forgotten, so that turning it on again sends the whole store again (what
    /// changed meanwhile was never written to the outbox).
    public func disableOutbox() throws {
        outbox.set(on: false)
        let recorded = try read { db in
            try String.fetchOne(
                db, sql: "SELECT value FROM daemon_state WHERE key = ?", arguments: [Self.outboxStoreKey])
        }
        guard recorded != nil else { return }
        try write { db in
            try db.execute(sql: "DELETE FROM daemon_state WHERE key = ?", arguments: [Self.outboxStoreKey])
        }
    }

    /// Every case, then every event, then every entry, oldest first, as outbox rows.
    private func backfill(at: Int64, _ db: Database) throws -> Int {
        var rows = 0
        let cases = try Data.fetchCursor(db, sql: "SELECT state FROM cases ORDER BY seq")
        while let state = try cases.next() {
            let record = try CaseCodec.decode(state)
            try outbox.insert(.caseState, key: record.id, at: at, payload: OutboxCodec.encode(record), db)
            rows += 1
        }
        let events = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY seq")
        while let row = try events.next() {
            let event = Self.event(row)
            try outbox.insert(.event, key: event.caseID, at: at, payload: OutboxCodec.encode(event), db)
            rows += 1
        }
        let entries = try Row.fetchCursor(db, sql: "SELECT * FROM escalations ORDER BY id")
        while let row = try entries.next() {
            let entry = Self.entry(row)
            try outbox.insert(.entry, key: String(entry.id), at: at, payload: OutboxCodec.encode(entry), db)
            rows += 1
        }
        return rows
    }

    /// Up to `limit` rows after `seq`, in order.
    public func outbox(after seq: Int64, limit: Int) throws -> [OutboxChange] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, kind, key, committed_at, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, max(1, limit)]
            ).map { row in
                let kind: String = row["kind"]
                guard let known = OutboxChange.Kind(rawValue: kind) else {
                    throw CaseCodec.CorruptState("an outbox row of unknown kind '\(kind)'")
                }
                return OutboxChange(
                    seq: row["seq"], kind: known, key: row["key"], committedAt: row["committed_at"],
                    payload: row["payload"])
            }
        }
    }

    /// Deletes the rows HQ confirmed (through `seq`); returns how many went.
    @discardableResult
    public func trimOutbox(through seq: Int64) throws -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE seq <= ?", arguments: [seq])
            return db.changesCount
        }
    }

    /// The rows after `shipped` (HQ's confirmed seq; 0: every row kept): their count (seqs are
    /// gapless, so no scan) and the oldest one's commit time.
    public func outboxBacklog(after shipped: Int64 = 0) throws -> OutboxBacklog {
        try read { db in
            let last =
                try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") ?? 0
            guard
                let oldest = try Row.fetchOne(
                    db, sql: "SELECT seq, committed_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1",
                    arguments: [shipped])
            else { return OutboxBacklog(count: 0, oldestCommittedAt: nil, lastSeq: last) }
            let first: Int64 = oldest["seq"]
            return OutboxBacklog(count: Int(last - first + 1), oldestCommittedAt: oldest["committed_at"], lastSeq: last)
        }
    }
}
