import Foundation
import GRDB
import Logging
import SLAAPI
import SLACore
import SLAScheduler
import Testing

@testable import SLAStore

/// Store errors told apart: what may pass (a full disk, I/O, a lock) from what will not (a broken
/// constraint, a damaged file), and what the scheduler does about each.
@Suite struct StoreFailureTests {
    @Test(arguments: [
        (ResultCode.SQLITE_FULL, StoreFailure.Kind.diskFull, true),
        (.SQLITE_IOERR, .io, true), (.SQLITE_IOERR_FSYNC, .io, true), (.SQLITE_IOERR_WRITE, .io, true),
        (.SQLITE_CANTOPEN, .io, true), (.SQLITE_READONLY, .io, true), (.SQLITE_READONLY_DBMOVED, .io, true),
        (.SQLITE_BUSY, .busy, true), (.SQLITE_BUSY_SNAPSHOT, .busy, true), (.SQLITE_LOCKED, .busy, true),
        (.SQLITE_CONSTRAINT, .constraint, false), (.SQLITE_CONSTRAINT_UNIQUE, .constraint, false),
        (.SQLITE_CONSTRAINT_FOREIGNKEY, .constraint, false), (.SQLITE_CONSTRAINT_TRIGGER, .constraint, false),
        (.SQLITE_CORRUPT, .corrupt, false), (.SQLITE_CORRUPT_INDEX, .corrupt, false), (.SQLITE_NOTADB, .corrupt, false),
        (.SQLITE_ERROR, .other, false), (.SQLITE_MISUSE, .other, false), (.SQLITE_NOMEM, .io, true),
    ])
    func eachSQLiteCodeHasItsKind(code: ResultCode, kind: StoreFailure.Kind, retryable: Bool) {
        let failure = StoreFailure(DatabaseError(resultCode: code, message: "boom", sql: "SELECT 1"))
        #expect(failure.kind == kind)
        #expect(failure.retryable == retryable)
        #expect(StoreFailure(DatabaseError(resultCode: code) as any Error).kind == kind)
    }

    @Test func aFullDiskSaysSoAndTheRestSaySQLitesMessage() {
        #expect(StoreFailure(DatabaseError(resultCode: .SQLITE_FULL)).message == "the disk holding the store is full")
        let unique = StoreFailure(
            DatabaseError(resultCode: .SQLITE_CONSTRAINT_UNIQUE, message: "UNIQUE constraint failed: cases.id"))
        #expect(unique.message == "a write broke a rule of the store: UNIQUE constraint failed: cases.id")
    }

    /// The statement is kept, on one line; its arguments (a customer's name) never show.
    @Test func theStatementIsKeptAndItsArgumentsNeverShow() {
        let error = DatabaseError(
            resultCode: .SQLITE_CONSTRAINT_NOTNULL, message: "NOT NULL constraint failed: contacts.phone",
            sql: "INSERT INTO contacts (case_id, name, phone)\n    VALUES (?, ?, ?)",
            arguments: ["C-1", "Jane Customer", nil], publicStatementArguments: true)
        let failure = StoreFailure(error)
        #expect(failure.statement == "INSERT INTO contacts (case_id, name, phone) VALUES (?, ?, ?)")
        #expect(!"\(failure) \(failure.message) \(failure.statement ?? "")".contains("Jane"))
    }

    @Test func aCaseStateThatCannotBeDecodedIsCorruption() throws {
        #expect(throws: CaseCodec.CorruptState.self) { try CaseCodec.decode(Data([0xFF])) }
        do {
            _ = try CaseCodec.decode(Data([0xFF]))
        } catch {
            #expect(StoreFailure(error).kind == .corrupt)
        }
        #expect(StoreFailure(CocoaError(.fileWriteUnknown)).kind == .other)
    }

    /// Real failures of a real store, each with its kind.
    @Test func aRealStoreTellsItsFailuresApart() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "slow", store: "S1"))
        let store = service.store

        let insert =
            "INSERT INTO idempotency (key, fingerprint, status, response, created_at) VALUES (?, 'f', 200, x'', 0)"
        try store.write { try $0.execute(sql: insert, arguments: ["k-1"]) }
        do {
            try store.write { try $0.execute(sql: insert, arguments: ["k-1"]) }
            Issue.record("a second row with the same key was written")
        } catch let failure as StoreFailure {
            #expect(failure.kind == .constraint && !failure.retryable)
            #expect(failure.message.contains("UNIQUE constraint failed: idempotency.key"))
            #expect(failure.statement == insert)
        }

        // A case row whose state is damaged is told as corruption when read.
        try store.write { try $0.execute(sql: "UPDATE cases SET state = x'FF00' WHERE id = 'C-1'") }
        do {
            _ = try store.caseRecord(id: "C-1")
            Issue.record("a damaged state was decoded")
        } catch let failure as StoreFailure {
            #expect(failure.kind == .corrupt)
        }

        try store.capAtCurrentSize(true)
        do {
            try store.write { db in
                for index in 0..<2000 {
                    try db.execute(sql: insert, arguments: ["filler-\(index)-" + String(repeating: "x", count: 200)])
                }
            }
            Issue.record("a capped store took every row")
        } catch let failure as StoreFailure {
            #expect(failure.kind == .diskFull && failure.retryable)
        }
        service.stop()
    }

    // MARK: The scheduler

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

extension Fixture {
    func service(logger: Logger) throws -> SLAService {
        SLAService(policy: Self.policy, store: try Store(directory: directory), clock: clock, logger: logger)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// Keeps what is logged, by level, for a test to read.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    func logger() -> Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    func lines(_ level: Logger.Level) -> [String] {
        lock.withLock { entries.filter { $0.0 == level }.map(\.1) }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) {
        lock.withLock { entries.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append(event.level, "\(event.message)")
        }
    }
}
