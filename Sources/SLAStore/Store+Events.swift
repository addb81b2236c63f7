import GRDB
import SLACore

/// The audit trail of a case is a chain: each event names its case's previous event
/// (`prev_seq`), and the case row its latest (`last_event`). An index on events(case_id) put
/// every new event in a page of its own (its case's), one more page per event to write, sync
/// and checkpoint at each group commit. The chain adds nothing to write but the two numbers, in
/// rows written anyway.
struct EventChain {
    /// Each event's number, and its case's previous event when that is in the batch too (else
    /// the insert reads it from the case row).
    var links: [(seq: Int64, previousInBatch: Int64?)] = []
    /// The latest event of each case that has one in the batch.
    var last: [String: Int64] = [:]

    /// Numbers the events after the last one written (SQLite's sequence: AUTOINCREMENT keeps it
    /// the largest seq ever used, deleted or not).
    init(numbering events: [EventRecord], _ db: Database) throws {
        guard !events.isEmpty else { return }
        var seq =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'")) ?? 0
        for event in events {
            seq += 1
            links.append((seq, last[event.caseID]))
            last[event.caseID] = seq
        }
    }
}

extension Store {
    /// The case's latest event, as committed.
    func lastEvent(of caseID: String, _ db: Database) throws -> Int64? {
        try Int64?.fetchOne(db.cachedStatement(sql: "SELECT last_event FROM cases WHERE id = ?"), arguments: [caseID])
            ?? nil
    }

    /// A case's events in order: those written before the chain through their partial index, the
    /// rest by walking the chain back from the case's latest.
    func events(of caseID: String, _ db: Database) throws -> [EventRecord] {
        var chained: [EventRecord] = []
        var next = try lastEvent(of: caseID, db)
        while let seq = next, seq > chainedAfter {
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM events WHERE seq = ?"), arguments: [seq])
            else { break }
            chained.append(Self.event(row))
            next = row["prev_seq"]
            if let previous = next, previous >= seq { break }  // a chain only goes back
        }
        var events: [EventRecord] = []
        if chainedAfter > 0 {
            // The literal bound lets SQLite use the partial index (its WHERE must be implied).
            events = try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE case_id = ? AND seq <= \(chainedAfter) ORDER BY seq",
                arguments: [caseID]
            ).map(Self.event)
        }
        return events + chained.reversed()
    }

    static func event(_ row: Row) -> EventRecord {
        var event = EventRecord(
            caseID: row["case_id"], kind: row["kind"], at: Instant(millis: row["at"]),
            recordedAt: Instant(millis: row["recorded_at"]), actor: row["actor"], note: row["note"],
            idempotencyKey: row["idempotency_key"])
        event.seq = row["seq"]
        return event
    }
}
