import SLACore
import SLAStore

/// Open a case (what `POST /v1/cases` carries).
public struct OpenCaseRequest: Codable, Sendable, Hashable {
    public var kind: String
    public var store: String
    public var category: String?
    public var channel: String?
    public var amount: Double?
    public var externalRef: String?
    /// The customer's name and phone, for the revisit: stored, never logged.
    public var customer: CustomerContact?
    /// When the case was opened, if not now (a complaint taken by the night desk).
    public var openedAt: Instant?
    public var actor: String?
    public var note: String?
    public var idempotencyKey: String?

    public init(
        kind: String, store: String, category: String? = nil, channel: String? = nil, amount: Double? = nil,
        externalRef: String? = nil, customer: CustomerContact? = nil, openedAt: Instant? = nil, actor: String? = nil,
        note: String? = nil, idempotencyKey: String? = nil
    ) {
        self.customer = customer
        self.kind = kind
        self.store = store
        self.category = category
        self.channel = channel
        self.amount = amount
        self.externalRef = externalRef
        self.openedAt = openedAt
        self.actor = actor
        self.note = note
        self.idempotencyKey = idempotencyKey
    }

    enum CodingKeys: String, CodingKey {
        case kind, store, category, channel, amount, note, actor, customer
        case externalRef = "external_ref"
        case openedAt = "opened_at"
        case idempotencyKey = "idempotency_key"
    }

    var fingerprint: String {
        "open|\(kind)|\(store)|\(category ?? "")|\(channel ?? "")|\(amount.map { "\($0)" } ?? "")|"
            + "\(externalRef ?? "")|\(openedAt?.millis ?? -1)"
    }
}

/// Record an event on a case (what `POST /v1/cases/ID/events` carries).
public struct RecordEventRequest: Codable, Sendable, Hashable {
    public var kind: String
    public var at: Instant?
    public var actor: String?
    public var note: String?
    public var idempotencyKey: String?

    public init(
        kind: String, at: Instant? = nil, actor: String? = nil, note: String? = nil, idempotencyKey: String? = nil
    ) {
        self.kind = kind
        self.at = at
        self.actor = actor
        self.note = note
        self.idempotencyKey = idempotencyKey
    }

    enum CodingKeys: String, CodingKey {
        case kind, at, actor, note
        case idempotencyKey = "idempotency_key"
    }

    func fingerprint(caseID: String) -> String {
        "event|\(caseID)|\(kind)|\(at?.millis ?? -1)"
    }
}

/// Why a write was refused.
public enum ServiceError: Error, CustomStringConvertible {
    case rule(EngineError)
    case unavailable(StoreUnavailable)
    case idempotencyKeyReused(String)
    case stopping

    public var description: String {
        switch self {
        case .rule(let error): return error.description
        case .unavailable(let error): return error.description
        case .idempotencyKeyReused(let key):
            return "idempotency key '\(key)' was already used for a different request"
        case .stopping: return "slad is shutting down"
        }
    }
}

/// The outcome of a write: the case as committed, and whether it was a replay of an earlier write.
public struct WriteResult: Sendable {
    public var record: Case
    public var replayed: Bool
}

/// What recovery found on start.
public struct RecoveryReport: Sendable {
    public var cases: Int
    public var runningClocks: Int
    public var lateEntries: Int
    public var maxLateMillis: Int64
    /// Open cases that use what the policy lacks: their clocks stay frozen.
    public var orphans: OrphanReport
}
