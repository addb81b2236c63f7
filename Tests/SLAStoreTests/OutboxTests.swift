import Foundation
import GRDB
import SLACore
import SLAStore
import Testing

/// The outbox (issue 19): every write path's changes, written in the transaction that makes
/// them, numbered without gaps; nothing when replication is off.
@Suite struct OutboxTests {
    let fixture = Fixture()
    let engine = Engine(policy: Fixture.policy)
    var start: Instant { fixture.clock.now() }

    func opened(_ id: String, kind: String = "fast") throws -> Case {
        try engine.open(CaseOpening(id: id, kind: kind, store: "S1", openedAt: start), now: start).0
    }

    func event(_ caseID: String, _ kind: String, at: Instant) -> EventRecord {
        EventRecord(caseID: caseID, kind: kind, at: at, recordedAt: at, actor: "desk", note: nil, idempotencyKey: nil)
    }

    /// A case opened with its event, then advanced a minute: every tier's entry is written.
    func history(_ store: Store) throws -> (record: Case, entries: [QueueEntry]) {
        var record = try opened("C-1")
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [record]
        batch.events = [event("C-1", "opened", at: start)]
        try store.commit(batch)
        let effects = engine.advance(&record, to: start.adding(seconds: 60))
        var later = WriteBatch(writtenAt: start.adding(seconds: 60))
        later.cases = [record]
        later.escalations = effects.compactMap(\.escalation)
        let entries = try store.commit(later)
        return (record, entries)
    }

    func all(_ store: Store) throws -> [OutboxChange] { try store.outbox(after: 0, limit: 100_000) }

    @Test func offWritesNoRows() throws {
        let store = try Store(directory: fixture.directory)
        #expect(!store.outbox.isOn)
        let (_, entries) = try history(store)
        #expect(entries.count == 5)
        var ack = WriteBatch(writtenAt: start.adding(seconds: 61))
        ack.acknowledgements = [Acknowledgement(entryID: entries[0].id, actor: "amy", at: start.adding(seconds: 61))]
        try store.commit(ack)
        try store.route(entry: entries[1].id, to: ["hook"], at: start)
        try store.record(
            [DeliveryOutcome(entryID: entries[1].id, route: "hook", error: nil, retryAt: nil)], at: start)
        #expect(try all(store).isEmpty)
        #expect(try store.outboxBacklog() == OutboxBacklog(count: 0, oldestCommittedAt: nil, lastSeq: 0))
    }

    @Test func everyWritePathWritesItsChangesWithGaplessSeqs() throws {
        let store = try Store(directory: fixture.directory)
        #expect(try store.enableOutbox(storeID: "S01", at: start) == 0)  // nothing to backfill
        #expect(store.outbox.isOn)

        // Opened with its event: the case, then the event (numbered as the store numbered it).
        let (record, entries) = try history(store)
        // The scheduler's breaches: the case's new state, then each entry written.
        // An acknowledgement; a second one of the same entry changes nothing and writes nothing.
        let ackAt = start.adding(seconds: 70)
        var ack = WriteBatch(writtenAt: ackAt)
        ack.acknowledgements = [
            Acknowledgement(entryID: entries[0].id, actor: "amy", at: ackAt),
            Acknowledgement(entryID: entries[0].id, actor: "bob", at: ackAt.adding(seconds: 1)),
        ]
        try store.commit(ack)
        // A delivery outcome: the entry's row as it now is. A retry put off changes no entry.
        try store.route(entry: entries[1].id, to: ["hook"], at: start)
        try store.record(
            [
                DeliveryOutcome(entryID: entries[2].id, route: "none", error: nil, retryAt: nil, attempted: false),
                DeliveryOutcome(entryID: entries[1].id, route: "hook", error: nil, retryAt: nil),
            ], at: start.adding(seconds: 80))

        let changes = try all(store)
        #expect(changes.map(\.seq) == Array(1...Int64(changes.count)))
        let expected: [(OutboxChange.Kind, String)] =
            [(.caseState, "C-1"), (.event, "C-1"), (.caseState, "C-1")]
            + entries.map { (.entry, String($0.id)) }
            + [(.entry, String(entries[0].id)), (.entry, String(entries[1].id))]
        #expect(changes.map(\.kind) == expected.map(\.0))
        #expect(changes.map(\.key) == expected.map(\.1))
        #expect(changes.map(\.committedAt).prefix(2) == [start.millis, start.millis])
        #expect(changes.last?.committedAt == start.adding(seconds: 80).millis)

        // Each payload is the snapshot after its commit.
        #expect(try OutboxCodec.decodeCase(changes[2].payload) == record)
        #expect(try OutboxCodec.decodeCase(changes[2].payload) == store.caseRecord(id: "C-1"))
        let event = try OutboxCodec.decodeEvent(changes[1].payload)
        #expect(try event.seq == store.events(of: "C-1").first?.seq && event.kind == "opened")
        let acked = try OutboxCodec.decodeEntry(changes[changes.count - 2].payload)
        #expect(acked.state == .acknowledged && acked.ackedBy == "amy" && acked.ackedAt == ackAt)
        #expect(try acked == store.entry(id: entries[0].id))
        let delivered = try OutboxCodec.decodeEntry(changes[changes.count - 1].payload)
        #expect(delivered.state == .delivered && delivered.deliveredAt == start.adding(seconds: 80))
        #expect(try OutboxCodec.decodeEntry(changes[3].payload) == entries[0])
    }

