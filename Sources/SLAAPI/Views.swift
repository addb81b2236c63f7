import SLACore

// The JSON the API answers with, as data: the server fills these from its records and writes them
// with `JSONWriter` (fast); clients read them with `JSONDecoder` (`APIJSON.decode`). Times are
// ISO 8601 strings in the calendar's own offset, as the server formats them; keys are snake_case,
// written in sorted order. A field the answer leaves out is nil. A new field goes in three places
// here: the property, its coding key, and `write(to:)`; the round-trip tests catch a mismatch.

/// A case: `GET /v1/cases/ID`, the answer to every write on a case, one line of an export.
public struct CaseView: Codable, Hashable, Sendable {
    public var id: String
    public var kind: String
    public var store: String
    public var category: String?
    public var channel: String?
    public var amount: Double?
    public var externalRef: String?
    public var openedAt: String
    public var status: String
    public var resolvedAt: String?
    public var closedAt: String?
    public var overdue: Bool
    public var nextDue: String?
    public var clocks: [ClockView]
    /// Only where one case is asked for (and in exports).
    public var events: [EventView]?
    /// Only in `GET /v1/cases/ID`.
    public var customer: CustomerContact?
    /// Only in the answer to a write: true when the write was a retry of an earlier one.
    public var replayed: Bool?

    public init(
        id: String, kind: String, store: String, category: String? = nil, channel: String? = nil,
        amount: Double? = nil, externalRef: String? = nil, openedAt: String, status: String,
        resolvedAt: String? = nil, closedAt: String? = nil, overdue: Bool, nextDue: String? = nil,
        clocks: [ClockView], events: [EventView]? = nil, customer: CustomerContact? = nil, replayed: Bool? = nil
    ) {
        self.id = id
        self.kind = kind
        self.store = store
        self.category = category
        self.channel = channel
        self.amount = amount
        self.externalRef = externalRef
        self.openedAt = openedAt
        self.status = status
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.overdue = overdue
        self.nextDue = nextDue
        self.clocks = clocks
        self.events = events
        self.customer = customer
        self.replayed = replayed
    }

    public enum CodingKeys: String, CodingKey {
        case id, kind, store, category, channel, amount, status, overdue, clocks, events, customer, replayed
        case externalRef = "external_ref"
        case openedAt = "opened_at"
        case resolvedAt = "resolved_at"
        case closedAt = "closed_at"
        case nextDue = "next_due"
    }
}

/// One clock of a case.
public struct ClockView: Codable, Hashable, Sendable {
    public var name: String
    public var title: String?
    public var status: String
    public var cycle: Int
    public var target: String?
    public var calendar: String?
    public var startedAt: String?
    public var deadline: String?
    /// Time to the deadline while it runs; while paused, the open time it will resume with.
    public var timeLeftMs: Int64?
    public var lateByMs: Int64?
    /// The share of its target used, to three decimals.
    public var used: Double?
    public var satisfiedAt: String?
    public var escalatedTo: String?
    /// Why the clock is frozen (the policy lacks what it uses); nil while it runs.
    public var frozen: String?
    /// True when the deadline was counted past its calendar's holiday data; nil when not.
    public var provisional: Bool?
    /// Why the deadline is provisional; nil when it is not.
    public var provisionalReason: String?

    public init(
        name: String, title: String? = nil, status: String, cycle: Int, target: String? = nil, calendar: String? = nil,
        startedAt: String? = nil, deadline: String? = nil, timeLeftMs: Int64? = nil, lateByMs: Int64? = nil,
        used: Double? = nil, satisfiedAt: String? = nil, escalatedTo: String? = nil, frozen: String? = nil,
        provisional: Bool? = nil, provisionalReason: String? = nil
    ) {
        self.name = name
        self.title = title
        self.status = status
        self.cycle = cycle
        self.target = target
        self.calendar = calendar
        self.startedAt = startedAt
        self.deadline = deadline
        self.timeLeftMs = timeLeftMs
        self.lateByMs = lateByMs
        self.used = used
        self.satisfiedAt = satisfiedAt
        self.escalatedTo = escalatedTo
        self.frozen = frozen
        self.provisional = provisional
        self.provisionalReason = provisionalReason
    }

