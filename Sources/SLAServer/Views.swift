import Foundation
import SLACore
import SLAScheduler
import SLAStore

/// The JSON the API answers with. Times are ISO 8601 in the calendar's own offset; keys are
/// snake_case, written in sorted order (JSONWriter).
struct CaseView {
    var id: String
    var kind: String
    var store: String
    var category: String?
    var channel: String?
    var amount: Double?
    var externalRef: String?
    var openedAt: String
    var status: String
    var resolvedAt: String?
    var closedAt: String?
    var overdue: Bool
    var nextDue: String?
    var clocks: [ClockView]
    var events: [EventView]?
    var customer: CustomerContact?
    var replayed: Bool?

    init(_ record: Case, policy: Policy, now: Instant, events: [EventRecord]? = nil, replayed: Bool? = nil) {
        let time = TimeFormatter(policy: policy)
        id = record.id
        kind = record.kind
        store = record.opening.store
        category = record.opening.category
        channel = record.opening.channel
        amount = record.opening.amount
        externalRef = record.opening.externalRef
        openedAt = time.format(record.opening.openedAt)
        status = record.status.rawValue
        resolvedAt = record.resolvedAt.map(time.format)
        closedAt = record.closedAt.map(time.format)
        overdue = record.isOverdue
        nextDue = record.nextDue.map(time.format)
        let engine = Engine(policy: policy)
        clocks = record.clocks.map {
            var view = ClockView($0, policy: policy, now: now, time: time)
            view.frozen = engine.frozenReason($0, of: record).map { "the policy lacks its \($0)" }
            view.provisionalReason = engine.provisionalReason(of: $0)
            return view
        }
        self.events = events?.map { EventView($0, time: time) }
        self.replayed = replayed
    }
}

struct ClockView {
    var name: String
    var title: String?
    var status: String
    var cycle: Int
    var target: String?
    var calendar: String?
    var startedAt: String?
    var deadline: String?
    var timeLeftMs: Int64?
    var lateByMs: Int64?
    var used: Double?
    var satisfiedAt: String?
    var escalatedTo: String?
    /// Why the clock is frozen (the policy lacks what it uses); nil while it runs.
    var frozen: String?
    /// Why the deadline is provisional (counted past its calendar's holiday data); nil when not.
    var provisionalReason: String?

    init(_ clock: ClockState, policy: Policy, now: Instant, time: TimeFormatter) {
        let definition = policy.clock(named: clock.name)
        let zone = definition.flatMap { policy.calendars[$0.calendar] }
        func format(_ instant: Instant) -> String {
            zone.map { ISO8601.format(instant, offsetSeconds: $0.offset(at: instant)) } ?? time.format(instant)
        }
        name = clock.name
        title = definition?.title
        status = clock.status.rawValue
        cycle = clock.cycle
        target = definition?.target.description
        calendar = definition?.calendar
        startedAt = clock.startedAt.map(format)
        deadline = clock.deadline.map(format)
        if let left = clock.millisLeft(at: now) {
            if left >= 0 { timeLeftMs = left } else { lateByMs = -left }
        } else if clock.status == .paused {
            // No deadline while paused, but the open time it resumes with is known.
            timeLeftMs = max(0, clock.budgetMillis - clock.usedMillis)
        }
        if let satisfied = clock.satisfiedAt, let deadline = clock.deadline, satisfied > deadline {
            lateByMs = satisfied - deadline
        }
        used = Engine(policy: policy).usedFraction(of: clock, at: now).map { ($0 * 1000).rounded() / 1000 }
        satisfiedAt = clock.satisfiedAt.map(format)
        escalatedTo = clock.escalatedTier.flatMap { $0 < policy.tiers.count ? policy.tiers[$0].id : nil }
    }
}

struct EventView {
    var seq: Int64?
    var kind: String
    var at: String
    var recordedAt: String
    var actor: String?
    var note: String?

    init(_ event: EventRecord, time: TimeFormatter) {
        seq = event.seq
        kind = event.kind
        at = time.format(event.at)
        recordedAt = time.format(event.recordedAt)
        actor = event.actor
        note = event.note
    }
}

struct EntryView {
    var id: Int64
    var caseId: String
    var clock: String
    var cycle: Int
    var tier: String
    var kind: String
    var store: String
    var caseKind: String
    var dueAt: String
    var deadline: String
    var writtenAt: String
    var lateMs: Int64
    var state: String
    var ackedBy: String?
    var ackedAt: String?
    /// Why the entry's deadline is provisional (past its calendar's holiday data); nil when not.
    var provisionalReason: String?

