import Foundation
import GRDB
import Logging
import SLAAPI
import SLACore
import Testing

@testable import SLAStore

/// Store errors told apart: what may pass (a full disk, I/O, a lock) from what will not (a broken
/// constraint, a damaged file). What the scheduler does about each: SLASchedulerTests.
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
    @Test func aRealStoreTellsItsFailuresApart() throws {
        let fixture = Fixture()
        let store = try Store(directory: fixture.directory)
        let start = fixture.clock.now()
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [
            try Engine(policy: Fixture.policy).open(
                CaseOpening(id: "C-1", kind: "slow", store: "S1", openedAt: start), now: start
            ).0
        ]
        try store.commit(batch)

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
    }
}
