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

    /// - Parameters:
    ///   - cases: the cases to report on; those not opened in the period (or not of `store`) are left out.
    ///   - escalations: queue entries; only those of the reported cases count.
    public init(
        policy: Policy, period: ReportPeriod, store: String? = nil, cases: [Case], escalations: [Escalation],
        now: Instant
    ) {
        self.period = period
        self.store = store
        self.generatedAt = Instant(seconds: now.seconds)  // to the second: it is printed so
        let cases = cases.filter { period.contains($0.opening.openedAt) && (store == nil || $0.opening.store == store) }
        let caseIDs = Set(cases.map(\.id))
        let escalations = escalations.filter { caseIDs.contains($0.caseID) }

        var summary = Summary()
        summary.cases = cases.count
        summary.escalations = escalations.count
        var rows: [String: ClockRow] = [:]
        var storeRows: [String: StoreRow] = [:]
        for record in cases {
            var storeRow = storeRows[record.opening.store] ?? StoreRow(store: record.opening.store)
            storeRow.cases += 1
            switch record.status {
            case .open:
                summary.open += 1
                storeRow.open += 1
            case .resolved: summary.resolved += 1
            case .closed: summary.closed += 1
            }
            for clock in record.clocks {
                let key = record.kind + "\u{0}" + clock.name
                var row = rows[key] ?? Self.row(kind: record.kind, clock: clock.name, policy: policy)
                Self.count(clock, of: record, into: &row, now: now)
                rows[key] = row
                if clock.cycle > 0 { summary.clocksRan += 1 }
                if clock.status == .met {
                    summary.clocksMet += 1
                    storeRow.clocksMet += 1
                } else if clock.status == .breached {
                    summary.clocksBreached += 1
                    storeRow.clocksBreached += 1
                }
            }
            storeRows[record.opening.store] = storeRow
        }
        let storeOf = Dictionary(cases.map { ($0.id, $0.opening.store) }) { first, _ in first }
        for entry in escalations {
            if let store = storeOf[entry.caseID] { storeRows[store]?.escalations += 1 }
        }
        self.summary = summary
        self.clocks = rows.values.map { row in
            var sorted = row
            sorted.lateness.sort()
            return sorted
        }.sorted { ($0.kind, $0.clock) < ($1.kind, $1.clock) }
        self.escalations = Self.tiers(escalations, policy: policy)
        self.categories = Self.counts(cases.map(\.opening.category), known: policy.categories)
        self.channels = Self.counts(cases.map(\.opening.channel), known: policy.channels)
        self.stores = store == nil ? storeRows.values.sorted { $0.store < $1.store } : nil
    }

    /// The share of decided clocks (met or breached) that were met, in tenths of a percent; nil if none.
    public static func metPermille(met: Int, breached: Int) -> Int? {
        let decided = met + breached
        guard decided > 0 else { return nil }
        return (met * 1000 + decided / 2) / decided
    }

    // MARK: Counting

    private static func row(kind: String, clock: String, policy: Policy) -> ClockRow {
        let definition = policy.clock(named: clock)
        return ClockRow(
            kind: kind, kindTitle: policy.kinds[kind]?.title, clock: clock, title: definition?.title,
            target: definition?.target.description, calendar: definition?.calendar)
    }

    private static func count(_ clock: ClockState, of record: Case, into row: inout ClockRow, now: Instant) {
        row.cases += 1
        if clock.cycle > 0 { row.ran += 1 }
        switch clock.status {
        case .pending: row.pending += 1
        case .running, .paused: row.running += 1
        case .met: row.met += 1
        case .cancelled: row.cancelled += 1
        case .breached:
            row.breached += 1
            if clock.satisfiedAt == nil { row.unmet += 1 }
            if let deadline = clock.deadline {
                let end = clock.satisfiedAt ?? min(now, record.closedAt ?? now)
                row.lateness.append(max(0, end - deadline))
            }
        }
    }

    private static func tiers(_ escalations: [Escalation], policy: Policy) -> [TierRow] {
        var rows = policy.tiers.map { TierRow(tier: $0.id, title: $0.title) }
        for entry in escalations {
            var index = rows.firstIndex { $0.tier == entry.tier }
            if index == nil {
                rows.append(TierRow(tier: entry.tier))
                index = rows.count - 1
            }
            switch entry.kind {
            case .warning: rows[index!].warnings += 1
            case .breach: rows[index!].breaches += 1
            }
        }
        let known = rows.prefix(policy.tiers.count)
        return Array(known) + rows.dropFirst(policy.tiers.count).sorted { $0.tier < $1.tier }
    }

    private static func counts(_ values: [String?], known: [String]) -> [CountRow] {
        var counts: [String: Int] = [:]
        var none = 0
        for value in values {
            if let value { counts[value, default: 0] += 1 } else { none += 1 }
        }
        var rows = known.map { CountRow(value: $0, cases: counts[$0] ?? 0) }
        rows += counts.keys.filter { !known.contains($0) }.sorted().map { CountRow(value: $0, cases: counts[$0]!) }
        if none > 0 { rows.append(CountRow(value: nil, cases: none)) }
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
