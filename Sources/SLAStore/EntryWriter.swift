import GRDB
import SLACore

/// Writes a commit's queue entries, many rows to an `INSERT OR IGNORE`. One row to a statement
/// cost as much again as the row: `escalations` is AUTOINCREMENT, so every statement reads and
/// rewrites SQLite's sequence row, and every statement is reset, bound and stepped on its own. A
/// burst of 10,000 due cases writes 10,000 entries.
///
/// The ids are not read back: AUTOINCREMENT gives each inserted row one more than the largest
/// id ever used, so when every row of a statement went in (SQLite's change count says so) and
/// the sequence moved by exactly that many, they are the numbers after the sequence as it was,
/// in order. Otherwise (an entry already written, as in recovery) the rows just inserted are
/// read back by id and matched by key. (`RETURNING` cost more than it saved.)
struct EntryWriter {
    /// An entry to write, with what the commit decided about it.
    struct Row {
        var escalation: Escalation
        var store: String
        var caseKind: String
        var lateMillis: Int64
        var state: DeliveryState
        /// Where it is pushed (decided in this commit), or nil: routed later, or never (skipped).
        var routes: [String]?
    }

    /// At most this many rows to a statement (13 values each: far under SQLite's variable limit).
    static let rowsPerStatement = 50

    /// Inserts `rows` in their order and returns those actually inserted, in that order: an entry
    /// already written (same case, clock, cycle, tier and kind) is skipped by the schema.
    static func insert(_ rows: [Row], writtenAt: Instant, _ db: Database) throws -> [(QueueEntry, [String]?)] {
        guard !rows.isEmpty else { return [] }
        var written: [(QueueEntry, [String]?)] = []
        written.reserveCapacity(rows.count)
        var sequence = try lastID(db)
        for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            let chunk = rows[start..<min(start + rowsPerStatement, rows.count)]
            var writer = try RowWriter(db, chunk.count == rowsPerStatement ? fullSQL : sql(rows: chunk.count))
            for row in chunk {
                let entry = row.escalation
                writer.bind(entry.caseID)
                writer.bind(entry.clock)
                writer.bind(entry.cycle)
                writer.bind(entry.tier)
                writer.bind(entry.kind.rawValue)
                writer.bind(entry.dueAt.millis)
                writer.bind(entry.deadline.millis)
                writer.bind(writtenAt.millis)
                writer.bind(row.lateMillis)
                writer.bind(row.store)
                writer.bind(row.caseKind)
                writer.bind(row.state.rawValue)
                writer.bind(row.state == .skipped || row.routes != nil)  // routed: nothing to push, or done now
            }
            try writer.execute()
            let inserted = db.changesCount
            let after = try lastID(db)
            if inserted == chunk.count, after == sequence + Int64(inserted) {
                for (offset, row) in chunk.enumerated() {
                    written.append((entry(row, id: sequence + 1 + Int64(offset), writtenAt), row.routes))
                }
            } else if inserted > 0 {
                written += try readBack(chunk, after: sequence, writtenAt, db)
            }
            sequence = after
        }
        return written
    }

    private static func entry(_ row: Row, id: Int64, _ writtenAt: Instant) -> QueueEntry {
        QueueEntry(
            id: id, escalation: row.escalation, store: row.store, caseKind: row.caseKind, writtenAt: writtenAt,
            lateMillis: row.lateMillis, state: row.state)
    }

    /// The largest id ever given to an entry (SQLite's sequence for the table).
    private static func lastID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'escalations'")) ?? 0
    }

    /// The rows of `chunk` that the statement inserted (ids above `sequence`), in `chunk`'s order.
    private static func readBack(
        _ chunk: ArraySlice<Row>, after sequence: Int64, _ writtenAt: Instant, _ db: Database
    ) throws -> [(QueueEntry, [String]?)] {
        var ids: [Key: Int64] = [:]
        let found = try GRDB.Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, case_id, clock, cycle, tier, kind FROM escalations WHERE id > ?"),
            arguments: [sequence])
        for inserted in found {
            let key = Key(
                caseID: inserted[1], clock: inserted[2], cycle: inserted[3], tier: inserted[4], kind: inserted[5])
            ids[key] = inserted[0]
        }
        // `removeValue`: of two equal entries in one statement only the first went in.
        return chunk.compactMap { row in
            ids.removeValue(forKey: Key(row.escalation)).map { (entry(row, id: $0, writtenAt), row.routes) }
        }
    }

    private static let fullSQL = sql(rows: rowsPerStatement)

    /// The INSERT of `rows` rows (GRDB caches each statement by its text).
    private static func sql(rows: Int) -> String {
        let values = repeatElement("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
        return """
            INSERT OR IGNORE INTO escalations
                (case_id, clock, cycle, tier, kind, due_at, deadline, written_at, late_ms, store, case_kind, state, routed)
            VALUES \(values)
            """
    }

    /// The columns of the queue's UNIQUE key.
    private struct Key: Hashable {
        var caseID: String
        var clock: String
        var cycle: Int
        var tier: String
        var kind: String

        init(caseID: String, clock: String, cycle: Int, tier: String, kind: String) {
            self.caseID = caseID
            self.clock = clock
            self.cycle = cycle
            self.tier = tier
            self.kind = kind
        }

        init(_ entry: Escalation) {
            self.init(
                caseID: entry.caseID, clock: entry.clock, cycle: entry.cycle, tier: entry.tier,
                kind: entry.kind.rawValue)
        }
    }
}
