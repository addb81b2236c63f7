import Foundation
import Logging
import PostgresNIO
import SLAChain
import SLACore
import SLAStore
import Testing

/// The replicator against a real PostgreSQL (the shared test cluster): it resumes after HQ's
/// last seq, ships in order in batches, wakes on a commit, survives failures with backoff, and
/// refuses to ship into an HQ that knows more of the store than it wrote.
@Suite(.serialized) struct ReplicatorTests {
    /// A store's side: a Store on a temp directory with the outbox on, and its login at HQ.
    struct StoreSide {
        let fixture: ChainFixture
        let storeID: String
        let store: Store
        let policy: HQPolicy
        let engine = Engine(policy: ReplicatorTests.policy)
        let start = Instant(millis: 1_790_000_000_000)

        static func make(_ name: String) async throws -> StoreSide {
            let fixture = try await ChainFixture.make()
            let storeID = fixture.store(name)
            let directory = NSTemporaryDirectory() + "slad-replicator-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let passwordFile = directory + "/hq-password"
            try Data("store-password-\(storeID)\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
            _ = try await HQRoles.addStore(storeID, password: "store-password-\(storeID)", on: fixture.admin)
            let store = try Store(directory: directory)
            try store.enableOutbox(storeID: storeID, at: Instant(millis: 1_790_000_000_000))
            let policy = HQPolicy(
                user: HQRoles.roleName(forStore: storeID), host: "127.0.0.1", port: fixture.cluster.port,
                database: fixture.database, passwordFile: passwordFile, tls: .disable, storeID: storeID)
            return StoreSide(fixture: fixture, storeID: storeID, store: store, policy: policy)
        }

        /// `count` cases opened, each with its `opened` event: two outbox rows each.
        func open(_ count: Int, from first: Int = 1) throws {
            for index in first..<(first + count) {
                let record = try engine.open(
                    CaseOpening(id: "C-\(index)", kind: "slow", store: "S1", openedAt: start), now: start
                ).0
                var batch = WriteBatch(writtenAt: start.adding(seconds: Int64(index)))
                batch.cases = [record]
                batch.events = [
                    EventRecord(
                        caseID: record.id, kind: "opened", at: start, recordedAt: start, actor: "desk", note: nil,
                        idempotencyKey: nil)
                ]
                try store.commit(batch)
            }
        }

        func target() throws -> PostgresReplicationTarget {
            try PostgresReplicationTarget(policy: policy, logger: ReplicatorTests.logger)
        }

        func replicator(batchSize: Int = 7, target: @escaping @Sendable () throws -> any ReplicationTarget)
            -> Replicator
        {
            var settings = Replicator.Settings(
                storeID: storeID, hq: policy.url, batchSize: batchSize, warnBacklogSeconds: 300)
            settings.backoff = ReplicatorBackoff(first: .milliseconds(20), cap: .milliseconds(200))
            settings.callTimeout = .seconds(10)
            return Replicator(store: store, settings: settings, logger: ReplicatorTests.logger, makeTarget: target)
        }

        /// HQ's seqs of this store, each as often as hq_changes holds it.
        func hqSeqs() async throws -> [Int64] {
            try await fixture.rows(
                "SELECT seq::text AS s FROM hq_changes WHERE store_id = '\(storeID)' ORDER BY seq"
            ).map { Int64($0) ?? -1 }
        }
    }

