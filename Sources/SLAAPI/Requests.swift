import SLACore

// The bodies of the API's writes, as the server decodes and checks them and as clients encode
// them. The server reads the flat ones with `FlatJSONObject` first (FlatJSON.swift).

/// A write body whose fields the API checks, whichever JSON reader read it.
public protocol ValidatedRequest {
    func validate() throws(RequestError)
}

/// Open a case (what `POST /v1/cases` carries).
public struct OpenCaseRequest: Codable, Sendable, Hashable, ValidatedRequest {
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
    /// What already happened on a case entered after the fact, applied in the same commit.
    public var events: [InitialEvent]?

    public init(
        kind: String, store: String, category: String? = nil, channel: String? = nil, amount: Double? = nil,
        externalRef: String? = nil, customer: CustomerContact? = nil, openedAt: Instant? = nil, actor: String? = nil,
        note: String? = nil, idempotencyKey: String? = nil, events: [InitialEvent]? = nil
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
        self.events = events
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, store, category, channel, amount, note, actor, customer, events
        case externalRef = "external_ref"
        case openedAt = "opened_at"
        case idempotencyKey = "idempotency_key"
    }

    static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Self.fieldNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        store = try container.decode(String.self, forKey: .store)
        category = try container.decodeIfPresent(String.self, forKey: .category)
        channel = try container.decodeIfPresent(String.self, forKey: .channel)
        amount = try container.decodeIfPresent(Double.self, forKey: .amount)
        externalRef = try container.decodeIfPresent(String.self, forKey: .externalRef)
        customer = try container.decodeIfPresent(StrictContact.self, forKey: .customer)?.contact
        openedAt = try container.decodeIfPresent(Instant.self, forKey: .openedAt)
        actor = try container.decodeIfPresent(String.self, forKey: .actor)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        events = try container.decodeIfPresent([InitialEvent].self, forKey: .events)
    }

    /// The checks both JSON readers' results go through (the API calls it before the service).
    public func validate() throws(RequestError) {
        try FieldRule.store.check(store, "store")
        try FieldRule.category.check(category, "category")
        try FieldRule.channel.check(channel, "channel")
        if let amount, !(amount >= 0 && amount.isFinite) {
            throw .badField(field: "amount", problem: "it must be a number of 0 or more, in yuan")
        }
        try FieldRule.externalRef.check(externalRef, "external_ref")
        try FieldRule.actor.check(actor, "actor")
        try FieldRule.idempotencyKey.check(idempotencyKey, "idempotency_key")
        for (index, event) in (events ?? []).enumerated() { try event.validate("events[\(index)]") }
    }
}

/// An event sent with an open (`events` in `POST /v1/cases`): checked and applied as if recorded
/// right after the open, in the same commit.
public struct InitialEvent: Codable, Sendable, Hashable {
    public var kind: String
    /// When it happened; now when absent.
    public var at: Instant?
    /// Who did it; the open's actor when absent.
    public var actor: String?
    public var note: String?

    public init(kind: String, at: Instant? = nil, actor: String? = nil, note: String? = nil) {
        self.kind = kind
        self.at = at
        self.actor = actor
        self.note = note
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, at, actor, note
    }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        at = try container.decodeIfPresent(Instant.self, forKey: .at)
        actor = try container.decodeIfPresent(String.self, forKey: .actor)
        note = try container.decodeIfPresent(String.self, forKey: .note)
    }

    func validate(_ path: String) throws(RequestError) {
        try FieldRule.actor.check(actor, path + ".actor")
    }
}

/// Record an event on a case (what `POST /v1/cases/ID/events` carries).
public struct RecordEventRequest: Codable, Sendable, Hashable, ValidatedRequest {
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, at, actor, note
        case idempotencyKey = "idempotency_key"
    }

    static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Self.fieldNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        at = try container.decodeIfPresent(Instant.self, forKey: .at)
        actor = try container.decodeIfPresent(String.self, forKey: .actor)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
    }

    public func validate() throws(RequestError) {
        try FieldRule.actor.check(actor, "actor")
        try FieldRule.idempotencyKey.check(idempotencyKey, "idempotency_key")
    }
}

/// Acknowledge an escalation entry (what `POST /v1/escalations/ID/ack` carries; may be empty).
public struct AcknowledgeRequest: Codable, Sendable, Hashable, ValidatedRequest {
    public var actor: String?
    /// What the person acknowledging has to say (`calling the customer back at 3`).
    public var note: String?

    /// Notes longer than this are refused.
    public static let maxNoteLength = 2000

    public init(actor: String? = nil, note: String? = nil) {
        self.actor = actor
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case actor, note
    }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(["actor", "note"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        actor = try container.decodeIfPresent(String.self, forKey: .actor)
        note = try container.decodeIfPresent(String.self, forKey: .note)
    }

    public func validate() throws(RequestError) {
        try FieldRule.actor.check(actor, "actor")
        if let note, note.count > Self.maxNoteLength {
            throw .badField(field: "note", problem: "at most \(Self.maxNoteLength) characters")
        }
    }
}

/// A write body refused before it reaches the engine: 400, with a stable code, naming the field.
public enum RequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field breaks its `FieldRule`, or an amount is negative or not finite.
    case badField(field: String, problem: String)
    /// A field the request does not have: a typo (`ammount`) would otherwise be silently dropped.
    case unknownField(field: String, known: [String])

    public var code: String {
        switch self {
        case .badField: return "bad_field"
        case .unknownField: return "unknown_field"
        }
    }

    public var description: String {
        switch self {
        case .badField(let field, let problem):
            let rule = Self.rules[field.split(separator: ".").last.map(String.init) ?? field]
            return "field '\(field)' is refused: \(problem)" + (rule.map { "; it must be \($0.summary)" } ?? "")
        case .unknownField(let field, let known):
            return "unknown field '\(field)' (known: \(known.joined(separator: ", ")))"
        }
    }

    private static let rules: [String: FieldRule] = [
        "store": .store, "category": .category, "channel": .channel, "idempotency_key": .idempotencyKey,
        "actor": .actor, "external_ref": .externalRef,
    ]
}

extension FieldRule {
    /// Throws `badField` naming `field` when `value` is present and breaks the rule.
    func check(_ value: String?, _ field: String) throws(RequestError) {
        if let value, let problem = problem(with: value) { throw .badField(field: field, problem: problem) }
    }
}

/// `{"customer": {...}}`: the contact, with unknown keys refused as at the top level.
private struct StrictContact: Decodable {
    let contact: CustomerContact

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, phone
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        contact = CustomerContact(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            phone: try container.decodeIfPresent(String.self, forKey: .phone))
    }
}

/// Any key of an object, to see every key a body holds.
private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension Decoder {
    /// Refuses the first key (by name) that is not in `known`, with its path: `customer.nickname`.
    fileprivate func refuseUnknownKeys(_ known: Set<String>) throws {
        let keys = try container(keyedBy: AnyKey.self).allKeys
        guard
            let unknown = keys.filter({ !known.contains($0.stringValue) }).min(by: { $0.stringValue < $1.stringValue })
        else { return }
        throw RequestError.unknownField(field: fieldPath(codingPath + [unknown]), known: known.sorted())
    }
}

/// `events[0].actor`, as error messages name fields.
private func fieldPath(_ keys: [CodingKey]) -> String {
    var text = ""
    for key in keys {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += (text.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return text
}
