import Dispatch
import Foundation
import Logging
import SLAAPI
import SLACore
import SLAMessageIDs
import SLAStore

/// The daemon's heart: the engine's working set of active cases, the deadline heap, the one
/// Dispatch timer, and the group commit that makes every change durable before it is answered.
///
/// Only cases with something due soon (`hotWindowMillis`) or just touched are kept whole in memory;
/// the heap holds every case with a running clock as (instant, id), and a case is read back from
/// the store when it falls due or is written to. That keeps a million running clocks in tens of
/// megabytes, and makes recovery a scan of two columns.
///
/// Everything that changes state runs on one serial queue. Writes from the API wait in `pending`;
/// one drain takes all of them, plus every case whose deadline has come, applies them to the
/// engine, and commits them in a single transaction (group commit). Only then are callers answered
/// and the effects logged. If the commit fails, memory is rolled back to the committed state and
/// the writers are refused: on a failure that may pass (disk full) the timer retries what fell due
/// every second; on one that will not, see `storeFailed`.
///
/// Unchecked: the fields marked "owned by `queue`" are touched only on `queue`, the others under
/// `lock`; the compiler sees neither. (Splitting the service is issue 17's item 4.)
public final class SLAService: @unchecked Sendable {
    public let store: Store
    public let notifier = EntryNotifier()
    private let clock: WallClock
    private let logger: Logger
    /// False only for benchmarks (`slad --bench-no-persist`): drains skip the commit.
    private let persist: Bool
    /// QoS default, not higher: libdispatch gives user-initiated threads nice -2, which an
    /// unprivileged process may not take (slad.service runs unprivileged, and cannot be given
    /// RLIMIT_NICE where systemd lacks CAP_SYS_RESOURCE); it logged "Failed to set thread priority".
    private let queue = DispatchQueue(label: "slad.scheduler", qos: .default)
    private var timer: DispatchSourceTimer?

    // Owned by `queue`.
    /// The hot cases: due within `hotWindowMillis`, or just written.
    private var cases: [String: Case] = [:]
    /// Running clocks and open cases in all, kept up to date from each committed change.
    private var runningClocks = 0
    private var openCases = 0
    private var nextPrefetch = Instant(millis: 0)
    /// The read-ahead has loaded every case due up to here.
    private var prefetchedUpTo = Instant(millis: 0)
    /// Cold cases just written stay in memory until the cache grows past this (then a sweep).
    private var sweepAbove = SLAService.minimumSweepSize
    private var heap = DeadlineHeap()
    private var nextSequence: Int64 = 0
    /// The last commit's failure, while it lasts: retried every second, or (with `failed`) not.
    private var lastFailure: StoreFailure?
    /// Set when what fell due cannot be written and a retry would fail the same way (a broken
    /// constraint, a damaged file): the timer stops and writes are refused until a restart;
    /// reads go on.
    private var failed: StoreFailure?
    /// When the timer is set to fire next (by `clock`), so a drain that changes nothing earlier
    /// leaves it alone: re-arming a Dispatch timer wakes Dispatch's manager thread every time.
    private var armedFor: Instant?
    /// Open cases that use what the policy lacks (found at start): their clocks are frozen.
    private var orphaned: [String: [Orphan]] = [:]
    /// Open cases with a provisional deadline (past a calendar's holiday data), by calendar.
    private var provisional: [String: Set<String>] = [:]

    // Guarded by `lock`.
    private let lock = NSLock()
    private var published = ServiceStatus(
        activeCases: 0, runningClocks: 0, lastFailure: nil, storeFailed: false, orphanedCases: 0)
    private var engine: Engine
    private var pending: [PendingWrite] = []
    private var drainScheduled = false
    private var stopping = false

    /// The timer never sleeps longer than this, so a step of the wall clock (NTP) is noticed soon.
    public static let maxTimerSpanMillis: Int64 = 2_000
    /// After a failed commit, what fell due is retried this often.
    static let retryMillis: Int64 = 1_000
    /// Cases due within this are kept in memory (read ahead every `prefetchEveryMillis`).
    static let hotWindowMillis: Int64 = 600_000
    /// Small slices, often: each read-ahead decodes only the cases entering the window since the
    /// last one, so the scheduler queue is never held for long.
    static let prefetchEveryMillis: Int64 = 2_000
    static let minimumSweepSize = 50_000

    private enum PendingWrite {
        case open(OpenCaseRequest, Completion)
        case event(String, RecordEventRequest, Completion)
        case ack(Acknowledgement, AckCompletion)
    }

    private enum Outcome {
        case done(caseID: String, replayed: Bool)
        case acknowledged(entryID: Int64)
        case failed(Error)
    }

    public init(
        policy: Policy, store: Store, clock: WallClock = SystemClock(), logger: Logger, persist: Bool = true
    ) {
        self.engine = Engine(policy: policy)
        self.store = store
        self.clock = clock
        self.logger = logger
        self.persist = persist
    }

