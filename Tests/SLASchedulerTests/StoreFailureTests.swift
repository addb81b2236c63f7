import Foundation
import GRDB
import Logging
import SLAAPI
import SLACore
import SLAScheduler
import Testing

@testable import SLAStore

/// What the scheduler does about each kind of store failure (the kinds themselves: SLAStoreTests).
@Suite struct SchedulerStoreFailureTests {
    /// On the writer's connection: a TEMP trigger or a function stays there, and out of the file.
    static func onWriter(_ store: Store, _ body: (Database) throws -> Void) throws {
        try store.pool.barrierWriteWithoutTransaction(body)
    }

    /// A write the store refuses (here a trigger stands in for a bug): its writer gets a store
    /// failure that is not retryable (500), what fell due in the same commit is still written, and
    /// the scheduler goes on.
    @Test func aWriteThatBreaksARuleIsRefusedAndWhatFellDueIsStillWritten() async throws {
        let fixture = Fixture()
        let log = LogRecorder()
        let service = try fixture.service(logger: log.logger())
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        try Self.onWriter(service.store) { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse_note BEFORE INSERT ON main.events WHEN NEW.note = 'refuse me'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
        }

        fixture.clock.advance(seconds: 1.0)  // C-1's warning falls due, in the same commit as the write
        do {
            _ = try await service.open(OpenCaseRequest(kind: "slow", store: "S1", note: "refuse me"))
            Issue.record("the refused write was answered as done")
        } catch ServiceError.store(let failure) {
            #expect(failure.kind == .constraint && !failure.retryable)
            #expect(failure.message.contains("refused by the test"))
        }
        #expect(try fixture.entries(service.store).map(\.escalation.tier) == ["desk"])
        #expect(try service.store.caseRecord(id: "C-2") == nil)
        let status = service.status()
        #expect(status.lastFailure == nil && !status.storeFailed)

        let critical = log.lines(.critical)
        #expect(critical.count == 1)
        #expect(critical.first?.contains("statement: INSERT INTO events") == true)
        #expect(critical.first?.contains("refuse me") == false)  // an argument: never logged
        #expect(log.lines(.error).isEmpty)  // no "retrying every 1000 ms"

        // The case numbers of the refused write are given again, and writes go on.
        #expect(try await service.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id == "C-2")
        service.stop()
    }

    /// What fell due breaks a rule: replaying it every second would fail the same way for ever.
    /// It is tried once, then the scheduler says it failed, refuses writes and keeps serving reads.
    @Test func whatFellDueThatBreaksARuleIsNotRetriedEverySecond() async throws {
        let fixture = Fixture()
        let log = LogRecorder()
        let service = try fixture.service(logger: log.logger())
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        let attempts = Counter()
        try Self.onWriter(service.store) { db in
            db.add(
                function: DatabaseFunction("test_attempt", argumentCount: 0, pure: false) { _ in
                    attempts.increment()
                    return 1
                })
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse_entries BEFORE INSERT ON main.escalations
                    BEGIN SELECT RAISE(ABORT, 'refused by the test') WHERE test_attempt() > 0; END
                    """)
        }

        fixture.clock.advance(seconds: 1.0)
        service.runDue()
        #expect(attempts.value == 1)
        var status = service.status()
        #expect(status.storeFailed)
        #expect(status.lastFailure?.contains("refused by the test") == true)

        // Neither later drains nor the real timer try it again.
        fixture.clock.advance(seconds: 1.0)
        service.runDue()
        fixture.clock.advance(seconds: 1.0)
        service.runDue()
        try await Task.sleep(for: .milliseconds(1500))
        #expect(attempts.value == 1)

        // Writes are refused (500), reads still answered.
        do {
            _ = try await service.open(OpenCaseRequest(kind: "slow", store: "S1"))
            Issue.record("a write was taken by a failed scheduler")
        } catch ServiceError.store(let failure) {
            #expect(!failure.retryable && failure.message.contains("until restarted"))
        }
        #expect(attempts.value == 1)
        #expect(try service.store.caseRecord(id: "C-1")?.clocks.isEmpty == false)
        status = service.status()
        #expect(status.storeFailed && status.nextCase == "C-1")

        #expect(log.lines(.critical).count == 1)
        #expect(log.lines(.critical).first?.contains("statement: INSERT OR IGNORE INTO escalations") == true)
        #expect(log.lines(.error).isEmpty)
        service.stop()
    }
}
