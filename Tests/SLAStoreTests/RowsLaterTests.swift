import Foundation
import SLACore
import SLAStore
import Testing

/// A batch that leaves some cases' rows for later (`WriteBatch.rowsLater`, a burst's entries
/// first): their entries are written, their rows and outbox snapshots wait for the batch that
/// writes them, compared with the row the store has.
@Suite struct RowsLaterTests {
    let fixture = Fixture()
    let engine = Engine(policy: Fixture.policy)
    var start: Instant { fixture.clock.now() }

    @Test func entriesNowRowAndSnapshotLater() throws {
        let store = try Store(directory: fixture.directory)
        _ = try store.enableOutbox(storeID: "S01", at: start)
        let opened = try engine.open(CaseOpening(id: "C-1", kind: "fast", store: "S1", openedAt: start), now: start).0
        var open = WriteBatch(writtenAt: start)
        open.cases = [opened]
        open.events = [
            EventRecord(
                caseID: "C-1", kind: "opened", at: start, recordedAt: start, actor: "desk", note: nil,
                idempotencyKey: nil)
        ]
        try store.commit(open)
        let afterOpen = try store.outbox(after: 0, limit: 1_000).count

        var advanced = opened
        let later = start.adding(seconds: 60)
        let effects = engine.advance(&advanced, to: later)
        #expect(advanced.isOverdue && !opened.isOverdue)
        var entriesFirst = WriteBatch(writtenAt: later)
        entriesFirst.cases = [advanced]
        entriesFirst.committed = ["C-1": opened]
        entriesFirst.escalations = effects.compactMap(\.escalation)
        entriesFirst.rowsLater = ["C-1"]
        let entries = try store.commit(entriesFirst)
        #expect(entries.count == entriesFirst.escalations.count && !entries.isEmpty)
        #expect(entries.allSatisfy { $0.store == "S1" && $0.caseKind == "fast" })
        #expect(try store.caseRecord(id: "C-1") == opened)
        #expect(try store.cases(CaseFilter(overdue: true)).isEmpty)
        let shipped = try store.outbox(after: 0, limit: 1_000).dropFirst(afterOpen)
        #expect(shipped.map(\.kind) == Array(repeating: .entry, count: entries.count))

        var rows = WriteBatch(writtenAt: later.adding(millis: 10))
        rows.cases = [advanced]
        rows.committed = ["C-1": opened]
        try store.commit(rows)
        #expect(try store.caseRecord(id: "C-1") == advanced)
        #expect(try store.cases(CaseFilter(overdue: true)).map(\.id) == ["C-1"])
        #expect(try store.scheduleIndex().first?.due == advanced.nextDue)
        let last = try #require(try store.outbox(after: 0, limit: 1_000).last)
        #expect(last.kind == .caseState && last.key == "C-1")
        #expect(try store.integrityCheck() == "ok")
    }
}
