import Foundation
import GRDB
import SLACore
import SLAMetrics

/// The one owner of `slad.sqlite`: every write of the daemon goes through `commit`, in one
/// transaction, with `synchronous=FULL` in WAL mode so that a committed batch survives power loss.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Events up to this seq were written before events were chained (schema v6): they are found
    /// through their own partial index. Later ones through the chain.
    let chainedAfter: Int64
    /// Routes each entry in the commit that writes it (see `RouteTable`).
    public let routing = RouteTable()
    /// Replication's outbox: off unless slad is configured to feed HQ.
    public let outbox = Outbox()
    /// Bumped by every change to users, tokens and uid mappings (see Store+Users).
    public let accessVersion = AccessVersion()

    /// Opens (creating if needed) `slad.sqlite` in `directory`, and migrates it.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("slad.sqlite")
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(5)
        // The API's read pools (4 + 2 threads) must never hold every reader the scheduler, the
        // deliverer and the status line also need (GRDB's default is 5).
        configuration.maximumReaderCount = 12
        do {
            // Customer data lives here: owner-only, whatever the umask.
            let created = !FileManager.default.fileExists(atPath: path)
            pool = try DatabasePool(path: path, configuration: configuration)
            if created { chmod(path, 0o600) }
            try Schema.migrator.migrate(pool)
            // GRDB turns WAL pools to synchronous=NORMAL after prepareDatabase: the writer is set
            // back to FULL here, so that every commit is on disk (fsync) before it is answered.
            try pool.barrierWriteWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            chainedAfter = try pool.read { try Int64.fetchOne($0, sql: "SELECT chained_after FROM event_chain") } ?? 0
        } catch {
            throw StoreFailure(error)
        }
    }

    // MARK: Writes

    /// Writes a batch in one transaction. Queue entries already written (same case, clock, cycle,
    /// tier and kind) are skipped by the schema; the entries actually inserted are returned.
    @discardableResult
    public func commit(_ batch: WriteBatch) throws -> [QueueEntry] {
        guard !batch.isEmpty else { return [] }
        // A row written later is not encoded now: its batch writes only its entries.
        let writesRow = batch.rowsLater.isEmpty ? nil : batch.cases.map { !batch.rowsLater.contains($0.id) }
        let states = batch.cases.indices.map { (writesRow?[$0] ?? true) ? CaseCodec.encode(batch.cases[$0]) : Data() }
        do {
            return try pool.write { db in
                // Events go in before their cases' rows are rewritten: each insert reads its
                // case's previous event from the row. A case opened in this batch has no row yet
                // for its events to refer to: it is written first (and again below).
                for (index, record) in batch.cases.enumerated()
                where (writesRow?[index] ?? true) && batch.committed[record.id] == nil {
                    try self.upsert(
                        record, state: states[index], committed: nil, lastEvent: nil, at: batch.writtenAt, db)
                }
                let chain = try EventChain(numbering: batch.events, db)
                for (event, link) in zip(batch.events, chain.links) {
                    var row = try RowWriter(
                        db,
                        """
                        INSERT INTO events (seq, prev_seq, case_id, kind, at, recorded_at, actor, note, idempotency_key)
                        VALUES (?, coalesce(?, (SELECT last_event FROM cases WHERE id = ?)), ?, ?, ?, ?, ?, ?, ?)
                        """)
                    row.bind(link.seq)
                    row.bind(link.previousInBatch)
                    row.bind(event.caseID)
                    row.bind(event.caseID)
                    row.bind(event.kind)
                    row.bind(event.at.millis)
                    row.bind(event.recordedAt.millis)
                    row.bind(event.actor)
                    row.bind(event.note)
                    row.bind(event.idempotencyKey)
                    try row.execute()
                }
                for (index, record) in batch.cases.enumerated() where (writesRow?[index] ?? true) {
                    // A case inserted above is in its row as `record`: no indexed column changes.
                    try self.upsert(
                        record, state: states[index], committed: batch.committed[record.id] ?? record,
                        lastEvent: chain.last[record.id], at: batch.writtenAt, db)
                }
                // An event on a case the batch did not rewrite still moves the case's chain head.
                let rewritten = chain.last.isEmpty ? [] : Set(batch.cases.map(\.id)).subtracting(batch.rowsLater)
                for (caseID, seq) in chain.last where !rewritten.contains(caseID) {
                    try db.execute(sql: "UPDATE cases SET last_event = ? WHERE id = ?", arguments: [seq, caseID])
                }
                var kinds: [String: (store: String, kind: String)] = [:]
                kinds.reserveCapacity(batch.cases.count)
                for record in batch.cases where kinds[record.id] == nil {
                    kinds[record.id] = (record.opening.store, record.kind)
                }
                let entries =
                    batch.escalations.map { ($0, DeliveryState.pending) } + batch.skipped.map { ($0, .skipped) }
                var routes = RouteCache(table: routing)
                var rows: [EntryWriter.Row] = []
                rows.reserveCapacity(entries.count)
                for (entry, state) in entries {
                    let (store, caseKind) = try kinds[entry.caseID] ?? self.storeAndKind(of: entry.caseID, db)
                    rows.append(
                        EntryWriter.Row(
                            escalation: entry, store: store, caseKind: caseKind,
                            lateMillis: max(0, batch.writtenAt - entry.dueAt), state: state,
                            routes: state == .pending ? routes.routes(tier: entry.tier, store: store) : nil))
                }
                var inserted: [QueueEntry] = []
                inserted.reserveCapacity(rows.count)
                for (entry, entryRoutes) in try EntryWriter.insert(rows, writtenAt: batch.writtenAt, db) {
                    inserted.append(entry)
                    if let entryRoutes {
                        try Self.insertDeliveries(entry: entry.id, routes: entryRoutes, at: batch.writtenAt, db)
                    }
                }
                for ack in batch.acknowledgements { try Self.acknowledge(ack, db) }
                for (caseID, contact) in batch.contacts {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO contacts (case_id, name, phone) VALUES (?, ?, ?)",
                        arguments: [caseID, contact.name, contact.phone])
                }
                for answer in batch.answers {
                    try db.cachedStatement(
                        sql: """
                            INSERT OR IGNORE INTO idempotency (key, fingerprint, status, response, created_at)
                            VALUES (?, ?, ?, ?, ?)
                            """
                    ).execute(
                        arguments: [
                            answer.key, answer.fingerprint, answer.status, Data(answer.response),
                            batch.writtenAt.millis,
                        ])
                }
                try self.outbox.append(batch, chain: chain, entries: inserted, db)
                db.afterNextTransaction(onCommit: StoreMetrics.syncTimer())  // the COMMIT: WAL written and fsynced
                return inserted
            }
        } catch {
            throw StoreFailure(error)
        }
    }

    /// Updates the case's row, or inserts it. (Not `INSERT ... ON CONFLICT`: on an AUTOINCREMENT
    /// table that uses up a sequence number on every update, and `seq` numbers the cases.)
    private func upsert(
        _ record: Case, state: Data, committed: Case?, lastEvent: Int64?, at: Instant, _ db: Database
    ) throws {
        if let committed {
            // Of the indexed columns, only those that changed are SET: SQLite rewrites an index
            // entry whenever its column is SET, even to the same value (a breach changes `overdue`
            // and `next_due`, never `status`: the store's index is left alone).
            let changed = IndexedChange(from: committed, to: record)
            var row = try RowWriter(db, IndexedChange.updateSQL[changed.rawValue])
            if changed.contains(.status) { row.bind(record.status.rawValue) }
            if changed.contains(.nextDue) { row.bind(record.nextDue?.millis) }
            if changed.contains(.overdue) { row.bind(record.isOverdue) }
            row.bind(record.resolvedAt?.millis)
            row.bind(record.closedAt?.millis)
            row.bind(at.millis)
            row.bind(state)
            row.bind(record.runningClockCount)
            row.bind(lastEvent)
            row.bind(record.id)
            try row.execute()
            if db.changesCount > 0 { return }
        }
        var update = try RowWriter(db, IndexedChange.updateSQL[IndexedChange.all.rawValue])
        Self.bindChangingColumns(&update, record, state: state, lastEvent: lastEvent, at: at)
        update.bind(record.id)
        try update.execute()
        guard db.changesCount == 0 else { return }
        let opening = record.opening
        var insert = try RowWriter(
            db,
            """
            INSERT INTO cases (id, kind, store, category, channel, amount, external_ref, opened_at, status,
                               next_due, overdue, resolved_at, closed_at, updated_at, state, running, last_event)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(opening.id)
        insert.bind(opening.kind)
        insert.bind(opening.store)
        insert.bind(opening.category)
        insert.bind(opening.channel)
        insert.bind(opening.amount)
        insert.bind(opening.externalRef)
        insert.bind(opening.openedAt.millis)
        Self.bindChangingColumns(&insert, record, state: state, lastEvent: lastEvent, at: at)
        try insert.execute()
    }

    /// status, next_due, overdue, resolved_at, closed_at, updated_at, state, running, last_event:
    /// in this order in both the full update and the insert.
    private static func bindChangingColumns(
        _ row: inout RowWriter, _ record: Case, state: Data, lastEvent: Int64?, at: Instant
    ) {
        row.bind(record.status.rawValue)
        row.bind(record.nextDue?.millis)
        row.bind(record.isOverdue)
        row.bind(record.resolvedAt?.millis)
        row.bind(record.closedAt?.millis)
        row.bind(at.millis)
        row.bind(state)
        row.bind(record.runningClockCount)
        row.bind(lastEvent)
    }

    /// Whether the columns of `cases` that an index covers (status, next_due, overdue; the store
    /// and opening time never change) are the same for both.
    public static func sameIndexedColumns(_ old: Case, _ new: Case) -> Bool {
        IndexedChange(from: old, to: new).isEmpty
    }

    private func storeAndKind(of caseID: String, _ db: Database) throws -> (String, String) {
        guard let row = try Row.fetchOne(db, sql: "SELECT store, kind FROM cases WHERE id = ?", arguments: [caseID])
        else { return ("", "") }
        return (row["store"], row["kind"])
    }

    /// The first acknowledgement of an entry stands; a later one changes nothing.
    private static func acknowledge(_ ack: Acknowledgement, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE escalations SET state = 'acknowledged', acked_by = ?, acked_at = ?, ack_note = ?
                WHERE id = ? AND state NOT IN ('acknowledged', 'skipped')
                """,
            arguments: [ack.actor, ack.at.millis, ack.note, ack.entryID])
    }

    /// One entry of the queue, or nil.
    public func entry(id: Int64) throws -> QueueEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.entryColumns) FROM escalations WHERE id = ?", arguments: [id])
                .map(Self.entryByPosition)
        }
    }

    /// Caps the database at its current number of pages (`false`: lifts the cap). SQLite then
    /// answers writes that need a new page with SQLITE_FULL, exactly as on a full disk: the
    /// disk-full paths are tested with it.
    public func capAtCurrentSize(_ capped: Bool) throws {
        try pool.barrierWriteWithoutTransaction { db in
            let pages = capped ? try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1 : 4_294_967_294
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    // MARK: Reads

    /// The number of the last case opened: case ids are `C-1`, `C-2`, ... in opening order.
    public func lastCaseSequence() throws -> Int64 {
        try read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(CAST(SUBSTR(id, 3) AS INTEGER)) FROM cases WHERE id GLOB 'C-[0-9]*'") ?? 0
        }
    }

    /// Every case with a clock to watch: its id, next instant and running clocks, without decoding it.
    public func scheduleIndex() throws -> [(id: String, due: Instant, running: Int)] {
        try read { db in
            var result: [(id: String, due: Instant, running: Int)] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, next_due, running FROM cases WHERE next_due IS NOT NULL")
            while let row = try rows.next() {
                result.append((row[0], Instant(millis: row[1]), row[2]))
            }
            return result
        }
    }

    /// The cases whose next instant is in (after, upTo]: what falls due soon, read ahead.
    public func casesDue(after: Instant?, upTo: Instant) throws -> [Case] {
        return try read { db in
            try Data.fetchAll(
                db, sql: "SELECT state FROM cases WHERE next_due > ? AND next_due <= ?",
                arguments: [after?.millis ?? Int64.min, upTo.millis]
            ).map { try CaseCodec.decode($0) }
        }
    }

    public func caseRecord(id: String) throws -> Case? {
        return try read { db in
            let statement = try db.cachedStatement(sql: "SELECT state FROM cases WHERE id = ?")
            guard let data = try Data.fetchOne(statement, arguments: [id]) else {
                return nil
            }
            return try CaseCodec.decode(data)
        }
    }

    public func events(of caseID: String) throws -> [EventRecord] {
        try read { db in try self.events(of: caseID, db) }
    }

    public func cases(_ filter: CaseFilter) throws -> [Case] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let status = filter.status {
            conditions.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let overdue = filter.overdue {
            conditions.append("overdue = ?")
            arguments.append(overdue)
            if overdue { conditions.append("status != 'closed'") }
        }
        if let kind = filter.kind {
            conditions.append("kind = ?")
            arguments.append(kind)
        }
        if let store = filter.store {
            conditions.append("store = ?")
            arguments.append(store)
        }
        if let stores = filter.stores { Self.restrict(to: stores, &conditions, &arguments) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT state FROM cases \(whereClause) ORDER BY seq DESC LIMIT \(max(1, min(filter.limit, 100_000)))"
        return try read { db in
            try Data.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)!).map {
                try CaseCodec.decode($0)
            }
        }
    }

    public func entries(_ filter: EntryFilter) throws -> [QueueEntry] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let tier = filter.tier {
            conditions.append("tier = ?")
            arguments.append(tier)
        }
        if let state = filter.state {
            conditions.append("state = ?")
            arguments.append(state.rawValue)
        }
        if let since = filter.since {
            conditions.append("written_at >= ?")
            arguments.append(since.millis)
        }
        if let afterID = filter.afterID {
            conditions.append("id > ?")
            arguments.append(afterID)
        }
        if let caseID = filter.caseID {
            conditions.append("case_id = ?")
            arguments.append(caseID)
        }
        if let stores = filter.stores { Self.restrict(to: stores, &conditions, &arguments) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(filter.limit, 100_000))
        let sql = "SELECT \(Self.entryColumns) FROM escalations \(whereClause) ORDER BY id LIMIT \(limit)"
        return try read { db in
            try Self.entries(Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments)!))
        }
    }

    /// Entries straight from SQLite's row, without copying it first (a follower reads a page of
    /// 100 after every slice of a burst).
    static func entries(_ cursor: RowCursor) throws -> [QueueEntry] {
        var entries: [QueueEntry] = []
        while let row = try cursor.next() { entries.append(entryByPosition(row)) }
        return entries
    }

    /// The columns `entry(_:)` reads, in its order: every query of whole entries selects these.
    static let entryColumns = """
        id, case_id, clock, cycle, tier, kind, due_at, deadline, written_at, late_ms, store, case_kind, state, \
        delivered_at, acked_by, acked_at, ack_note
        """
    /// `entryColumns` of the table `e`, for joins.
    static let entryColumnsOfE =
        entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .joined(separator: ", ")

    /// An entry from a row that starts with `entryColumns`. By position: GRDB finds a column of a
    /// fetched row by name by lowercasing every column name before it, for each of the 17 (a
    /// follower reads a page of 100 entries after every slice of a burst).
    static func entryByPosition(_ row: Row) -> QueueEntry {
        QueueEntry(
            id: row[0],
            escalation: Escalation(
                caseID: row[1], clock: row[2], cycle: row[3], tier: row[4],
                kind: Escalation.Kind(rawValue: row[5]) ?? .breach, dueAt: Instant(millis: row[6]),
                deadline: Instant(millis: row[7])),
            store: row[10], caseKind: row[11], writtenAt: Instant(millis: row[8]),
            lateMillis: row[9], state: DeliveryState(rawValue: row[12]) ?? .pending,
            deliveredAt: (row[13] as Int64?).map(Instant.init(millis:)), ackedBy: row[14],
            ackedAt: (row[15] as Int64?).map(Instant.init(millis:)), ackNote: row[16])
    }

    /// An entry from any row of `escalations` (`SELECT *`), by column name.
    /// `store IN (...)` for a principal's stores (none: nothing matches).
    static func restrict(
        to stores: Set<String>, _ conditions: inout [String], _ arguments: inout [(any DatabaseValueConvertible)?]
    ) {
        guard !stores.isEmpty else {
            conditions.append("0")
            return
        }
        conditions.append("store IN (\(marks(stores.count)))")
        arguments.append(contentsOf: stores.sorted().map { $0 as (any DatabaseValueConvertible)? })
    }

    static func entry(_ row: Row) -> QueueEntry {
        QueueEntry(
            id: row["id"],
            escalation: Escalation(
                caseID: row["case_id"], clock: row["clock"], cycle: row["cycle"], tier: row["tier"],
                kind: Escalation.Kind(rawValue: row["kind"]) ?? .breach, dueAt: Instant(millis: row["due_at"]),
                deadline: Instant(millis: row["deadline"])),
            store: row["store"], caseKind: row["case_kind"], writtenAt: Instant(millis: row["written_at"]),
            lateMillis: row["late_ms"], state: DeliveryState(rawValue: row["state"]) ?? .pending,
            deliveredAt: (row["delivered_at"] as Int64?).map(Instant.init(millis:)), ackedBy: row["acked_by"],
            ackedAt: (row["acked_at"] as Int64?).map(Instant.init(millis:)), ackNote: row["ack_note"])
    }

    public func answer(forKey key: String) throws -> IdempotentAnswer? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM idempotency WHERE key = ?", arguments: [key]).map {
                IdempotentAnswer(
                    key: $0["key"], fingerprint: $0["fingerprint"], status: $0["status"],
                    response: [UInt8]($0["response"] as Data))
            }
        }
    }

    /// The customer's contact details of a case, if any were given.
    public func contact(of caseID: String) throws -> CustomerContact? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT name, phone FROM contacts WHERE case_id = ?", arguments: [caseID]).map {
                CustomerContact(name: $0["name"], phone: $0["phone"])
            }
        }
    }

    public func counts() throws -> StoreCounts {
        try read { db in
            StoreCounts(
                openCases: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE status != 'closed'") ?? 0,
                overdueCases: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM cases WHERE overdue = 1 AND status != 'closed'") ?? 0,
                pendingEntries: try Int.fetchOne(db, sql: Self.pendingCountSQL) ?? 0)
        }
    }

    /// Queue entries not yet delivered or acknowledged (an index range: cheap beside many cases).
    public func pendingEntryCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: Self.pendingCountSQL) ?? 0
        }
    }

    private static let pendingCountSQL = "SELECT COUNT(*) FROM escalations WHERE state = 'pending'"

    /// The writer connection's `PRAGMA synchronous` (2 is FULL: each commit is fsynced).
    public func writerSynchronousMode() throws -> Int {
        try pool.barrierWriteWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreFailure(error)
        }
    }
}

extension Store {
    /// Pieces of at most 500 for `IN (...)` lists: SQLite caps the variables of one statement
    /// (999 on older builds).
    static func chunks<T>(_ values: [T]) -> [[T]] {
        stride(from: 0, to: values.count, by: 500).map { Array(values[$0..<min($0 + 500, values.count)]) }
    }

    /// `?, ?, ...`: `count` placeholders.
    static func marks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
