/// The rules in motion: opens cases, applies events and the passing of time to their clocks, and
/// says what changed. Pure: every instant is passed in, nothing is read from the system.
public struct Engine: Sendable {
    public let policy: Policy
    /// How far in the future an event may be dated (clock skew between store tills and the server).
    public var allowedSkewMillis: Int64 = 60_000

    public init(policy: Policy) {
        self.policy = policy
    }

    // MARK: Cases

    /// Opens a case at `opening.openedAt`, starts its clocks, and brings it up to `now`.
    public func open(_ opening: CaseOpening, now: Instant) throws(EngineError) -> (Case, [Effect]) {
        guard let kind = policy.kinds[opening.kind] else {
            throw .unknownCaseKind(opening.kind, known: policy.kinds.keys.sorted())
        }
        if let category = opening.category, !policy.categories.isEmpty, !policy.categories.contains(category) {
            throw .unknownCategory(category, known: policy.categories)
        }
        if let channel = opening.channel, !policy.channels.isEmpty, !policy.channels.contains(channel) {
            throw .unknownChannel(channel, known: policy.channels)
        }
        if opening.openedAt.millis > now.millis + allowedSkewMillis {
            throw .eventInFuture(eventAt: opening.openedAt, now: now)
        }
        let definitions = policy.clocks(for: kind.id, channel: opening.channel, amount: opening.amount)
        var record = Case(
            opening: opening, status: .open, lastEventAt: opening.openedAt,
            clocks: definitions.map { ClockState(name: $0.name) })
        var effects: [Effect] = []
        try apply(LifecycleEvent.opened, at: opening.openedAt, to: &record, effects: &effects)
        effects += advance(&record, to: now)
        return (record, effects)
    }

    /// Opens a case entered after the fact with the events that already happened on it, each at its
    /// own time and checked as `record` checks it, and only then brings it up to `now`: a clock
    /// those events met writes no breach. A refused event refuses the open (`.initialEvent`).
    public func open(_ opening: CaseOpening, events: [(kind: String, at: Instant)], now: Instant) throws(EngineError)
        -> (Case, [Effect])
    {
        guard !events.isEmpty else { return try open(opening, now: now) }
        if opening.openedAt.millis > now.millis + allowedSkewMillis {
            throw .eventInFuture(eventAt: opening.openedAt, now: now)
        }
        var (record, effects) = try open(opening, now: opening.openedAt)
        for (index, event) in events.enumerated() {
            do throws(EngineError) {
                if event.at.millis > now.millis + allowedSkewMillis {
                    throw EngineError.eventInFuture(eventAt: event.at, now: now)
                }
                // Up to the event's own time only: what falls due later may yet be met by the next.
                effects += try self.record(event.kind, at: event.at, on: &record, now: event.at)
            } catch {
                throw .initialEvent(index: index, error)
            }
        }
        effects += advance(&record, to: now)
        return (record, effects)
    }

    /// Records an event dated `at` on a case: the case is first brought up to `at`, the event
    /// applied, then the case brought up to `now`.
    public func record(_ event: String, at: Instant, on record: inout Case, now: Instant) throws(EngineError)
        -> [Effect]
    {
        // A case whose kind left the policy can still be resolved and closed: its clocks are frozen.
        let events = policy.kinds[record.kind]?.events ?? [LifecycleEvent.resolved, LifecycleEvent.closed]
        guard events.contains(event), event != LifecycleEvent.opened else {
            throw .unknownEventKind(
                event: event, caseKind: record.kind, known: events.subtracting([LifecycleEvent.opened]).sorted())
        }
        guard record.status != .closed else { throw .caseClosed(record.id) }
        if event == LifecycleEvent.resolved, record.status == .resolved { throw .alreadyResolved(record.id) }
        if at < record.opening.openedAt {
            throw .eventBeforeOpening(caseID: record.id, eventAt: at, openedAt: record.opening.openedAt)
        }
        if at < record.lastEventAt {
            throw .eventOutOfOrder(caseID: record.id, eventAt: at, lastEventAt: record.lastEventAt)
        }
        if at.millis > now.millis + allowedSkewMillis { throw .eventInFuture(eventAt: at, now: now) }

        // Work on a copy so that a failure leaves the case as it was.
        var updated = record
        var effects = advance(&updated, to: at)
        try apply(event, at: at, to: &updated, effects: &effects)
        effects += advance(&updated, to: now)
        record = updated
        return effects
    }