    public var policy: Policy { lock.withLock { engine.policy } }

    /// Replaces the policy, unless open cases use something it lacks (a kind, a clock, a tier or a
    /// calendar): then it is refused with what is missing and which cases use it, and the old
    /// policy stays. Running clocks keep their deadlines; new ones follow the new rules. Cases
    /// frozen since start that the new policy has everything for run again (what fell due while
    /// they were frozen is written at once, late).
    @discardableResult
    public func reload(policy: Policy) throws -> Recomputation {
        try queue.sync {
            let old = lock.withLock { engine }
            let new = Engine(policy: policy)
            if !policy.keepsEverything(of: old.policy) {
                var report = OrphanReport()
                try store.forEachOpenCase { record in
                    guard orphaned[record.id] == nil else { return }
                    report.add(new.orphans(of: record, previous: old.policy), caseID: record.id)
                }
                guard report.isEmpty else { throw PolicyRefused(orphans: report) }
            }
            // Read before the swap: a read that fails leaves the old policy in force, as reported.
            let frozen = try orphaned.keys.sorted().compactMap { try cases[$0] ?? store.caseRecord(id: $0) }
            lock.withLock { engine = new }
            for record in frozen {
                let still = new.orphans(of: record)
                orphaned[record.id] = still.isEmpty ? nil : still
                heap.schedule(record.id, at: new.nextDue(of: record))
            }
            recordCheckedShape(policy)
            // Running clocks follow the new calendars and targets (Engine.recompute says the rule).
            // The policy is in force by now: a store that fails here leaves the rules unrecorded,
            // so the next reload or start recomputes again.
            var recomputed = Recomputation()
            do {
                recomputed = try recomputeOpenCases(new, atStart: false)
            } catch {
                logger.error("deadlines not recomputed on the new policy (the next reload or start will): \(error)")
            }
            armTimer()
            publish(currentStatus())
            return recomputed
        }
    }

    /// The policy's deadline rules as last recomputed on: a start on others recomputes every open case.
    static let recomputedRulesKey = "recomputed-deadline-rules"

    /// Recomputes every open case on `engine`'s policy and commits, in one transaction, the cases
    /// whose clocks moved and the entries that fell due at once (late). Only when the rules differ
    /// from those of the last recompute, or at a start near a calendar's data end (to count the
    /// provisional deadlines, which commits keep counted from then on).
    private func recomputeOpenCases(_ engine: Engine, atStart: Bool) throws -> Recomputation {
        let now = clock.now()
        let rules = engine.policy.deadlineRulesFingerprint
        let today =
            engine.policy.storeCalendar.map { $0.date(of: now) } ?? CivilDate(dayNumber: Int(now.seconds / 86_400))
        guard
            try store.daemonState(Self.recomputedRulesKey) != rules
                || (atStart && !engine.policy.horizonWarnings(today: today).isEmpty)
        else { return Recomputation() }
        var result = Recomputation()
        var batch = WriteBatch(writtenAt: now)
        var changed: [(before: Case, after: Case)] = []
        _ = try store.forEachOpenCase { stored in
            guard orphaned[stored.id] == nil else { return }
            let before = cases[stored.id] ?? stored
            var record = before
            let recomputed = engine.recompute(&record, now: now)
            trackProvisional(record, engine)
            guard record != before else { return }
            result.add(recomputed)
            changed.append((before, record))
        }
        batch.cases = changed.map(\.after)
        batch.committed = Dictionary(changed.map { ($0.before.id, $0.before) }, uniquingKeysWith: { first, _ in first })
        batch.escalations = result.effects.compactMap(\.escalation)
        Self.catchUp(&batch, engine.policy)
        let written = batch.isEmpty ? [] : try store.commit(batch)
        for (before, after) in changed {
            runningClocks += after.runningClockCount - before.runningClockCount
            if cases[after.id] != nil
                || engine.nextDue(of: after).map({ $0 <= now.adding(millis: Self.hotWindowMillis) })
                    == true
            {
                cases[after.id] = after
            }
            heap.schedule(after.id, at: engine.nextDue(of: after))
        }
        for entry in written { log(entry) }
        if let last = written.last { notifier.published(upTo: last.id) }
        try? store.setDaemonState(Self.recomputedRulesKey, to: rules)
        return result
    }

    /// Keeps count of the open cases whose deadlines are provisional, by calendar (health says so).
    private func trackProvisional(_ record: Case, _ engine: Engine) {
        let calendars = Set(
            engine.provisionalClocks(of: record).compactMap { engine.policy.clock(named: $0.clock)?.calendar })
        for name in Set(provisional.keys).union(calendars) {
            if calendars.contains(name) && record.status != .closed {
                provisional[name, default: []].insert(record.id)
            } else {
                provisional[name]?.remove(record.id)
            }
        }
    }

