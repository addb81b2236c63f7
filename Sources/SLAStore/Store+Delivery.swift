import Foundation
import GRDB
import SLACore

/// One attempt to make: an entry and the route to push it to.
public struct DueDelivery: Sendable {
    public var entry: QueueEntry
    public var route: String
    public var attempts: Int
}

/// What became of one delivery: sent (`error` nil, with the message that carried it), failed
/// (`retryAt` nil: for good), or put off without an attempt (`attempted` false: a rate limit or a
/// robot's lock-out; the count of attempts stays).
public struct DeliveryOutcome: Sendable {
    public var entryID: Int64
    public var route: String
    public var error: String?
    public var retryAt: Instant?
    public var message: String?
    public var attempted = true

    public init(
        entryID: Int64, route: String, error: String?, retryAt: Instant?, message: String? = nil,
        attempted: Bool = true
    ) {
        self.entryID = entryID
        self.route = route
        self.error = error
        self.retryAt = retryAt
        self.message = message
        self.attempted = attempted
    }
}

/// Which routes an entry goes to, decided inside the commit that writes it (the deliverer sets
/// it from the policy): no second transaction to route what was just written.
///
/// Unchecked: `decide` is behind `lock`.
public final class RouteTable: @unchecked Sendable {
    private let lock = NSLock()
    private var decide: (@Sendable (_ tier: String, _ store: String) -> [String])?

    public init() {}

    public func set(_ body: @escaping @Sendable (_ tier: String, _ store: String) -> [String]) {
        lock.withLock { decide = body }
    }

    /// Nil while nobody set the table: entries are then routed later by `route(entry:to:at:)`.
    func routes(tier: String, store: String) -> [String]? {
        lock.withLock { decide }?(tier, store)
    }
}

/// One commit's routing, asked of the table once for each (tier, store): a burst's thousands of
/// entries share a few of them.
struct RouteCache {
    let table: RouteTable
    private var known: [Key: [String]?] = [:]

    private struct Key: Hashable {
        var tier: String
        var store: String
    }

    init(table: RouteTable) {
        self.table = table
    }

    mutating func routes(tier: String, store: String) -> [String]? {
        let key = Key(tier: tier, store: store)
        if let routes = known[key] { return routes }
        let routes = table.routes(tier: tier, store: store)
        known[key] = .some(routes)
        return routes
    }
}

