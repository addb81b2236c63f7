import Logging
import PostgresNIO

/// Where one store's replication stands, as HQ sees it. Instants are ms since 1970 on HQ's clock
/// (the stores' commit instants are on theirs).
public struct HQStoreStatus: Sendable, Hashable, Codable {
    public var store: String
    public var lastSeq: Int64
    /// Commit instant of the newest change HQ has.
    public var lastCommittedAt: Int64?
    /// When the store last applied a batch or a heartbeat.
    public var lastContactAt: Int64?
    /// How late the newest change arrived: received at HQ minus committed at the store.
    public var arrivalLagMillis: Int64?
    /// HQ's clock when this was read.
    public var now: Int64

    /// Since the last contact (nil: never heard from).
    public var silenceMillis: Int64? { lastContactAt.map { now - $0 } }

    /// Age of the newest change HQ has: how far behind HQ's picture of the store may be, at most,
    /// when the store is busy (a quiet store's newest change is old without any lag).
    public var newestChangeAgeMillis: Int64? { lastCommittedAt.map { now - $0 } }

    /// Silent: never heard from, or not for longer than `threshold`.
    public func isSilent(after thresholdMillis: Int64) -> Bool {
        guard let silence = silenceMillis else { return true }
        return silence > thresholdMillis
    }

    /// Every store HQ knows, by id.
    public static func all(on connection: PostgresConnection, logger: Logger = HQLog.quiet) async throws
        -> [HQStoreStatus]
    {
        let rows = try await connection.query(
            """
            SELECT s.store_id, s.last_seq,
                (extract(epoch FROM s.last_committed_at) * 1000)::bigint,
                (extract(epoch FROM s.last_contact_at) * 1000)::bigint,
                (extract(epoch FROM c.received_at - c.committed_at) * 1000)::bigint,
                (extract(epoch FROM now()) * 1000)::bigint
            FROM hq_stores s LEFT JOIN hq_changes c ON c.store_id = s.store_id AND c.seq = s.last_seq
            ORDER BY s.store_id
            """, logger: logger)
        var result: [HQStoreStatus] = []
        for try await (store, seq, committed, contact, lag, now) in rows.decode(
            (String, Int64, Int64?, Int64?, Int64?, Int64).self)
        {
            result.append(
                HQStoreStatus(
                    store: store, lastSeq: seq, lastCommittedAt: committed, lastContactAt: contact,
                    arrivalLagMillis: lag, now: now))
        }
        return result
    }
}
