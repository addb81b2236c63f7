/// What an open case uses that a policy no longer has. A policy edited while slad was down can
/// leave cases like that: their clocks are frozen (never advanced, never scheduled) until the
/// policy has what they use again, and the case can still be resolved and closed. A reload that
/// would leave them is refused instead.
public enum Orphan: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The case's kind is gone: none of its clocks can run, and only `resolved` and `closed` can be
    /// recorded on it.
    case kind(String)
    /// A clock running, paused or still escalating whose definition is gone.
    case clock(String)
    /// A tier the clock has reached or climbs to next is gone, or is no longer at its place on the
    /// ladder. At start, without the old ladder, only a tier beyond the ladder's end can be seen:
    /// then it is named by its position (`#5`).
    case tier(String)
    /// The calendar a running clock's deadline was counted on is gone (seen on reload only).
    case calendar(String)

    public var description: String {
        switch self {
        case .kind(let id): return "case kind '\(id)'"
        case .clock(let name): return "clock '\(name)'"
        case .tier(let id): return "tier '\(id)'"
        case .calendar(let name): return "calendar '\(name)'"
        }
    }
}

extension Engine {
    /// Why this clock of the case cannot run under the policy, or nil when it can. Only clocks with
    /// something left to do count: a pending clock whose definition is gone simply never starts,
    /// and a met or cancelled one is history.
    public func frozenReason(_ clock: ClockState, of record: Case) -> Orphan? {
        guard record.status != .closed, clock.isLive else { return nil }
        if policy.kinds[record.kind] == nil { return .kind(record.kind) }
        guard policy.clock(named: clock.name) != nil else { return .clock(clock.name) }
        if clock.status == .breached, let reached = clock.escalatedTier {
            if reached >= policy.tiers.count { return .tier("#\(reached + 1)") }
            if clock.nextEscalationAt != nil, reached + 1 >= policy.tiers.count { return .tier("#\(reached + 2)") }
        }
        return nil
    }

    /// The earliest instant at which a clock of the case that can run has something to say: what
    /// the scheduler waits for. (`Case.nextDue`, which the store keeps, counts frozen clocks too,
    /// so that they are picked up again once the policy has what they use.)
    public func nextDue(of record: Case) -> Instant? {
        record.clocks.lazy.filter { frozenReason($0, of: record) == nil }.compactMap(\.nextDue).min()
    }

    /// What the case uses that this policy lacks, judged against the policy it ran under until now
    /// (`previous`): on reload, tiers are compared by id at the places the case uses, and a running
    /// clock's calendar must still exist. Without `previous` (at start), only what is missing here.
    public func orphans(of record: Case, previous: Policy? = nil) -> [Orphan] {
        guard record.status != .closed else { return [] }
        if policy.kinds[record.kind] == nil { return [.kind(record.kind)] }
        var found: Set<Orphan> = []
        for clock in record.clocks where clock.isLive {
            guard let previous else {
                if let reason = frozenReason(clock, of: record) { found.insert(reason) }
                continue
            }
            guard policy.clock(named: clock.name) != nil else {
                found.insert(.clock(clock.name))
                continue
            }
            if let old = previous.clock(named: clock.name), policy.calendars[old.calendar] == nil {
                found.insert(.calendar(old.calendar))
            }
            guard clock.status == .breached, let reached = clock.escalatedTier else { continue }
            let used = clock.nextEscalationAt == nil ? [reached] : [reached, reached + 1]
            for index in used where index < previous.tiers.count {
                let id = previous.tiers[index].id
                if index >= policy.tiers.count || policy.tiers[index].id != id { found.insert(.tier(id)) }
            }
        }
        return found.sorted()
    }
}

extension ClockState {
    /// Running, paused, or breached and still climbing the ladder: a clock with something left to do.
    public var isLive: Bool {
        switch status {
        case .running, .paused: return true
        case .breached: return satisfiedAt == nil && nextEscalationAt != nil
        case .pending, .met, .cancelled: return false
        }
    }
}

/// The orphans of a set of cases, grouped for one message: what is missing, and which cases use it.
public struct OrphanReport: Sendable, Equatable, CustomStringConvertible {
    public private(set) var cases: [Orphan: [String]] = [:]

    public init() {}

    public mutating func add(_ orphans: [Orphan], caseID: String) {
        for orphan in orphans { cases[orphan, default: []].append(caseID) }
    }

    public var isEmpty: Bool { cases.isEmpty }

    /// Every case that uses something missing, once.
    public var caseIDs: Set<String> { Set(cases.values.joined()) }

    /// One line per missing thing: "clock 'soft-check' is used by 3 open cases: C-1, C-4, C-9".
    public var lines: [String] {
        cases.keys.sorted().map { orphan in
            let ids = cases[orphan]!.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
            let shown = ids.prefix(20).joined(separator: ", ")
            let more = ids.count > 20 ? " and \(ids.count - 20) more" : ""
            return "\(orphan) is used by \(ids.count) open case\(ids.count == 1 ? "" : "s"): \(shown)\(more)"
        }
    }

    public var description: String { lines.joined(separator: "\n") }
}

extension Policy {
    /// What open cases can depend on: kinds, clocks and calendars by name, and the ladder in order.
    /// Kept in the store beside a check of the open cases, so a start on the same shape skips it.
    public var shape: String {
        [
            "kinds=" + kinds.keys.sorted().joined(separator: ","),
            "clocks=" + clocks.map(\.name).joined(separator: ","),
            "calendars=" + calendars.keys.sorted().joined(separator: ","),
            "tiers=" + tiers.map(\.id).joined(separator: ","),
        ].joined(separator: ";")
    }

    /// Whether everything `previous` had that a case can use is still here, in the same place on
    /// the ladder: then a case that ran under `previous` cannot be orphaned by this policy.
    public func keepsEverything(of previous: Policy) -> Bool {
        Set(previous.kinds.keys).isSubset(of: kinds.keys)
            && previous.clocks.allSatisfy { clock(named: $0.name) != nil }
            && Set(previous.calendars.keys).isSubset(of: calendars.keys)
            && tiers.map(\.id).starts(with: previous.tiers.map(\.id))
    }
}
