import SLAAuth
import SLACore

/// How close a clock is to its deadline, as the board marks it (a colour and a text label both).
public enum Risk: String, Sendable, CaseIterable {
    case onTime = "ok"
    /// Past the clock's warning (`warn-at`), or in the last 20% of its target when it has none.
    case atRisk = "risk"
    case breached = "late"

    public var phrase: Phrase {
        switch self {
        case .onTime: return .riskOnTime
        case .atRisk: return .riskAtRisk
        case .breached: return .riskBreached
        }
    }
}

/// One clock counting down on the board.
public struct BoardRow: Sendable, Hashable {
    public var caseID: String
    public var store: String
    public var kind: String
    public var clock: String
    public var risk: Risk
    public var deadline: Instant
    /// Negative: late by.
    public var millisLeft: Int64
    /// The highest tier told in this cycle.
    public var toldTier: String?
}

/// The board: the clocks counting down (and breached, not yet satisfied) of the stores one sees,
/// ordered by time left, the most late first.
public enum Board {
    /// The share of a target after which a clock without a warning of its own is at risk.
    public static let defaultRiskShare = 0.8

    public static func rows(_ cases: [Case], policy: Policy, now: Instant, sees: (String) -> Bool) -> [BoardRow] {
        let engine = Engine(policy: policy)
        var rows: [BoardRow] = []
        for record in cases where record.status != .closed && sees(record.opening.store) {
            for clock in record.clocks {
                guard let left = clock.millisLeft(at: now), let deadline = clock.deadline else { continue }
                rows.append(
                    BoardRow(
                        caseID: record.id, store: record.opening.store, kind: record.kind, clock: clock.name,
                        risk: risk(clock, left: left, policy: policy, engine: engine, now: now), deadline: deadline,
                        millisLeft: left,
                        toldTier: clock.escalatedTier.flatMap { $0 < policy.tiers.count ? policy.tiers[$0].id : nil }))
            }
        }
        return rows.sorted { ($0.millisLeft, $0.caseID, $0.clock) < ($1.millisLeft, $1.caseID, $1.clock) }
    }

    static func risk(_ clock: ClockState, left: Int64, policy: Policy, engine: Engine, now: Instant) -> Risk {
        if left < 0 || clock.status == .breached { return .breached }
        if policy.clock(named: clock.name)?.warnAt != nil, let warnAt = clock.warnAt {
            return now >= warnAt ? .atRisk : .onTime
        }
        return (engine.usedFraction(of: clock, at: now) ?? 0) >= defaultRiskShare ? .atRisk : .onTime
    }
}