    static let policy: Policy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("shell/fixtures/fast.toml").path
        return try! PolicyLoader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path)
    }()

    static let logger: Logger = {
        var logger = Logger(label: "replicator-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test func resumesAfterHQsLastSeqAndShipsInOrderedBatches() async throws {
        let side = try await StoreSide.make("R1")
        defer { Task { await side.fixture.close() } }
        try side.open(30)  // seqs 1...60
        // A run before this one shipped 1...25 and died before deleting them here.
        let earlier = try side.store.outbox(after: 0, limit: 25)
        let store = try await side.fixture.connect(
            as: side.policy.user, password: "store-password-\(side.storeID)")
        #expect(try await HQWriter.apply(store: side.storeID, changes: earlier, on: store) == 25)
        try await store.close()

        let recording = RecordingTarget(try side.target())
        let replicator = side.replicator { recording }
        let running = Task { try await replicator.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { replicator.status.read().shippedSeq == 60 })
        let batches = recording.batches
        #expect(batches.first?.first == 26)  // resumed after HQ's last seq: 1...25 not sent again
        #expect(batches.allSatisfy { $0.count <= 7 && !$0.isEmpty })
        #expect(batches.flatMap { $0 } == Array(26...60))
        let seqs = try await side.hqSeqs()
        #expect(seqs == Array(1...60), "\(seqs.count) seqs: \(seqs.prefix(8))")
        #expect(try await side.fixture.count("hq_cases WHERE store_id = '\(side.storeID)'") == 30)
        #expect(try await Self.eventually { try side.store.outboxBacklog().count == 0 })  // trimmed here

        // Idle, it sleeps until a commit wakes it (its idle contact is 30 s away).
        let began = ContinuousClock.now
        try side.open(1, from: 31)
        #expect(try await Self.eventually(5) { replicator.status.read().shippedSeq == 62 })
        #expect(ContinuousClock.now - began < .seconds(5))
        #expect(try await side.hqSeqs() == Array(1...62))
        #expect(replicator.status.read().state == .ok)
    }

    @Test func failuresAreRetriedWithBackoffAndNothingIsLostOrDoubled() async throws {
        let side = try await StoreSide.make("R2")
        defer { Task { await side.fixture.close() } }
        try side.open(20)  // seqs 1...40
        // HQ fails the first 5 calls, then applies a batch whose answer is lost (as when the WAN
        // drops after COMMIT), then answers again.
        let flaky = RecordingTarget(try side.target(), failFirst: 5, loseAnswerOfCall: 7)
        let replicator = side.replicator(batchSize: 10) { flaky }
        let running = Task { try await replicator.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { replicator.status.read().state == .failing })
        #expect(replicator.status.read().lastError?.contains("HQ unreachable (test)") == true)
        #expect(try await Self.eventually { replicator.status.read().shippedSeq == 40 })
        #expect(replicator.status.read().state == .ok && replicator.status.read().lastError == nil)
        #expect(try await side.hqSeqs() == Array(1...40))  // every seq once
        #expect(try await side.fixture.count("hq_events WHERE store_id = '\(side.storeID)'") == 20)
        // After each failure it asks HQ again where the store stands.
        #expect(flaky.lastSeqCalls >= 2)
    }

    @Test func anHQThatKnowsMoreThanTheStoreWroteGetsNothing() async throws {
        let side = try await StoreSide.make("R3")
        defer { Task { await side.fixture.close() } }
        try side.open(2)  // seqs 1...4
        let store = try await side.fixture.connect(
            as: side.policy.user, password: "store-password-\(side.storeID)")
        let foreign = ChainFixture.caseChange(seq: 100, id: "C-900", store: side.storeID)
        #expect(try await HQWriter.apply(store: side.storeID, changes: [foreign], on: store) == 100)
        try await store.close()

        let replicator = side.replicator { try side.target() }
        let running = Task { try await replicator.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { replicator.status.read().state == .failing })
        #expect(replicator.status.read().lastError?.contains("HQ has changes through seq 100") == true)
        #expect(try side.store.outboxBacklog().count == 4)  // nothing deleted here
        #expect(try await side.hqSeqs() == [100])
    }

    @Test func aMissingPasswordFileIsAFailureThatHealsWithoutARestart() async throws {
        let side = try await StoreSide.make("R4")
        defer { Task { await side.fixture.close() } }
        try side.open(1)
        let passwordFile = try #require(side.policy.passwordFile)
        let kept = try Data(contentsOf: URL(fileURLWithPath: passwordFile))
        try FileManager.default.removeItem(atPath: passwordFile)
        let replicator = side.replicator { try side.target() }
        let running = Task { try await replicator.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { replicator.status.read().state == .failing })
        let error = try #require(replicator.status.read().lastError)
        #expect(error == "cannot read the HQ password file \(passwordFile): no such file")
        try kept.write(to: URL(fileURLWithPath: passwordFile))
        #expect(try await Self.eventually { replicator.status.read().shippedSeq == 2 })
    }
}

/// Wraps a target: records each batch's seqs, fails the first calls, loses an answer.
///
/// Unchecked: the counters and the record are only touched under `lock`.
final class RecordingTarget: ReplicationTarget, @unchecked Sendable {
    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "HQ unreachable (test)" }
    }

    private let inner: any ReplicationTarget
    private let lock = NSLock()
    private var failuresLeft: Int
    private let loseAnswerOfCall: Int?
    private var calls = 0
    private var recorded: [[Int64]] = []
    private var lastSeqs = 0

    init(_ inner: any ReplicationTarget, failFirst: Int = 0, loseAnswerOfCall: Int? = nil) {
        self.inner = inner
        failuresLeft = failFirst
        self.loseAnswerOfCall = loseAnswerOfCall
    }

    var batches: [[Int64]] { lock.withLock { recorded } }
    var lastSeqCalls: Int { lock.withLock { lastSeqs } }

    /// Counts a call; true when it is to fail.
    private func call() -> (fail: Bool, number: Int) {
        lock.withLock {
            calls += 1
            guard failuresLeft > 0 else { return (false, calls) }
            failuresLeft -= 1
            return (true, calls)
        }
    }

    func lastSeq(store: String) async throws -> Int64 {
        if call().fail { throw Unreachable() }
        lock.withLock { lastSeqs += 1 }
        return try await inner.lastSeq(store: store)
    }

    func apply(store: String, changes: [OutboxChange]) async throws -> Int64 {
        let (fail, number) = call()
        if fail { throw Unreachable() }
        let seq = try await inner.apply(store: store, changes: changes)
        if !changes.isEmpty { lock.withLock { recorded.append(changes.map(\.seq)) } }
        if number == loseAnswerOfCall { throw Unreachable() }
        return seq
    }

    func run() async { await inner.run() }
}
