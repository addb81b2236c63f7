import Dispatch
import Logging
import SLAAPI
import SLACore
import SLAMessageIDs
import SLAStore
import Synchronization

/// The daemon's heart, and what routes, slad and tests call: writes go in, answers come out once
/// they are on disk, and clocks fall due on time. It ties two parts together on one serial queue,
/// which owns all their state:
///
/// - the `GroupCommitter`: every write waiting (`WriteInbox`) and whatever fell due, applied by
///   the engine and committed in one transaction (group commit), then answered;
/// - the `DeadlineScheduler`: the heap of every running clock's next instant, the one Dispatch
///   timer, the hot cases kept in memory, recovery at start.
///
/// A drain is one turn of that: take the writes, take what fell due (at most `sliceSize` cases, so
/// that a thousand clocks due at once are written, and visible, a slice at a time), commit, then
/// wake followers, tell the scheduler what changed, answer, and hand the log lines to a thread of
/// their own. In a burst the entries go first and the cases' rows follow once nothing is due
/// (`DeferredCaseRows`). If the commit fails nothing of it is kept and its writers are refused:
/// on a failure that may pass (disk full) the timer retries what fell due every second; on one
/// that will not, see `storeFailed`.
///
/// Unchecked: every stored property is a `let` of a Sendable type except `committer`,
/// `scheduler`, `lastFailure`, `failed`, `heartbeats` and the two flags below them, which are
/// touched only on `queue` (`dispatchPrecondition` checks it where it matters); the compiler
/// cannot see a queue's ownership.
public final class SLAService: @unchecked Sendable {
    public let store: Store
    public let notifier = EntryNotifier()
    private let clock: WallClock
    private let log: ServiceLog
    /// QoS default, not higher: libdispatch gives user-initiated threads nice -2, which an
    /// unprivileged process may not take (slad.service runs unprivileged, and cannot be given
    /// RLIMIT_NICE where systemd lacks CAP_SYS_RESOURCE); it logged "Failed to set thread priority".
    private let queue = DispatchQueue(label: "slad.scheduler", qos: .default)
    private let inbox = WriteInbox()
    /// The lines about each commit are written here, in order, while the scheduler goes on to the
    /// next commit: formatting 500 entries' lines took as long as committing them. On a thread of
    /// its own at a lower OS priority (see `LogThread`): on two cores a burst's 10,000 lines would
    /// otherwise take CPU from the commits and the followers reading them.
    private let logQueue = LogThread(name: "slad.scheduler.log")
    /// Read by any thread (routes read the policy); replaced on `queue` by a reload.
    private let engine: Mutex<Engine>
    private let board = StatusBoard()

    // Owned by `queue`.
    private let committer: GroupCommitter
    private let scheduler: DeadlineScheduler
    /// The last commit's failure, while it lasts: retried every second, or (with `failed`) not.
    private var lastFailure: StoreFailure?
    /// Set when what fell due cannot be written and a retry would fail the same way (a broken
    /// constraint, a damaged file): the timer stops and writes are refused until a restart;
    /// reads go on.
    private var failed: StoreFailure?
    private var heartbeats: [DispatchSourceTimer] = []
    /// Slices prepared ahead and committed, whose new state the scheduler has not taken in yet
    /// (`settle`).
    private var unabsorbed: [GroupCommit] = []
    /// The earliest next instant of a case in `unabsorbed`: the settle comes no later.
    private var unabsorbedNext: Instant?
    /// The journal lines wait (`LogThread.pause`) from an instant's first slice to `settle`.
    private var logPaused = false
    /// Set by `stop`: a drain queued before it does nothing.
    private var stopped = false
    /// A drain of rows left behind a burst is queued (`queueRowsDrain`).
    private var rowsDrainQueued = false
    /// Tests: drains do nothing between two `drainOnceForTesting` (a kill, if none follows).
    private var heldForTesting = false

