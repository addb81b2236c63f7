import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SLAAPI
import SLACore
import SLAMetrics
import SLAScheduler
import SLAStore

/// `GET /metrics`: Prometheus' text format. The gauges of slad's state are set here, at the
/// scrape, from the scheduler's published status and a few store counts; counters and histograms
/// are recorded where things happen (see SLAMetrics).
struct MetricsPage: Sendable {
    let service: SLAService
    let clock: WallClock
    let kindCounts = KindCountCache()

    func render(replication: ReplicationView? = nil) -> APIResponse {
        let status = service.snapshot()
        let store = service.store
        let policy = service.policy
        StatusGauges.set(
            frozenCases: status.orphanedCases, pendingEntries: try? store.pendingEntryCount(),
            nextDueMillis: status.nextDue?.millis, storeFailing: status.lastFailure != nil,
            storeFailed: status.storeFailed)
        if let counts = kindCounts.counts(store: store, kinds: policy.kinds.keys) {
            StatusGauges.set(kinds: counts)
        }
        if let pending = try? store.pendingDeliveriesByRoute() {
            let routes = policy.delivery.routes.map { ($0.name, 0) }
            StatusGauges.set(pendingDeliveries: pending.merging(routes) { found, _ in found })
        }
        for (name, calendar) in policy.calendars {
            guard let end = Self.holidayDataEnd(of: calendar) else { continue }
            StatusGauges.set(holidayDataEndMillis: end.millis, calendar: name)
        }
        if let replication {
            StatusGauges.set(
                replicationBacklogRows: replication.backlogRows, lagSeconds: replication.lagSeconds,
                lastContactMillis: replication.lastContact.flatMap(ISO8601.parse)?.millis,
                failing: replication.state == "failing")
        }
        var response = APIResponse(
            status: .ok, contentType: Exposition.contentType, body: ByteBuffer(bytes: Exposition.render()))
        response.headers.add(name: "cache-control", value: "no-store")
        return response
    }

    /// When a calendar's holiday data ends: midnight after its horizon (`coveredThrough`: the last
    /// full year of its holiday files, or its explicit `covered-through`), in the calendar's zone.
    /// Nil for a calendar without holiday data: its weekly hours are all it needs.
    static func holidayDataEnd(of calendar: BusinessCalendar) -> Instant? {
        calendar.coveredThrough.map { calendar.instant($0.adding(days: 1), 0) }
    }
}

/// Open cases, running and paused clocks by case kind. Clock states live in each case's encoded
/// row, so counting them reads every open case: the count is kept and taken again only once the
/// time since the last one is 50 times what it cost (10 s at least), which keeps the walk under
/// 2% of one reader thread however many cases are open.
final class KindCountCache: Sendable {
    private struct Taken {
        var counts: [String: StatusGauges.KindCounts]
        var at: ContinuousClock.Instant
        var cost: Duration
    }

    private let taken = NIOLockedValueBox<Taken?>(nil)
    static let minimumAge = Duration.seconds(10)

    /// Every kind of `kinds` is in the result (0 when it has no open case).
    func counts(store: Store, kinds: some Sequence<String>) -> [String: StatusGauges.KindCounts]? {
        taken.withLockedValue { taken in
            let now = ContinuousClock.now
            if let last = taken, now - last.at < max(Self.minimumAge, last.cost * 50) { return last.counts }
            var counts = Dictionary(uniqueKeysWithValues: kinds.map { ($0, StatusGauges.KindCounts()) })
            do {
                try store.forEachOpenCase { record in
                    counts[record.kind, default: .init()].openCases += 1
                    counts[record.kind, default: .init()].runningClocks += record.runningClockCount
                    let paused = record.clocks.filter { $0.status == .paused }.count
                    counts[record.kind, default: .init()].pausedClocks += paused
                }
            } catch {
                return taken?.counts
            }
            taken = Taken(counts: counts, at: now, cost: ContinuousClock.now - now)
            return counts
        }
    }
}