    // MARK: Time

    /// Brings every clock of the case up to `now`: warnings, breaches and escalations that fell
    /// due at or before `now` are returned, each once, in order of their due instants.
    public func advance(_ record: inout Case, to now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for index in record.clocks.indices where frozenReason(record.clocks[index], of: record) == nil {
            guard let definition = policy.clock(named: record.clocks[index].name) else { continue }
            advance(&record.clocks[index], definition, caseID: record.id, to: now, effects: &effects)
        }
        if effects.count > 1 {
            effects.sort { ($0.escalation?.dueAt ?? now) < ($1.escalation?.dueAt ?? now) }
        }
        return effects
    }

    /// How much of the clock's target is used at `now`: 0 at start, 1 at the deadline (pauses excluded).
    public func usedFraction(of clock: ClockState, at now: Instant) -> Double? {
        guard let definition = policy.clock(named: clock.name), clock.budgetMillis > 0,
            let calendar = policy.calendars[definition.calendar]
        else { return nil }
        var used = clock.usedMillis
        if let since = clock.runningSince, clock.status == .running || clock.status == .breached {
            used += calendar.openMillis(from: since, to: clock.satisfiedAt ?? now)
        }
        return Double(used) / Double(clock.budgetMillis)
    }

    private func advance(
        _ clock: inout ClockState, _ definition: ClockDefinition, caseID: String, to now: Instant,
        effects: inout [Effect]
    ) {
        while let due = clock.nextDue, due <= now, let deadline = clock.deadline {
            func entry(_ tier: Int, _ kind: Escalation.Kind) -> Effect {
                .escalation(
                    Escalation(
                        caseID: caseID, clock: clock.name, cycle: clock.cycle, tier: policy.tiers[tier].id,
                        kind: kind, dueAt: due, deadline: deadline))
            }
            switch clock.status {
            case .running where !clock.warned && clock.warnAt != nil && clock.warnAt! <= deadline:
                clock.warned = true
                effects.append(entry(definition.warnTier, .warning))
            case .running:
                clock.warned = true
                clock.status = .breached
                clock.escalatedTier = definition.escalateTo
                effects.append(entry(definition.escalateTo, .breach))
                clock.nextEscalationAt = nextEscalation(after: deadline, tier: definition.escalateTo, definition)
            case .breached:
                let tier = (clock.escalatedTier ?? definition.escalateTo) + 1
                guard tier < policy.tiers.count else {
                    clock.nextEscalationAt = nil  // the ladder ends here (frozenReason keeps this from happening)
                    return
                }
                clock.escalatedTier = tier
                effects.append(entry(tier, .breach))
                clock.nextEscalationAt = nextEscalation(after: due, tier: tier, definition)
            case .pending, .paused, .met, .cancelled:
                return
            }
        }
    }

    func nextEscalation(after instant: Instant, tier: Int, _ definition: ClockDefinition) -> Instant? {
        guard tier + 1 < policy.tiers.count, let every = definition.escalateEvery,
            let calendar = policy.calendars[definition.calendar]
        else { return nil }
        return calendar.deadline(from: instant, target: every)
    }

    // MARK: Events

    private func apply(_ event: String, at: Instant, to record: inout Case, effects: inout [Effect]) throws(EngineError)
    {
        for index in record.clocks.indices where frozenReason(record.clocks[index], of: record) == nil {
            // Frozen clocks, and every clock of a kind the policy lost, stay as they are until closed.
            guard policy.kinds[record.kind] != nil, let definition = policy.clock(named: record.clocks[index].name)
            else { continue }
            try apply(event, at: at, to: &record.clocks[index], definition, caseID: record.id, effects: &effects)
        }
        record.lastEventAt = at
        switch event {
        case LifecycleEvent.resolved:
            record.status = .resolved
            record.resolvedAt = at
        case LifecycleEvent.closed:
            record.status = .closed
            record.closedAt = at
            for index in record.clocks.indices {
                close(&record.clocks[index], caseID: record.id, effects: &effects)
            }
        default:
            break
        }
    }

