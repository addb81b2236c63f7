import Dispatch
import Logging
import SLACore
import SLAMessageIDs
import SLAScheduler

/// Says when a calendar's holiday data ends soon (its `warn-days-before-end`, 60 days by default)
/// or has ended: at start, on each reload and then daily, at warning, with a MESSAGE_ID that the
/// catalog explains. And says how many deadlines a reload or a start recomputed.
///
/// Unchecked: `timer` is set before the watch runs and cancelled on `queue`.
final class HorizonWatch: @unchecked Sendable {
    private let service: SLAService
    private let clock: WallClock
    private let logger: Logger
    private let queue = DispatchQueue(label: "slad.horizon", qos: .background)
    private var timer: DispatchSourceTimer?

    init(service: SLAService, clock: WallClock = SystemClock(), logger: Logger) {
        self.service = service
        self.clock = clock
        self.logger = logger
    }

    /// Warns now, then once a day.
    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: 86_400, leeway: .seconds(60))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            Self.warn(service.policy, now: clock.now(), logger: logger)
        }
        self.timer = timer
        timer.activate()
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// The warnings for `now`'s date in the stores' zone.
    static func warn(_ policy: Policy, now: Instant = SystemClock().now(), logger: Logger) {
        guard let today = policy.storeCalendar?.date(of: now) else { return }
        for warning in policy.horizonWarnings(today: today) {
            logger.warning(
                "\(warning)",
                metadata: [
                    "message_id": "\(MessageID.calendarDataEnding)", "sla_calendar": "\(warning.calendar)",
                    "sla_covered_through": "\(warning.coveredThrough)", "sla_days_left": "\(warning.daysLeft)",
                ])
        }
    }

    static func logRecomputed(_ recomputed: Recomputation, why: String, logger: Logger) {
        let dueNow = recomputed.effects.compactMap(\.escalation).count
        let summary =
            "deadlines recomputed \(why): \(recomputed.moves.count) moved, \(recomputed.earlier) earlier and "
            + "\(recomputed.later) later; \(dueNow) entries fell due at once, written late"
        logger.notice(
            "\(summary)",
            metadata: [
                "message_id": "\(MessageID.deadlinesRecomputed)", "sla_moved_earlier": "\(recomputed.earlier)",
                "sla_moved_later": "\(recomputed.later)", "sla_due_now": "\(dueNow)",
            ])
    }
}