    /// The timer never sleeps longer than this, so a step of the wall clock (NTP) is noticed soon.
    public static let maxTimerSpanMillis = DeadlineScheduler.maxTimerSpanMillis
    /// At most this many cases that fell due go in one commit: the rest follow in the next drain.
    /// Entries of a large burst become visible a slice at a time instead of all at the end, and
    /// writes arriving meanwhile wait for one slice, not the whole burst.
    static let sliceSize = 500
    /// Once a burst's rows wait behind its entries, what falls due is taken this many at a time:
    /// a slice of entries alone costs about 60% of one with its rows, and every commit is an fsync.
    static let burstSliceSize = 1_000
    /// The pause between two commits of a burst's rows (see `queueRowsDrain`).
    static let rowsPauseMillis = 10
    /// The pause after the last slice of an instant prepared ahead, before the scheduler takes its
    /// cases in (`settle`, about 5 µs a case): the followers catch up with the instant first.
    static let settlePauseMillis = 50

    public init(
        policy: Policy, store: Store, clock: WallClock = SystemClock(), logger: Logger, persist: Bool = true
    ) {
        self.store = store
        self.clock = clock
        self.log = ServiceLog(logger: logger)
        self.engine = Mutex(Engine(policy: policy))
        self.committer = GroupCommitter(store: store, clock: clock, persist: persist)
        self.scheduler = DeadlineScheduler(store: store, clock: clock, log: log)
    }

    public var policy: Policy { engine.withLock { $0.policy } }

    private var currentEngine: Engine { engine.withLock { $0 } }

    // MARK: Start and stop

