import Foundation
import GRDB
import Logging
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// A wall clock the test moves by hand: days of deadlines pass in microseconds.
final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant

    init(_ start: Instant) { current = start }

    func now() -> Instant { lock.withLock { current } }

    func advance(seconds: Double) {
        lock.withLock { current = current.adding(millis: Int64(seconds * 1000)) }
    }
}

/// A service on a fresh state directory with the fast test policy (2 s target, tiers a second apart).
struct Fixture {
    static let policy: Policy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("shell/fixtures/fast.toml").path
        return try! PolicyLoader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path)
    }()

    let directory: String
    let clock: ManualClock

    init() {
        directory = NSTemporaryDirectory() + "slad-test-" + UUID().uuidString
        clock = ManualClock(ISO8601.parse("2026-11-24T10:00:00Z")!)
    }

    func service() throws -> SLAService {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return SLAService(policy: Self.policy, store: try Store(directory: directory), clock: clock, logger: logger)
    }

    func entries(_ store: Store) throws -> [QueueEntry] {
        try store.entries(EntryFilter(limit: 10_000))
    }
}

@Suite struct ServiceTests {
    @Test func aClockThatFallsDueClimbsEveryTierOnce() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let opened = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        #expect(opened.record.id == "C-1")

        fixture.clock.advance(seconds: 1.0)
        service.runDue()
        #expect(try fixture.entries(service.store).map(\.escalation.tier) == ["desk"])

        fixture.clock.advance(seconds: 1.0)
        service.runDue()
        service.runDue()  // the same instant twice writes nothing twice
        let atDeadline = try fixture.entries(service.store)
        #expect(atDeadline.map(\.escalation.tier) == ["desk", "supervisor"])
        #expect(atDeadline.last?.escalation.kind == .breach)
        #expect(atDeadline.last?.lateMillis == 0)

        fixture.clock.advance(seconds: 60)
        service.runDue()
        let all = try fixture.entries(service.store)
        #expect(all.map(\.escalation.tier) == ["desk", "supervisor", "manager", "head", "hq"])
        // Written a minute after they fell due, and saying so.
        #expect(all[2].lateMillis == 59_000)
        service.stop()
    }

    @Test func aSatisfiedClockNeverEscalates() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let opened = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 0.5)
        let done = try await service.record(RecordEventRequest(kind: "done"), on: opened.record.id)
        #expect(done.record.clocks.first?.status == .met)
        fixture.clock.advance(seconds: 3600)
        service.runDue()
        #expect(try fixture.entries(service.store).isEmpty)
        #expect(try service.store.events(of: "C-1").map(\.kind) == ["opened", "done"])
        service.stop()
    }

    @Test func recoveryWritesWhatFellDueWhileDownOnceAndLate() async throws {
        let fixture = Fixture()
        let first = try fixture.service()
        _ = try first.start()
        _ = try await first.open(OpenCaseRequest(kind: "fast", store: "S1"))
        _ = try await first.open(OpenCaseRequest(kind: "slow", store: "S1"))
        first.stop()

        fixture.clock.advance(seconds: 30)
        let second = try fixture.service()
        let report = try second.start()
        #expect(report.cases == 2)
        #expect(report.lateEntries == 5)
        #expect(report.maxLateMillis == 29_000)  // the warning fell due 1 s after opening
        second.stop()

        let third = try fixture.service()
        #expect(try third.start().lateEntries == 0)
        #expect(try fixture.entries(third.store).count == 5)
        // Case numbering goes on after a restart.
        #expect(try await third.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id == "C-3")
        third.stop()
    }

    @Test func concurrentWritesAreGroupCommittedAndAllAnswered() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await service.open(OpenCaseRequest(kind: "slow", store: "S\(index % 7)")).record.id
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 200)
        #expect(try service.store.counts().openCases == 200)
        #expect(try service.store.cases(CaseFilter(store: "S0", limit: 1000)).count == 29)
        service.stop()
    }

    @Test func idempotencyKeysMakeRetriesSafe() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let request = OpenCaseRequest(kind: "slow", store: "S1", idempotencyKey: "till-7-0042")
        let first = try await service.open(request)
        let again = try await service.open(request)
        #expect(first.record.id == again.record.id)
        #expect(!first.replayed && again.replayed)
        await #expect(throws: ServiceError.self) {
            try await service.open(OpenCaseRequest(kind: "fast", store: "S1", idempotencyKey: "till-7-0042"))
        }
        let event = RecordEventRequest(kind: "done", idempotencyKey: "till-7-0043")
        _ = try await service.record(event, on: first.record.id)
        let replayed = try await service.record(event, on: first.record.id)
        #expect(replayed.replayed)
        #expect(try service.store.events(of: first.record.id).count == 2)
        #expect(try service.store.counts().openCases == 1)
        service.stop()
    }

    @Test func aFullDiskRefusesWritesLosesNothingAndRecovers() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<300 {
                group.addTask { try await service.open(OpenCaseRequest(kind: "fast", store: "S1")).record.id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        try service.store.capAtCurrentSize(true)

        // Fill what room is left, with ever smaller writes, until even small ones are refused
        // with a clear error.
        var refusals = 0
        for size in [16_000, 4000, 1000, 250, 60] {
            for _ in 0..<1000 {
                do {
                    _ = try await service.open(
                        OpenCaseRequest(kind: "slow", store: "S1", note: String(repeating: "x", count: size)))
                } catch let error as ServiceError {
                    guard case .store(let failure) = error else { throw error }
                    #expect(failure.kind == .diskFull && failure.retryable && failure.message.contains("full"))
                    refusals += 1
                    break
                }
            }
        }
        #expect(refusals == 5)
        let casesBefore = try service.store.counts().openCases
        // ...timers keep running, and what they cannot write stays due...
        fixture.clock.advance(seconds: 10)
        service.runDue()
        #expect(try fixture.entries(service.store).isEmpty)
        #expect(service.status().lastFailure?.contains("full") == true)
        #expect(service.status().storeFailed == false)

        // ...until space returns: then everything is written, once.
        try service.store.capAtCurrentSize(false)
        service.runDue()
        service.runDue()
        #expect(try fixture.entries(service.store).count == 300 * 5)
        #expect(try service.store.counts().openCases == casesBefore)
        #expect(service.status().lastFailure == nil)
        #expect(try service.store.caseRecord(id: ids[0])?.isOverdue == true)
        #expect(try service.store.integrityCheck() == "ok")
        service.stop()
    }
}

