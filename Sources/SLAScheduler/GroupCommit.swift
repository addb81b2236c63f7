import SLAAPI
import SLACore
import SLAStore

/// One group commit in the making: the writes taken and the cases that fell due, applied by the
/// engine to copies of their cases. Nothing here is anyone else's until the store has committed
/// it, so a failed commit is undone by dropping the value.
struct GroupCommit {
    /// What a write came to, in the order the writes were taken.
    enum Outcome {
        case done(caseID: String, replayed: Bool)
        case acknowledged(entryID: Int64)
        case failed(Error)

        /// A write that changes the store (a replay does not).
        var writes: Bool {
            switch self {
            case .done(_, let replayed): return !replayed
            case .acknowledged: return true
            case .failed: return false
            }
        }
    }

    let now: Instant
    private(set) var batch: WriteBatch
    /// The last case number given, this group's opens included.
    private(set) var sequence: Int64
    private(set) var outcomes: [Outcome] = []
    /// What the engine said, in order: logged once committed.
    private(set) var effects: [Effect] = []
    /// Every case this group changes, as it will be committed, and the order they were first touched.
    private(set) var changed: [String: Case] = [:]
    private(set) var touched: [String] = []
    /// Each touched case as last committed (nil: opened in this group).
    private(set) var committed: [String: Case?] = [:]
    /// The cases this group only brought up to now (no write touched them): their rows may be
    /// written after their entries (`DeferredCaseRows`).
    private(set) var onlyAdvanced: Set<String> = []
    /// Idempotency keys used within this group, with their fingerprints and cases.
    private var keys: [String: (fingerprint: String, caseID: String)] = [:]
    /// Set by `seal`: the batch is built, and only its stamp is left (a slice prepared ahead).
    private(set) var isSealed = false

    init(now: Instant, sequence: Int64) {
        self.now = now
        self.sequence = sequence
        self.batch = WriteBatch(writtenAt: now)
    }

    var isEmpty: Bool { touched.isEmpty && outcomes.isEmpty }

    /// True when some write of the group would change the store.
    var hasWrites: Bool { outcomes.contains(where: \.writes) }

    /// A case as this group has it: changed here, else as committed.
    func current(_ id: String, from source: CommittedCases) throws -> Case? {
        try changed[id] ?? source.record(id)
    }

    // MARK: Writes

    /// Applies one write. A retry of an earlier write (same idempotency key and request) is answered
    /// as before and not applied again; the same key with another request is refused.
    mutating func apply(_ write: PendingWrite, _ engine: Engine, from source: CommittedCases) {
        do {
            switch write {
            case .open(let request, _):
                if let answer = try replay(request.idempotencyKey, request.fingerprint, from: source) {
                    outcomes.append(answer)
                } else {
                    try open(request, engine)
                }
            case .event(let caseID, let request, _):
                let fingerprint = request.fingerprint(caseID: caseID)
                if let answer = try replay(request.idempotencyKey, fingerprint, from: source) {
                    outcomes.append(answer)
                } else {
                    try record(request, on: caseID, fingerprint: fingerprint, engine, from: source)
                }
            case .ack(let ack, _):
                batch.acknowledgements.append(ack)
                outcomes.append(.acknowledged(entryID: ack.entryID))
            }
        } catch let error as EngineError {
            outcomes.append(.failed(ServiceError.rule(error)))
        } catch let failure as StoreFailure {
            outcomes.append(.failed(ServiceError.store(failure)))
        } catch {
            outcomes.append(.failed(error))
        }
    }

    private mutating func open(_ request: OpenCaseRequest, _ engine: Engine) throws {
        let id = "C-\(sequence + 1)"
        let opening = CaseOpening(
            id: id, kind: request.kind, store: request.store, category: request.category,
            channel: request.channel, amount: request.amount, externalRef: request.externalRef,
            openedAt: request.openedAt ?? now)
        // Events sent with the open are applied before the case is brought up to now.
        let initial = request.events ?? []
        let (record, opened) = try engine.open(opening, events: initial.map { ($0.kind, $0.at ?? now) }, now: now)
        sequence += 1
        change(record, committed: nil)
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
    }