    /// Loads every running clock's next instant from the store, writes once what fell due while
    /// slad was down, and arms the timer.
    public func start() throws -> RecoveryReport {
        try queue.sync {
            let engine = currentEngine
            try committer.recover()
            var group = committer.group(at: clock.now())
            let orphans = try scheduler.recover(engine, into: &group)
            let written = try committer.commit(&group, engine.policy)
            scheduler.absorb(group, engine)
            CommitMetrics.record(effects: group.effects, kindOf: { group.changed[$0]?.kind })
            CommitMetrics.record(entries: written)
            log.committed(ServiceLog.Commit(group, engine.policy, written: written, unpersisted: nil))
            let recomputed = try recomputeOpenCases(engine, atStart: true)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in
                guard let self else { return }
                self.scheduler.fired()
                self.drain()
            }
            scheduler.activate(timer)
            board.publish(currentStatus())
            return RecoveryReport(
                cases: scheduler.counters.openCases, runningClocks: scheduler.counters.runningClocks,
                lateEntries: written.count, maxLateMillis: written.map(\.lateMillis).max() ?? 0, orphans: orphans,
                recomputed: recomputed)
        }
    }

    /// Refuses new writes, commits those already taken, and stops the timer.
    public func stop() {
        inbox.close()
        queue.sync {
            while drain() {}
            stopped = true
            scheduler.stop()
            heartbeats.forEach { $0.cancel() }
            heartbeats = []
        }
        logQueue.flush()  // the last commits' lines, written
    }

    /// Tests: one drain (one slice of a burst, with the writes waiting), then nothing more until
    /// the next call: no timer, no queued drain. Without a next call, it is as if slad were killed
    /// right after that commit. Returns whether more was due.
    func drainOnceForTesting() -> Bool {
        queue.sync {
            heldForTesting = false
            let more = drain()
            heldForTesting = true
            scheduler.stop()
            return more
        }
    }

    /// Tests: how many cases are prepared ahead of the next instant (`PreparedInstant`).
    var preparedForTesting: Int {
        queue.sync { scheduler.prepared?.count ?? 0 }
    }

    /// Tests: nothing is prepared ahead (what the service writes without it).
    func neverPrepareForTesting() {
        queue.sync { scheduler.prepareLead = 0 }
    }

    /// Runs drains now, on the scheduler's queue, until nothing due is left: what the timer does
    /// when it fires. Tests that move a virtual clock call this instead of waiting for real time.
    public func runDue() {
        queue.sync {
            while drain() {}
        }
        logQueue.flush()
    }

    // MARK: Policy

    /// Replaces the policy, unless open cases use something it lacks (a kind, a clock, a tier or a
    /// calendar): then it is refused with what is missing and which cases use it, and the old
    /// policy stays. Running clocks keep their deadlines; new ones follow the new rules. Cases
    /// frozen since start that the new policy has everything for run again (what fell due while
    /// they were frozen is written at once, late). Running clocks then follow the new calendars and
    /// targets (`Engine.recompute` says the rule): what moved is returned.
    @discardableResult
    public func reload(policy: Policy) throws -> Recomputation {
        try queue.sync {
            let old = currentEngine
            // Prepared on the old rules: due again as committed, on the new ones.
            settle(old)
            scheduler.cancelPrepared(old)
            // The cases are read from the store below: every row left behind a burst goes first.
            try committer.writeDeferredRows(old.policy, sliceSize: Self.sliceSize)
            let new = Engine(policy: policy)
            if !policy.keepsEverything(of: old.policy) {
                var report = OrphanReport()
                try store.forEachOpenCase { record in
                    guard scheduler.orphaned[record.id] == nil else { return }
                    report.add(new.orphans(of: record, previous: old.policy), caseID: record.id)
                }
                guard report.isEmpty else { throw PolicyRefused(orphans: report) }
            }
            let frozen = try scheduler.frozenCases()  // before the swap: a failed read keeps the old policy
            engine.withLock { $0 = new }
            scheduler.thaw(frozen, new)
            // The policy is in force by now: a store that fails here leaves the rules unrecorded,
            // so the next reload or start recomputes again.
            var recomputed = Recomputation()
            do {
                recomputed = try recomputeOpenCases(new, atStart: false)
            } catch {
                log.recomputeFailed(error)
            }
            scheduler.arm()
            board.publish(currentStatus())
            return recomputed
        }
    }

    /// Recomputes the open cases on `engine`'s rules (when they changed; see
    /// `DeadlineScheduler.recompute`) and commits what moved and what fell due, in one transaction.
    private func recomputeOpenCases(_ engine: Engine, atStart: Bool) throws -> Recomputation {
        var group = committer.group(at: clock.now())
        guard let recomputed = try scheduler.recompute(engine, atStart: atStart, into: &group) else {
            return Recomputation()
        }
        let written = try committer.commit(&group, engine.policy)
        scheduler.absorb(group, engine)
        CommitMetrics.record(effects: group.effects, kindOf: { group.changed[$0]?.kind })
        if let last = written.last { notifier.published(upTo: last.id) }
        let commit = ServiceLog.Commit(group, engine.policy, written: written, unpersisted: nil)
        logQueue.async { [log] in
            CommitMetrics.record(entries: commit.written)
            log.committed(commit)
        }
        scheduler.recordRecomputed(engine.policy)
        return recomputed
    }

    // MARK: Writes

    public typealias Completion = @Sendable (Result<WriteResult, Error>) -> Void
    /// The entry as acknowledged (by whoever did first), or nil when there is no such entry.
    public typealias AckCompletion = @Sendable (Result<QueueEntry?, Error>) -> Void

    /// Opens a case in the next group commit; `done` runs on the scheduler's queue once it is on
    /// disk (or refused), so it should hand its work elsewhere (the API answers on its event loop).
    public func open(_ request: OpenCaseRequest, done: @escaping Completion) {
        submit(.open(request, done))
    }

    /// Records an event in the next group commit; `done` as for `open`.
    public func record(_ request: RecordEventRequest, on caseID: String, done: @escaping Completion) {
        submit(.event(caseID, request, done))
    }

    /// Records who acknowledged a queue entry in the next group commit; `done` as for `open`.
    public func acknowledge(entry id: Int64, by actor: String, note: String? = nil, done: @escaping AckCompletion) {
        submit(.ack(Acknowledgement(entryID: id, actor: actor, at: clock.now(), note: note), done))
    }

    public func open(_ request: OpenCaseRequest) async throws -> WriteResult {
        try await withCheckedThrowingContinuation { continuation in open(request) { continuation.resume(with: $0) } }
    }

    public func record(_ request: RecordEventRequest, on caseID: String) async throws -> WriteResult {
        try await withCheckedThrowingContinuation { continuation in
            record(request, on: caseID) { continuation.resume(with: $0) }
        }
    }

    public func acknowledge(entry id: Int64, by actor: String, note: String? = nil) async throws -> QueueEntry? {
        try await withCheckedThrowingContinuation { continuation in
            acknowledge(entry: id, by: actor, note: note) { continuation.resume(with: $0) }
        }
    }

    private func submit(_ write: PendingWrite) {
        switch inbox.submit(write) {
        case .queueDrain: queueDrain()
        case .taken: break
        case .refused: write.refuse(ServiceError.stopping)
        }
    }

    private func queueDrain() {
        queue.async { self.drain() }
    }

    // MARK: The drain: one group commit

    /// One group commit of the writes waiting and up to `sliceSize` cases due. Returns true when
    /// more cases are due than it took, or rows of a burst still wait (a drain for them is queued
    /// too). `rowsDue`: queued for the rows (`queueRowsDrain`), it writes a slice of them even if
    /// something fell due meanwhile.
    @discardableResult
    private func drain(rowsDue: Bool = false) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !heldForTesting, !stopped else { return false }
        let engine = currentEngine
        // An instant's slice prepared ahead goes before the writes waiting, alone (writes are
        // stamped at their own instant): a steady stream of writes must not hold the instant back.
        if failed == nil, let slice = takePreparedSlice(engine) {
            let more = commitGroup([], engine, prepared: slice)
            // This drain left the writes waiting, and may have been the one they queued.
            if more || inbox.hasPending { queueDrain() }
            board.publish(currentStatus(readingCold: false))
            return more
        }
        let writes = inbox.take()
        if let failed {
            let refusal = ServiceError.store(
                StoreFailure(kind: failed.kind, message: failed.message + "; slad writes nothing until restarted"))
            for write in writes { write.refuse(refusal) }
            return false
        }
        let more = commitGroup(writes, engine, rowsDue: rowsDue)
        // After the commit, not before: what fell due is never held up by the read-ahead (600
        // cases every 2 s beside a million clocks took 4 to 11 ms), nor by preparing the next instant.
        scheduler.prefetch(clock.now())
        if !more, failed == nil, lastFailure == nil, prepareNext(engine) { queueDrain() }
        board.publish(currentStatus(readingCold: false))
        return more
    }

    /// Applies `writes` and what fell due (or commits a slice `prepared` ahead), in one
    /// transaction, then answers and logs.
    private func commitGroup(
        _ writes: [PendingWrite], _ engine: Engine, rowsDue: Bool = false, prepared: GroupCommit? = nil
    ) -> Bool {
        var group = prepared ?? committer.group(at: clock.now())
        var more = false
        if prepared == nil {
            settle(engine)  // an instant's slices, committed: before this group reads their cases
            // `source` ends with this block: the rows waiting and the hot cases change in place after the commit.
            let source = committedCases
            for write in writes { group.apply(write, engine, from: source) }
            for case .failed(ServiceError.store(let failure)) in group.outcomes where !failure.retryable {
                log.readFailure(failure, caseID: nil)
            }
            let limit = source.waiting.isEmpty ? Self.sliceSize : Self.burstSliceSize
            more = scheduler.takeDue(into: &group, engine, limit: limit, waiting: source.waiting)
            // A prepared case this group writes is this group's now.
            scheduler.dropPrepared(group.touched)
        }
        more = more || scheduler.preparedDue
        // In a burst (more due than a slice, or rows of one still waiting) the entries go first.
        // The rows wait while more is due; then they follow a slice a commit: in a commit with
        // nothing due, or in the rows' own drains (so that a steady trickle of clocks falling due
        // cannot keep them waiting).
        let burst = more || !committer.deferred.isEmpty || committer.hasUnsettled
        let releasing = !more && (rowsDue || group.onlyAdvanced.isEmpty) ? Self.sliceSize : 0
        guard !group.isEmpty || !committer.deferred.isEmpty else {
            lastFailure = nil  // nothing left to write: whatever failed has passed
            scheduler.arm()
            return false
        }
        let written: [QueueEntry]
        do {
            written = try committer.commit(
                &group, engine.policy, deferring: burst, releasing: releasing, settleLater: prepared != nil)
        } catch {
            let failure = StoreFailure(error)
            settle(engine)
            scheduler.restore(group, engine)
            scheduler.cancelPrepared(engine)
            // Refused writers hear of it once what fell due beside them is written (or not): an
            // answer before that let them see a queue without the entries still being written.
            storeFailed(failure, hadWrites: group.hasWrites, engine)
            committer.answer(writes, group, source: committedCases, refusal: ServiceError.store(failure))
            return false
        }
        lastFailure = nil
        // Followers first: the entries are on disk, and they wait for nothing else.
        if let last = written.last { notifier.published(upTo: last.id) }
        if prepared != nil {
            // Taken in by the next drain of any other kind: the rest of the instant's slices, and
            // the followers reading them, go first.
            unabsorbed.append(group)
        } else {
            settle(engine)
            scheduler.absorb(group, engine)
        }
        CommitMetrics.record(effects: group.effects, kindOf: { group.changed[$0]?.kind })
        committer.answer(writes, group, source: committedCases)
        if !more { notifier.settled() }
        let commit = ServiceLog.Commit(
            group, engine.policy, written: written, unpersisted: committer.persist ? nil : group.batch)
        // The entries' counters follow with their lines: 8k instructions an entry, off the path
        // of the next slice.
        if !commit.isEmpty {
            logQueue.async { [log] in
                CommitMetrics.record(entries: commit.written)
                log.committed(commit)
            }
        }
        if more {
            if inbox.requestDrain() { queueDrain() }
        } else {
            scheduler.arm()
            if !unabsorbed.isEmpty {
                // Sooner when one of the instant's cases falls due again sooner.
                let untilNext = unabsorbedNext.map { max(0, Int($0 - clock.now())) } ?? Self.settlePauseMillis
                queueRowsDrain(pause: min(Self.settlePauseMillis, untilNext))
            } else if !committer.deferred.isEmpty {
                queueRowsDrain()
            }
        }
        return more || !committer.deferred.isEmpty || !unabsorbed.isEmpty
    }

    /// What the slices of an instant left for after it: the rows they leave are counted as waiting,
    /// and the scheduler takes in their cases' new state. Before anything else reads the cases.
    private func settle(_ engine: Engine) {
        if logPaused {
            logPaused = false
            logQueue.resume()
        }
        guard !unabsorbed.isEmpty || committer.hasUnsettled else { return }
        committer.settle()
        for group in unabsorbed { scheduler.absorb(group, engine) }
        unabsorbed.removeAll()
        unabsorbedNext = nil
    }

    /// The next slice of an instant prepared ahead, once it has come; its journal lines wait.
    private func takePreparedSlice(_ engine: Engine) -> GroupCommit? {
        let next = scheduler.prepared?.earliestNext
        guard let slice = scheduler.takePrepared(engine, sequence: committer.sequence) else { return nil }
        if let next { unabsorbedNext = min(unabsorbedNext ?? next, next) }
        if !logPaused {
            logPaused = true
            logQueue.pause()
        }
        return slice
    }

    /// Brings one more slice of the next instant's cases up to it, when many fall due then (see
    /// `PreparedInstant`). Returns true when more are left to prepare.
    private func prepareNext(_ engine: Engine) -> Bool {
        guard unabsorbed.isEmpty else { return false }  // the last instant first (`settle`)
        return scheduler.prepare(
            engine, limit: Self.burstSliceSize, sliceSize: Self.burstSliceSize, sequence: committer.sequence,
            waiting: committer.deferred.newest)
    }

    /// The rows a burst left behind follow a slice at a time, `rowsPauseMillis` apart: the
    /// followers reading the burst's entries get the cores first. One such drain queued at a time.
    private func queueRowsDrain(pause: Int = rowsPauseMillis) {
        guard !rowsDrainQueued else { return }
        rowsDrainQueued = true
        queue.asyncAfter(deadline: .now() + .milliseconds(pause)) {
            self.rowsDrainQueued = false
            self.drain(rowsDue: true)
        }
    }

    /// What a group commit reads a case from: rows still waiting behind their entries, the hot
    /// cases, else the store.
    private var committedCases: CommittedCases {
        var source = scheduler.committed
        source.waiting = committer.deferred.newest
        return source
    }

    /// After a failed commit, rolled back and its writers refused. A failure that may pass is
    /// retried every second, logged once. One that will not is logged at crit each time; what fell
    /// due is tried once more alone, as one of the writes may be what broke the rule (escalations
    /// must still go out). If what fell due fails alone, replaying it would fail the same way for
    /// ever: the timer stops, writes are refused, health says `failed`.
    private func storeFailed(_ failure: StoreFailure, hadWrites: Bool, _ engine: Engine) {
        if failure.retryable {
            if lastFailure?.message != failure.message { log.retrying(failure) }
            lastFailure = failure
            scheduler.arm(retry: true)
        } else if hadWrites {
            log.notRetried(failure, outcome: "its writes were refused; what fell due is written without them")
            _ = commitGroup([], engine)
        } else {
            log.notRetried(
                failure,
                outcome: "what fell due cannot be written: timers stopped and writes refused until slad is "
                    + "restarted; reads still served")
            lastFailure = failure
            failed = failure
            scheduler.halt()
        }
    }

    // MARK: Heartbeats and status

    /// Calls `beat` every `seconds` from the scheduler's own queue, with the current status. The
    /// watchdog ping goes through here: if the scheduler hangs, the pings stop and systemd restarts slad.
    public func startHeartbeat(every seconds: Double, _ beat: @escaping (ServiceStatus) -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: seconds, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let status = self.currentStatus()
            self.board.publish(status)
            beat(status)
        }
        queue.sync { heartbeats.append(timer) }
        timer.activate()
    }

    /// A snapshot for the status line and health: taken on the scheduler's queue.
    public func status() -> ServiceStatus {
        queue.sync { currentStatus() }
    }

    /// The status as of the last commit, start, reload or heartbeat: health reads it without
    /// waiting for the scheduler's queue, which may be in a commit's fsync. `nextClock` is nil
    /// when the next case due was not in memory then.
    public func snapshot() -> ServiceStatus {
        board.current
    }

    private func currentStatus(readingCold: Bool = true) -> ServiceStatus {
        dispatchPrecondition(condition: .onQueue(queue))
        let next = scheduler.next(readingCold: readingCold)
        return ServiceStatus(
            activeCases: scheduler.counters.openCases, runningClocks: scheduler.counters.runningClocks,
            nextDue: next?.due, nextCase: next?.caseID, nextClock: next?.clock, lastFailure: lastFailure?.message,
            storeFailed: failed != nil, orphanedCases: scheduler.orphaned.count,
            provisionalCases: scheduler.counters.provisionalCounts)
    }
}

/// A reload refused because open cases use what the new policy lacks.
public struct PolicyRefused: Error, CustomStringConvertible {
    public let orphans: OrphanReport

    public var description: String {
        "open cases use what the new policy lacks:\n" + orphans.description
            + "\nkeep these in the policy until the cases are closed (slactl event ID closed), or close them first"
    }
}