/// The wall clock stepped (NTP) under a running scheduler, through the injectable clock.
@Suite struct ClockStepTests {
    @Test func aForwardStepFiresWhatIsNowDueExactlyOnce() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 3600)  // the clock jumps an hour
        service.runDue()
        service.runDue()
        let entries = try fixture.entries(service.store)
        #expect(entries.map(\.escalation.tier) == ["desk", "supervisor", "manager", "head", "hq"])
        #expect(entries.allSatisfy { $0.lateMillis > 3_590_000 })  // and says how late
        service.stop()
    }

    @Test func aBackwardStepFiresNothingTwiceAndRearms() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 2.5)
        service.runDue()
        #expect(try fixture.entries(service.store).count == 2)  // warning, supervisor
        fixture.clock.advance(seconds: -1800)  // stepped back half an hour
        service.runDue()
        #expect(try fixture.entries(service.store).count == 2)
        fixture.clock.advance(seconds: 1800)  // back to where it was: still nothing new
        service.runDue()
        #expect(try fixture.entries(service.store).count == 2)
        fixture.clock.advance(seconds: 1)  // then the next tier falls due, once
        service.runDue()
        service.runDue()
        #expect(try fixture.entries(service.store).map(\.escalation.tier) == ["desk", "supervisor", "manager"])
        service.stop()
    }

    @Test func theRealTimerNoticesAStepWithinItsMaximumSpan() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "slow", store: "S1"))  // due in an hour
        fixture.clock.advance(seconds: 7200)  // the wall clock jumps past it; nobody calls runDue
        let deadline = Date().addingTimeInterval(Double(SLAService.maxTimerSpanMillis) / 1000 + 2)
        while try fixture.entries(service.store).isEmpty, Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(try fixture.entries(service.store).map(\.escalation.tier) == ["desk", "supervisor"])
        service.stop()
    }
}

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

    static func casesWithEvents(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT case_id FROM events ORDER BY case_id")
        }
    }

    @Test func retentionPurgesOnlyOldClosedCasesWithTheirRecords() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let old = try await service.open(OpenCaseRequest(kind: "fast", store: "S1")).record.id
        fixture.clock.advance(seconds: 10)
        service.runDue()
        _ = try await service.record(RecordEventRequest(kind: "closed"), on: old)
        let open = try await service.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id
        fixture.clock.advance(seconds: 800 * 86_400)
        let recent = try await service.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id
        _ = try await service.record(RecordEventRequest(kind: "closed"), on: recent)
        #expect(try service.store.entries(EntryFilter(caseID: old)).count == 5)

        #expect(try service.store.purge(closedBefore: fixture.clock.now().adding(seconds: -730 * 86_400)) == 1)
        #expect(try service.store.caseRecord(id: old) == nil)
        #expect(try service.store.events(of: old).isEmpty)
        #expect(try Self.casesWithEvents(service.store.path) == [open, recent].sorted())
        #expect(try service.store.entries(EntryFilter(caseID: old)).isEmpty)
        #expect(try service.store.caseRecord(id: open) != nil)
        #expect(try service.store.caseRecord(id: recent) != nil)
        #expect(try service.store.integrityCheck() == "ok")
        service.stop()
    }

    @Test func customerContactsStayInTheStoreAndGoWithTheirCase() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let contact = CustomerContact(name: "Wang Fang", phone: "13800138000")
        let id = try await service.open(OpenCaseRequest(kind: "fast", store: "S1", customer: contact)).record.id
        #expect(try service.store.contact(of: id) == contact)
        fixture.clock.advance(seconds: 10)
        service.runDue()
        // Nowhere else: not in the case state, the event log or the queue.
        let state = try JSONEncoder().encode(try #require(try service.store.caseRecord(id: id)))
        #expect(!String(decoding: state, as: UTF8.self).contains("13800138000"))
        #expect(try service.store.events(of: id).allSatisfy { ($0.note ?? "").isEmpty && $0.actor == nil })
        #expect(try !service.store.entries(EntryFilter(caseID: id)).isEmpty)
        _ = try await service.record(RecordEventRequest(kind: "closed"), on: id)
        fixture.clock.advance(seconds: 800 * 86_400)
        #expect(try service.store.purge(closedBefore: fixture.clock.now().adding(seconds: -730 * 86_400)) == 1)
        #expect(try service.store.contact(of: id) == nil)
        service.stop()
    }

    @Test func coldCasesLiveInTheStoreAndStillFallDueOnce() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        // Due in an hour: past the hot window, so only their instants stay in memory.
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<300 {
                group.addTask { try await service.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let id = ids[0]
        #expect(service.status().runningClocks == 300)
        #expect(service.status().nextClock == "long")  // read back for the status line
        try service.store.capAtCurrentSize(true)
        fixture.clock.advance(seconds: 7200)
        service.runDue()  // the commit fails (600 entries do not fit): the cold cases stay scheduled
        #expect(try fixture.entries(service.store).isEmpty)
        try service.store.capAtCurrentSize(false)
        service.runDue()
        service.runDue()
        let entries = try fixture.entries(service.store)
        #expect(entries.count == 600)
        #expect(Set(entries.map(\.escalation.caseID)).count == 300)
        // An event on a cold case reads it back too.
        let done = try await service.record(RecordEventRequest(kind: "done"), on: id)
        #expect(done.record.clocks.first?.status == .breached && done.record.clocks.first?.satisfiedAt != nil)
        #expect(service.status().runningClocks == 0)  // the others reached the top tier: nothing left due
        service.stop()
    }

    /// An acknowledgement is a write of the group commit: answered once on disk, the first one stands.
    @Test func acknowledgementsGoThroughTheGroupCommit() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 1)
        service.runDue()
        let first = try #require(try fixture.entries(service.store).first)
        async let byAmy = service.acknowledge(entry: first.id, by: "amy")
        async let byLi = service.acknowledge(entry: first.id, by: "li")
        let (amy, li) = try await (byAmy, byLi)
        #expect(amy?.state == .acknowledged && li?.state == .acknowledged)
        #expect(Set([amy?.ackedBy, li?.ackedBy]).count == 1)  // whoever came first, for both
        #expect(try await service.acknowledge(entry: 999, by: "amy") == nil)
        service.stop()
        await #expect(throws: ServiceError.self) { _ = try await service.acknowledge(entry: first.id, by: "amy") }
    }
}