    /// The policy shape whose open cases were last found to have everything they use.
    static let checkedShapeKey = "checked-policy-shape"

    /// Keeps the shape when no open case lacks anything, and forgets it otherwise: a later start
    /// on that shape must walk the cases again (cases opened meanwhile may lack what it lacks).
    private func recordCheckedShape(_ policy: Policy) {
        try? store.setDaemonState(Self.checkedShapeKey, to: orphaned.isEmpty ? policy.shape : nil)
    }

    /// Finds the open cases that use what the policy lacks, unless the policy has the shape of the
    /// last one found to have none (a start on an unchanged policy skips the walk).
    private func findOrphans(_ engine: Engine) throws -> OrphanReport {
        var report = OrphanReport()
        guard try store.daemonState(Self.checkedShapeKey) != engine.policy.shape else { return report }
        let unreadable = try store.forEachOpenCase { record in
            let found = engine.orphans(of: record)
            if !found.isEmpty { orphaned[record.id] = found }
            report.add(found, caseID: record.id)
        }
        if !unreadable.isEmpty {
            logger.critical(
                "\(unreadable.count) open cases cannot be read from the store: \(unreadable.prefix(20).joined(separator: ", "))",
                metadata: Self.fields(of: .corrupt))
        }
        recordCheckedShape(engine.policy)
        return report
    }

    // MARK: Start and stop