    @Test func aRolledBackCommitLeavesNoRowsAndNoGap() throws {
        let store = try Store(directory: fixture.directory)
        try store.enableOutbox(storeID: "S01", at: start)
        var first = WriteBatch(writtenAt: start)
        first.cases = [try opened("C-1")]
        try store.commit(first)
        // Fails on the second outbox row, after the first was written: the whole commit goes.
        try DatabaseQueue(path: store.path).write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER boom BEFORE INSERT ON outbox WHEN NEW.key = 'C-3'
                    BEGIN SELECT RAISE(ABORT, 'boom'); END
                    """)
        }
        var failing = WriteBatch(writtenAt: start)
        failing.cases = [try opened("C-2"), try opened("C-3")]
        #expect(throws: (any Error).self) { try store.commit(failing) }
        #expect(try store.caseRecord(id: "C-2") == nil)
        #expect(try all(store).map(\.key) == ["C-1"])
        try DatabaseQueue(path: store.path).write { try $0.execute(sql: "DROP TRIGGER boom") }
        var next = WriteBatch(writtenAt: start)
        next.cases = [try opened("C-4")]
        try store.commit(next)
        #expect(try all(store).map(\.seq) == [1, 2])
    }

    @Test func backfillSendsTheHistoryOnceAndAgainAfterBeingOff() throws {
        let store = try Store(directory: fixture.directory)
        let (_, entries) = try history(store)
        #expect(try store.enableOutbox(storeID: "S01", at: start) == 1 + 1 + entries.count)
        let changes = try all(store)
        #expect(changes.map(\.kind) == [.caseState, .event] + entries.map { _ in .entry })
        #expect(try OutboxCodec.decodeCase(changes[0].payload) == store.caseRecord(id: "C-1"))
        #expect(try OutboxCodec.decodeEvent(changes[1].payload).seq == 1)
        #expect(try changes.dropFirst(2).map { try OutboxCodec.decodeEntry($0.payload) } == entries)

        // Recorded: a restart with the same store id sends nothing again.
        let reopened = try Store(directory: fixture.directory)
        #expect(try reopened.enableOutbox(storeID: "S01", at: start) == 0)
        #expect(try all(reopened).count == changes.count)
        // Off: what changes meanwhile is not written, so the next start sends everything again.
        try reopened.disableOutbox()
        var more = WriteBatch(writtenAt: start)
        more.cases = [try opened("C-2")]
        try reopened.commit(more)
        #expect(try all(reopened).count == changes.count)
        #expect(try reopened.enableOutbox(storeID: "S01", at: start) == 2 + 1 + entries.count)
        // Another store id at HQ gets the whole store too.
        #expect(try reopened.enableOutbox(storeID: "S02", at: start) == 2 + 1 + entries.count)
        let seqs = try all(reopened).map(\.seq)
        #expect(seqs == Array(1...Int64(seqs.count)))
    }

    @Test func customerContactNeverEntersTheOutbox() throws {
        let store = try Store(directory: fixture.directory)
        try store.enableOutbox(storeID: "S01", at: start)
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [try opened("C-1")]
        batch.contacts = ["C-1": CustomerContact(name: "王女士", phone: "13800138000")]
        batch.events = [event("C-1", "opened", at: start)]
        try store.commit(batch)
        #expect(try store.contact(of: "C-1")?.phone == "13800138000")
        let changes = try all(store)
        #expect(changes.count == 2)
        for change in changes {
            let text = String(decoding: change.payload, as: UTF8.self)
            #expect(!text.contains("13800138000") && !text.contains("王女士"))
        }
    }

    @Test func codecRoundTripsAndWritesJSON() throws {
        var record = try opened("C-9")
        record.opening.amount = 1999.5
        record.opening.category = "product-quality"
        _ = engine.advance(&record, to: start.adding(seconds: 60))
        let data = OutboxCodec.encode(record)
        #expect(data.first == UInt8(ascii: "{"))
        #expect(try JSONSerialization.jsonObject(with: data) is [String: Any])
        #expect(try OutboxCodec.decodeCase(data) == record)
        #expect(OutboxCodec.encode(record) == data)  // the same value, the same bytes
        #expect(try OutboxCodec.decodeCase(CaseCodec.encode(record)) == record)  // the column's form reads too

        var noted = event("C-9", "noted", at: start)
        noted.seq = 42
        noted.note = "顾客已回电"
        #expect(try OutboxCodec.decodeEvent(OutboxCodec.encode(noted)) == noted)

        let store = try Store(directory: fixture.directory)
        let (_, entries) = try history(store)
        for entry in entries {
            #expect(try OutboxCodec.decodeEntry(OutboxCodec.encode(entry)) == entry)
        }
        #expect(throws: (any Error).self) { try OutboxCodec.decodeEntry(Data("{}".utf8)) }
    }

    @Test func trimmingKeepsNumbersAndTheBacklogCounts() throws {
        let store = try Store(directory: fixture.directory)
        try store.enableOutbox(storeID: "S01", at: start)
        for index in 1...3 {
            var batch = WriteBatch(writtenAt: start.adding(seconds: Int64(index)))
            batch.cases = [try opened("C-\(index)")]
            try store.commit(batch)
        }
        #expect(
            try store.outboxBacklog()
                == OutboxBacklog(count: 3, oldestCommittedAt: start.adding(seconds: 1).millis, lastSeq: 3))
        #expect(try store.outboxBacklog(after: 2).count == 1)
        #expect(try store.outbox(after: 1, limit: 1).map(\.seq) == [2])
        #expect(try store.trimOutbox(through: 3) == 3)
        #expect(try store.outboxBacklog() == OutboxBacklog(count: 0, oldestCommittedAt: nil, lastSeq: 3))
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [try opened("C-4")]
        try store.commit(batch)
        #expect(try all(store).map(\.seq) == [4])  // never a number used before
    }

    @Test func aCommitWakesTheReplicator() async throws {
        let store = try Store(directory: fixture.directory)
        try store.enableOutbox(storeID: "S01", at: start)
        let clock = ContinuousClock()
        var began = clock.now
        await store.outbox.waitForRows(timeout: .milliseconds(200))  // nothing committed: times out
        #expect(clock.now - began >= .milliseconds(190))
        let waiting = Task {
            let began = clock.now
            await store.outbox.waitForRows(timeout: .seconds(30))
            return clock.now - began
        }
        try await Task.sleep(for: .milliseconds(100))
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [try opened("C-1")]
        try store.commit(batch)
        #expect(await waiting.value < .seconds(10))
        // A commit while nobody waits: the next wait returns at once.
        try store.commit(batch)
        began = clock.now
        await store.outbox.waitForRows(timeout: .seconds(30))
        #expect(clock.now - began < .seconds(10))
    }
}