    private mutating func record(
        _ request: RecordEventRequest, on caseID: String, fingerprint: String, _ engine: Engine,
        from source: CommittedCases
    ) throws {
        guard var record = try current(caseID, from: source) else { throw ServiceError.rule(.unknownCase(caseID)) }
        let before = record
        let at = request.at ?? now
        effects += try engine.record(request.kind, at: at, on: &record, now: now)
        change(record, committed: before)
        batch.events.append(
            EventRecord(
                caseID: caseID, kind: request.kind, at: at, recordedAt: now, actor: request.actor,
                note: request.note, idempotencyKey: request.idempotencyKey))
        remember(request.idempotencyKey, fingerprint, caseID)
        outcomes.append(.done(caseID: caseID, replayed: false))
    }

    /// The earlier answer to a write with this key, from this group or the store.
    private func replay(_ key: String?, _ fingerprint: String, from source: CommittedCases) throws -> Outcome? {
        guard let key else { return nil }
        if let earlier = keys[key] {
            guard earlier.fingerprint == fingerprint else { throw ServiceError.idempotencyKeyReused(key) }
            return .done(caseID: earlier.caseID, replayed: true)
        }
        guard let answer = try source.answer(forKey: key) else { return nil }
        guard answer.fingerprint == fingerprint else { throw ServiceError.idempotencyKeyReused(key) }
        return .done(caseID: String(decoding: answer.response, as: UTF8.self), replayed: true)
    }

    private mutating func remember(_ key: String?, _ fingerprint: String, _ caseID: String) {
        guard let key else { return }
        keys[key] = (fingerprint, caseID)
        batch.answers.append(
            IdempotentAnswer(key: key, fingerprint: fingerprint, status: 200, response: Array(caseID.utf8)))
    }

    // MARK: What fell due

    /// Brings a case that fell due up to now (after any write of this group on it).
    mutating func advance(_ record: Case, _ engine: Engine) {
        var advanced = record
        effects += engine.advance(&advanced, to: now)
        if committed[record.id] == nil { onlyAdvanced.insert(record.id) }
        change(advanced, committed: record)
    }

    /// Adds a case the caller advanced itself, with what the engine said (recovery: only the
    /// cases with something to write join the group).
    mutating func add(_ record: Case, committed: Case, effects found: [Effect]) {
        effects += found
        change(record, committed: committed)
    }

    /// `committed` counts only the first time a case is touched: later changes in the group start
    /// from the group's own copy.
    private mutating func change(_ record: Case, committed before: Case?) {
        if committed[record.id] == nil {
            committed[record.id] = .some(before)
            touched.append(record.id)
        }
        changed[record.id] = record
    }

    // MARK: The batch

    /// The batch to commit, stamped `writtenAt`. With `catch-up = "highest-tier"`, of a clock with
    /// several entries in one commit (slad was down, the disk full, a case entered after the fact)
    /// only the highest tier is told; the others are written as skipped.
    mutating func sealed(_ policy: Policy, writtenAt: Instant) -> WriteBatch {
        if !isSealed { seal(policy) }
        batch.writtenAt = writtenAt
        return batch
    }

    /// Builds the batch from what the group did (nothing may change it after this).
    mutating func seal(_ policy: Policy) {
        isSealed = true
        batch.cases = touched.compactMap { changed[$0] }
        batch.committed = committed.compactMapValues { $0 }
        batch.escalations = effects.compactMap(\.escalation)
        batch.skipped = []
        if policy.delivery.catchUp == .highestTier, batch.escalations.count > 1 {
            (batch.escalations, batch.skipped) = Escalation.highestPerClock(batch.escalations, tiers: policy.tiers)
        }
    }
}

/// Where a group commit finds what is already committed: the scheduler's hot cases, else the store.
struct CommittedCases {
    let store: Store
    let hot: [String: Case]
    /// Cases whose rows wait behind their entries: newer than the store's rows.
    var waiting: [String: Case] = [:]

    func record(_ id: String) throws -> Case? {
        try waiting[id] ?? hot[id] ?? store.caseRecord(id: id)
    }

    func answer(forKey key: String) throws -> IdempotentAnswer? {
        try store.answer(forKey: key)
    }
}
