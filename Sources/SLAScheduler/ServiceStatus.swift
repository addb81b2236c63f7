import SLACore
import Synchronization

/// What the status line and health say about the scheduler.
public struct ServiceStatus: Sendable, Codable {
    public var activeCases: Int
    public var runningClocks: Int
    public var nextDue: Instant?
    public var nextCase: String?
    public var nextClock: String?
    /// What the store's last failure said, while it lasts.
    public var lastFailure: String?
    /// True once a failure that a retry does not cure stopped the timer (health `failed`).
    public var storeFailed: Bool
    /// Open cases with frozen clocks: they use what the policy lacks.
    public var orphanedCases: Int
    /// Open cases with a provisional deadline, by calendar (its holiday data ends before it).
    public var provisionalCases: [String: Int] = [:]
}

/// Open cases and running clocks in all, kept up to date from each committed change (counting a
/// million cases in the store for every status line would hold the scheduler up).
struct CaseCounters {
    var openCases = 0
    var runningClocks = 0
    /// Open cases with a provisional deadline (past a calendar's holiday data), by calendar.
    private(set) var provisional: [String: Set<String>] = [:]

    /// One case committed: `before` as it was (nil: new), `after` as it is now (nil: gone).
    mutating func count(before: Case?, after: Case?) {
        runningClocks += (after?.runningClockCount ?? 0) - (before?.runningClockCount ?? 0)
        openCases +=
            (after.map { $0.status != .closed } == true ? 1 : 0)
            - (before.map { $0.status != .closed } == true ? 1 : 0)
    }

    /// Keeps count of the open cases whose deadlines are provisional, by calendar (health says so).
    mutating func trackProvisional(_ record: Case, _ engine: Engine) {
        let clocks = engine.provisionalClocks(of: record)
        // Nothing provisional here or anywhere (the usual case): no sets to build, for every
        // case of a burst.
        if clocks.isEmpty && provisional.isEmpty { return }
        let calendars = Set(clocks.compactMap { engine.policy.clock(named: $0.clock)?.calendar })
        for name in Set(provisional.keys).union(calendars) {
            if calendars.contains(name) && record.status != .closed {
                provisional[name, default: []].insert(record.id)
            } else {
                provisional[name]?.remove(record.id)
            }
        }
    }

    var provisionalCounts: [String: Int] { provisional.filter { !$0.value.isEmpty }.mapValues(\.count) }
}

/// The status as of the last commit, start, reload or heartbeat, readable from any thread: health
/// reads it without waiting for the scheduler's queue, which may be in a commit's fsync.
final class StatusBoard: Sendable {
    private let latest = Mutex(
        ServiceStatus(activeCases: 0, runningClocks: 0, lastFailure: nil, storeFailed: false, orphanedCases: 0))

    func publish(_ status: ServiceStatus) { latest.withLock { $0 = status } }

    var current: ServiceStatus { latest.withLock { $0 } }
}
