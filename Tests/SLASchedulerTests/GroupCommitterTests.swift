import Foundation
import SLAAPI
import SLACore
import Synchronization
import Testing

@testable import SLAScheduler
@testable import SLAStore

/// The group committer on its own: writes applied to copies, one transaction, answers after it,
/// idempotent replays, and a failed commit that keeps nothing.
@Suite struct GroupCommitterTests {
    /// What each completion was called with, in order.
    final class Answers: Sendable {
        private let results = Mutex<[Result<WriteResult, Error>]>([])

        func done(_ result: Result<WriteResult, Error>) { results.withLock { $0.append(result) } }

        var all: [Result<WriteResult, Error>] { results.withLock { $0 } }

        /// Each answer's case id, or nil for a failure.
        var caseIDs: [String?] { all.map { try? $0.get().record.id } }
    }

    struct Parts {
        let fixture = Fixture()
        let store: Store
        let committer: GroupCommitter
        let engine = Engine(policy: Fixture.policy)
        let answers = Answers()

        init() throws {
            store = try Store(directory: fixture.directory)
            committer = GroupCommitter(store: store, clock: fixture.clock, persist: true)
            try committer.recover()
        }

        func open(_ request: OpenCaseRequest) -> PendingWrite { .open(request, answers.done) }

        func event(_ kind: String, on caseID: String, key: String? = nil) -> PendingWrite {
            .event(caseID, RecordEventRequest(kind: kind, idempotencyKey: key), answers.done)
        }

        /// Applies `writes` in one group and commits it; answers them unless `answer` is false.
        @discardableResult
        func commit(_ writes: [PendingWrite], answer: Bool = true) throws -> GroupCommit {
            var group = committer.group(at: fixture.clock.now())
            let source = CommittedCases(store: store, hot: [:])
            for write in writes { group.apply(write, engine, from: source) }
            _ = try committer.commit(&group, engine.policy)
            if answer { committer.answer(writes, group, source: source) }
            return group
        }
    }

    @Test func writesOfOneGroupAreOneTransactionAnsweredOnlyAfterIt() throws {
        let parts = try Parts()
        let writes = [
            parts.open(OpenCaseRequest(kind: "slow", store: "S1")),
            parts.open(OpenCaseRequest(kind: "fast", store: "S2")),
            parts.event("done", on: "C-2"),  // on a case opened earlier in the same group
            parts.event("done", on: "C-9"),  // no such case: refused alone
        ]
        let group = try parts.commit(writes, answer: false)
        #expect(parts.answers.all.isEmpty)  // nothing answered before the caller answers
        parts.committer.answer(writes, group, source: CommittedCases(store: parts.store, hot: [:]))
        #expect(parts.answers.caseIDs == ["C-1", "C-2", "C-2", nil])
        #expect(parts.committer.sequence == 2)
        #expect(group.touched == ["C-1", "C-2"])
        #expect(group.committed["C-2"] == .some(nil))  // opened in the group: nothing committed before
        #expect(try parts.store.events(of: "C-2").map(\.kind) == ["opened", "done"])
        #expect(try parts.store.caseRecord(id: "C-2")?.clocks.first?.status == .met)
        guard case .failure(ServiceError.rule(.unknownCase("C-9"))) = parts.answers.all[3] else {
            Issue.record("an event on no case was not refused as such: \(parts.answers.all[3])")
            return
        }
    }

    /// The case as committed is what a later group starts from; within a group, its own copy.
    @Test func aCaseTouchedTwiceRemembersHowItWasCommitted() throws {
        let parts = try Parts()
        try parts.commit([parts.open(OpenCaseRequest(kind: "fast", store: "S1"))])
        let stored = try #require(try parts.store.caseRecord(id: "C-1"))
        let group = try parts.commit([parts.event("hold", on: "C-1"), parts.event("done", on: "C-1")])
        #expect(group.committed["C-1"] == .some(stored))
        #expect(group.changed["C-1"]?.clocks.first?.status == .met)
        #expect(try parts.store.events(of: "C-1").map(\.kind) == ["opened", "hold", "done"])
    }

    @Test func aRetryIsAnsweredAsBeforeInTheSameGroupOrALaterOne() throws {
        let parts = try Parts()
        let keyed = OpenCaseRequest(kind: "slow", store: "S1", idempotencyKey: "till-1")
        let first = try parts.commit([parts.open(keyed), parts.open(keyed)])
        #expect(first.outcomes.map(\.writes) == [true, false])
        try parts.commit([parts.open(keyed)])
        try parts.commit([parts.open(OpenCaseRequest(kind: "fast", store: "S1", idempotencyKey: "till-1"))])
        #expect(parts.answers.caseIDs == ["C-1", "C-1", "C-1", nil])
        #expect(try parts.answers.all.prefix(3).map { try $0.get().replayed } == [false, true, true])
        guard case .failure(ServiceError.idempotencyKeyReused("till-1")) = parts.answers.all[3] else {
            Issue.record("a key reused for another request was taken")
            return
        }
        #expect(try parts.store.counts().openCases == 1)
        #expect(parts.committer.sequence == 1)
    }

    /// A commit the store refuses keeps nothing: the case numbers are given again, every writer
    /// gets the failure, and a later commit writes as if the first never happened.
    @Test func aFailedCommitKeepsNothingAndRefusesItsWriters() throws {
        let parts = try Parts()
        try parts.commit([parts.open(OpenCaseRequest(kind: "slow", store: "S1"))])
        try parts.store.capAtCurrentSize(true)
        let note = String(repeating: "x", count: 200_000)
        let writes = [
            parts.open(OpenCaseRequest(kind: "slow", store: "S1", note: note)), parts.event("done", on: "C-1"),
        ]
        var group = parts.committer.group(at: parts.fixture.clock.now())
        let source = CommittedCases(store: parts.store, hot: [:])
        for write in writes { group.apply(write, parts.engine, from: source) }
        #expect(group.hasWrites)
        do {
            _ = try parts.committer.commit(&group, parts.engine.policy)
            Issue.record("a capped store took a 200 kB note")
        } catch let failure as StoreFailure {
            #expect(failure.kind == .diskFull)
            parts.committer.answer(writes, group, source: source, refusal: ServiceError.store(failure))
        }
        #expect(parts.committer.sequence == 1)
        #expect(parts.answers.caseIDs == ["C-1", nil, nil])
        #expect(try parts.store.caseRecord(id: "C-1")?.clocks.first?.status == .running)
        try parts.store.capAtCurrentSize(false)
        try parts.commit([parts.open(OpenCaseRequest(kind: "slow", store: "S1"))])
        #expect(parts.answers.caseIDs.last == "C-2")
    }
}
