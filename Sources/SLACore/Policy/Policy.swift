/// The validated policy: every number of the stores' procedures, loaded from `policy.toml`.
public struct Policy: Sendable {
    public let tiers: [Tier]
    public let calendars: [String: BusinessCalendar]
    public let kinds: [String: CaseKind]
    /// Clock definitions in name order.
    public let clocks: [ClockDefinition]
    /// The values a case's category and channel may take (for reports by type and channel).
    public let categories: [String]
    public let channels: [String]
    public let delivery: DeliveryPolicy
    public let retention: RetentionPolicy
    /// Replication to HQ's PostgreSQL (`[hq]`); nil: off.
    public let hq: HQPolicy?

    public init(
        tiers: [Tier], calendars: [String: BusinessCalendar], kinds: [String: CaseKind],
        clocks: [ClockDefinition], categories: [String] = [], channels: [String] = [],
        delivery: DeliveryPolicy = DeliveryPolicy(), retention: RetentionPolicy = RetentionPolicy(),
        hq: HQPolicy? = nil
    ) {
        self.delivery = delivery
        self.retention = retention
        self.hq = hq
        self.categories = categories
        self.channels = channels
        self.tiers = tiers
        self.calendars = calendars
        self.kinds = kinds
        self.clocks = clocks.sorted { $0.name < $1.name }
        self.clocksByName = Dictionary(clocks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private let clocksByName: [String: ClockDefinition]

    /// The clocks a case of this kind, channel and amount runs.
    public func clocks(for kind: String, channel: String?, amount: Double?) -> [ClockDefinition] {
        clocks.filter { $0.kinds.contains(kind) && $0.condition.matches(channel: channel, amount: amount) }
    }

    public func clock(named name: String) -> ClockDefinition? {
        clocksByName[name]
    }

    /// The calendar whose zone is the stores' local time, for times shown to people: the one named
    /// `store`, else the first by name (never "whichever a dictionary yields first", which changes
    /// from one run to the next).
    public var storeCalendar: BusinessCalendar? {
        calendars["store"] ?? calendars.keys.min().flatMap { calendars[$0] }
    }

    public func tierIndex(_ id: String) -> Int? {
        tiers.firstIndex { $0.id == id }
    }
}

/// One rung of the escalation ladder, lowest first.
public struct Tier: Hashable, Sendable {
    public let id: String
    public let title: String

    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }
}

/// The lifecycle events every case kind knows, beside the kind's own events.
public enum LifecycleEvent {
    public static let opened = "opened"
    public static let resolved = "resolved"
    public static let closed = "closed"
    public static let all: Set<String> = [opened, resolved, closed]
}

public struct CaseKind: Hashable, Sendable {
    public let id: String
    public let title: String
    /// The events staff can record on a case of this kind (lifecycle events included).
    public let events: Set<String>

    public init(id: String, title: String, events: Set<String>) {
        self.id = id
        self.title = title
        self.events = events.union(LifecycleEvent.all)
    }
}

/// Which cases a clock applies to beyond their kind: by channel and by amount.
public struct ClockCondition: Hashable, Sendable {
    public var channels: Set<String>?
    public var amountBelow: Double?
    public var amountAtLeast: Double?

    public init(channels: Set<String>? = nil, amountBelow: Double? = nil, amountAtLeast: Double? = nil) {
        self.channels = channels
        self.amountBelow = amountBelow
        self.amountAtLeast = amountAtLeast
    }

    public func matches(channel: String?, amount: Double?) -> Bool {
        if let channels, !channels.contains(channel ?? "") { return false }
        // A case with no amount is treated as a small one: the quicker rule is the safer default.
        let value = amount ?? 0
        if let amountBelow, !(value < amountBelow) { return false }
        if let amountAtLeast, !(value >= amountAtLeast) { return false }
        return true
    }

}

/// A clock is data: which events start, satisfy, pause, resume and restart it, and how it escalates.
public struct ClockDefinition: Hashable, Sendable {
    public let name: String
    public let title: String
    public let kinds: Set<String>
    public let condition: ClockCondition
    public let startsOn: Set<String>
    public let metBy: Set<String>
    public let pausesOn: Set<String>
    public let resumesOn: Set<String>
    public let restartsOn: Set<String>
    public let target: Target
    public let calendar: String
    /// Fraction of the target after which a warning is written; nil for none.
    public let warnAt: Double?
    public let warnTier: Int
    /// Tier told at breach (index into `Policy.tiers`).
    public let escalateTo: Int
    /// While unsatisfied, the next tier is told after each such interval; nil to stay at one tier.
    public let escalateEvery: Target?

    public init(
        name: String, title: String, kinds: Set<String>, condition: ClockCondition = ClockCondition(),
        startsOn: Set<String>, metBy: Set<String>, pausesOn: Set<String> = [], resumesOn: Set<String> = [],
        restartsOn: Set<String> = [], target: Target, calendar: String, warnAt: Double?, warnTier: Int,
        escalateTo: Int, escalateEvery: Target?
    ) {
        self.name = name
        self.title = title
        self.kinds = kinds
        self.condition = condition
        self.startsOn = startsOn
        self.metBy = metBy
        self.pausesOn = pausesOn
        self.resumesOn = resumesOn
        self.restartsOn = restartsOn
        self.target = target
        self.calendar = calendar
        self.warnAt = warnAt
        self.warnTier = warnTier
        self.escalateTo = escalateTo
        self.escalateEvery = escalateEvery
    }

    /// Every event this clock reacts to.
    public var events: Set<String> {
        startsOn.union(metBy).union(pausesOn).union(resumesOn).union(restartsOn)
    }
}
