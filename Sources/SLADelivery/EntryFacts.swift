import SLACore

/// What a message says about one queue entry: the entry, with its case's category, channel and
/// (only with `include-contact`) the customer's contact, gathered before rendering.
public struct EntryFacts: Sendable, Hashable {
    public var entryID: Int64
    public var escalation: Escalation
    public var store: String
    public var caseKind: String
    public var writtenAt: Instant
    public var category: String?
    public var channel: String?
    public var customerName: String?
    public var customerPhone: String?

    public init(
        entryID: Int64, escalation: Escalation, store: String, caseKind: String, writtenAt: Instant,
        category: String? = nil, channel: String? = nil, customerName: String? = nil, customerPhone: String? = nil
    ) {
        self.entryID = entryID
        self.escalation = escalation
        self.store = store
        self.caseKind = caseKind
        self.writtenAt = writtenAt
        self.category = category
        self.channel = channel
        self.customerName = customerName
        self.customerPhone = customerPhone
    }
}

/// The three kinds of message a manager gets, each with its own template.
public enum NoticeKind: String, Sendable, CaseIterable {
    /// The warning threshold of a clock is used up.
    case warning
    /// The deadline passed: the first tier is told.
    case breach
    /// It stayed unsatisfied: the next tier up is told.
    case escalation

    init(_ escalation: Escalation, policy: Policy) {
        switch escalation.kind {
        case .warning: self = .warning
        case .breach:
            let first = policy.clock(named: escalation.clock).map { policy.tiers[$0.escalateTo].id }
            self = first == nil || first == escalation.tier ? .breach : .escalation
        }
    }
}
