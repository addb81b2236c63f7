import Foundation
import SLAAPI
import SLACore
import SLAStore
import Testing

@testable import SLAScheduler

/// The deadline scheduler on its own (no queue, no timer): recovery, the heap handing out what
/// fell due in slices, what it keeps in memory, and putting back what a failed commit took.
@Suite struct DeadlineSchedulerTests {
    struct Parts {
        let fixture = Fixture()
        let store: Store
        let committer: GroupCommitter
        let scheduler: DeadlineScheduler
        let engine = Engine(policy: Fixture.policy)

        init() throws {
            store = try Store(directory: fixture.directory)
            committer = GroupCommitter(store: store, clock: fixture.clock, persist: true)
            scheduler = DeadlineScheduler(store: store, clock: fixture.clock, log: ServiceLog(logger: Fixture.quiet))
        }

        /// Writes `count` cases of `kind` opened now straight to the store, as a commit would.
        func seed(_ count: Int, kind: String) throws {
            let now = fixture.clock.now()
            var batch = WriteBatch(writtenAt: now)
            batch.cases = try (1...count).map {
                try engine.open(CaseOpening(id: "C-\($0)", kind: kind, store: "S1", openedAt: now), now: now).0
            }
            try store.commit(batch)
        }

        /// Starts as the service does: recovery, its commit, the scheduler told.
        func recover() throws -> GroupCommit {
            try committer.recover()
            var group = committer.group(at: fixture.clock.now())
            _ = try scheduler.recover(engine, into: &group)
            _ = try committer.commit(&group, engine.policy)
            scheduler.absorb(group, engine)
            return group
        }

        /// One drain's worth of what fell due, committed and absorbed; the ids it took and `more`.
        func drain(limit: Int) throws -> (ids: [String], more: Bool) {
            var group = committer.group(at: fixture.clock.now())
            let more = scheduler.takeDue(into: &group, engine, limit: limit)
            _ = try committer.commit(&group, engine.policy)
            scheduler.absorb(group, engine)
            return (group.touched, more)
        }
    }

    @Test func recoveryCountsEveryRunningClockAndKeepsOnlyTheHotWindowInMemory() throws {
        let parts = try Parts()
        try parts.seed(40, kind: "slow")  // due in an hour: beyond the 10-minute hot window
        let group = try parts.recover()
        #expect(group.touched.isEmpty)  // nothing fell due while down
        #expect(parts.scheduler.counters.runningClocks == 40 && parts.scheduler.counters.openCases == 40)
        #expect(parts.scheduler.hot.isEmpty)
        #expect(parts.scheduler.next(readingCold: false)?.clock == nil)  // cold: not read at a commit's end
        #expect(parts.scheduler.next(readingCold: true)?.clock == "long")
    }

    /// 1,200 clocks due at the same instant go out 500 at a time, each case exactly once.
    @Test func aBurstIsHandedOutInSlicesEachCaseOnce() throws {
        let parts = try Parts()
        try parts.seed(1200, kind: "fast")
        _ = try parts.recover()
        #expect(parts.scheduler.hot.count == 1200)  // due within the window: read ahead
        parts.fixture.clock.advance(seconds: 1)  // every warning falls due
        var slices: [Int] = []
        var taken: Set<String> = []
        var more = true
        while more {
            let drained = try parts.drain(limit: 500)
            slices.append(drained.ids.count)
            taken.formUnion(drained.ids)
            more = drained.more
        }
        #expect(slices == [500, 500, 200])
        #expect(taken.count == 1200)
        #expect(try parts.drain(limit: 500).ids.isEmpty)
        let entries = try parts.fixture.entries(parts.store)
        #expect(entries.count == 1200 && Set(entries.map(\.escalation.caseID)).count == 1200)
        #expect(entries.allSatisfy { $0.escalation.tier == "desk" })
    }

    /// A commit that fails: what it took is due again, as committed, and nothing was absorbed.
    @Test func whatAFailedCommitTookIsDueAgain() throws {
        let parts = try Parts()
        try parts.seed(3, kind: "fast")
        _ = try parts.recover()
        parts.fixture.clock.advance(seconds: 1)
        var group = parts.committer.group(at: parts.fixture.clock.now())
        _ = parts.scheduler.takeDue(into: &group, parts.engine, limit: 500)
        #expect(group.touched.count == 3)
        #expect(parts.scheduler.next(readingCold: false) == nil)  // taken off the heap
        parts.scheduler.restore(group, parts.engine)  // as the service does when the commit throws
        #expect(try parts.fixture.entries(parts.store).isEmpty)
        #expect(parts.scheduler.hot.values.allSatisfy { $0.clocks.first?.warned == false })
        #expect(Set(try parts.drain(limit: 500).ids) == ["C-1", "C-2", "C-3"])
        #expect(try parts.fixture.entries(parts.store).count == 3)
    }

    /// Closing a case takes its clocks off the heap and out of memory, and the counts follow.
    @Test func absorbedChangesMoveTheCountsAndTheHeap() throws {
        let parts = try Parts()
        try parts.seed(2, kind: "fast")
        _ = try parts.recover()
        var group = parts.committer.group(at: parts.fixture.clock.now())
        group.apply(
            .event("C-1", RecordEventRequest(kind: "closed"), { _ in }), parts.engine,
            from: parts.scheduler.committed)
        _ = try parts.committer.commit(&group, parts.engine.policy)
        parts.scheduler.absorb(group, parts.engine)
        #expect(parts.scheduler.counters.openCases == 1 && parts.scheduler.counters.runningClocks == 1)
        #expect(parts.scheduler.hot.keys.sorted() == ["C-2"])
        parts.fixture.clock.advance(seconds: 60)
        #expect(try parts.drain(limit: 500).ids == ["C-2"])
    }
}

/// The heap alone: stale entries skipped, and `popDue`'s limit.
@Suite struct DeadlineHeapTests {
    @Test func popDueStopsAtItsLimitAndSaysWhatIsLeft() {
        var heap = DeadlineHeap()
        for index in 0..<5 { heap.schedule("C-\(index)", at: Instant(millis: Int64(10 + index))) }
        heap.schedule("C-0", at: Instant(millis: 100))  // moved later: its old entry is stale
        let first = heap.popDue(Instant(millis: 50), limit: 2)
        #expect(first.ids == ["C-1", "C-2"] && first.more)
        let rest = heap.popDue(Instant(millis: 50), limit: 2)
        #expect(rest.ids == ["C-3", "C-4"] && !rest.more)
        #expect(heap.earliest() == Instant(millis: 100))
        #expect(heap.popDue(Instant(millis: 100)).ids == ["C-0"])
        #expect(heap.count == 0)
    }
}

/// The inbox alone: one drain queued however many writes arrive, none after it closes.
@Suite struct WriteInboxTests {
    @Test func oneDrainIsQueuedPerBatchAndAClosedInboxRefuses() {
        let inbox = WriteInbox()
        let write = PendingWrite.ack(Acknowledgement(entryID: 1, actor: "amy", at: Instant(millis: 0)), { _ in })
        #expect(inbox.submit(write) == .queueDrain)
        #expect(inbox.submit(write) == .taken)
        #expect(!inbox.requestDrain())
        #expect(inbox.take().count == 2)
        #expect(inbox.requestDrain())  // nothing queued after a take
        #expect(inbox.take().isEmpty)
        inbox.close()
        #expect(inbox.submit(write) == .refused)
        #expect(inbox.take().isEmpty)
    }
}