    /// Loads every running clock's next instant from the store, writes once what fell due while
    /// slad was down, and arms the timer.
    public func start() throws -> RecoveryReport {
        try queue.sync {
            nextSequence = try store.lastCaseSequence()
            openCases = try store.counts().openCases
            let engine = lock.withLock { self.engine }
            let orphans = try findOrphans(engine)
            let now = clock.now()
            for (id, due, running) in try store.scheduleIndex() {
                heap.schedule(id, at: due)
                runningClocks += running
            }
            var batch = WriteBatch(writtenAt: now)
            for var record in try store.casesDue(after: nil, upTo: now.adding(millis: Self.hotWindowMillis)) {
                let before = record.runningClockCount
                let effects = engine.advance(&record, to: now)
                if !effects.isEmpty {
                    batch.cases.append(record)
                    batch.escalations += effects.compactMap(\.escalation)
                }
                runningClocks += record.runningClockCount - before
                trackProvisional(record, engine)
                cases[record.id] = record
                heap.schedule(record.id, at: engine.nextDue(of: record))
            }
            nextPrefetch = now.adding(millis: Self.prefetchEveryMillis)
            prefetchedUpTo = now.adding(millis: Self.hotWindowMillis)
            Self.catchUp(&batch, engine.policy)
            batch.writtenAt = clock.now()
            let written = try store.commit(batch)
            for entry in written { log(entry) }
            let recomputed = try recomputeOpenCases(engine, atStart: true)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in
                self?.armedFor = nil  // a one-shot timer: fired, it is set no more
                self?.drain()
            }
            self.timer = timer
            timer.activate()
            armTimer()
            publish(currentStatus())
            return RecoveryReport(
                cases: openCases, runningClocks: runningClocks, lateEntries: written.count,
                maxLateMillis: written.map(\.lateMillis).max() ?? 0, orphans: orphans, recomputed: recomputed)
        }
    }

    /// Reads ahead the cases that entered the hot window since the last read-ahead.
    private func prefetch(_ now: Instant) {
        guard now >= nextPrefetch else { return }
        nextPrefetch = now.adding(millis: Self.prefetchEveryMillis)
        let horizon = now.adding(millis: Self.hotWindowMillis)
        let from = max(prefetchedUpTo, now)
        guard horizon > from, let upcoming = try? store.casesDue(after: from, upTo: horizon) else { return }
        prefetchedUpTo = horizon
        for record in upcoming where cases[record.id] == nil { cases[record.id] = record }
    }

    /// Drops from memory the cases with nothing due within the hot window, once there are many:
    /// recently written ones stay meanwhile, so a burst of events on a case does not re-read it.
    private func sweep(_ now: Instant, _ engine: Engine) {
        guard cases.count > sweepAbove else { return }
        let horizon = now.adding(millis: Self.hotWindowMillis)
        cases = cases.filter { _, record in engine.nextDue(of: record).map { $0 <= horizon } ?? false }
        sweepAbove = max(Self.minimumSweepSize, cases.count * 2)
    }

    /// Refuses new writes, commits those already taken, and stops the timer.
    public func stop() {
        lock.withLock { stopping = true }
        queue.sync {
            drain()
            timer?.cancel()
            timer = nil
            heartbeats.forEach { $0.cancel() }
            heartbeats = []
        }
    }

    /// Runs one drain now, on the scheduler's queue: what the timer does when it fires. Tests that
    /// move a virtual clock call this instead of waiting for real time.
    public func runDue() {
        queue.sync { drain() }
    }

    // MARK: Writes

    public func open(_ request: OpenCaseRequest) async throws -> WriteResult {
        try await withCheckedThrowingContinuation { continuation in open(request) { continuation.resume(with: $0) } }
    }

    public func record(_ request: RecordEventRequest, on caseID: String) async throws -> WriteResult {
        try await withCheckedThrowingContinuation { continuation in
            record(request, on: caseID) { continuation.resume(with: $0) }
        }
    }

    /// Opens a case in the next group commit; `done` runs on the scheduler's queue once it is on
    /// disk (or refused), so it should hand its work elsewhere (the API answers on its event loop).
    public func open(_ request: OpenCaseRequest, done: @escaping Completion) {
        submit(.open(request, done))
    }

    /// Records an event in the next group commit; `done` as for `open`.
    public func record(_ request: RecordEventRequest, on caseID: String, done: @escaping Completion) {
        submit(.event(caseID, request, done))
    }

    public typealias Completion = @Sendable (Result<WriteResult, Error>) -> Void
    /// The entry as acknowledged (by whoever did first), or nil when there is no such entry.
    public typealias AckCompletion = @Sendable (Result<QueueEntry?, Error>) -> Void

    /// Records who acknowledged a queue entry in the next group commit; `done` as for `open`.
    public func acknowledge(entry id: Int64, by actor: String, done: @escaping AckCompletion) {
        submit(.ack(Acknowledgement(entryID: id, actor: actor, at: clock.now()), done))
    }

    public func acknowledge(entry id: Int64, by actor: String) async throws -> QueueEntry? {
        try await withCheckedThrowingContinuation { continuation in
            acknowledge(entry: id, by: actor) { continuation.resume(with: $0) }
        }
    }

    private func submit(_ write: PendingWrite) {
        lock.lock()
        if stopping {
            lock.unlock()
            switch write {
            case .open(_, let done), .event(_, _, let done): done(.failure(ServiceError.stopping))
            case .ack(_, let done): done(.failure(ServiceError.stopping))
            }
            return
        }
        pending.append(write)
        let schedule = !drainScheduled
        drainScheduled = true
        lock.unlock()
        if schedule { queue.async { self.drain() } }
    }

    // MARK: The drain: one group commit

    private func drain() {
        dispatchPrecondition(condition: .onQueue(queue))
        let (writes, engine): ([PendingWrite], Engine) = lock.withLock {
            defer {
                pending = []
                drainScheduled = false
            }
            return (pending, self.engine)
        }
        if let failed {
            let refusal = ServiceError.store(
                StoreFailure(kind: failed.kind, message: failed.message + "; slad writes nothing until restarted"))
            reply(writes, writes.map { _ in .failed(refusal) })
            return
        }
        commitGroup(writes, engine)
        publish(currentStatus(readingCold: false))
    }

    /// Applies `writes` and whatever fell due, commits them in one transaction, then answers and logs.
    private func commitGroup(_ writes: [PendingWrite], _ engine: Engine) {
        let now = clock.now()
        var batch = WriteBatch(writtenAt: now)
        // Each touched case as committed before this drain (nil: opened in it), and which were hot.
        var originals: [String: Case?] = [:]
        var wereHot: Set<String> = []
        var touched: [String] = []
        let sequenceBefore = nextSequence
        var outcomes: [Outcome] = []
        var keysInBatch: [String: (fingerprint: String, caseID: String)] = [:]
        var effects: [Effect] = []

        func touch(_ id: String, committed: Case?) {
            if originals[id] == nil {
                originals[id] = .some(committed)
                if cases[id] != nil { wereHot.insert(id) }
                touched.append(id)
            }
        }
        prefetch(now)
        /// A retried write with a known key is answered as before, and not applied again.
        func replay(_ key: String?, _ fingerprint: @autoclosure () -> String) throws -> Outcome? {
            guard let key else { return nil }
            let fingerprint = fingerprint()
            if let earlier = keysInBatch[key] {
                guard earlier.fingerprint == fingerprint else { throw ServiceError.idempotencyKeyReused(key) }
                return .done(caseID: earlier.caseID, replayed: true)
            }
            guard let answer = try store.answer(forKey: key) else { return nil }
            guard answer.fingerprint == fingerprint else { throw ServiceError.idempotencyKeyReused(key) }
            return .done(caseID: String(decoding: answer.response, as: UTF8.self), replayed: true)
        }
        func remember(_ key: String?, _ fingerprint: @autoclosure () -> String, _ caseID: String) {
            guard let key else { return }
            let fingerprint = fingerprint()
            keysInBatch[key] = (fingerprint, caseID)
            batch.answers.append(
                IdempotentAnswer(key: key, fingerprint: fingerprint, status: 200, response: Array(caseID.utf8)))
        }

        for write in writes {
            do {
                switch write {
                case .open(let request, _):
                    if let answer = try replay(request.idempotencyKey, request.fingerprint) {
                        outcomes.append(answer)
                        continue
                    }
                    let id = "C-\(nextSequence + 1)"
                    let opening = CaseOpening(
                        id: id, kind: request.kind, store: request.store, category: request.category,
                        channel: request.channel, amount: request.amount, externalRef: request.externalRef,
                        openedAt: request.openedAt ?? now)
                    // Events sent with the open are applied before the case is brought up to now.
                    let initial = request.events ?? []
                    let (record, opened) = try engine.open(
                        opening, events: initial.map { ($0.kind, $0.at ?? now) }, now: now)
                    nextSequence += 1
                    touch(id, committed: nil)
                    cases[id] = record
                    effects += opened
                    batch.events.append(
                        EventRecord(
                            caseID: id, kind: LifecycleEvent.opened, at: opening.openedAt, recordedAt: now,
                            actor: request.actor, note: request.note, idempotencyKey: request.idempotencyKey))
                    for event in initial {
                        batch.events.append(
                            EventRecord(
                                caseID: id, kind: event.kind, at: event.at ?? now, recordedAt: now, actor: event.actor,
                                note: event.note, idempotencyKey: nil))
                    }
                    if let customer = request.customer { batch.contacts[id] = customer }
                    remember(request.idempotencyKey, request.fingerprint, id)
                    outcomes.append(.done(caseID: id, replayed: false))
                case .ack(let ack, _):
                    batch.acknowledgements.append(ack)
                    outcomes.append(.acknowledged(entryID: ack.entryID))
                case .event(let caseID, let request, _):
                    if let answer = try replay(request.idempotencyKey, request.fingerprint(caseID: caseID)) {
                        outcomes.append(answer)
                        continue
                    }
                    guard let committed = try cases[caseID] ?? store.caseRecord(id: caseID) else {
                        throw ServiceError.rule(.unknownCase(caseID))
                    }
                    var record = committed
                    let at = request.at ?? now
                    effects += try engine.record(request.kind, at: at, on: &record, now: now)
                    touch(caseID, committed: originals[caseID] ?? committed)
                    cases[caseID] = record
                    batch.events.append(
                        EventRecord(
                            caseID: caseID, kind: request.kind, at: at, recordedAt: now, actor: request.actor,
                            note: request.note, idempotencyKey: request.idempotencyKey))
                    remember(request.idempotencyKey, request.fingerprint(caseID: caseID), caseID)
                    outcomes.append(.done(caseID: caseID, replayed: false))
                }
            } catch let error as EngineError {
                outcomes.append(.failed(ServiceError.rule(error)))
            } catch let failure as StoreFailure {
                if !failure.retryable { logReadFailure(failure, caseID: nil) }
                outcomes.append(.failed(ServiceError.store(failure)))
            } catch {
                outcomes.append(.failed(error))
            }
        }

        for id in heap.popDue(now) {
            // Not hot: read it back (a case due is rarely cold: the prefetch reads ahead).
            let found: Case?
            do {
                found = try cases[id] ?? store.caseRecord(id: id)
            } catch {
                let failure = StoreFailure(error)
                if failure.retryable {
                    heap.schedule(id, at: now.adding(millis: Self.retryMillis))
                } else {
                    logReadFailure(failure, caseID: id)  // its clocks stop: nothing to advance
                }
                continue
            }
            guard let committed = found else { continue }
            var record = committed
            touch(id, committed: originals[id] ?? committed)
            effects += engine.advance(&record, to: now)
            cases[id] = record
        }

        batch.cases = touched.compactMap { cases[$0] }
        batch.committed = originals.compactMapValues { $0 }
        batch.escalations = effects.compactMap(\.escalation)
        Self.catchUp(&batch, engine.policy)
        batch.writtenAt = clock.now()
        let written: [QueueEntry]
        do {
            written = persist ? try store.commit(batch) : []
            lastFailure = nil
        } catch {
            // Back to the committed state: nothing answered, nothing logged.
            for (id, original) in originals {
                cases[id] = wereHot.contains(id) ? original : nil
                heap.schedule(id, at: original.flatMap(engine.nextDue(of:)))
            }
            nextSequence = sequenceBefore
            let failure = StoreFailure(error)
            let refusal = ServiceError.store(failure)
            reply(writes, outcomes.map { if case .failed = $0 { return $0 } else { return .failed(refusal) } })
            let hadWrites = outcomes.contains {
                switch $0 {
                case .done(_, false), .acknowledged: return true
                case .done, .failed: return false
                }
            }
            storeFailed(failure, hadWrites: hadWrites, engine)
            return
        }

        for id in touched {
            if orphaned[id] != nil, let record = cases[id], engine.orphans(of: record).isEmpty {
                orphaned[id] = nil  // closed, most likely
                if orphaned.isEmpty { recordCheckedShape(engine.policy) }
            }
            heap.schedule(id, at: cases[id].flatMap(engine.nextDue(of:)))
            if let record = cases[id] { trackProvisional(record, engine) }
            let before = originals[id] ?? nil
            runningClocks += (cases[id]?.runningClockCount ?? 0) - (before?.runningClockCount ?? 0)
            openCases +=
                (cases[id].map { $0.status != .closed } == true ? 1 : 0)
                - (before.map { $0.status != .closed } == true ? 1 : 0)
        }
        reply(writes, outcomes)
        for case .done(let caseID, false) in outcomes where originals[caseID] == .some(nil) { logOpened(caseID) }
        for effect in effects { log(effect) }
        for entry in written { log(entry) }
        if !persist { for escalation in batch.escalations { logUnpersisted(escalation, at: batch.writtenAt) } }
        if let last = written.last { notifier.published(upTo: last.id) }
        // Only what falls due soon stays in memory for good; the rest lives in the store until due.
        for id in touched where cases[id].flatMap(engine.nextDue(of:)) == nil { cases[id] = nil }
        sweep(now, engine)
        armTimer()
    }

    /// After a failed commit, rolled back and its writers refused. A failure that may pass is
    /// retried every second, logged once. One that will not is logged at crit each time; what fell
    /// due is tried once more alone, as one of the writes may be what broke the rule (escalations
    /// must still go out). If what fell due fails alone, replaying it would fail the same way for
    /// ever: the timer stops, writes are refused, health says `failed`.
    private func storeFailed(_ failure: StoreFailure, hadWrites: Bool, _ engine: Engine) {
        if failure.retryable {
            if lastFailure?.message != failure.message { logStoreFailure(failure, outcome: nil) }
            lastFailure = failure
            armTimer(retry: true)
        } else if hadWrites {
            logStoreFailure(failure, outcome: "its writes were refused; what fell due is written without them")
            commitGroup([], engine)
        } else {
            logStoreFailure(
                failure,
                outcome: "what fell due cannot be written: timers stopped and writes refused until slad is "
                    + "restarted; reads still served")
            lastFailure = failure
            failed = failure
        }
    }

    /// `catch-up = "highest-tier"`: of a clock with several entries in one commit (slad was down,
    /// the disk full, a case entered after the fact), only the highest tier is told.
    private static func catchUp(_ batch: inout WriteBatch, _ policy: Policy) {
        guard policy.delivery.catchUp == .highestTier, batch.escalations.count > 1 else { return }
        (batch.escalations, batch.skipped) = Escalation.highestPerClock(batch.escalations, tiers: policy.tiers)
    }

    private func reply(_ writes: [PendingWrite], _ outcomes: [Outcome]) {
        for (write, outcome) in zip(writes, outcomes) {
            let done: Completion
            switch write {
            case .open(_, let waiting), .event(_, _, let waiting): done = waiting
            case .ack(let ack, let waiting):
                switch outcome {
                case .failed(let error): waiting(.failure(error))
                default:
                    let read = Result { try store.entry(id: ack.entryID) }
                    waiting(read.mapError { ($0 as? StoreFailure).map(ServiceError.store) ?? $0 })
                }
                continue
            }
            switch outcome {
            case .failed(let error):
                done(.failure(error))
            case .acknowledged:
                break  // an acknowledgement's own answer, above
            case .done(let caseID, let replayed):
                if let record = cases[caseID] ?? (try? store.caseRecord(id: caseID)) ?? nil {
                    done(.success(WriteResult(record: record, replayed: replayed)))
                } else {
                    done(.failure(ServiceError.rule(.unknownCase(caseID))))
                }
            }
        }
    }

    private func armTimer(retry: Bool = false) {
        guard let timer, failed == nil else { return }
        let now = clock.now()
        var delay = Self.maxTimerSpanMillis
        if let due = heap.earliest() { delay = min(delay, max(0, due - now)) }
        if retry { delay = max(delay, Self.retryMillis) }
        let target = now.adding(millis: delay)
        // Already set to fire in time (a little early is harmless: that drain re-arms it). After
        // a backward step of the wall clock the old setting looks too far away, and is replaced.
        if !retry, let armedFor, armedFor > now, armedFor <= target, armedFor - now <= Self.maxTimerSpanMillis {
            return
        }
        armedFor = target
        timer.schedule(wallDeadline: .now() + .milliseconds(Int(delay)), leeway: .milliseconds(1))
    }

    // MARK: Heartbeats

    private var heartbeats: [DispatchSourceTimer] = []

    /// Calls `beat` every `seconds` from the scheduler's own queue, with the current status. The
    /// watchdog ping goes through here: if the scheduler hangs, the pings stop and systemd restarts slad.
    public func startHeartbeat(every seconds: Double, _ beat: @escaping (ServiceStatus) -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: seconds, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let status = self.currentStatus()
            self.publish(status)
            beat(status)
        }
        queue.sync { heartbeats.append(timer) }
        timer.activate()
    }

    // MARK: Status

    /// A snapshot for the status line and health: taken on the scheduler's queue.
    public func status() -> ServiceStatus {
        queue.sync { currentStatus() }
    }

    /// The status as of the last commit, start, reload or heartbeat: health reads it without
    /// waiting for the scheduler's queue, which may be in a commit's fsync. `nextClock` is nil
    /// when the next case due was not in memory then.
    public func snapshot() -> ServiceStatus {
        lock.withLock { published }
    }

    private func publish(_ status: ServiceStatus) {
        lock.withLock { published = status }
    }

    /// `readingCold`: the next case due is read from the store when not in memory (once a second
    /// for the heartbeat, never at the end of a commit).
    private func currentStatus(readingCold: Bool = true) -> ServiceStatus {
        dispatchPrecondition(condition: .onQueue(queue))
        var next: (Instant, String, String?)?
        if let (due, caseID) = heap.earliestEntry() {
            let record = cases[caseID] ?? (readingCold ? (try? store.caseRecord(id: caseID)) ?? nil : nil)
            let clock = record?.clocks.first { $0.nextDue == due }?.name
            next = (due, caseID, clock)
        }
        return ServiceStatus(
            activeCases: openCases, runningClocks: runningClocks, nextDue: next?.0, nextCase: next?.1,
            nextClock: next?.2, lastFailure: lastFailure?.message, storeFailed: failed != nil,
            orphanedCases: orphaned.count, provisionalCases: provisional.filter { !$0.value.isEmpty }.mapValues(\.count)
        )
    }

    // MARK: Logging

    /// The journal fields of an entry about a case (never a customer's name or phone).
    private func fields(_ caseID: String, clock: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["sla_case": "\(caseID)"]
        if let opening = cases[caseID]?.opening {
            metadata["sla_kind"] = "\(opening.kind)"
            metadata["sla_store"] = "\(opening.store)"
        }
        if let clock { metadata["sla_clock"] = "\(clock)" }
        return metadata
    }

    private func logOpened(_ caseID: String) {
        guard let record = cases[caseID] else { return }
        var metadata = fields(caseID)
        metadata["message_id"] = "\(MessageID.caseOpened)"
        // A case entered after the fact may have no clock running any more: say what each one is.
        var states: [String] = []
        for status in [ClockStatus.running, .breached, .met, .paused] {
            let names = record.clocks.filter { $0.status == status }.map(\.name)
            if !names.isEmpty { states.append("\(status.rawValue): \(names.joined(separator: ", "))") }
        }
        let clocks = states.isEmpty ? "no clock started" : states.joined(separator: "; ")
        logger.info("\(caseID) opened: \(record.kind) at \(record.opening.store); \(clocks)", metadata: metadata)
    }

    private func log(_ effect: Effect) {
        switch effect {
        case .clockStarted(let caseID, let clock, _, let deadline),
            .clockRestarted(let caseID, let clock, _, let deadline):
            var metadata = fields(caseID, clock: clock)
            metadata["sla_due"] = "\(deadline)"
            logger.debug("\(caseID) \(clock) running, due \(deadline)", metadata: metadata)
            logIfProvisional(caseID, clock, deadline)
        case .clockMet(let caseID, let clock, _, let lateBy):
            var metadata = fields(caseID, clock: clock)
            metadata["message_id"] = "\(MessageID.clockMet)"
            metadata["sla_late_ms"] = "\(lateBy)"
            logger.info("\(caseID) \(clock) met\(lateBy > 0 ? ", \(lateBy / 1000) s late" : "")", metadata: metadata)
        case .clockPaused(let caseID, let clock, _):
            logger.info("\(caseID) \(clock) paused", metadata: fields(caseID, clock: clock))
        case .clockResumed(let caseID, let clock, let deadline):
            var metadata = fields(caseID, clock: clock)
            metadata["sla_due"] = "\(deadline)"
            logger.info("\(caseID) \(clock) resumed, due \(deadline)", metadata: metadata)
            logIfProvisional(caseID, clock, deadline)
        case .clockCancelled, .escalation:
            break  // escalations are logged once written, from the queue entry
        }
    }

    /// A deadline counted past its calendar's holiday data: said at warning, with what to do.
    private func logIfProvisional(_ caseID: String, _ clock: String, _ deadline: Instant) {
        let policy = lock.withLock { engine.policy }
        guard let calendar = policy.clock(named: clock).flatMap({ policy.calendars[$0.calendar] }),
            let reason = calendar.provisionalReason(from: deadline, to: deadline)
        else { return }
        var metadata = fields(caseID, clock: clock)
        metadata["message_id"] = "\(MessageID.deadlineProvisional)"
        metadata["sla_due"] = "\(deadline)"
        logger.warning(
            "\(caseID) \(clock) due \(deadline) is provisional: \(reason); add the next year's holiday file and reload",
            metadata: metadata)
    }

    private func log(_ entry: QueueEntry) {
        let escalation = entry.escalation
        var metadata = fields(escalation.caseID, clock: escalation.clock)
        metadata["sla_kind"] = "\(entry.caseKind)"
        metadata["sla_store"] = "\(entry.store)"
        metadata["sla_tier"] = "\(escalation.tier)"
        metadata["sla_due"] = "\(escalation.dueAt)"
        metadata["sla_late_ms"] = "\(entry.lateMillis)"
        metadata["sla_entry"] = "\(entry.id)"
        let late = entry.lateMillis > 1000 ? " (written \(entry.lateMillis) ms late)" : ""
        let name = "\(escalation.caseID) \(escalation.clock)"
        if entry.state == .skipped {
            logger.info(
                "\(name) \(escalation.kind) to \(escalation.tier) skipped: a higher tier is told (catch-up)\(late)",
                metadata: metadata)
            return
        }
        switch escalation.kind {
        case .warning:
            metadata["message_id"] = "\(MessageID.clockWarning)"
            logger.notice(
                "\(name) warning to \(escalation.tier): due \(escalation.deadline)\(late)", metadata: metadata)
        case .breach where escalation.dueAt == escalation.deadline:
            metadata["message_id"] = "\(MessageID.clockBreached)"
            logger.warning("\(name) breached, escalated to \(escalation.tier)\(late)", metadata: metadata)
        case .breach:
            metadata["message_id"] = "\(MessageID.escalated)"
            logger.warning("\(name) still overdue, escalated to \(escalation.tier)\(late)", metadata: metadata)
        }
    }

    /// `--bench-no-persist`: an escalation that was not written, logged like an entry, with its lateness.
    private func logUnpersisted(_ escalation: Escalation, at writtenAt: Instant) {
        var metadata = fields(escalation.caseID, clock: escalation.clock)
        metadata["sla_tier"] = "\(escalation.tier)"
        metadata["sla_due"] = "\(escalation.dueAt)"
        metadata["sla_late_ms"] = "\(max(0, writtenAt - escalation.dueAt))"
        logger.warning(
            "\(escalation.caseID) \(escalation.clock) \(escalation.kind) to \(escalation.tier), not persisted",
            metadata: metadata)
    }

    /// The journal fields of every store failure.
    private static func fields(of kind: StoreFailure.Kind) -> Logger.Metadata {
        ["message_id": "\(MessageID.storeFailed)", "sla_store_error": "\(kind.rawValue)"]
    }

    /// A retryable failure at `error`; one that is not at `crit`, with its statement (never its
    /// arguments: they hold customer data) and what became of the batch (`outcome`).
    private func logStoreFailure(_ failure: StoreFailure, outcome: String?) {
        let metadata = Self.fields(of: failure.kind)
        guard let outcome else {
            logger.error(
                "store write failed, retrying every \(Self.retryMillis) ms: \(failure.message)", metadata: metadata)
            return
        }
        let statement = failure.statement ?? "none"
        logger.critical(
            "store write failed, not retried: \(failure.message) (statement: \(statement)); \(outcome)",
            metadata: metadata)
    }

    /// A case row or an answer that cannot be read for a reason a retry does not cure.
    private func logReadFailure(_ failure: StoreFailure, caseID: String?) {
        var metadata = Self.fields(of: failure.kind)
        if let caseID { metadata["sla_case"] = "\(caseID)" }
        let what = caseID.map { "\($0) cannot be read, its clocks are not run" } ?? "a write was refused"
        logger.critical("store read failed (\(what)): \(failure.message)", metadata: metadata)
    }
}

public struct ServiceStatus: Sendable, Codable {
    public var activeCases: Int
    public var runningClocks: Int
    public var nextDue: Instant?
    public var nextCase: String?
    public var nextClock: String?
    /// What the store's last failure said, while it lasts.
    public var lastFailure: String?
    /// True once a failure that a retry does not cure stopped the timer (health `failed`).
    public var storeFailed: Bool
    /// Open cases with frozen clocks: they use what the policy lacks.
    public var orphanedCases: Int
    /// Open cases with a provisional deadline, by calendar (its holiday data ends before it).
    public var provisionalCases: [String: Int] = [:]
}

/// A reload refused because open cases use what the new policy lacks.
public struct PolicyRefused: Error, CustomStringConvertible {
    public let orphans: OrphanReport

    public var description: String {
        "open cases use what the new policy lacks:\n" + orphans.description
            + "\nkeep these in the policy until the cases are closed (slactl event ID closed), or close them first"
    }
}
