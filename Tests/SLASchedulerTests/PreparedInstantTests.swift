import Foundation
import SLAAPI
import SLACore
import SLAStore
import Testing

@testable import SLAScheduler

/// Many clocks due at one instant are brought up to it in the second before: at the instant they
/// are written exactly as without that, a write in between is the case's own, and a reload gives
/// the preparation up.
@Suite struct PreparedInstantTests {
    static let count = 1_200  // two prepared slices

    /// An entry as the queue has it, without its id.
    struct Written: Equatable, Comparable {
        var caseID: String
        var clock: String
        var tier: String
        var kind: String
        var dueAt: Int64
        var writtenAt: Int64
        var lateMillis: Int64

        static func < (lhs: Written, rhs: Written) -> Bool {
            (lhs.caseID, lhs.tier) < (rhs.caseID, rhs.tier)
        }
    }

    /// What a run leaves in the store.
    struct Outcome: Equatable {
        var entries: [Written]
        var cases: [Case]
        var runningClocks: Int
    }

    /// Opens `count` fast cases (each warning falls due a second later), then half a second on
    /// (with `prepare`, a drain there prepares that instant) does `between`, then runs the
    /// instant and reads what was written.
    func run(
        count: Int = Self.count, prepare: Bool, log: LogRecorder = LogRecorder(),
        between: (SLAService, [String]) async throws -> Void = { _, _ in }
    ) async throws -> Outcome {
        let fixture = Fixture()
        let service = try fixture.service(logger: log.logger())
        if !prepare { service.neverPrepareForTesting() }
        _ = try service.start()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<count {
                group.addTask { try await service.open(OpenCaseRequest(kind: "fast", store: "S1")).record.id }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let due = fixture.clock.now().adding(millis: 1_000)
        #expect(service.preparedForTesting == 0)  // a second ahead is not yet within the lead
        fixture.clock.advance(seconds: 0.5)
        service.runDue()
        service.runDue()  // the drains that prepare the rest, queued by the first
        if prepare {
            #expect(service.preparedForTesting == (count >= 500 ? count : 0))
            #expect(service.status().nextDue == due)
        }
        #expect(try fixture.entries(service.store).isEmpty)
        try await between(service, ids)
        fixture.clock.advance(seconds: 0.5)
        service.runDue()
        #expect(service.preparedForTesting == 0)
        #expect(try service.store.integrityCheck() == "ok")
        let entries = try fixture.entries(service.store).map {
            Written(
                caseID: $0.escalation.caseID, clock: $0.escalation.clock, tier: $0.escalation.tier,
                kind: $0.escalation.kind.rawValue, dueAt: $0.escalation.dueAt.millis, writtenAt: $0.writtenAt.millis,
                lateMillis: $0.lateMillis)
        }
        let cases = try ids.sorted().map { try #require(try service.store.caseRecord(id: $0)) }
        let running = service.status().runningClocks
        service.stop()
        return Outcome(entries: entries.sorted(), cases: cases, runningClocks: running)
    }

    @Test func whatIsPreparedIsWrittenAsWithoutAndOnceAtTheInstant() async throws {
        let reference = try await run(prepare: false)
        #expect(reference.entries.count == Self.count)
        #expect(reference.entries.allSatisfy { $0.lateMillis == 0 && $0.writtenAt == $0.dueAt })
        let log = LogRecorder()
        let prepared = try await run(prepare: true, log: log)
        #expect(prepared == reference)
        // Every entry's journal line, once, though the lines waited for the instant's end.
        let warnings = log.lines(.notice).filter { $0.contains(" warning to desk") }
        #expect(warnings.count == Self.count)
        #expect(Set(warnings).count == Self.count)
    }

    @Test func aWriteInTheSecondBeforeIsTheCasesOwn() async throws {
        // One case's clock is met, another's paused, a third only noted, just before the instant.
        let writes: (SLAService, [String]) async throws -> Void = { service, ids in
            let sorted = ids.sorted()
            _ = try await service.record(RecordEventRequest(kind: "done"), on: sorted[0])
            _ = try await service.record(RecordEventRequest(kind: "hold"), on: sorted[1])
            _ = try await service.record(RecordEventRequest(kind: "go"), on: sorted[2])
        }
        let reference = try await run(prepare: false, between: writes)
        let prepared = try await run(prepare: true, between: writes)
        #expect(reference.entries.count == Self.count - 2)
        #expect(prepared == reference)
    }

    @Test func aReloadGivesThePreparationUp() async throws {
        let reference = try await run(prepare: false)
        let prepared = try await run(prepare: true) { service, _ in
            try service.reload(policy: Fixture.policy)
            #expect(service.preparedForTesting == 0)
        }
        #expect(prepared == reference)
    }

    /// A case written in the second before (dropped from its slice) and prepared again in a later
    /// slice stays known there once its first slice is taken: a second write must find it.
    @Test func aCaseDroppedAndPreparedAgainCanBeDroppedAgain() throws {
        let engine = Engine(policy: Fixture.policy)
        let opened = try #require(ISO8601.parse("2026-11-24T10:00:00Z"))
        let due = opened.adding(millis: 1_000)
        let cases = try (1...3).map { number in
            try engine.open(CaseOpening(id: "C-\(number)", kind: "fast", store: "S1", openedAt: opened), now: opened).0
        }
        var instant = PreparedInstant(at: due, sliceSize: 2)
        instant.add(cases[0], engine, sequence: 3)
        instant.add(cases[1], engine, sequence: 3)
        instant.drop(["C-1"])
        instant.add(cases[0], engine, sequence: 3)  // written, back on the heap, prepared again
        instant.add(cases[2], engine, sequence: 3)
        let taken = instant.take(engine, sequence: 3)
        let first = try #require(taken)
        #expect(first.touched == ["C-2"])
        #expect(instant.contains("C-1"))
        instant.drop(["C-1"])  // written again before its new slice
        let takenNext = instant.take(engine, sequence: 3)
        let second = try #require(takenNext)
        #expect(second.touched == ["C-3"])
        #expect(instant.isEmpty && instant.remaining.isEmpty)
        #expect(instant.earliestNext == opened.adding(millis: 2_000))  // the breach, a second later
    }

    @Test func aFewDueAtOneInstantAreNotPrepared() async throws {
        let few = try await run(count: 100, prepare: true)
        #expect(few.entries.count == 100)
    }
}
