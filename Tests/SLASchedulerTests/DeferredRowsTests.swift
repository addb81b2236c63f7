import Foundation
import SLAAPI
import SLACore
import SLAStore
import Synchronization
import Testing

@testable import SLAScheduler

/// A burst writes its entries first and its cases' rows after: a write meanwhile sees (and
/// writes) the case as memory has it, and slad killed between the two loses nothing and doubles
/// nothing.
@Suite struct DeferredRowsTests {
    @Test func aBurstsRowsFollowItsEntriesAndAKillBetweenLosesAndDoublesNothing() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let count = 1_700  // more than a slice and a burst's slice
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<count {
                group.addTask { try await service.open(OpenCaseRequest(kind: "fast", store: "S1")).record.id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let store = service.store
        fixture.clock.advance(seconds: 2)  // every case's warning and breach fall due at this instant

        #expect(service.drainOnceForTesting())  // the first slice: entries only
        let first = try fixture.entries(store)
        let firstCases = Set(first.map(\.escalation.caseID))
        #expect(firstCases.count == SLAService.sliceSize)
        #expect(first.contains { $0.escalation.kind == .breach })
        // Their rows are not written yet: the store still has the cases before the breach.
        for id in firstCases { #expect(try store.caseRecord(id: id)?.isOverdue == false) }

        // A write on one of them sees the breach, and its commit writes the row as memory has it,
        // its indexed columns (overdue, next due) compared with the row the store had.
        let held = firstCases.sorted()[0]
        let answer = Mutex<Result<WriteResult, Error>?>(nil)
        service.record(RecordEventRequest(kind: "hold"), on: held) { result in answer.withLock { $0 = result } }
        #expect(service.drainOnceForTesting())  // the second slice, with the write
        let written = try #require(try answer.withLock { $0 }?.get())
        #expect(written.record.isOverdue)
        let row = try #require(try store.caseRecord(id: held))
        #expect(row == written.record)
        let nextDue = try store.scheduleIndex().first { $0.id == held }?.due
        #expect(nextDue == row.nextDue)
        #expect(try store.cases(CaseFilter(overdue: true, limit: 10_000)).map(\.id) == [held])
        let beforeKill = try fixture.entries(store)
        #expect(Set(beforeKill.map(\.escalation.caseID)).count == SLAService.sliceSize + SLAService.burstSliceSize)

        // Killed here: 1,499 rows say "not yet breached" beside their entries, 200 cases untouched.
        let restarted = try fixture.service()
        let report = try restarted.start()
        restarted.runDue()
        let after = try fixture.entries(restarted.store)
        #expect(Set(after.map(\.escalation.caseID)) == Set(ids))
        #expect(report.lateEntries == after.count - beforeKill.count)
        // Nothing written twice: the entries written before the kill are there once, unchanged.
        let keys = after.map(\.escalation).map { "\($0.caseID)/\($0.clock)/\($0.cycle)/\($0.tier)/\($0.kind)" }
        #expect(Set(keys).count == after.count)
        #expect(Set(beforeKill.map(\.id)).isSubset(of: Set(after.map(\.id))))
        // Every row written now: each case overdue in the store and in its index.
        #expect(try restarted.store.cases(CaseFilter(overdue: true, limit: 10_000)).count == count)
        for id in firstCases { #expect(try restarted.store.caseRecord(id: id)?.isOverdue == true) }
        #expect(try restarted.store.integrityCheck() == "ok")
        restarted.stop()
    }

    @Test func aBurstWithoutAKillWritesEveryRowAndEachEntryOnce() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let count = 1_100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1")) }
            }
            try await group.waitForAll()
        }
        fixture.clock.advance(seconds: 2)
        service.runDue()
        let entries = try fixture.entries(service.store)
        #expect(Set(entries.map(\.escalation.caseID)).count == count)
        let overdue = try service.store.cases(CaseFilter(overdue: true, limit: 10_000))
        #expect(overdue.count == count)
        #expect(overdue.allSatisfy { $0.isOverdue })
        #expect(try service.store.integrityCheck() == "ok")
        // The next escalation (a second later) is taken from memory and written as usual.
        fixture.clock.advance(seconds: 1)
        service.runDue()
        #expect(try fixture.entries(service.store).count > entries.count)
        #expect(try service.store.integrityCheck() == "ok")
        service.stop()
    }
}
