import ArgumentParser
import Foundation
import Logging
import NIOCore
import SLAAPI
import SLAChain
import SLAConsole
import SLACore
import SLADelivery
import SLAMessageIDs
import SLAMetrics
import SLAPolicyFile
import SLAScheduler
import SLAServer
import SLAStore
import SLASystemd
import ServiceLifecycle
import UnixSignals

/// slad: wiring only. Reads the policy, opens the store, recovers, serves the API, runs the timer,
/// and keeps systemd informed.
@main
struct Slad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slad", abstract: "The SLA deadline scheduler daemon for complaint handling.",
        version: SLACoreVersion.string, subcommands: [TestRouteCommand.self])

    @Option(help: "The policy file.") var policy = "/etc/slad/policy.toml"
    @Option(help: "Where slad.sqlite lives (default: $STATE_DIRECTORY, else /var/lib/slad).") var stateDir: String?
    @Option(help: "The Unix socket to serve the API on, unless systemd passes one.") var socket = "/run/slad/slad.sock"
    @Option(help: "Also serve the API over TCP on HOST:PORT, for store software on other machines (off by default).")
    var listen: String?
    @Option(help: "The bearer token TCP clients must send (required with --listen; never logged).")
    var tokenFile: String?
    @Option(
        help: ArgumentHelp(
            "Serve GET /metrics (Prometheus) alone, without a token, on PORT (loopback) or HOST:PORT (off by default).",
            valueName: "address"))
    var metricsListen: String?
    @Option(help: "Seconds before a connection that sends nothing is closed.") var idleTimeout = 30
    @Flag(help: .hidden) var checkPolicyStdin = false
    @Flag(help: .hidden) var benchNoPersist = false
    // TLS on the TCP listener (issue 16): plain TCP only on loopback, when asked for.
    @Option(help: "The TCP listener's certificate chain (PEM); re-read on SIGHUP.") var tlsCert: String?
    @Option(help: "The TCP listener's private key (PEM); re-read on SIGHUP.") var tlsKey: String?
    @Flag(help: "Serve --listen without TLS: only on a loopback address, behind a TLS reverse proxy.")
    var insecurePlainTcp = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Where logs go: auto (the journal under systemd, else stderr), journal, stderr.")
    var logTarget = "auto"

    func validate() throws {
        guard logTarget == "auto" || JournalLogHandler.Target(rawValue: logTarget) != nil else {
            throw ValidationError("--log-target must be auto, journal or stderr")
        }
        if let listen, TCPAddress(listen) == nil {
            throw ValidationError("--listen must be HOST:PORT, such as 0.0.0.0:8470")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let metricsListen, TCPAddress(metrics: metricsListen) == nil {
            throw ValidationError("--metrics-listen must be PORT or HOST:PORT, such as 9470 or 127.0.0.1:9470")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
    }

    /// Not an async `main`: Swift runs that task at the main thread's QoS, user-interactive, whose
    /// Dispatch worker threads take nice -4, which an unprivileged service may not (libdispatch
    /// then logs "Failed to set thread priority" in the journal). The daemon runs as a task of
    /// default priority instead, and the main thread waits for it.
    func run() throws {
        signal(SIGPIPE, SIG_IGN)  // a peer or hook that goes away is an EPIPE to handle, not a crash
        if checkPolicyStdin { throw ExitCode(PolicyFile.runChild()) }  // the isolated parse of PolicyFile.load
        // A reload or a stop asked for during start-up must neither kill slad (the default action)
        // nor be lost: ignored, and blocked in every thread (each inherits this one's mask), so
        // that they stay pending until libdispatch's signalfd, behind the UnixSignalsSequence
        // trapped first thing below, reads them for SignalService. (Linux never discards a blocked
        // signal, even an ignored one.)
        var early = sigset_t()
        sigemptyset(&early)
        for number in [SIGHUP, SIGTERM, SIGINT] { sigaddset(&early, number) }
        pthread_sigmask(SIG_BLOCK, &early, nil)  // first: one arriving now stays pending
        for number in [SIGHUP, SIGTERM, SIGINT] { signal(number, SIG_IGN) }
        let outcome = Outcome()
        Task.detached(priority: .medium) { [self] in
            let signals = await UnixSignalsSequence(trapping: .sighup, .sigterm, .sigint)
            do {
                try await serve(signals: signals)
                outcome.finish(nil)
            } catch {
                outcome.finish(error)
            }
        }
        try outcome.wait()
    }

    /// Wiring only: each step is in Startup.swift, each part a service of one group (Services.swift).
    func serve(signals: UnixSignalsSequence) async throws {
        let logger = bootstrapLogging()
        let policy = try loadPolicy(logger)
        let store = try openStore(logger)
        // Before recovery, whose commits go to the outbox too.
        let replication = ReplicationSwitch(hq: policy.hq, replicator: startReplication(policy, store, logger))
        let service = SLAService(policy: policy, store: store, logger: logger, persist: !benchNoPersist)
        try recover(service, logger)
        let deliverer = Deliverer(policy: policy, store: store, logger: logger)
        service.notifier.subscribe { deliverer.wake() }
        deliverer.start()
        let retention = RetentionJob(service: service, logger: logger)
        retention.start()
        let horizonWatch = HorizonWatch(service: service, logger: logger)
        horizonWatch.start()
        let authenticator = Authenticator(store: store, legacyToken: try tcpLegacyToken(logger), logger: logger)
        var routes = Routes(
            service: service, version: SLACoreVersion.string, logger: logger, authenticator: authenticator)
        let replicationView: @Sendable () -> ReplicationView? = {
            replication.replicator.map {
                ReplicationReport.view($0, store: store, policy: service.policy, now: SystemClock().now())
            }
        }
        routes.replication = replicationView
        let accounts = AuthenticatorAccounts(authenticator: authenticator, store: store)
        let console = Console(service: service, accounts: accounts, logger: logger)
        let listeners = try await startListeners(routes, authenticator: authenticator, console: console, logger)

        let statusLine: @Sendable (ServiceStatus) -> String = { status in
            StatusLine.render(
                status, pending: try? store.pendingEntryCount(), policy: service.policy, replication: replicationView())
        }
        let policyPath = self.policy
        let tls = listeners.tls
        let shutdown = GroupShutdown()
        let signalService = SignalService(
            signals: signals, group: shutdown, logger: logger,
            ready: { SystemdNotify.ready(status: statusLine(service.status())) },
            reload: {
                if let reloaded = PolicyFile.reload(policyPath, into: service, logger: logger) {
                    deliverer.reload(policy: reloaded)
                    if reloaded.hq != replication.hq {
                        // The outbox turned on (with a backfill) or off, then the replicator swapped.
                        replication.replace(hq: reloaded.hq, with: startReplication(reloaded, store, logger))
                    }
                }
                tls?.reload(logger: logger)
            })
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            [
                .init(service: signalService),
                // Delivery stops after the scheduler: the scheduler's last commit may write entries.
                .init(service: StopOnShutdown(name: "delivery") { deliverer.stop() }),
                .init(service: StopOnShutdown(name: "scheduler") { service.stop() }),
                .init(service: StopOnShutdown(name: "retention") { retention.stop() }),
                .init(service: StopOnShutdown(name: "horizon") { horizonWatch.stop() }),
                .init(service: HeartbeatService(service: service, statusLine: statusLine)),
            ]
            // Replication stops before the scheduler: what the last commits write ships at the next start.
            + [.init(service: replication)]
            + listeners.all.map { name, listener in
                .init(service: StopOnShutdown(name: name) { await listener.stop() })
            }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        shutdown.set(group)
        try await group.run()
        if listeners.boundSocketPath { unlink(socket) }
        logger.notice("stopped")
    }
}

/// How `serve` ended, handed from its task to the main thread.
///
/// Unchecked: `error` is written before `done` is signalled and read after the wait.
final class Outcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var error: Error?  // written before `done` is signalled, read after

    func finish(_ error: Error?) {
        self.error = error
        done.signal()
    }

    func wait() throws {
        done.wait()
        if let error { throw error }
    }
}