    init(_ entry: QueueEntry, time: TimeFormatter, policy: Policy? = nil) {
        provisionalReason = policy?.provisionalReason(of: entry.escalation)
        id = entry.id
        caseId = entry.escalation.caseID
        clock = entry.escalation.clock
        cycle = entry.escalation.cycle
        tier = entry.escalation.tier
        kind = entry.escalation.kind.rawValue
        store = entry.store
        caseKind = entry.caseKind
        dueAt = time.format(entry.escalation.dueAt)
        deadline = time.format(entry.escalation.deadline)
        writtenAt = time.format(entry.writtenAt)
        lateMs = entry.lateMillis
        state = entry.state.rawValue
        ackedBy = entry.ackedBy
        ackedAt = entry.ackedAt.map(time.format)
    }
}

struct HealthView {
    var status: String
    var version: String
    var now: String
    var activeCases: Int
    var runningClocks: Int
    var nextDue: String?
    var nextCase: String?
    var nextClock: String?
    var pendingEntries: Int?
    var overdueCases: Int?
    var storeError: String?
    /// Open cases whose clocks are frozen because the policy lacks what they use.
    var orphanedCases: Int
    /// Open cases with provisional deadlines, by calendar, and calendars whose data ends soon.
    var provisionalCases: [String: Int] = [:]
    var calendarWarnings: [String] = []
}

extension HealthView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("active_cases", activeCases)
            if !calendarWarnings.isEmpty {
                json.key("calendar_warnings")
                json.array(calendarWarnings) { json, warning in json.string(warning) }
            }
            json.field("next_case", nextCase)
            json.field("next_clock", nextClock)
            json.field("next_due", nextDue)
            json.field("now", now)
            json.field("orphaned_cases", orphanedCases)
            json.field("overdue_cases", overdueCases)
            json.field("pending_entries", pendingEntries)
            if !provisionalCases.isEmpty {
                // {"office": 2}: open cases whose deadlines that calendar's data does not cover.
                json.key("provisional_cases")
                json.object { json in
                    for (calendar, count) in provisionalCases.sorted(by: { $0.key < $1.key }) {
                        json.field(calendar, count)
                    }
                }
            }
            json.field("running_clocks", runningClocks)
            json.field("status", status)
            json.field("store_error", storeError)
            json.field("version", version)
        }
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

extension CaseView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("amount", amount)
            json.field("category", category)
            json.field("channel", channel)
            json.field("closed_at", closedAt)
            json.field("clocks", clocks)
            json.field("customer", customer)
            json.field("events", events)
            json.field("external_ref", externalRef)
            json.field("id", id)
            json.field("kind", kind)
            json.field("next_due", nextDue)
            json.field("opened_at", openedAt)
            json.field("overdue", overdue)
            json.field("replayed", replayed)
            json.field("resolved_at", resolvedAt)
            json.field("status", status)
            json.field("store", store)
        }
    }
}

extension ClockView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("calendar", calendar)
            json.field("cycle", cycle)
            json.field("deadline", deadline)
            json.field("escalated_to", escalatedTo)
            json.field("frozen", frozen)
            json.field("provisional", provisionalReason != nil ? true : nil)
            json.field("provisional_reason", provisionalReason)
            json.field("late_by_ms", lateByMs)
            json.field("name", name)
            json.field("satisfied_at", satisfiedAt)
            json.field("started_at", startedAt)
            json.field("status", status)
            json.field("target", target)
            json.field("time_left_ms", timeLeftMs)
            json.field("title", title)
            json.field("used", used)
        }
    }
}

extension EventView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("actor", actor)
            json.field("at", at)
            json.field("kind", kind)
            json.field("note", note)
            json.field("recorded_at", recordedAt)
            json.field("seq", seq)
        }
    }
}

extension CustomerContact: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("name", name)
            json.field("phone", phone)
        }
    }
}

extension EntryView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("acked_at", ackedAt)
            json.field("acked_by", ackedBy)
            json.field("case_id", caseId)
            json.field("case_kind", caseKind)
            json.field("clock", clock)
            json.field("cycle", cycle)
            json.field("deadline", deadline)
            json.field("due_at", dueAt)
            json.field("id", id)
            json.field("kind", kind)
            json.field("late_ms", lateMs)
            json.field("provisional", provisionalReason != nil ? true : nil)
            json.field("provisional_reason", provisionalReason)
            json.field("state", state)
            json.field("store", store)
            json.field("tier", tier)
            json.field("written_at", writtenAt)
        }
    }
}

/// `{"NAME": [...]}`: a list answer.
struct ListView<Item: JSONWritable>: JSONWritable {
    let name: String
    let items: [Item]

    func write(to json: inout JSONWriter) {
        json.object { json in json.field(name, items) }
    }
}

/// A refused request's body.
struct ErrorView: JSONWritable {
    let code: String
    let message: String

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("error")
            json.object { json in
                json.field("code", code)
                json.field("message", message)
            }
        }
    }
}

/// `{"version": ...}`.
struct VersionView: JSONWritable {
    let version: String

    func write(to json: inout JSONWriter) {
        json.object { json in json.field("version", version) }
    }
}
