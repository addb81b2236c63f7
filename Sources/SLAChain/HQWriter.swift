import Logging
import PostgresNIO
import SLAStore

/// Applies a store's outbox changes to HQ's tables: one PostgreSQL statement per batch (so one
/// transaction), idempotent (a batch applied twice changes nothing), and order-proof (an older
/// snapshot of a case or an entry never overwrites a newer one: the highest seq wins).
///
/// Applying an empty batch is the replicator's heartbeat: it records the contact and answers the
/// store's `last_seq`.
public enum HQWriter {
    /// - Returns: the store's `last_seq` at HQ after the batch.
    @discardableResult
    public static func apply(
        store: String, changes: [OutboxChange], on connection: PostgresConnection, logger: Logger = HQLog.quiet
    ) async throws -> Int64 {
        try await apply(try prepare(store: store, changes: changes), on: connection, logger: logger)
    }

    /// A store's batch checked (every payload decoded with the store's codec) and laid out as the
    /// statement takes it: the store's CPU, spent before HQ is called.
    public static func prepare(store: String, changes: [OutboxChange]) throws -> HQPreparedBatch {
        try HQRoles.checkStoreID(store)
        return HQPreparedBatch(store: store, batch: try HQBatch(store: store, changes: changes))
    }

    /// Applies a prepared batch. - Returns: the store's `last_seq` at HQ after it.
    @discardableResult
    public static func apply(
        _ prepared: HQPreparedBatch, on connection: PostgresConnection, logger: Logger = HQLog.quiet
    )
        async throws -> Int64
    {
        let (store, batch) = (prepared.store, prepared.batch)
        // One statement, one round trip (the parts are data-modifying WITH queries, one
        // transaction): at a calendar boundary every store ships at once, and each round trip of
        // 500 transactions at once is a wait for a backend on a busy server.
        //
        // `store` runs first, since every other part reads it: it locks the store's row (two
        // replicators of one store take turns), records the contact and moves `last_seq` on.
        // When it finds no row (a store not registered, or not this login's) nothing is written.
        // New HQ-tier entries are announced; NOTIFY is delivered at commit, so a listener never
        // hears of a row it cannot read yet. (xmax = 0: the row was inserted, not updated.)
        let rows = try await connection.query(
            """
            WITH store AS (
                UPDATE hq_stores SET last_contact_at = now(),
                    last_committed_at = CASE WHEN \(batch.lastSeq) > last_seq
                        THEN to_timestamp(\(batch.lastCommittedAt) / 1000.0) ELSE last_committed_at END,
                    last_seq = greatest(last_seq, \(batch.lastSeq))
                WHERE store_id = \(store) RETURNING last_seq
            ),
            changes AS (
                INSERT INTO hq_changes (store_id, seq, kind, key, committed_at, payload)
                SELECT \(store), x.seq, x.kind, x.key, to_timestamp(x.committed_at / 1000.0), x.payload
                FROM jsonb_to_recordset(\(batch.changes.string)::jsonb)
                    AS x(seq bigint, kind text, key text, committed_at bigint, payload jsonb)
                WHERE EXISTS (SELECT FROM store)
                ON CONFLICT (store_id, seq) DO NOTHING
            ),
            cases AS (
                INSERT INTO hq_cases AS c (store_id, case_id, kind, opened_at, status, next_due, state, state_bin, seq)
                SELECT \(store), x.case_id, x.kind, to_timestamp(x.opened_at / 1000.0), x.status,
                    to_timestamp(x.next_due / 1000.0), x.state, decode(x.state_bin, 'base64'), x.seq
                FROM jsonb_to_recordset(\(batch.cases.string)::jsonb)
                    AS x(case_id text, kind text, opened_at bigint, status text, next_due bigint, state jsonb,
                        state_bin text, seq bigint)
                WHERE EXISTS (SELECT FROM store)
                ON CONFLICT (store_id, case_id) DO UPDATE SET
                    kind = EXCLUDED.kind, opened_at = EXCLUDED.opened_at, status = EXCLUDED.status,
                    next_due = EXCLUDED.next_due, state = EXCLUDED.state, state_bin = EXCLUDED.state_bin,
                    seq = EXCLUDED.seq
                WHERE EXCLUDED.seq > c.seq
            ),
            events AS (
                INSERT INTO hq_events (store_id, case_id, event_seq, kind, at, actor, note, seq)
                SELECT \(store), x.case_id, x.event_seq, x.kind, to_timestamp(x.at / 1000.0), x.actor, x.note, x.seq
                FROM jsonb_to_recordset(\(batch.events.string)::jsonb)
                    AS x(case_id text, event_seq bigint, kind text, at bigint, actor text, note text, seq bigint)
                WHERE EXISTS (SELECT FROM store)
                ON CONFLICT (store_id, case_id, event_seq) DO NOTHING
            ),
            entries AS (
                INSERT INTO hq_entries AS e (store_id, entry_id, case_id, tier, kind, clock, cycle, state,
                    due_at, deadline, written_at, acked_by, acked_at, payload, seq)
                SELECT \(store), x.entry_id, x.case_id, x.tier, x.kind, x.clock, x.cycle, x.state,
                    to_timestamp(x.due_at / 1000.0), to_timestamp(x.deadline / 1000.0),
                    to_timestamp(x.written_at / 1000.0), x.acked_by, to_timestamp(x.acked_at / 1000.0),
                    x.payload, x.seq
                FROM jsonb_to_recordset(\(batch.entries.string)::jsonb)
                    AS x(entry_id bigint, case_id text, tier text, kind text, clock text, cycle integer,
                        state text, due_at bigint, deadline bigint, written_at bigint, acked_by text,
                        acked_at bigint, payload jsonb, seq bigint)
                WHERE EXISTS (SELECT FROM store)
                ON CONFLICT (store_id, entry_id) DO UPDATE SET
                    case_id = EXCLUDED.case_id, tier = EXCLUDED.tier, kind = EXCLUDED.kind,
                    clock = EXCLUDED.clock, cycle = EXCLUDED.cycle, state = EXCLUDED.state,
                    due_at = EXCLUDED.due_at, deadline = EXCLUDED.deadline, written_at = EXCLUDED.written_at,
                    acked_by = EXCLUDED.acked_by, acked_at = EXCLUDED.acked_at, payload = EXCLUDED.payload,
                    seq = EXCLUDED.seq
                WHERE EXCLUDED.seq > e.seq
                RETURNING e.entry_id, e.tier, (e.xmax = 0) AS inserted
            ),
            announced AS (
                SELECT pg_notify(\(HQSchema.hqEntriesChannel), \(store) || ':' || entry_id)
                FROM entries WHERE inserted AND tier = 'hq'
            )
            SELECT last_seq, (SELECT count(*) FROM announced) FROM store
            """, logger: logger)
        for try await (lastSeq, _) in rows.decode((Int64, Int64).self) { return lastSeq }
        throw HQError(
            "store \(store) is not registered at HQ, or this login may not write it "
                + "(at HQ: slactl hq add-store \(store))")
    }

    /// The store's `last_seq` at HQ (0 before its first change): where its replicator resumes.
    public static func lastSeq(store: String, on connection: PostgresConnection, logger: Logger = HQLog.quiet)
        async throws -> Int64
    {
        let rows = try await connection.query(
            "SELECT last_seq FROM hq_stores WHERE store_id = \(store)", logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        throw HQError(
            "store \(store) is not registered at HQ, or this login may not read it (at HQ: slactl hq add-store \(store))"
        )
    }
}

/// A batch made ready for `HQWriter.apply` (`HQWriter.prepare`).
public struct HQPreparedBatch: Sendable {
    let store: String
    let batch: HQBatch
}
