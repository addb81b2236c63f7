import Foundation
import GRDB
import SLACore
import SLAStore
import Testing

@Suite struct StoreTests {
    @Test func theSchemaKeepsEachQueueEntryUnique() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let engine = Engine(policy: Fixture.policy)
        let start = fixture.clock.now()
        var (record, _) = try engine.open(
            CaseOpening(id: "C-1", kind: "fast", store: "S1", openedAt: start), now: start)
        let effects = engine.advance(&record, to: start.adding(seconds: 60))
        var batch = WriteBatch(writtenAt: start.adding(seconds: 60))
        batch.cases = [record]
        batch.escalations = effects.compactMap(\.escalation)
        #expect(try store.commit(batch).count == 5)
        #expect(try store.commit(batch).isEmpty)
        #expect(try store.entries(EntryFilter()).count == 5)
    }

    @Test func everyCommitIsDurable() throws {
        // WAL with synchronous=FULL on the connection that writes (GRDB would leave it at NORMAL).
        #expect(try Store(directory: Fixture().directory).writerSynchronousMode() == 2)
    }

    @Test func theEventLogIsAppendOnly() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let engine = Engine(policy: Fixture.policy)
        let start = fixture.clock.now()
        let (record, _) = try engine.open(
            CaseOpening(id: "C-1", kind: "slow", store: "S1", openedAt: start), now: start)
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [record]
        batch.events = [
            EventRecord(
                caseID: "C-1", kind: "opened", at: start, recordedAt: start, actor: "t", note: nil, idempotencyKey: nil)
        ]
        try store.commit(batch)
        #expect(try store.events(of: "C-1").count == 1)
        #expect(try store.entry(id: 99) == nil)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A write that leaves status, next due and overdue as they were skips the indexes; any other
    /// rewrites them. Either way the row's columns agree with the case it stores.
    /// The commit binds its values straight to SQLite: each kind reads back as written (an empty
    /// text stays empty, a nil stays NULL, non-ASCII text and the case's blob intact).
    @Test func everyBoundValueReadsBackAsWritten() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let start = fixture.clock.now()
        var opening = CaseOpening(id: "C-1", kind: "slow", store: "门店 7", openedAt: start)
        opening.externalRef = ""
        opening.amount = 1999.5
        let record = try Engine(policy: Fixture.policy).open(opening, now: start).0
        var batch = WriteBatch(writtenAt: start.adding(millis: 3))
        batch.cases = [record]
        batch.events = [
            EventRecord(
                caseID: "C-1", kind: "opened", at: start, recordedAt: start, actor: "", note: "顾客已回电",
                idempotencyKey: "k-1"),
            EventRecord(
                caseID: "C-1", kind: "noted", at: start, recordedAt: start, actor: nil, note: nil, idempotencyKey: nil),
        ]
        try store.commit(batch)
        #expect(try store.caseRecord(id: "C-1") == record)
        let events = try store.events(of: "C-1")
        #expect(events.map(\.actor) == ["", nil])
        #expect(events.map(\.note) == ["顾客已回电", nil])
        #expect(events.map(\.idempotencyKey) == ["k-1", nil])
        let row = try #require(
            try DatabaseQueue(path: store.path).read { db in
                try Row.fetchOne(db, sql: "SELECT store, external_ref, channel, amount, updated_at FROM cases")
            })
        #expect(row["store"] == "门店 7")
        #expect(row["external_ref"] == "")
        #expect(row["channel"] as String? == nil)
        #expect(row["amount"] == 1999.5)
        #expect(row["updated_at"] == start.adding(millis: 3).millis)
    }

    @Test func theIndexedColumnsAlwaysAgreeWithTheStoredCase() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let engine = Engine(policy: Fixture.policy)
        let start = fixture.clock.now()
        var record = try engine.open(CaseOpening(id: "C-1", kind: "slow", store: "S1", openedAt: start), now: start).0
        func commit(_ new: Case, committed: Case?) throws {
            var batch = WriteBatch(writtenAt: start)
            batch.cases = [new]
            batch.committed = committed.map { ["C-1": $0] } ?? [:]
            try store.commit(batch)
        }
        func expectRowMatches(_ expected: Case, _ step: Comment) throws {
            #expect(try store.caseRecord(id: "C-1") == expected, step)
            let row = try #require(
                try DatabaseQueue(path: store.path).read { db in
                    try Row.fetchOne(db, sql: "SELECT status, next_due, overdue FROM cases WHERE id = 'C-1'")
                })
            #expect(row["status"] == expected.status.rawValue, step)
            #expect(row["next_due"] as Int64? == expected.nextDue?.millis, step)
            #expect(row["overdue"] == expected.isOverdue, step)
        }
        try commit(record, committed: nil)
        try expectRowMatches(record, "opened")

        var later = record
        later.lastEventAt = start.adding(seconds: 60)  // no indexed column changes
        #expect(Store.sameIndexedColumns(record, later))
        try commit(later, committed: record)
        try expectRowMatches(later, "an event that changes no indexed column")

        var done = later
        _ = try engine.record("done", at: start.adding(seconds: 120), on: &done, now: start.adding(seconds: 120))
        #expect(!Store.sameIndexedColumns(later, done))
        try commit(done, committed: later)
        try expectRowMatches(done, "the clock met: next due changes")

        record = done
        _ = try engine.record(
            LifecycleEvent.resolved, at: start.adding(seconds: 180), on: &record, now: start.adding(seconds: 180))
        #expect(record.status != done.status)
        try commit(record, committed: done)
        try expectRowMatches(record, "resolved: the status changes")
        #expect(try store.integrityCheck() == "ok")  // every index entry agrees with its row
    }

    /// A breach changes `overdue` and `next_due` but not `status`: only those are rewritten, and
    /// the row, its indexes and the stored case still agree.
    @Test func aBreachRewritesOverdueAndNextDueOnly() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let engine = Engine(policy: Fixture.policy)
        let start = fixture.clock.now()
        let opened = try engine.open(CaseOpening(id: "C-1", kind: "fast", store: "S1", openedAt: start), now: start).0
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [opened]
        try store.commit(batch)
        var breached = opened
        let effects = engine.advance(&breached, to: start.adding(seconds: 3))
        #expect(breached.status == opened.status)
        #expect(breached.isOverdue && !opened.isOverdue)
        #expect(breached.nextDue != opened.nextDue)
        batch = WriteBatch(writtenAt: start.adding(seconds: 3))
        batch.cases = [breached]
        batch.committed = ["C-1": opened]
        batch.escalations = effects.compactMap(\.escalation)
        #expect(try !store.commit(batch).isEmpty)
        #expect(try store.caseRecord(id: "C-1") == breached)
        #expect(try store.cases(CaseFilter(overdue: true)).map(\.id) == ["C-1"])
        let row = try #require(
            try DatabaseQueue(path: store.path).read { db in
                try Row.fetchOne(db, sql: "SELECT status, next_due, overdue, updated_at FROM cases WHERE id = 'C-1'")
            })
        #expect(row["status"] == "open")
        #expect(row["next_due"] as Int64? == breached.nextDue?.millis)
        #expect(row["overdue"] == true)
        #expect(row["updated_at"] == start.adding(seconds: 3).millis)
        #expect(try store.integrityCheck() == "ok")
    }

    /// Entries go in many to a statement: what comes back is exactly what was inserted, in the
    /// batch's order, with the ids the store gave them; entries already written, or twice in
    /// one batch, are written once.
    @Test func manyEntriesAreWrittenOnceEachInOrder() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let engine = Engine(policy: Fixture.policy)
        let start = fixture.clock.now()
        let due = start.adding(seconds: 3)
        var cases: [Case] = []
        var escalations: [Escalation] = []
        for number in 1...130 {
            var record = try engine.open(
                CaseOpening(id: "C-\(number)", kind: "fast", store: "S\(number % 7)", openedAt: start), now: start
            ).0
            escalations += engine.advance(&record, to: due).compactMap(\.escalation)
            cases.append(record)
        }
        #expect(escalations.count > 2 * 130)  // warnings and breaches: several statements' worth
        var first = WriteBatch(writtenAt: due)
        first.cases = cases
        first.escalations = Array(escalations[..<100])
        let written = try store.commit(first)
        #expect(written.map(\.escalation) == first.escalations)
        #expect(written.map(\.id) == Array(1...100))
        #expect(written.allSatisfy { $0.writtenAt == due && $0.lateMillis == due - $0.escalation.dueAt })

        // Again, with the rest, one of them twice: only the rest is new, once.
        var second = WriteBatch(writtenAt: due.adding(millis: 5))
        second.cases = cases
        second.committed = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0) })
        second.escalations = escalations + [escalations[150]]
        let more = try store.commit(second)
        #expect(more.map(\.escalation) == Array(escalations[100...]))
        // Ids only grow (an ignored row uses up a number, as it always did with AUTOINCREMENT).
        #expect(zip(more, more.dropFirst()).allSatisfy { $0.id < $1.id } && more[0].id > 100)
        let stored = try store.entries(EntryFilter(limit: 1_000))
        #expect(stored == written + more)
        let stores = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0.opening.store) })
        #expect(stored.map(\.store) == escalations.map { stores[$0.caseID] ?? "" })
        #expect(try store.entry(id: more[7].id) == more[7])
        #expect(try store.integrityCheck() == "ok")
    }
}
