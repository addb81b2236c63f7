import SLACore

/// An event as the audit trail keeps it.
public struct EventRecord: Codable, Hashable, Sendable {
    public var seq: Int64?
    public var caseID: String
    public var kind: String
    public var at: Instant
    public var recordedAt: Instant
    public var actor: String?
    public var note: String?
    public var idempotencyKey: String?

    public init(
        caseID: String, kind: String, at: Instant, recordedAt: Instant, actor: String?, note: String?,
        idempotencyKey: String?
    ) {
        self.caseID = caseID
        self.kind = kind
        self.at = at
        self.recordedAt = recordedAt
        self.actor = actor
        self.note = note
        self.idempotencyKey = idempotencyKey
    }
}

/// Where a queue entry stands: written (pending), pushed to every route (delivered), pushing gave
/// up after the configured attempts (failed), or read and acknowledged by a person.
public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    case pending, delivered, failed, acknowledged
    /// Overtaken by a higher tier's entry of the same clock in a catch-up (`catch-up =
    /// "highest-tier"`): recorded, never pushed.
    case skipped
}

/// An entry of the escalation queue, as written.
public struct QueueEntry: Codable, Hashable, Sendable {
    public var id: Int64
    public var escalation: Escalation
    public var store: String
    public var caseKind: String
    public var writtenAt: Instant
    public var lateMillis: Int64
    public var state: DeliveryState
    public var deliveredAt: Instant?
    public var ackedBy: String?
    public var ackedAt: Instant?
    /// What the person who acknowledged wrote with it (the console's acknowledge-with-note).
    public var ackNote: String?
}

/// A stored answer to a write that carried an idempotency key.
public struct IdempotentAnswer: Hashable, Sendable {
    public var key: String
    /// What the request said, so that a key reused for a different request is refused.
    public var fingerprint: String
    public var status: Int
    public var response: [UInt8]

    public init(key: String, fingerprint: String, status: Int, response: [UInt8]) {
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.response = response
    }
}

/// Everything one group commit writes, in one transaction.
public struct WriteBatch: Sendable {
    public var cases: [Case] = []
    public var events: [EventRecord] = []
    public var escalations: [Escalation] = []
    /// Entries written as `skipped` (see `DeliveryState.skipped`).
    public var skipped: [Escalation] = []
    public var acknowledgements: [Acknowledgement] = []
    public var answers: [IdempotentAnswer] = []
    public var contacts: [String: CustomerContact] = [:]
    /// Each case in `cases` as last committed, where it was: a case whose indexed columns stay as
    /// they were is written without touching its index entries (a third of the pages per event).
    public var committed: [String: Case] = [:]
    /// Cases in `cases` whose rows this batch does not write: a burst's entries go first, their
    /// rows in a later batch (the entries still take the case's store and kind from here).
    public var rowsLater: Set<String> = []
    public var writtenAt: Instant

    public init(writtenAt: Instant) {
        self.writtenAt = writtenAt
    }

    public var isEmpty: Bool {
        cases.isEmpty && events.isEmpty && escalations.isEmpty && skipped.isEmpty && answers.isEmpty
            && contacts.isEmpty && acknowledgements.isEmpty
    }
}

/// Who acknowledged a queue entry, and when: a write of the group commit like any other.
public struct Acknowledgement: Sendable, Hashable {
    public var entryID: Int64
    public var actor: String
    public var at: Instant
    public var note: String?

    public init(entryID: Int64, actor: String, at: Instant, note: String? = nil) {
        self.entryID = entryID
        self.actor = actor
        self.at = at
        self.note = note
    }
}

/// Filters for listing cases.
public struct CaseFilter: Sendable {
    public var status: CaseStatus?
    public var overdue: Bool?
    public var kind: String?
    public var store: String?
    /// Only cases of these stores (a principal's scope); nil: every store.
    public var stores: Set<String>?
    public var limit: Int = 100

    public init(
        status: CaseStatus? = nil, overdue: Bool? = nil, kind: String? = nil, store: String? = nil, limit: Int = 100
    ) {
        self.status = status
        self.overdue = overdue
        self.kind = kind
        self.store = store
        self.limit = limit
    }
}

/// Filters for listing queue entries.
public struct EntryFilter: Sendable {
    public var tier: String?
    public var state: DeliveryState?
    public var since: Instant?
    public var afterID: Int64?
    public var caseID: String?
    /// Only entries of these stores (a principal's scope); nil: every store.
    public var stores: Set<String>?
    public var limit: Int = 100

    public init(
        tier: String? = nil, state: DeliveryState? = nil, since: Instant? = nil, afterID: Int64? = nil,
        caseID: String? = nil, limit: Int = 100
    ) {
        self.tier = tier
        self.state = state
        self.since = since
        self.afterID = afterID
        self.caseID = caseID
        self.limit = limit
    }
}

/// Counts for health and the status line.
public struct StoreCounts: Sendable, Codable {
    public var openCases: Int
    public var overdueCases: Int
    public var pendingEntries: Int
}
