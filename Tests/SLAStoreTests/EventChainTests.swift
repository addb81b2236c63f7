import Foundation
import GRDB
import SLACore
import Testing

@testable import SLAStore

/// A case's events are a chain from the case row back (schema v6), and events written before
/// the chain are still found through their partial index.
@Suite struct EventChainTests {
    static func event(_ caseID: String, _ kind: String, at: Instant) -> EventRecord {
        EventRecord(
            caseID: caseID, kind: kind, at: at, recordedAt: at, actor: "desk", note: nil, idempotencyKey: nil)
    }

    /// With `committed`, the cases as they were: when the indexed columns did not change, the
    /// store takes its narrow update, which must move the chain's head too.
    static func commit(
        _ store: Store, cases: [Case], events: [EventRecord], at: Instant, committed: [Case] = []
    ) throws {
        var batch = WriteBatch(writtenAt: at)
        batch.cases = cases
        batch.events = events
        batch.committed = Dictionary(uniqueKeysWithValues: committed.map { ($0.id, $0) })
        try store.commit(batch)
    }

    static func count(_ store: Store, _ sql: String) throws -> Int {
        try DatabaseQueue(path: store.path).read { try Int.fetchOne($0, sql: sql) } ?? -1
    }

    @Test func eachCaseReadsItsOwnEventsInOrderAcrossBatches() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let start = fixture.clock.now()
        let engine = Engine(policy: Fixture.policy)
        let cases = try (1...3).map {
            try engine.open(CaseOpening(id: "C-\($0)", kind: "slow", store: "S1", openedAt: start), now: start).0
        }
        // Interleaved, and the same case twice in one batch.
        try Self.commit(
            store, cases: cases,
            events: [
                Self.event("C-1", "opened", at: start), Self.event("C-2", "opened", at: start),
                Self.event("C-1", "a", at: start), Self.event("C-3", "opened", at: start),
            ], at: start)
        try Self.commit(
            store, cases: [cases[0], cases[2]],
            events: [Self.event("C-3", "b", at: start), Self.event("C-1", "c", at: start)], at: start,
            committed: [cases[0], cases[2]])
        // An event whose case the batch does not rewrite still joins its chain.
        try Self.commit(store, cases: [], events: [Self.event("C-2", "d", at: start)], at: start)

        #expect(try store.events(of: "C-1").map(\.kind) == ["opened", "a", "c"])
        #expect(try store.events(of: "C-2").map(\.kind) == ["opened", "d"])
        #expect(try store.events(of: "C-3").map(\.kind) == ["opened", "b"])
        let seqs = try store.events(of: "C-1").compactMap(\.seq)
        #expect(seqs == seqs.sorted() && Set(seqs).count == 3)
        #expect(try store.events(of: "C-404").isEmpty)
        // No index leads from a case to its new events (an entry per event, a page per case).
        let indexes = """
            SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'
                AND sql LIKE '%case_id%' AND sql NOT LIKE '%WHERE seq <= %'
            """
        #expect(try Self.count(store, indexes) == 0)
    }

    @Test func eventsFromBeforeTheChainAreReadAndPurgedWithTheNewOnes() throws {
        let fixture = Fixture()
        try FileManager.default.createDirectory(atPath: fixture.directory, withIntermediateDirectories: true)
        let start = fixture.clock.now()
        let engine = Engine(policy: Fixture.policy)
        var old = try engine.open(CaseOpening(id: "C-1", kind: "slow", store: "S1", openedAt: start), now: start).0
        let other = try engine.open(CaseOpening(id: "C-2", kind: "slow", store: "S1", openedAt: start), now: start).0
        // A store as slad wrote it before schema v6, with events of both cases.
        let queue = try DatabaseQueue(path: fixture.directory + "/slad.sqlite")
        try Schema.migrator.migrate(queue, upTo: "v5-running-clocks")
        try queue.write { db in
            for record in [old, other] {
                try db.execute(
                    sql: """
                        INSERT INTO cases (id, kind, store, opened_at, status, updated_at, state)
                        VALUES (?, 'slow', 'S1', ?, 'open', ?, ?)
                        """, arguments: [record.id, start.millis, start.millis, CaseCodec.encode(record)])
            }
            for (caseID, kind) in [("C-1", "opened"), ("C-2", "opened"), ("C-1", "a")] {
                try db.execute(
                    sql: "INSERT INTO events (case_id, kind, at, recorded_at) VALUES (?, ?, ?, ?)",
                    arguments: [caseID, kind, start.millis, start.millis])
            }
        }
        try queue.close()

        let store = try Store(directory: fixture.directory)
        #expect(store.chainedAfter == 3)
        try Self.commit(store, cases: [old], events: [Self.event("C-1", "b", at: start)], at: start)
        #expect(try store.events(of: "C-1").map(\.kind) == ["opened", "a", "b"])
        #expect(try store.events(of: "C-2").map(\.kind) == ["opened"])

        let later = start.adding(seconds: 60)
        _ = try engine.record(LifecycleEvent.closed, at: later, on: &old, now: later)
        try Self.commit(store, cases: [old], events: [Self.event("C-1", LifecycleEvent.closed, at: later)], at: later)
        #expect(try store.purge(closedBefore: later.adding(seconds: 1)) == 1)
        #expect(try Self.count(store, "SELECT count(*) FROM events WHERE case_id = 'C-1'") == 0)
        #expect(try store.events(of: "C-2").map(\.kind) == ["opened"])
        #expect(try Self.count(store, "SELECT count(*) FROM pragma_foreign_key_check") == 0)
        #expect(try store.integrityCheck() == "ok")
    }
}
