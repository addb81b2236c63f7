/// Who must be told about a clock: one entry of the escalation queue.
///
/// An entry is identified by (case, clock, cycle, tier, kind): the store keeps that unique, so an
/// entry computed twice (after a crash, on recovery) is written once.
public struct Escalation: Hashable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `warn-at` of the target is used up.
        case warning
        /// The deadline passed (the first tier told) or it stayed unsatisfied (each tier above).
        case breach
    }

    public let caseID: String
    public let clock: String
    public let cycle: Int
    public let tier: String
    public let kind: Kind
    /// The instant at which this entry was due: lateness is measured against it.
    public let dueAt: Instant
    /// The clock's deadline in this cycle.
    public let deadline: Instant

    public init(
        caseID: String, clock: String, cycle: Int, tier: String, kind: Kind, dueAt: Instant, deadline: Instant
    ) {
        self.caseID = caseID
        self.clock = clock
        self.cycle = cycle
        self.tier = tier
        self.kind = kind
        self.dueAt = dueAt
        self.deadline = deadline
    }
}

extension Escalation {
    /// For `catch-up = "highest-tier"`: of the entries one commit writes, those of a clock cycle
    /// with several keep only the breach of the highest tier (a breach always above a warning,
    /// whatever tier the warning went to); the others are returned apart, to be recorded as skipped.
    public static func highestPerClock(_ entries: [Escalation], tiers: [Tier]) -> (
        told: [Escalation], skipped: [Escalation]
    ) {
        func rank(_ entry: Escalation) -> (Int, Int) {
            (entry.kind == .breach ? 1 : 0, tiers.firstIndex { $0.id == entry.tier } ?? -1)
        }
        var highest: [String: Escalation] = [:]
        for entry in entries {
            let key = "\(entry.caseID)\u{0}\(entry.clock)\u{0}\(entry.cycle)"
            if let kept = highest[key], rank(kept) >= rank(entry) { continue }
            highest[key] = entry
        }
        let told = Set(highest.values)
        return (entries.filter { told.contains($0) }, entries.filter { !told.contains($0) })
    }
}

/// What changed, in order: the daemon persists these in one transaction, then logs them.
public enum Effect: Hashable, Sendable {
    case clockStarted(caseID: String, clock: String, cycle: Int, deadline: Instant)
    case clockPaused(caseID: String, clock: String, at: Instant)
    case clockResumed(caseID: String, clock: String, deadline: Instant)
    case clockRestarted(caseID: String, clock: String, cycle: Int, deadline: Instant)
    /// Satisfied; `lateByMillis` is positive when it was satisfied after its deadline.
    case clockMet(caseID: String, clock: String, at: Instant, lateByMillis: Int64)
    case clockCancelled(caseID: String, clock: String)
    case escalation(Escalation)

    public var escalation: Escalation? {
        if case .escalation(let entry) = self { return entry }
        return nil
    }
}
