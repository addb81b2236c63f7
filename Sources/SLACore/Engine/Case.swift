/// What store software says when it opens a case.
public struct CaseOpening: Hashable, Sendable, Codable {
    public var id: String
    public var kind: String
    public var store: String
    public var category: String?
    public var channel: String?
    public var amount: Double?
    public var externalRef: String?
    public var openedAt: Instant

    public init(
        id: String, kind: String, store: String, category: String? = nil, channel: String? = nil,
        amount: Double? = nil, externalRef: String? = nil, openedAt: Instant
    ) {
        self.id = id
        self.kind = kind
        self.store = store
        self.category = category
        self.channel = channel
        self.amount = amount
        self.externalRef = externalRef
        self.openedAt = openedAt
    }
}

public enum CaseStatus: String, Codable, Sendable, CaseIterable {
    case open, resolved, closed
}

/// A case and all its clocks: the engine's whole state for one complaint.
public struct Case: Hashable, Sendable, Codable {
    public var opening: CaseOpening
    public var status: CaseStatus
    public var resolvedAt: Instant?
    public var closedAt: Instant?
    /// The time of the latest event; later events may not be dated before it.
    public var lastEventAt: Instant
    public var clocks: [ClockState]

    public init(
        opening: CaseOpening, status: CaseStatus, resolvedAt: Instant? = nil, closedAt: Instant? = nil,
        lastEventAt: Instant, clocks: [ClockState]
    ) {
        self.opening = opening
        self.status = status
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.lastEventAt = lastEventAt
        self.clocks = clocks
    }

    public var id: String { opening.id }
    public var kind: String { opening.kind }

    /// The earliest instant at which one of the case's clocks has something to say.
    public var nextDue: Instant? {
        clocks.lazy.compactMap(\.nextDue).min()
    }

    /// Clocks counting down (running, or breached and still escalating).
    public var runningClockCount: Int {
        clocks.filter { $0.nextDue != nil }.count
    }

    /// True while a clock of the case is past its deadline and not satisfied.
    public var isOverdue: Bool {
        clocks.contains { $0.status == .breached && $0.satisfiedAt == nil && status != .closed }
    }
}

public enum ClockStatus: String, Codable, Sendable, CaseIterable {
    /// Defined for the case, waiting for the event that starts it.
    case pending
    case running
    case paused
    /// Satisfied in time.
    case met
    /// Its deadline passed before it was satisfied (`satisfiedAt` says if and when it was, late).
    case breached
    /// The case closed before the clock was started or satisfied.
    case cancelled
}

/// One clock of one case. Restarting a clock begins a new `cycle`, which escalates afresh.
public struct ClockState: Hashable, Sendable, Codable {
    public let name: String
    public var status: ClockStatus = .pending
    public var cycle: Int = 0
    public var startedAt: Instant?
    /// When the clock falls due; nil unless running or breached.
    public var deadline: Instant?
    /// Open time the clock is given, from its start to its first deadline.
    public var budgetMillis: Int64 = 0
    /// Open time used in earlier running spans (before pauses).
    public var usedMillis: Int64 = 0
    /// Start of the current running span.
    public var runningSince: Instant?
    public var warnAt: Instant?
    public var warned = false
    public var pausedAt: Instant?
    public var satisfiedAt: Instant?
    /// Index of the highest tier told in this cycle; nil while none was.
    public var escalatedTier: Int?
    public var nextEscalationAt: Instant?

    public init(name: String) {
        self.name = name
    }

    /// The earliest instant at which this clock must be looked at again.
    public var nextDue: Instant? {
        switch status {
        case .running:
            if !warned, let warnAt, let deadline { return min(warnAt, deadline) }
            return deadline
        case .breached:
            return satisfiedAt == nil ? nextEscalationAt : nil
        case .pending, .paused, .met, .cancelled:
            return nil
        }
    }

    /// Milliseconds left before the deadline (negative: late by), for running and breached clocks.
    public func millisLeft(at now: Instant) -> Int64? {
        guard status == .running || (status == .breached && satisfiedAt == nil), let deadline else { return nil }
        return deadline - now
    }
}
