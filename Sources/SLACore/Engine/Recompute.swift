/// A running clock whose deadline a new policy moved.
public struct DeadlineMove: Hashable, Sendable {
    public let caseID: String
    public let clock: String
    public let from: Instant
    public let to: Instant

    public init(caseID: String, clock: String, from: Instant, to: Instant) {
        self.caseID = caseID
        self.clock = clock
        self.from = from
        self.to = to
    }

    public var isEarlier: Bool { to < from }
}

/// What recomputing cases on a new policy did: the deadlines that moved, and the entries that fell
/// due at once because a deadline moved into the past (written now, so marked late).
public struct Recomputation: Sendable {
    public var moves: [DeadlineMove] = []
    public var effects: [Effect] = []

    public init() {}

    public var earlier: Int { moves.filter(\.isEarlier).count }
    public var later: Int { moves.count - earlier }

    public mutating func add(_ other: Recomputation) {
        moves += other.moves
        effects += other.effects
    }
}

extension Engine {
    /// Recomputes a case's clocks on this engine's calendars and targets (after a reload, or a
    /// start on a changed policy), then brings the case up to `now`. The rule:
    ///
    /// - a running clock is counted again from the start of its cycle with the clock's current
    ///   target on its current calendar; open time it used before a pause is kept as counted;
    ///   its warning instant moves with it unless the warning was already written;
    /// - a paused clock gets the open time the new rules give it, less what it used;
    /// - a breached clock keeps its deadline and every entry already written (they were true when
    ///   written); only its next escalation instant is counted again on the new calendar;
    /// - a clock whose new deadline (or warning) is already past falls due at once: its entries
    ///   are returned in `effects`, written now and so marked late, each once;
    /// - frozen clocks (the policy lacks what they use) are left as they are.
    public func recompute(_ record: inout Case, now: Instant) -> Recomputation {
        var result = Recomputation()
        for index in record.clocks.indices where frozenReason(record.clocks[index], of: record) == nil {
            guard let definition = policy.clock(named: record.clocks[index].name),
                let calendar = policy.calendars[definition.calendar]
            else { continue }
            let before = record.clocks[index].deadline
            recompute(&record.clocks[index], definition, calendar)
            if record.clocks[index].status == .running, let before, let after = record.clocks[index].deadline,
                after != before
            {
                result.moves.append(DeadlineMove(caseID: record.id, clock: definition.name, from: before, to: after))
            }
        }
        result.effects = advance(&record, to: now)
        return result
    }

    private func recompute(_ clock: inout ClockState, _ definition: ClockDefinition, _ calendar: BusinessCalendar) {
        guard let startedAt = clock.startedAt else { return }
        switch clock.status {
        case .running, .paused:
            guard let fullDeadline = calendar.deadline(from: startedAt, target: definition.target) else { return }
            clock.budgetMillis = calendar.openMillis(from: startedAt, to: fullDeadline)
            guard clock.status == .running, let since = clock.runningSince else { return }
            let left = max(0, clock.budgetMillis - clock.usedMillis)
            // Never paused in this cycle: the deadline is the target's own (a day period ends at a close).
            let neverPaused = clock.usedMillis == 0 && since == startedAt
            guard let deadline = neverPaused ? fullDeadline : calendar.advance(from: since, openMillis: left)
            else { return }
            clock.deadline = deadline
            if let fraction = definition.warnAt, !clock.warned {
                let warnMillis = Int64(Double(clock.budgetMillis) * fraction) - clock.usedMillis
                clock.warnAt = calendar.advance(from: since, openMillis: max(0, warnMillis))
            } else if definition.warnAt == nil, !clock.warned {
                clock.warned = true
                clock.warnAt = nil
            }
        case .breached where clock.satisfiedAt == nil:
            guard let deadline = clock.deadline, let told = clock.escalatedTier,
                clock.nextEscalationAt != nil
                    || definition.escalateEvery != nil
            else { return }
            // The instants the tiers were due at, counted again on this calendar from the deadline.
            var due = deadline
            var tier = definition.escalateTo
            while tier < told, let every = definition.escalateEvery,
                let next = calendar.deadline(from: due, target: every)
            {
                due = next
                tier += 1
            }
            clock.nextEscalationAt = nextEscalation(after: due, tier: told, definition)
        case .pending, .met, .breached, .cancelled:
            return
        }
    }

    /// Why a clock's deadline is provisional (counted past its calendar's holiday data), or nil.
    public func provisionalReason(of clock: ClockState) -> String? {
        guard clock.status == .running || (clock.status == .breached && clock.satisfiedAt == nil),
            let deadline = clock.deadline, let definition = policy.clock(named: clock.name),
            let calendar = policy.calendars[definition.calendar]
        else { return nil }
        return calendar.provisionalReason(from: clock.startedAt ?? deadline, to: deadline)
    }

    /// The case's clocks whose deadlines are provisional, with the reason.
    public func provisionalClocks(of record: Case) -> [(clock: String, reason: String)] {
        record.clocks.compactMap { clock in provisionalReason(of: clock).map { (clock.name, $0) } }
    }
}

extension Policy {
    /// Why a queue entry's deadline is provisional (past its clock's calendar data), or nil: said
    /// with the entry in the API and to hooks and webhooks.
    public func provisionalReason(of escalation: Escalation) -> String? {
        guard let calendar = clock(named: escalation.clock).flatMap({ calendars[$0.calendar] }) else { return nil }
        return calendar.provisionalReason(from: escalation.deadline, to: escalation.deadline)
    }
}
