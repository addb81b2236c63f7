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
    }
}
