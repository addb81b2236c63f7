import Logging
import PostgresNIO

/// A queue entry as HQ has it, with the store it came from.
public struct HQEntry: Sendable, Hashable, Codable {
    public var store: String
    public var id: Int64
    public var caseID: String
    public var clock: String
    public var tier: String
    public var kind: String
    public var state: String
    /// ms since 1970.
    public var dueAt: Int64
    public var writtenAt: Int64
    public var ackedBy: String?
    /// When it reached HQ (HQ's clock), ms since 1970.
    public var arrivedAt: Int64

    /// `S01:5`, as announced on `slad_hq_entries`.
    public var key: String { "\(store):\(id)" }
}

/// The chain's queue entries at HQ: listed, and followed as they arrive (LISTEN/NOTIFY), through
/// lost connections.
public enum HQEntryFeed {
    static let columns = """
        store_id, entry_id, case_id, clock, tier, kind, state, (extract(epoch FROM due_at) * 1000)::bigint,
        (extract(epoch FROM written_at) * 1000)::bigint, acked_by, (extract(epoch FROM arrived_at) * 1000)::bigint
        """

    /// Entries of a tier (all tiers: nil), oldest arrival first; `pending`: not yet acknowledged,
    /// delivered or given up; `arrivedAfter`: ms since 1970 on HQ's clock.
    public static func list(
        tier: String?, pending: Bool = false, arrivedAfter: Int64? = nil, limit: Int = 1000,
        on connection: PostgresConnection, logger: Logger = HQLog.quiet
    ) async throws -> [HQEntry] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM hq_entries
            WHERE (\(tier)::text IS NULL OR tier = \(tier)) AND (NOT \(pending) OR state = 'pending')
                AND (\(arrivedAfter)::bigint IS NULL OR arrived_at > to_timestamp(\(arrivedAfter)::bigint / 1000.0))
            ORDER BY arrived_at DESC, store_id, entry_id LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows).reversed()
    }

    /// One entry, by the key a notification carries (`S01:5`); nil if it is not (or no longer) there.
    public static func entry(key: String, on connection: PostgresConnection, logger: Logger = HQLog.quiet)
        async throws -> HQEntry?
    {
        guard let colon = key.lastIndex(of: ":"), let id = Int64(key[key.index(after: colon)...]) else { return nil }
        let store = String(key[..<colon])
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM hq_entries WHERE store_id = \(store) AND entry_id = \(id)",
            logger: logger)
        return try await decode(rows).first
    }

    /// Calls `deliver` with each new HQ-tier entry as it arrives, forever: the pending ones first,
    /// then each announced one. A lost connection is reopened (with `onTrouble` told why), and the
    /// entries that arrived meanwhile are delivered then, each once.
    public static func follow(
        endpoint: HQEndpoint, tier: String = "hq", onTrouble: @Sendable (String) -> Void,
        deliver: @Sendable ([HQEntry]) -> Void
    ) async throws {
        var seen: [String: Int64] = [:]  // key -> arrival, pruned behind the watermark
        var watermark: Int64?
        var startedAt: Int64?  // HQ's clock at the first connection: nothing older is news
        var pause = 1
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await endpoint.connect()
            } catch {
                onTrouble("\(HQError.describe(error)); trying again in \(pause)s")
                try await Task.sleep(for: .seconds(pause))
                pause = min(pause * 2, 30)
                continue
            }
            pause = 1
            do {
                try await connection.listen(on: HQSchema.hqEntriesChannel) { notifications in
                    // Listening first, then catching up: nothing falls between the two. At the
                    // first connection the pending entries; after a lost one, what arrived since
                    // the last seen (stamped at their transaction's start, so a minute back, and
                    // `seen` drops the repeats).
                    if let startedAt {
                        let since = max(startedAt, (watermark ?? startedAt) - 60_000)
                        let missed = try await list(tier: tier, arrivedAfter: since, limit: 100_000, on: connection)
                        deliver(fresh(missed, seen: &seen, watermark: &watermark))
                    } else {
                        startedAt = try await serverNow(on: connection)
                        let pending = try await list(tier: tier, pending: true, on: connection)
                        deliver(fresh(pending, seen: &seen, watermark: &watermark))
                    }
                    for try await notification in notifications {
                        guard let entry = try await entry(key: notification.payload, on: connection),
                            entry.tier == tier
                        else { continue }
                        deliver(fresh([entry], seen: &seen, watermark: &watermark))
                    }
                }
                onTrouble("the connection to HQ ended; reconnecting")
            } catch {
                onTrouble("lost HQ: \(HQError.describe(error)); reconnecting")
            }
            try? await connection.close()
        }
    }

    private static func fresh(_ entries: [HQEntry], seen: inout [String: Int64], watermark: inout Int64?) -> [HQEntry] {
        var result: [HQEntry] = []
        for entry in entries where seen[entry.key] == nil {
            seen[entry.key] = entry.arrivedAt
            result.append(entry)
            watermark = max(watermark ?? entry.arrivedAt, entry.arrivedAt)
        }
        if let watermark, seen.count > 10_000 {
            seen = seen.filter { $0.value > watermark - 120_000 }
        }
        return result
    }

    static func serverNow(on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT (extract(epoch FROM now()) * 1000)::bigint", logger: HQLog.quiet)
        for try await now in rows.decode(Int64.self) { return now }
        throw HQError("HQ did not say what time it is")
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [HQEntry] {
        var result: [HQEntry] = []
        for try await (store, id, caseID, clock, tier, kind, state, due, written, ackedBy, arrived) in rows.decode(
            (String, Int64, String, String, String, String, String, Int64, Int64, String?, Int64).self)
        {
            result.append(
                HQEntry(
                    store: store, id: id, caseID: caseID, clock: clock, tier: tier, kind: kind, state: state,
                    dueAt: due, writtenAt: written, ackedBy: ackedBy, arrivedAt: arrived))
        }
        return result
    }
}