    private func apply(
        _ event: String, at: Instant, to clock: inout ClockState, _ definition: ClockDefinition, caseID: String,
        effects: inout [Effect]
    ) throws(EngineError) {
        let calendar = policy.calendars[definition.calendar]!
        if definition.metBy.contains(event) {
            satisfy(&clock, at: at, calendar: calendar, caseID: caseID, effects: &effects)
        } else if definition.restartsOn.contains(event), clock.status != .met, clock.satisfiedAt == nil {
            try start(&clock, at: at, definition, calendar: calendar)
            effects.append(
                .clockRestarted(caseID: caseID, clock: clock.name, cycle: clock.cycle, deadline: clock.deadline!))
        } else if definition.pausesOn.contains(event), clock.status == .breached, clock.satisfiedAt == nil,
            let deadline = clock.deadline, at < deadline
        {
            // Recorded late: the clock was running then, but its breach has been escalated since.
            // Rewriting that history would unsay what managers were told; a late satisfying
            // event, by contrast, is credited (see `satisfy`).
            throw .pauseAfterBreach(caseID: caseID, clock: clock.name, eventAt: at, deadline: deadline)
        } else if definition.pausesOn.contains(event), clock.status == .running {
            clock.usedMillis += calendar.openMillis(from: clock.runningSince ?? at, to: at)
            clock.status = .paused
            clock.pausedAt = at
            clock.runningSince = nil
            clock.deadline = nil
            effects.append(.clockPaused(caseID: caseID, clock: clock.name, at: at))
        } else if definition.resumesOn.contains(event), clock.status == .paused {
            let remaining = max(0, clock.budgetMillis - clock.usedMillis)
            guard let deadline = calendar.advance(from: at, openMillis: remaining) else {
                throw .noDeadline(clock: definition.name, calendar: calendar.name)
            }
            clock.status = .running
            clock.pausedAt = nil
            clock.runningSince = at
            clock.deadline = deadline
            if !clock.warned, let fraction = definition.warnAt {
                let warnMillis = Int64(Double(clock.budgetMillis) * fraction) - clock.usedMillis
                clock.warnAt = calendar.advance(from: at, openMillis: max(0, warnMillis))
            }
            effects.append(.clockResumed(caseID: caseID, clock: clock.name, deadline: deadline))
        } else if definition.startsOn.contains(event), clock.status == .pending {
            try start(&clock, at: at, definition, calendar: calendar)
            effects.append(
                .clockStarted(caseID: caseID, clock: clock.name, cycle: clock.cycle, deadline: clock.deadline!))
        }
    }

    private func start(
        _ clock: inout ClockState, at: Instant, _ definition: ClockDefinition, calendar: BusinessCalendar
    ) throws(EngineError) {
        guard let deadline = calendar.deadline(from: at, target: definition.target) else {
            throw .noDeadline(clock: definition.name, calendar: calendar.name)
        }
        clock.status = .running
        clock.cycle += 1
        clock.startedAt = at
        clock.runningSince = at
        clock.deadline = deadline
        clock.budgetMillis = calendar.openMillis(from: at, to: deadline)
        clock.usedMillis = 0
        clock.pausedAt = nil
        clock.escalatedTier = nil
        clock.nextEscalationAt = nil
        clock.warned = definition.warnAt == nil
        clock.warnAt = definition.warnAt.flatMap {
            calendar.advance(from: at, openMillis: Int64(Double(clock.budgetMillis) * $0))
        }
    }

    private func satisfy(
        _ clock: inout ClockState, at: Instant, calendar: BusinessCalendar, caseID: String, effects: inout [Effect]
    ) {
        switch clock.status {
        case .running, .paused:
            if let since = clock.runningSince { clock.usedMillis += calendar.openMillis(from: since, to: at) }
            clock.status = .met
        case .breached where clock.satisfiedAt == nil:
            // An event recorded late but dated before the deadline was met in time after all.
            if let deadline = clock.deadline, at <= deadline { clock.status = .met }
        default:
            return
        }
        clock.satisfiedAt = at
        clock.runningSince = nil
        clock.nextEscalationAt = nil
        let lateBy = clock.deadline.map { max(0, at - $0) } ?? 0
        effects.append(.clockMet(caseID: caseID, clock: clock.name, at: at, lateByMillis: lateBy))
    }

    private func close(_ clock: inout ClockState, caseID: String, effects: inout [Effect]) {
        switch clock.status {
        case .pending, .running, .paused:
            clock.status = .cancelled
            clock.runningSince = nil
            clock.deadline = nil
            effects.append(.clockCancelled(caseID: caseID, clock: clock.name))
        case .breached:
            clock.nextEscalationAt = nil  // a closed case stops climbing; the breach stays on record
        case .met, .cancelled:
            break
        }
    }
}
