import SLAAPI
import SLACore
import SLAStore

// The API's answers (SLAAPI's views) made from what the engine and the store hold: instants
// formatted in the calendar's own offset, tiers named, clocks' time left and share used at `now`.

extension CaseView {
    init(_ record: Case, policy: Policy, now: Instant, events: [EventRecord]? = nil, replayed: Bool? = nil) {
        let time = TimeFormatter(policy: policy)
        let engine = Engine(policy: policy)
        self.init(
            id: record.id, kind: record.kind, store: record.opening.store, category: record.opening.category,
            channel: record.opening.channel, amount: record.opening.amount, externalRef: record.opening.externalRef,
            openedAt: time.format(record.opening.openedAt), status: record.status.rawValue,
            resolvedAt: record.resolvedAt.map(time.format), closedAt: record.closedAt.map(time.format),
            overdue: record.isOverdue, nextDue: record.nextDue.map(time.format),
            clocks: record.clocks.map {
                var view = ClockView($0, policy: policy, now: now, time: time)
                view.frozen = engine.frozenReason($0, of: record).map { "the policy lacks its \($0)" }
                view.provisionalReason = engine.provisionalReason(of: $0)
                view.provisional = view.provisionalReason.map { _ in true }
                return view
            },
            events: events?.map { EventView($0, time: time) }, replayed: replayed)
    }
}

extension ClockView {
    init(_ clock: ClockState, policy: Policy, now: Instant, time: TimeFormatter) {
        let definition = policy.clock(named: clock.name)
        let zone = definition.flatMap { policy.calendars[$0.calendar] }
        func format(_ instant: Instant) -> String {
            zone.map { ISO8601.format(instant, offsetSeconds: $0.offset(at: instant)) } ?? time.format(instant)
        }
        var timeLeft: Int64?
        var lateBy: Int64?
        if let left = clock.millisLeft(at: now) {
            if left >= 0 { timeLeft = left } else { lateBy = -left }
        } else if clock.status == .paused {
            // No deadline while paused, but the open time it resumes with is known.
            timeLeft = max(0, clock.budgetMillis - clock.usedMillis)
        }
        if let satisfied = clock.satisfiedAt, let deadline = clock.deadline, satisfied > deadline {
            lateBy = satisfied - deadline
        }
        self.init(
            name: clock.name, title: definition?.title, status: clock.status.rawValue, cycle: clock.cycle,
            target: definition?.target.description, calendar: definition?.calendar,
            startedAt: clock.startedAt.map(format), deadline: clock.deadline.map(format), timeLeftMs: timeLeft,
            lateByMs: lateBy,
            used: Engine(policy: policy).usedFraction(of: clock, at: now).map { ($0 * 1000).rounded() / 1000 },
            satisfiedAt: clock.satisfiedAt.map(format),
            escalatedTo: clock.escalatedTier.flatMap { $0 < policy.tiers.count ? policy.tiers[$0].id : nil })
    }
}

extension EventView {
    init(_ event: EventRecord, time: TimeFormatter) {
        self.init(
            seq: event.seq, kind: event.kind, at: time.format(event.at), recordedAt: time.format(event.recordedAt),
            actor: event.actor, note: event.note)
    }
}

extension EntryView {
    /// With `policy`, the entry says whether its deadline is provisional (past its calendar's data).
    init(_ entry: QueueEntry, time: TimeFormatter, policy: Policy? = nil) {
        let provisionalReason = policy?.provisionalReason(of: entry.escalation)
        self.init(
            id: entry.id, caseId: entry.escalation.caseID, clock: entry.escalation.clock,
            cycle: entry.escalation.cycle, tier: entry.escalation.tier, kind: entry.escalation.kind.rawValue,
            store: entry.store, caseKind: entry.caseKind, dueAt: time.format(entry.escalation.dueAt),
            deadline: time.format(entry.escalation.deadline), writtenAt: time.format(entry.writtenAt),
            lateMs: entry.lateMillis, state: entry.state.rawValue, ackedBy: entry.ackedBy,
            ackedAt: entry.ackedAt.map(time.format), provisional: provisionalReason.map { _ in true },
            provisionalReason: provisionalReason, ackNote: entry.ackNote)
    }
}

/// Formats instants in the stores' zone (`Policy.storeCalendar`).
struct TimeFormatter {
    let calendar: BusinessCalendar?

    init(policy: Policy) {
        calendar = policy.storeCalendar
    }

    func format(_ instant: Instant) -> String {
        ISO8601.format(instant, offsetSeconds: calendar?.offset(at: instant) ?? 0)
    }
}
