import SLACore

/// What a compliance report counts, before it is ordered and titled: the one intermediate form
/// both ways of making a report fill. A store counts its `Case` values one by one (`add(_:now:)`);
/// HQ adds the rows of PostgreSQL's GROUP BYs, each with its count. `ComplianceReport`'s one
/// assembly turns either into the same report.
public struct ComplianceTallies: Sendable {
    /// A clock of a case kind, the key of a clock row.
    public struct ClockKey: Hashable, Sendable {
        public var kind: String
        public var clock: String

        public init(kind: String, clock: String) {
            self.kind = kind
            self.clock = clock
        }
    }

    /// Escalations written to one tier.
    public struct TierCount: Hashable, Sendable {
        public var warnings = 0
        public var breaches = 0
    }

    public var summary = ComplianceReport.Summary()
    /// Counts and lateness (unsorted) per clock; titles are filled by the assembly.
    public var clocks: [ClockKey: ComplianceReport.ClockRow] = [:]
    public var tiers: [String: TierCount] = [:]
    /// Cases per category and per channel; the nil key: none given.
    public var categories: [String?: Int] = [:]
    public var channels: [String?: Int] = [:]
    public var stores: [String: ComplianceReport.StoreRow] = [:]

    public init() {}

    // MARK: One case at a time (a store's own report)

    /// Counts a case, its clocks and their lateness (against `now`).
    public mutating func add(_ record: Case, now: Instant) {
        let store = record.opening.store
        addCases(
            store: store, status: record.status, category: record.opening.category, channel: record.opening.channel)
        for clock in record.clocks {
            addClocks(
                store: store, kind: record.kind, clock: clock.name, status: clock.status, ran: clock.cycle > 0,
                satisfied: clock.satisfiedAt != nil)
            if clock.status == .breached, let deadline = clock.deadline {
                addLateness(
                    kind: record.kind, clock: clock.name, deadline: deadline, satisfiedAt: clock.satisfiedAt,
                    closedAt: record.closedAt, now: now)
            }
        }
    }

    // MARK: Counted rows (HQ's GROUP BYs; the store's path with count 1)

    /// `count` cases of one store in one status (the store's line and the summary).
    public mutating func addCases(store: String, status: CaseStatus, count: Int = 1) {
        summary.cases += count
        var row = stores[store] ?? ComplianceReport.StoreRow(store: store)
        row.cases += count
        switch status {
        case .open:
            summary.open += count
            row.open += count
        case .resolved: summary.resolved += count
        case .closed: summary.closed += count
        }
        stores[store] = row
    }

    /// `count` cases with this category (nil: none given).
    public mutating func addCategory(_ category: String?, count: Int = 1) { categories[category, default: 0] += count }

    /// `count` cases that came through this channel (nil: none given).
    public mutating func addChannel(_ channel: String?, count: Int = 1) { channels[channel, default: 0] += count }

    /// `count` clocks of one kind and name, of one store, in one state: `ran` when started at
    /// least once (cycle > 0), `satisfied` when they have a satisfaction instant.
    public mutating func addClocks(
        store: String, kind: String, clock: String, status: ClockStatus, ran: Bool, satisfied: Bool, count: Int = 1
    ) {
        let key = ClockKey(kind: kind, clock: clock)
        var row = clocks[key] ?? ComplianceReport.ClockRow(kind: kind, clock: clock)
        row.cases += count
        if ran {
            row.ran += count
            summary.clocksRan += count
        }
        switch status {
        case .pending: row.pending += count
        case .running, .paused: row.running += count
        case .met:
            row.met += count
            summary.clocksMet += count
            stores[store, default: ComplianceReport.StoreRow(store: store)].clocksMet += count
        case .cancelled: row.cancelled += count
        case .breached:
            row.breached += count
            if !satisfied { row.unmet += count }
            summary.clocksBreached += count
            stores[store, default: ComplianceReport.StoreRow(store: store)].clocksBreached += count
        }
        clocks[key] = row
    }

    /// The lateness of one breached clock: from its deadline to when it was satisfied; never
    /// satisfied, to `now` or to the case's closing (which stopped it), whichever came first.
    public mutating func addLateness(
        kind: String, clock: String, deadline: Instant, satisfiedAt: Instant?, closedAt: Instant?, now: Instant
    ) {
        let end = satisfiedAt ?? min(now, closedAt ?? now)
        let key = ClockKey(kind: kind, clock: clock)
        clocks[key, default: ComplianceReport.ClockRow(kind: kind, clock: clock)].lateness.append(
            max(0, end - deadline))
    }

    /// `count` escalations of one store's cases to one tier.
    public mutating func addEscalations(store: String, tier: String, kind: Escalation.Kind, count: Int = 1) {
        summary.escalations += count
        stores[store, default: ComplianceReport.StoreRow(store: store)].escalations += count
        switch kind {
        case .warning: tiers[tier, default: TierCount()].warnings += count
        case .breach: tiers[tier, default: TierCount()].breaches += count
        }
    }

    private mutating func addCases(store: String, status: CaseStatus, category: String?, channel: String?) {
        addCases(store: store, status: status)
        addCategory(category)
        addChannel(channel)
    }
}
