import Dispatch
import SLACore
import SLAStore
import Synchronization

/// Every running clock's next instant in one min-heap, and one wall-clock Dispatch timer armed for
/// the earliest: a million clocks without a million timers.
///
/// Only cases with something due soon (`hotWindowMillis`) or just written are kept whole in memory
/// (`hot`); the heap holds every case with a running clock as (instant, id), and a case is read
/// back from the store when it falls due or is written to. That keeps a million running clocks in
/// tens of megabytes, and makes recovery a scan of two columns.
///
/// It changes nothing by itself: a group commit takes what fell due (`takeDue`), and once that is
/// on disk the scheduler learns the new state of every case it touched (`absorb`), or, if the
/// commit failed, puts what it took back (`restore`). Owned by the queue its timer runs on.
final class DeadlineScheduler {
    /// The timer never sleeps longer than this, so a step of the wall clock (NTP) is noticed soon.
    static let maxTimerSpanMillis: Int64 = 2_000
    /// After a failed commit, what fell due is retried this often.
    static let retryMillis: Int64 = 1_000
    /// Cases due within this are kept in memory (read ahead every `prefetchEveryMillis`).
    static let hotWindowMillis: Int64 = 600_000
    /// Small slices, often: each read-ahead decodes only the cases entering the window since the
    /// last one, so the scheduler queue is never held for long.
    static let prefetchEveryMillis: Int64 = 2_000
    static let minimumSweepSize = 50_000

    let store: Store
    private let clock: WallClock
    private let log: ServiceLog
    private var timer: DispatchSourceTimer?
    /// When the timer is set to fire next (by `clock`), so a drain that changes nothing earlier
    /// leaves it alone: re-arming a Dispatch timer wakes Dispatch's manager thread every time.
    private var armedFor: Instant?
    /// Set when what fell due cannot be written and never will be: the timer stays off.
    private var halted = false

    private var heap = DeadlineHeap()
    /// The hot cases: due within `hotWindowMillis`, or just written.
    private(set) var hot: [String: Case] = [:]
    private var nextPrefetch = Instant(millis: 0)
    /// The read-ahead has loaded every case due up to here.
    private var prefetchedUpTo = Instant(millis: 0)
    /// Cold cases just written stay in memory until the cache grows past this (then a sweep).
    private var sweepAbove = DeadlineScheduler.minimumSweepSize
    private(set) var counters = CaseCounters()
    /// Open cases that use what the policy lacks (found at start): their clocks are frozen.
    private(set) var orphaned: [String: [Orphan]] = [:]

    init(store: Store, clock: WallClock, log: ServiceLog) {
        self.store = store
        self.clock = clock
        self.log = log
    }

    /// The committed state a group commit reads: the hot cases, else the store.
    var committed: CommittedCases { CommittedCases(store: store, hot: hot) }

    // MARK: Recovery

    /// Loads every running clock's next instant and the cases due within the hot window, and
    /// puts in `group` those with something due already (slad was down): written once, late.
    func recover(_ engine: Engine, into group: inout GroupCommit) throws -> OrphanReport {
        let now = group.now
        // The hot window's cases are read and decoded on another core while this one builds the
        // heap: the two halves of a start beside a million clocks take about as long each.
        let upcoming = BackgroundRead { [store] in
            try store.casesDue(after: nil, upTo: now.adding(millis: Self.hotWindowMillis))
        }
        counters.openCases = try store.counts().openCases
        let orphans = try findOrphans(engine)
        for (id, due, running) in try store.scheduleIndex() {
            heap.schedule(id, at: due)
            counters.runningClocks += running
        }
        for record in try upcoming.value() {
            var advanced = record
            let effects = engine.advance(&advanced, to: now)
            if effects.isEmpty {
                hot[record.id] = record
                heap.schedule(record.id, at: engine.nextDue(of: record))
                counters.trackProvisional(record, engine)
            } else {
                group.add(advanced, committed: record, effects: effects)
            }
        }
        nextPrefetch = now.adding(millis: Self.prefetchEveryMillis)
        prefetchedUpTo = now.adding(millis: Self.hotWindowMillis)
        return orphans
    }