extension Store {
    /// Inside `commit`: the deliveries of an entry just written.
    static func insertDeliveries(entry id: Int64, routes: [String], at now: Instant, _ db: Database) throws {
        for route in routes {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO deliveries (entry_id, route, next_attempt_at) VALUES (?, ?, ?)"
            ).execute(arguments: [id, route, now.millis])
        }
    }

    /// Entries written since the deliverer last looked, oldest first.
    public func unroutedEntries(limit: Int) throws -> [QueueEntry] {
        try read { db in
            let sql = "SELECT \(Store.entryColumns) FROM escalations WHERE routed = 0 ORDER BY id LIMIT \(limit)"
            return try Row.fetchAll(db, sql: sql).map(Store.entryByPosition)
        }
    }

    /// Records which routes an entry goes to (none: it stays pending for `slactl escalations`).
    public func route(entry id: Int64, to routes: [String], at now: Instant) throws {
        try write { db in
            for route in routes {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO deliveries (entry_id, route, next_attempt_at) VALUES (?, ?, ?)",
                    arguments: [id, route, now.millis])
            }
            try db.execute(sql: "UPDATE escalations SET routed = 1 WHERE id = ?", arguments: [id])
        }
    }

    /// Deliveries whose next attempt is due, oldest first.
    /// `excluding`: (entry, route) pairs the caller is trying already, not read again;
    /// `routes`: only these routes (nil: any); `skippingRoutes`: none of these (routes that cannot
    /// take more now, so that the rows read are rows the caller can start); `excludingEntries`:
    /// entries left out whatever the route (for one route, what the caller is trying on it: a
    /// list of ids costs SQLite far less than one of pairs, 0.1 ms against 3 for 512 of them).
    /// `retriesOnly`: only deliveries attempted before (the first attempts are read by
    /// `freshDeliveries`).
    public func dueDeliveries(
        at now: Instant, limit: Int, excluding busy: [(entry: Int64, route: String)] = [],
        routes: [String]? = nil, skippingRoutes: [String] = [], excludingEntries: [Int64] = [],
        retriesOnly: Bool = false
    ) throws -> [DueDelivery] {
        var values: [(any DatabaseValueConvertible)?] = [now.millis]
        var filter = retriesOnly ? " AND d.attempts > 0" : ""
        if let routes {
            guard !routes.isEmpty else { return [] }
            filter += " AND d.route IN (\(Self.marks(routes.count)))"
            values += routes
        }
        if !skippingRoutes.isEmpty {
            filter += " AND d.route NOT IN (\(Self.marks(skippingRoutes.count)))"
            values += skippingRoutes
        }
        if !excludingEntries.isEmpty {
            filter += " AND d.entry_id NOT IN (\(Self.marks(excludingEntries.count)))"
            values += excludingEntries
        }
        if !busy.isEmpty {
            filter +=
                " AND (d.entry_id, d.route) NOT IN (VALUES "
                + repeatElement("(?, ?)", count: busy.count).joined(separator: ", ") + ")"
            for (entry, route) in busy { values += [entry, route] }
        }
        return try read { db in
            // Columns by position: looking each up by name (GRDB lowercases the name every time)
            // cost more than the rest of the read in a burst.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Store.entryColumnsOfE), d.route, d.attempts
                    FROM deliveries d JOIN escalations e ON e.id = d.entry_id
                    WHERE d.state = 'pending' AND d.next_attempt_at <= ?\(filter)
                    ORDER BY d.next_attempt_at LIMIT \(limit)
                    """, arguments: StatementArguments(values))
            var due: [DueDelivery] = []
            while let row = try rows.next() {
                due.append(DueDelivery(entry: Store.entryByPosition(row), route: row[17], attempts: row[18]))
            }
            return due
        }
    }

    /// A route's deliveries never attempted, of entries after `entryID`, in id order: what a
    /// webhook or hook route has not started yet, when the caller started every one up to
    /// `entryID` (nil: nothing known yet, from the oldest pending). One cached statement walking
    /// the primary key from there, where excluding the hundreds in flight by id made each pass
    /// compile a statement of its own and test each row against the list. `through`: when fewer
    /// than `limit` came, the newest entry id any delivery had in the same read (every one of the
    /// route up to it is in `due` or was started), so the next read starts after it.
    public func freshDeliveries(route: String, after entryID: Int64?, limit: Int) throws -> (
        due: [DueDelivery], through: Int64?
    ) {
        try read { db in
            var start = entryID ?? 0
            if entryID == nil {
                let oldest = try Int64.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT min(entry_id) FROM deliveries WHERE state = 'pending' AND route = ?"),
                    arguments: [route])
                guard let oldest else {
                    return ([], try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(entry_id) FROM deliveries")))
                }
                start = oldest - 1
            }
            // `+`: not the index on (state, next_attempt_at), which would walk every pending row.
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(Store.entryColumnsOfE), d.route, d.attempts
                    FROM deliveries d JOIN escalations e ON e.id = d.entry_id
                    WHERE d.entry_id > ? AND d.route = ? AND +d.state = 'pending' AND d.attempts = 0
                    ORDER BY d.entry_id LIMIT ?
                    """)
            let rows = try Row.fetchCursor(statement, arguments: [start, route, limit])
            var due: [DueDelivery] = []
            while let row = try rows.next() {
                due.append(DueDelivery(entry: Store.entryByPosition(row), route: row[17], attempts: row[18]))
            }
            guard due.count < limit else { return (due, nil) }
            return (due, try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(entry_id) FROM deliveries")))
        }
    }

    /// Records an attempt. `retryAt` nil with an error means: give up, the delivery failed.
    public func recordAttempt(
        entry id: Int64, route: String, error: String?, retryAt: Instant?, at now: Instant
    ) throws {
        try record([DeliveryOutcome(entryID: id, route: route, error: error, retryAt: retryAt)], at: now)
    }

    /// Records the outcomes of many deliveries in one transaction.
    public func record(_ outcomes: [DeliveryOutcome], at now: Instant) throws {
        guard !outcomes.isEmpty else { return }
        try write { db in
            let changed = try outcomes.filter { try Self.record($0, at: now, db) }.map(\.entryID)
            try outbox.appendEntries(changed, at: now, db)
        }
    }

    /// Whether the entry's own row changed.
    private static func record(_ outcome: DeliveryOutcome, at now: Instant, _ db: Database) throws -> Bool {
        let (id, route, error) = (outcome.entryID, outcome.route, outcome.error)
        guard outcome.attempted else {
            try db.cachedStatement(
                sql: "UPDATE deliveries SET next_attempt_at = ? WHERE entry_id = ? AND route = ? AND state = 'pending'"
            ).execute(arguments: [outcome.retryAt?.millis ?? now.millis, id, route])
            return false
        }
        let state = error == nil ? "delivered" : (outcome.retryAt == nil ? "failed" : "pending")
        try db.cachedStatement(
            sql: """
                UPDATE deliveries SET attempts = attempts + 1, state = ?, last_error = ?,
                    next_attempt_at = COALESCE(?, next_attempt_at), delivered_at = ?,
                    message = COALESCE(?, message)
                WHERE entry_id = ? AND route = ?
                """
        ).execute(
            arguments: [
                state, error, outcome.retryAt?.millis, error == nil ? now.millis : nil, outcome.message, id, route,
            ])
        // The entry follows its deliveries, unless a person already acknowledged it: failed once
        // one of them failed, delivered once all were. A retry changes neither (a route that
        // failed before has made it failed already). Cached statements: a burst records
        // thousands of these. `+state`: the primary key (entry_id first) finds an entry's
        // deliveries; the index on state would scan every pending one.
        switch state {
        case "failed":
            try db.cachedStatement(
                sql: """
                    UPDATE escalations SET state = 'failed', delivered_at = NULL
                    WHERE id = ? AND state IN ('pending', 'delivered', 'failed')
                    """
            ).execute(arguments: [id])
        case "delivered":
            try db.cachedStatement(
                sql: """
                    UPDATE escalations SET
                        state = CASE WHEN EXISTS (SELECT 1 FROM deliveries WHERE entry_id = ?1 AND +state = 'failed')
                            THEN 'failed' ELSE 'delivered' END,
                        delivered_at = CASE WHEN EXISTS (
                            SELECT 1 FROM deliveries WHERE entry_id = ?1 AND +state = 'failed') THEN NULL ELSE ?2 END
                    WHERE id = ?1 AND state IN ('pending', 'delivered', 'failed')
                        AND NOT EXISTS (SELECT 1 FROM deliveries WHERE entry_id = ?1 AND +state = 'pending')
                    """
            ).execute(arguments: [id, now.millis])
        default:
            return false
        }
        return db.changesCount > 0
    }

    /// The message that carried each delivered route of an entry (a digest names many entries).
    public func deliveryMessages(entry id: Int64) throws -> [String: String] {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT route, message FROM deliveries WHERE entry_id = ? AND message IS NOT NULL",
                arguments: [id])
            return Dictionary(rows.map { ($0["route"], $0["message"]) }) { first, _ in first }
        }
    }

    /// The last error of each failed delivery of an entry.
    public func deliveryErrors(entry id: Int64) throws -> [String: String] {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT route, last_error FROM deliveries WHERE entry_id = ? AND last_error IS NOT NULL",
                arguments: [id])
            return Dictionary(rows.map { ($0["route"], $0["last_error"]) }) { first, _ in first }
        }
    }

    /// Deletes closed cases closed before `cutoff`, with their events, entries and deliveries.
    /// Returns how many cases went. Local only: HQ keeps its history (nothing goes to the
    /// outbox), and outbox rows stay until HQ confirms them.
    public func purge(closedBefore cutoff: Instant) throws -> Int {
        do {
            return try pool.writeWithoutTransaction { db in
                // Deleting a case makes SQLite look for events that still name it, and no index
                // leads there from a case (see EventChain): every child is deleted here first, so
                // the check is left off for this transaction.
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var purged = 0
                try db.inTransaction {
                    purged = try self.purge(closedBefore: cutoff, db)
                    return .commit
                }
                return purged
            }
        } catch {
            throw StoreFailure(error)
        }
    }

    private func purge(closedBefore cutoff: Instant, _ db: Database) throws -> Int {
        let ids = try String.fetchAll(
            db, sql: "SELECT id FROM cases WHERE status = 'closed' AND closed_at < ?", arguments: [cutoff.millis])
        guard !ids.isEmpty else { return 0 }
        try db.execute(sql: "INSERT INTO purge_in_progress (flag) VALUES (1)")
        for chunk in Self.chunks(ids) {
            let marks = Self.marks(chunk.count)
            let arguments = StatementArguments(chunk)
            try db.execute(
                sql: """
                    DELETE FROM deliveries WHERE entry_id IN (SELECT id FROM escalations WHERE case_id IN (\(marks)))
                    """,
                arguments: arguments)
            try db.execute(sql: "DELETE FROM escalations WHERE case_id IN (\(marks))", arguments: arguments)
            for seqs in Self.chunks(try chunk.flatMap { try events(of: $0, db).compactMap(\.seq) }) {
                let sql = "DELETE FROM events WHERE seq IN (\(Self.marks(seqs.count)))"
                try db.execute(sql: sql, arguments: StatementArguments(seqs))
            }
            try db.execute(sql: "DELETE FROM contacts WHERE case_id IN (\(marks))", arguments: arguments)
            try db.execute(sql: "DELETE FROM cases WHERE id IN (\(marks))", arguments: arguments)
        }
        try db.execute(sql: "DELETE FROM purge_in_progress")
        return ids.count
    }

    /// Cases opened in [from, to) and their events, for `slactl export`.
    public func export(from: Instant, to: Instant) throws -> [(Case, [EventRecord])] {
        let cases: [Case] = try read { db in
            try Data.fetchAll(
                db, sql: "SELECT state FROM cases WHERE opened_at >= ? AND opened_at < ? ORDER BY seq",
                arguments: [from.millis, to.millis]
            ).map { try CaseCodec.decode($0) }
        }
        return try cases.map { ($0, try events(of: $0.id)) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreFailure(error)
        }
    }
}
