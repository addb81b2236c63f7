import Dispatch
import Logging
import SLACore
import SLAMessageIDs
import SLAStore

/// Purges closed cases older than the policy's `[retention] days` (never under two years), once at
/// start and then daily, logging how many went. Without the setting, everything is kept.
///
/// Unchecked: `timer` is set before the job runs and cancelled on `queue`.
public final class RetentionJob: @unchecked Sendable {
    private let service: SLAService
    private let clock: WallClock
    private let logger: Logger
    private let queue = DispatchQueue(label: "slad.retention", qos: .background)
    private var timer: DispatchSourceTimer?

    public init(service: SLAService, clock: WallClock = SystemClock(), logger: Logger) {
        self.service = service
        self.clock = clock
        self.logger = logger
    }

    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 60, repeating: 86_400, leeway: .seconds(60))
        timer.setEventHandler { [weak self] in self?.run() }
        self.timer = timer
        timer.activate()
    }

    /// No more purges; one running finishes.
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// One purge; returns how many cases went.
    @discardableResult
    public func run() -> Int {
        guard let days = service.policy.retention.days else { return 0 }
        let cutoff = clock.now().adding(seconds: -Int64(days) * 86_400)
        do {
            let purged = try service.store.purge(closedBefore: cutoff)
            logger.notice(
                "retention: purged \(purged) cases closed before \(cutoff) (kept \(days) days)",
                metadata: ["message_id": "\(MessageID.purged)", "sla_purged": "\(purged)"])
            return purged
        } catch {
            logger.error("retention: purge failed: \(error)")
            return 0
        }
    }
}