    /// The policy shape whose open cases were last found to have everything they use.
    static let checkedShapeKey = "checked-policy-shape"

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
        if !unreadable.isEmpty { log.unreadableOpenCases(unreadable) }
        recordCheckedShape(engine.policy)
        return report
    }

    /// Keeps the shape when no open case lacks anything, and forgets it otherwise: a later start
    /// on that shape must walk the cases again (cases opened meanwhile may lack what it lacks).
    func recordCheckedShape(_ policy: Policy) {
        try? store.setDaemonState(Self.checkedShapeKey, to: orphaned.isEmpty ? policy.shape : nil)
    }

    /// The frozen cases as committed, read before a reload swaps the policy (a read that fails
    /// leaves the old policy in force).
    func frozenCases() throws -> [Case] {
        try orphaned.keys.sorted().compactMap { try hot[$0] ?? store.caseRecord(id: $0) }
    }

    /// The policy's deadline rules as last recomputed on: a start on others recomputes every open case.
    static let recomputedRulesKey = "recomputed-deadline-rules"

    /// Recomputes every open case on `engine`'s policy (`Engine.recompute` says the rule) and puts
    /// in `group` the cases whose clocks moved, with what fell due at once (late). Only when the
    /// rules differ from those of the last recompute, or at a start near a calendar's data end (to
    /// count the provisional deadlines, which commits keep counted from then on): else nil.
    func recompute(_ engine: Engine, atStart: Bool, into group: inout GroupCommit) throws -> Recomputation? {
        let now = group.now
        let today =
            engine.policy.storeCalendar.map { $0.date(of: now) } ?? CivilDate(dayNumber: Int(now.seconds / 86_400))
        guard
            try store.daemonState(Self.recomputedRulesKey) != engine.policy.deadlineRulesFingerprint
                || (atStart && !engine.policy.horizonWarnings(today: today).isEmpty)
        else { return nil }
        var result = Recomputation()
        _ = try store.forEachOpenCase { stored in
            guard orphaned[stored.id] == nil else { return }
            let before = hot[stored.id] ?? stored
            var record = before
            let recomputed = engine.recompute(&record, now: now)
            counters.trackProvisional(record, engine)
            guard record != before else { return }
            result.add(recomputed)
            group.add(record, committed: before, effects: recomputed.effects)
        }
        return result
    }

    /// The recompute on `policy`'s rules is committed: a start on the same rules skips the walk.
    func recordRecomputed(_ policy: Policy) {
        try? store.setDaemonState(Self.recomputedRulesKey, to: policy.deadlineRulesFingerprint)
    }

    /// After a reload: each frozen case that the new policy has everything for runs again.
    func thaw(_ frozen: [Case], _ engine: Engine) {
        for record in frozen {
            let still = engine.orphans(of: record)
            orphaned[record.id] = still.isEmpty ? nil : still
            heap.schedule(record.id, at: engine.nextDue(of: record))
        }
        recordCheckedShape(engine.policy)
    }

    // MARK: What falls due

    /// Reads ahead the cases that entered the hot window since the last read-ahead.
    func prefetch(_ now: Instant) {
        guard now >= nextPrefetch else { return }
        nextPrefetch = now.adding(millis: Self.prefetchEveryMillis)
        let horizon = now.adding(millis: Self.hotWindowMillis)
        let from = max(prefetchedUpTo, now)
        guard horizon > from, let upcoming = try? store.casesDue(after: from, upTo: horizon) else { return }
        prefetchedUpTo = horizon
        for record in upcoming where hot[record.id] == nil { hot[record.id] = record }
    }

    /// Takes up to `limit` of the cases due by the group's instant and brings them up to it in
    /// `group`. Returns true when more are due than it took. `waiting`: cases whose rows are not
    /// yet written (`DeferredCaseRows`), read before the hot cases and the store.
    func takeDue(
        into group: inout GroupCommit, _ engine: Engine, limit: Int, waiting: [String: Case] = [:]
    ) -> Bool {
        let now = group.now
        var source = committed
        source.waiting = waiting
        let due = heap.popDue(now, limit: limit)
        for id in due.ids {
            // Not hot: read it back (a case due is rarely cold: the prefetch reads ahead).
            let found: Case?
            do {
                found = try group.current(id, from: source)
            } catch {
                let failure = StoreFailure(error)
                if failure.retryable {
                    heap.schedule(id, at: now.adding(millis: Self.retryMillis))
                } else {
                    log.readFailure(failure, caseID: id)  // its clocks stop: nothing to advance
                }
                continue
            }
            if let found { group.advance(found, engine) }
        }
        return due.more
    }

    /// The group is on disk: each case it touched is scheduled at its next instant and counted,
    /// and stays in memory while it has one (until a sweep, if that is far off).
    func absorb(_ group: GroupCommit, _ engine: Engine) {
        for id in group.touched {
            let record = group.changed[id]
            let next = record.flatMap(engine.nextDue(of:))
            if orphaned[id] != nil, let record, engine.orphans(of: record).isEmpty {
                orphaned[id] = nil  // closed, most likely
                if orphaned.isEmpty { recordCheckedShape(engine.policy) }
            }
            heap.schedule(id, at: next)
            counters.count(before: group.committed[id] ?? nil, after: record)
            if let record { counters.trackProvisional(record, engine) }
            hot[id] = next == nil ? nil : record
        }
        sweep(group.now, engine)
    }

    /// The group failed: what it took is due again as committed (memory never saw its changes).
    func restore(_ group: GroupCommit, _ engine: Engine) {
        for (id, committed) in group.committed {
            heap.schedule(id, at: committed.flatMap(engine.nextDue(of:)))
        }
    }

    /// Drops from memory the cases with nothing due within the hot window, once there are many:
    /// recently written ones stay meanwhile, so a burst of events on a case does not re-read it.
    private func sweep(_ now: Instant, _ engine: Engine) {
        guard hot.count > sweepAbove else { return }
        let horizon = now.adding(millis: Self.hotWindowMillis)
        hot = hot.filter { _, record in engine.nextDue(of: record).map { $0 <= horizon } ?? false }
        sweepAbove = max(Self.minimumSweepSize, hot.count * 2)
    }

    // MARK: Many due at one instant

    /// The cases due at the next instant are brought up to it this long before it...
    static let prepareLeadMillis: Int64 = 1_000
    /// `prepareLeadMillis`, or 0 (tests: never prepare).
    var prepareLead = DeadlineScheduler.prepareLeadMillis
    /// ...when at least this many fall due then (fewer are one commit anyway).
    static let prepareAtLeast = 500

    /// The next instant's cases, brought up to it ahead (see `PreparedInstant`).
    private(set) var prepared: PreparedInstant?
    /// The last instant found to have too few cases to prepare: not looked at again.
    private var declined: Instant?
    /// The last instant the timer was set to wake a lead before (once for each).
    private var wokenBefore: Instant?

    /// Prepares up to `limit` more cases due at the next instant, when it is within
    /// `prepareLeadMillis` and has at least `prepareAtLeast` due. Returns true when more are left
    /// to prepare. `waiting`: cases whose rows are not yet written, read first.
    func prepare(_ engine: Engine, limit: Int, sliceSize: Int, sequence: Int64, waiting: [String: Case]) -> Bool {
        let now = clock.now()
        guard let next = heap.earliest(), next > now, next - now < prepareLead, next != declined,
            prepared.map({ $0.at == next }) ?? true
        else { return false }
        let taken = heap.popDue(next, limit: limit)
        if prepared == nil, !taken.more, taken.ids.count < Self.prepareAtLeast {
            for id in taken.ids { heap.schedule(id, at: next) }
            declined = next
            return false
        }
        var source = committed
        source.waiting = waiting
        var instant = prepared ?? PreparedInstant(at: next, sliceSize: sliceSize)
        defer { prepared = instant }
        for (index, id) in taken.ids.enumerated() {
            do {
                if let base = try source.record(id) { instant.add(base, engine, sequence: sequence) }
            } catch {
                // Left to the usual path, which reads it again when it falls due.
                for left in taken.ids[index...] { heap.schedule(left, at: next) }
                return false
            }
        }
        if !taken.more { instant.seal(engine.policy) }
        return taken.more
    }

    /// The next prepared slice, once its instant has come.
    func takePrepared(_ engine: Engine, sequence: Int64) -> GroupCommit? {
        guard let at = prepared?.at, at <= clock.now() else { return nil }
        let slice = prepared?.take(engine, sequence: sequence)
        if prepared?.isEmpty ?? false { prepared = nil }
        return slice
    }

    /// True when a prepared slice is waiting for a commit now.
    var preparedDue: Bool {
        prepared.map { $0.at <= clock.now() } ?? false
    }

    /// These cases are being written by a group of their own: out of the preparation.
    func dropPrepared(_ caseIDs: [String]) {
        prepared?.drop(caseIDs)
    }

    /// Gives the preparation up: its cases go back on the heap as committed.
    func cancelPrepared(_ engine: Engine) {
        guard let instant = prepared else { return }
        prepared = nil
        for base in instant.remaining { heap.schedule(base.id, at: engine.nextDue(of: base)) }
    }

    /// The earliest instant something falls due: on the heap, or prepared.
    private func earliestDue() -> Instant? {
        let onHeap = heap.earliest()
        guard let at = prepared?.at else { return onHeap }
        return onHeap.map { min($0, at) } ?? at
    }

    // MARK: The timer

    /// Takes the timer (made on the queue, its handler set) and arms it.
    func activate(_ timer: DispatchSourceTimer) {
        self.timer = timer
        timer.activate()
        arm()
    }

    /// The timer fired: a one-shot timer, it is set no more.
    func fired() {
        armedFor = nil
    }

    /// Sets the timer for the earliest instant (at most `maxTimerSpanMillis` away); with `retry`,
    /// not sooner than `retryMillis`.
    func arm(retry: Bool = false) {
        guard let timer, !halted else { return }
        let now = clock.now()
        var delay = Self.maxTimerSpanMillis
        var wakingBefore: Instant?
        if let due = earliestDue() {
            delay = min(delay, max(0, due - now))
            // Woken once a lead before the next instant, to prepare it.
            if prepared == nil, due != declined, due != wokenBefore, prepareLead > 0, due - now >= prepareLead,
                case let early = due - now - prepareLead + 1, early < delay
            {
                delay = early
                wakingBefore = due
            }
        }
        if retry { delay = max(delay, Self.retryMillis) }
        let target = now.adding(millis: delay)
        // Already set to fire in time (a little early is harmless: that drain re-arms it). After
        // a backward step of the wall clock the old setting looks too far away, and is replaced.
        if !retry, let armedFor, armedFor > now, armedFor <= target, armedFor - now <= Self.maxTimerSpanMillis {
            return
        }
        armedFor = target
        if let wakingBefore { wokenBefore = wakingBefore }
        timer.schedule(wallDeadline: .now() + .milliseconds(Int(delay)), leeway: .milliseconds(1))
    }

    /// What fell due can never be written: the timer stays off until a restart.
    func halt() {
        halted = true
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    // MARK: Status

    /// The next clock due, for the status line: `readingCold` reads its case from the store when
    /// it is not in memory (once a second for the heartbeat, never at the end of a commit).
    func next(readingCold: Bool) -> (due: Instant, caseID: String, clock: String?)? {
        if let instant = prepared, let first = instant.first, heap.earliest().map({ instant.at <= $0 }) ?? true {
            return (instant.at, first.id, first.clocks.first { $0.nextDue == instant.at }?.name)
        }
        guard let (due, caseID) = heap.earliestEntry() else { return nil }
        let record = hot[caseID] ?? (readingCold ? (try? store.caseRecord(id: caseID)) ?? nil : nil)
        return (due, caseID, record?.clocks.first { $0.nextDue == due }?.name)
    }
}

/// A read run on a thread of its own, its result taken later (`value` waits for it).
private final class BackgroundRead<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ read: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async {
            let outcome = Result { try read() }
            self.result.withLock { $0 = outcome }
            self.done.signal()
        }
    }

    func value() throws -> Value {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
