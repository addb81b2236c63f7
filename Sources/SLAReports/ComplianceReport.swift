import SLACore

/// The compliance report of a period: how the clocks of the cases opened in it fared, who was
/// told, and what the complaints were about. Computed from the cases' final clock states and the
/// escalation queue; pure, `now` (the time of the report) is passed in.
///
/// - A case belongs to the period it was **opened** in; everything about it (even a revisit done
///   the next month) counts there, as it stands at `now`.
/// - A clock **ran** when it was started at least once; it is **met** when satisfied in time,
///   **breached** when its deadline passed first (satisfied late, or still unsatisfied),
///   **running** while started and undecided (paused included), **pending** while never started,
///   **cancelled** when the case closed before it was satisfied. A restarted clock counts once, in
///   the state of its last cycle.
/// - **Lateness** of a breached clock is wall time from its deadline to when it was satisfied; for
///   one never satisfied, to `now` (or to the case's closing, which stopped it).
/// - The median of an even number of values is the mean of the middle two; the 90th percentile is
///   the nearest rank: the smallest value that at least 90% of the values do not exceed.
public struct ComplianceReport: Sendable {
    public struct Summary: Hashable, Sendable {
        public var cases = 0
        public var open = 0
        public var resolved = 0
        public var closed = 0
        public var clocksRan = 0
        public var clocksMet = 0
        public var clocksBreached = 0
        public var escalations = 0

        public init() {}
    }

    /// One clock of one case kind.
    public struct ClockRow: Hashable, Sendable {
        public var kind: String
        public var kindTitle: String?
        public var clock: String
        public var title: String?
        public var target: String?
        public var calendar: String?
        /// Cases of the period that have this clock.
        public var cases = 0
        public var ran = 0
        public var met = 0
        /// Breached, satisfied late or not.
        public var breached = 0
        /// Breached and still not satisfied.
        public var unmet = 0
        /// Started and undecided, paused included.
        public var running = 0
        public var pending = 0
        public var cancelled = 0
        /// Lateness of each breached clock, in milliseconds, ascending.
        public var lateness: [Int64] = []

        public var medianLateness: Int64? { Statistics.median(lateness) }
        public var p90Lateness: Int64? { Statistics.percentile(90, of: lateness) }
    }

    /// Queue entries written to one tier.
    public struct TierRow: Hashable, Sendable {
        public var tier: String
        public var title: String?
        public var warnings = 0
        public var breaches = 0
        public var total: Int { warnings + breaches }
    }

    /// Cases with one value of a field (category or channel); `value` nil: none given.
    public struct CountRow: Hashable, Sendable {
        public var value: String?
        public var cases = 0
    }

    public struct StoreRow: Hashable, Sendable {
        public var store: String
        public var cases = 0
        public var open = 0
        public var clocksMet = 0
        public var clocksBreached = 0
        public var escalations = 0
    }

    public let period: ReportPeriod
    /// The one store reported on; nil for all stores.
    public let store: String?
    public let generatedAt: Instant
    public let summary: Summary
    /// By kind, then clock name.
    public let clocks: [ClockRow]
    /// In the policy's tier order (lowest first), then any tier no longer in the policy.
    public let escalations: [TierRow]
    /// The policy's categories in its order, then others found, then cases without one.
    public let categories: [CountRow]
    public let channels: [CountRow]
    /// Per store, by name; nil when the report is for one store.
    public let stores: [StoreRow]?

    /// A store's report from its records: the cases are counted one by one.
    ///
    /// - Parameters:
    ///   - cases: the cases to report on; those not opened in the period (or not of `store`) are left out.
    ///   - escalations: queue entries; only those of the reported cases count.
    public init(
        policy: Policy, period: ReportPeriod, store: String? = nil, cases: [Case], escalations: [Escalation],
        now: Instant
    ) {
        let cases = cases.filter { period.contains($0.opening.openedAt) && (store == nil || $0.opening.store == store) }
        var tallies = ComplianceTallies()
        for record in cases { tallies.add(record, now: now) }
        let storeOf = Dictionary(cases.map { ($0.id, $0.opening.store) }) { first, _ in first }
        for entry in escalations {
            guard let caseStore = storeOf[entry.caseID] else { continue }
            tallies.addEscalations(store: caseStore, tier: entry.tier, kind: entry.kind)
        }
        self.init(policy: policy, period: period, store: store, tallies: tallies, now: now)
    }

    /// The one assembly: counts however they were made (a store's cases, HQ's GROUP BYs), ordered
    /// and titled from the policy.
    public init(policy: Policy, period: ReportPeriod, store: String? = nil, tallies: ComplianceTallies, now: Instant) {
        self.period = period
        self.store = store
        self.generatedAt = Instant(seconds: now.seconds)  // to the second: it is printed so
        self.summary = tallies.summary
        self.clocks = tallies.clocks.values.map { Self.titled($0, policy: policy) }
            .sorted { ($0.kind, $0.clock) < ($1.kind, $1.clock) }
        self.escalations = Self.tiers(tallies.tiers, policy: policy)
        self.categories = Self.counts(tallies.categories, known: policy.categories)
        self.channels = Self.counts(tallies.channels, known: policy.channels)
        self.stores = store == nil ? tallies.stores.values.sorted { $0.store < $1.store } : nil
    }

    /// The share of decided clocks (met or breached) that were met, in tenths of a percent; nil if none.
    public static func metPermille(met: Int, breached: Int) -> Int? {
        let decided = met + breached
        guard decided > 0 else { return nil }
        return (met * 1000 + decided / 2) / decided
    }

    // MARK: Counting

    /// The row with its titles from the policy, its lateness in order.
    private static func titled(_ counted: ClockRow, policy: Policy) -> ClockRow {
        var row = counted
        let definition = policy.clock(named: row.clock)
        row.kindTitle = policy.kinds[row.kind]?.title
        row.title = definition?.title
        row.target = definition?.target.description
        row.calendar = definition?.calendar
        row.lateness.sort()
        return row
    }

    private static func tiers(_ counted: [String: ComplianceTallies.TierCount], policy: Policy) -> [TierRow] {
        let known = policy.tiers.map { tier in
            TierRow(
                tier: tier.id, title: tier.title, warnings: counted[tier.id]?.warnings ?? 0,
                breaches: counted[tier.id]?.breaches ?? 0)
        }
        let policyTiers = Set(policy.tiers.map(\.id))
        let others = counted.filter { !policyTiers.contains($0.key) }.sorted { $0.key < $1.key }.map { tier, count in
            TierRow(tier: tier, warnings: count.warnings, breaches: count.breaches)
        }
        return known + others
    }

    private static func counts(_ counted: [String?: Int], known: [String]) -> [CountRow] {
        var rows = known.map { CountRow(value: $0, cases: counted[$0] ?? 0) }
        let others = counted.compactMap { value, _ in value }.filter { !known.contains($0) }.sorted()
        rows += others.map { CountRow(value: $0, cases: counted[$0]!) }
        if let none = counted[nil], none > 0 { rows.append(CountRow(value: nil, cases: none)) }
        return rows
    }
}

/// Median and percentiles of lateness, in whole milliseconds.
public enum Statistics {
    /// The middle value; for an even count, the mean of the middle two (rounded down). Nil when empty.
    public static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[middle] }
        return sorted[middle - 1] + (sorted[middle] - sorted[middle - 1]) / 2
    }

    /// Nearest rank: the value at rank ceil(p/100 * n), 1-based. Nil when empty.
    public static func percentile(_ p: Int, of values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, (p * sorted.count + 99) / 100)
        return sorted[min(rank, sorted.count) - 1]
    }
}