    public enum CodingKeys: String, CodingKey {
        case name, title, status, cycle, target, calendar, deadline, used, frozen, provisional
        case provisionalReason = "provisional_reason"
        case startedAt = "started_at"
        case timeLeftMs = "time_left_ms"
        case lateByMs = "late_by_ms"
        case satisfiedAt = "satisfied_at"
        case escalatedTo = "escalated_to"
    }
}

/// One event of a case's audit trail.
public struct EventView: Codable, Hashable, Sendable {
    public var seq: Int64?
    public var kind: String
    public var at: String
    public var recordedAt: String
    public var actor: String?
    public var note: String?

    public init(
        seq: Int64? = nil, kind: String, at: String, recordedAt: String, actor: String? = nil, note: String? = nil
    ) {
        self.seq = seq
        self.kind = kind
        self.at = at
        self.recordedAt = recordedAt
        self.actor = actor
        self.note = note
    }

    public enum CodingKeys: String, CodingKey {
        case seq, kind, at, actor, note
        case recordedAt = "recorded_at"
    }
}

/// One escalation queue entry: `GET /v1/escalations` lists them, an acknowledgement answers one.
public struct EntryView: Codable, Hashable, Sendable {
    public var id: Int64
    public var caseId: String
    public var clock: String
    public var cycle: Int
    public var tier: String
    /// `warning` or `breach`.
    public var kind: String
    public var store: String
    public var caseKind: String
    public var dueAt: String
    public var deadline: String
    public var writtenAt: String
    public var lateMs: Int64
    public var state: String
    public var ackedBy: String?
    public var ackedAt: String?
    /// What the person who acknowledged wrote with it; nil when nothing.
    public var ackNote: String?
    /// True when the entry's deadline was counted past its calendar's holiday data; nil when not.
    public var provisional: Bool?
    /// Why the entry's deadline is provisional; nil when it is not.
    public var provisionalReason: String?

    public init(
        id: Int64, caseId: String, clock: String, cycle: Int, tier: String, kind: String, store: String,
        caseKind: String, dueAt: String, deadline: String, writtenAt: String, lateMs: Int64, state: String,
        ackedBy: String? = nil, ackedAt: String? = nil, provisional: Bool? = nil, provisionalReason: String? = nil,
        ackNote: String? = nil
    ) {
        self.id = id
        self.caseId = caseId
        self.clock = clock
        self.cycle = cycle
        self.tier = tier
        self.kind = kind
        self.store = store
        self.caseKind = caseKind
        self.dueAt = dueAt
        self.deadline = deadline
        self.writtenAt = writtenAt
        self.lateMs = lateMs
        self.state = state
        self.ackedBy = ackedBy
        self.ackedAt = ackedAt
        self.ackNote = ackNote
        self.provisional = provisional
        self.provisionalReason = provisionalReason
    }

    public enum CodingKeys: String, CodingKey {
        case id, clock, cycle, tier, kind, store, deadline, state, provisional
        case provisionalReason = "provisional_reason"
        case caseId = "case_id"
        case caseKind = "case_kind"
        case dueAt = "due_at"
        case writtenAt = "written_at"
        case lateMs = "late_ms"
        case ackedBy = "acked_by"
        case ackedAt = "acked_at"
        case ackNote = "ack_note"
    }
}

/// `GET /v1/health`: how slad is (`ok`, `degraded` or `failed`), its counts and next deadline.
public struct HealthView: Codable, Hashable, Sendable {
    public var status: String
    public var version: String
    public var now: String
    public var activeCases: Int
    public var runningClocks: Int
    public var nextDue: String?
    public var nextCase: String?
    public var nextClock: String?
    /// Nil when the store could not be read.
    public var pendingEntries: Int?
    public var overdueCases: Int?
    public var storeError: String?
    /// Open cases whose clocks are frozen because the policy lacks what they use.
    public var orphanedCases: Int
    /// Open cases with provisional deadlines, by calendar (`{"office": 2}`); nil when none.
    public var provisionalCases: [String: Int]?
    /// Calendars whose holiday data ends soon or has ended; nil when none.
    public var calendarWarnings: [String]?
    /// Replication to HQ (`[hq]`); nil when it is off.
    public var replication: ReplicationView?

