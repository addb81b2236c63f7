import Logging
import NIOConcurrencyHelpers
import SLACore
import SLADelivery
import SLAPolicyFile
import SLAScheduler
import SLAServer
import SLASystemd
import ServiceLifecycle
import UnixSignals

// slad's parts as services of one ServiceGroup, already running when the group starts (the store
// open, recovery done, the sockets bound) and stopped in reverse order on graceful shutdown: first
// no more requests (those in flight answered), then the status line and retention, then the
// scheduler, which commits what it took, then delivery (which pushes what that commit wrote and
// waits for its attempts), and last the signal service.

/// Waits for graceful shutdown, then stops what it wraps. Named in the group's logs.
struct StopOnShutdown: Service, CustomStringConvertible {
    let name: String
    let stop: @Sendable () async -> Void

    var description: String { name }

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }
}

/// The scheduler's heartbeats: the watchdog ping (from the scheduler's own queue, so a hung
/// scheduler stops it) and the status line, every second it changes.
struct HeartbeatService: Service {
    let service: SLAService
    let statusLine: @Sendable (ServiceStatus) -> String

    func run() async throws {
        if let interval = SystemdNotify.watchdogInterval() {
            service.startHeartbeat(every: interval / 2) { _ in SystemdNotify.watchdog() }
        }
        let publisher = StatusPublisher()
        service.startHeartbeat(every: 1) { status in publisher.publish { statusLine(status) } }
        try? await gracefulShutdown()
    }
}

/// SIGHUP reloads the policy; SIGTERM and SIGINT shut the group down gracefully. The signals are
/// trapped before anything else starts (see `Slad.run`), so one sent during start-up waits here,
/// not lost. First in the group, this service stops last: until then a second SIGTERM, or a
/// SIGHUP, while slad stops is read and passed over, never left to its default action (once the
/// signal sources are gone, that is to die).
struct SignalService: Service {
    let signals: UnixSignalsSequence
    let group: GroupShutdown
    let logger: Logger
    /// Called once the service listens: what systemd is told is READY.
    let ready: @Sendable () -> Void
    let reload: @Sendable () -> Void

    func run() async throws {
        ready()
        var stopping = false
        for await signal in signals.cancelOnGracefulShutdown() where !stopping {
            guard signal == .sighup else {
                stopping = true
                SystemdNotify.stopping()
                logger.notice("stopping: answering requests in flight")
                await group.trigger()
                continue
            }
            SystemdNotify.reloading()
            reload()
            SystemdNotify.ready()
        }
    }
}

/// The group the signal service belongs to, known once the group is made.
final class GroupShutdown: Sendable {
    private let group = NIOLockedValueBox<ServiceGroup?>(nil)

    func set(_ group: ServiceGroup) {
        self.group.withLockedValue { $0 = group }
    }

    func trigger() async {
        await group.withLockedValue { $0 }?.triggerGracefulShutdown()
    }
}