    /// An empty `provisionalCases` or `calendarWarnings` is left out of the answer (nil).
    public init(
        status: String, version: String, now: String, activeCases: Int, runningClocks: Int, nextDue: String? = nil,
        nextCase: String? = nil, nextClock: String? = nil, pendingEntries: Int? = nil, overdueCases: Int? = nil,
        storeError: String? = nil, orphanedCases: Int, provisionalCases: [String: Int]? = nil,
        calendarWarnings: [String]? = nil
    ) {
        self.status = status
        self.version = version
        self.now = now
        self.activeCases = activeCases
        self.runningClocks = runningClocks
        self.nextDue = nextDue
        self.nextCase = nextCase
        self.nextClock = nextClock
        self.pendingEntries = pendingEntries
        self.overdueCases = overdueCases
        self.storeError = storeError
        self.orphanedCases = orphanedCases
        self.provisionalCases = provisionalCases?.isEmpty == false ? provisionalCases : nil
        self.calendarWarnings = calendarWarnings?.isEmpty == false ? calendarWarnings : nil
    }

    public enum CodingKeys: String, CodingKey {
        case status, version, now
        case activeCases = "active_cases"
        case runningClocks = "running_clocks"
        case nextDue = "next_due"
        case nextCase = "next_case"
        case nextClock = "next_clock"
        case pendingEntries = "pending_entries"
        case overdueCases = "overdue_cases"
        case storeError = "store_error"
        case orphanedCases = "orphaned_cases"
        case provisionalCases = "provisional_cases"
        case calendarWarnings = "calendar_warnings"
        case replication
    }
}

/// `GET /v1/version`.
public struct VersionView: Codable, Hashable, Sendable {
    public var version: String

    public init(version: String) {
        self.version = version
    }
}

/// `GET /v1/cases`: `{"cases": [...]}`, newest first.
public struct CaseList: Codable, Hashable, Sendable {
    public var cases: [CaseView]

    public init(cases: [CaseView]) {
        self.cases = cases
    }
}

/// `GET /v1/escalations`: `{"entries": [...]}`, in the order they were written.
public struct EntryList: Codable, Hashable, Sendable {
    public var entries: [EntryView]

    public init(entries: [EntryView]) {
        self.entries = entries
    }
}

/// A refused request's body: `{"error": {"code": "...", "message": "..."}}`, with a stable code
/// (the README's table) and a message for people.
public struct ErrorView: Codable, Hashable, Sendable {
    public struct Detail: Codable, Hashable, Sendable {
        public var code: String
        public var message: String
    }

    public var error: Detail

    public var code: String { error.code }
    public var message: String { error.message }

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}

// MARK: Written with JSONWriter

extension CaseView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("amount", amount)
            json.field("category", category)
            json.field("channel", channel)
            json.field("clocks", clocks)
            json.field("closed_at", closedAt)
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
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("calendar", calendar)
            json.field("cycle", cycle)
            json.field("deadline", deadline)
            json.field("escalated_to", escalatedTo)
            json.field("frozen", frozen)
            json.field("late_by_ms", lateByMs)
            json.field("name", name)
            json.field("provisional", provisional)
            json.field("provisional_reason", provisionalReason)
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
    public func write(to json: inout JSONWriter) {
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
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("name", name)
            json.field("phone", phone)
        }
    }
}

extension EntryView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("ack_note", ackNote)
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
            json.field("provisional", provisional)
            json.field("provisional_reason", provisionalReason)
            json.field("state", state)
            json.field("store", store)
            json.field("tier", tier)
            json.field("written_at", writtenAt)
        }
    }
}

extension HealthView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("active_cases", activeCases)
            if let calendarWarnings {
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
            if let provisionalCases {
                // {"office": 2}: open cases whose deadlines that calendar's data does not cover.
                json.key("provisional_cases")
                json.object { json in
                    for (calendar, count) in provisionalCases.sorted(by: { $0.key < $1.key }) {
                        json.field(calendar, count)
                    }
                }
            }
            json.field("replication", replication)
            json.field("running_clocks", runningClocks)
            json.field("status", status)
            json.field("store_error", storeError)
            json.field("version", version)
        }
    }
}

extension VersionView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in json.field("version", version) }
    }
}

extension CaseList: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in json.field("cases", cases) }
    }
}

extension EntryList: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in json.field("entries", entries) }
    }
}

extension ErrorView: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("error")
            json.object { json in
                json.field("code", error.code)
                json.field("message", error.message)
            }
        }
    }
}
