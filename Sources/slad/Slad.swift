import ArgumentParser
import Foundation
import Logging
import NIOCore
import SLACore
import SLADelivery
import SLAMessageIDs
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
        version: SLACoreVersion.string)

    @Option(help: "The policy file.") var policy = "/etc/slad/policy.toml"
    @Option(help: "Where slad.sqlite lives (default: $STATE_DIRECTORY, else /var/lib/slad).") var stateDir: String?
    @Option(help: "The Unix socket to serve the API on, unless systemd passes one.") var socket = "/run/slad/slad.sock"
    @Option(help: "Also serve the API over TCP on HOST:PORT, for store software on other machines (off by default).")
    var listen: String?
    @Option(help: "The bearer token TCP clients must send (required with --listen; never logged).")
    var tokenFile: String?
    @Option(help: "Seconds before a connection that sends nothing is closed.") var idleTimeout = 30
    @Flag(help: .hidden) var checkPolicyStdin = false
    @Flag(help: .hidden) var benchNoPersist = false
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

    func serve(signals: UnixSignalsSequence) async throws {
        let target = JournalLogHandler.Target(rawValue: logTarget) ?? JournalLogHandler.automaticTarget()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, target: target)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "slad")

        let loadedPolicy: Policy
        do {
            loadedPolicy = try PolicyFile.load(policy)
        } catch {
            logger.critical(
                "policy refused, not starting:\n\(error)", metadata: ["message_id": "\(MessageID.policyRefused)"])
            SystemdNotify.failed(errno: EINVAL, status: "policy refused: \(policy)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let directory = stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"] ?? "/var/lib/slad"
        let store: Store
        // A schema upgrade runs here: v6 rebuilt the event index of 3,000,000 events in about 10 s.
        SystemdNotify.extendTimeout(seconds: 120)
        do {
            store = try Store(directory: directory)
        } catch {
            logger.critical("cannot open the store in \(directory): \(error)")
            SystemdNotify.failed(errno: EIO, status: "cannot open the store in \(directory)")
            throw ExitCode(73)  // EX_CANTCREAT
        }

        let service = SLAService(policy: loadedPolicy, store: store, logger: logger, persist: !benchNoPersist)
        SystemdNotify.extendTimeout(seconds: 120)  // recovery of a large store takes a while
        let report = try service.start()
        let recovered = "recovered \(report.cases) cases and \(report.runningClocks) running clocks; "
        logger.log(
            level: report.lateEntries > 0 ? .notice : .info,
            "\(recovered)\(report.lateEntries) entries fell due while slad was down, written late (max \(report.maxLateMillis) ms)",
            metadata: ["message_id": "\(MessageID.recovered)", "sla_late_entries": "\(report.lateEntries)"])
        if !report.recomputed.moves.isEmpty || !report.recomputed.effects.isEmpty {
            HorizonWatch.logRecomputed(report.recomputed, why: "at start, on changed rules", logger: logger)
        }
        for line in report.orphans.lines {
            let advice = "put it back in \(policy) and reload, or close the cases"
            logger.critical(
                "\(line): the policy lacks it, so their clocks are frozen (resolved and closed still work); \(advice)",
                metadata: ["message_id": "\(MessageID.casesOrphaned)"])
        }

        let deliverer = Deliverer(policy: loadedPolicy, store: store, logger: logger)
        service.notifier.subscribe { deliverer.wake() }
        deliverer.start()
        let retention = RetentionJob(service: service, logger: logger)
        retention.start()
        let horizonWatch = HorizonWatch(service: service, logger: logger)
        horizonWatch.start()

        let routes = Routes(service: service, version: SLACoreVersion.string)
        let inherited = SystemdNotify.listenFDs().first
        let endpoint: APIListener.Endpoint
        if let inherited {
            endpoint = .inherited(inherited)
        } else {
            try SocketPath.prepare(socket)
            endpoint = .path(socket)
        }
        let idle = TimeAmount.seconds(Int64(max(1, idleTimeout)))
        let listener = try await APIListener.start(
            router: routes.router(), endpoint: endpoint, idleTimeout: idle, logger: logger)
        var tcpListener: APIListener?
        if let listen, let address = TCPAddress(listen) {
            guard let tokenFile, let token = TCPAddress.token(at: tokenFile) else {
                logger.critical("--listen needs --token-file with a non-empty token: refusing to serve TCP without one")
                SystemdNotify.failed(errno: EINVAL, status: "--listen without a token file")
                throw ExitCode(78)
            }
            tcpListener = try await APIListener.start(
                router: routes.router(), endpoint: .tcp(host: address.host, port: address.port, token: token),
                idleTimeout: idle, logger: logger)
            logger.notice("also serving on TCP \(listen), bearer token required")
        }
        logger.notice(
            inherited != nil ? "serving on the socket systemd passed (fd \(inherited!))" : "serving on \(socket)")

        let statusLine: @Sendable (ServiceStatus) -> String = { status in
            StatusLine.render(status, pending: try? store.pendingEntryCount(), policy: service.policy)
        }
        let policyPath = policy
        let shutdown = GroupShutdown()
        let signalService = SignalService(
            signals: signals, group: shutdown, logger: logger,
            ready: { SystemdNotify.ready(status: statusLine(service.status())) },
            reload: {
                if let reloaded = PolicyFile.reload(policyPath, into: service, logger: logger) {
                    deliverer.reload(policy: reloaded)
                }
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: signalService),
            // Delivery stops after the scheduler: the scheduler's last commit may write entries.
            .init(service: StopOnShutdown(name: "delivery") { deliverer.stop() }),
            .init(service: StopOnShutdown(name: "scheduler") { service.stop() }),
            .init(service: StopOnShutdown(name: "retention") { retention.stop() }),
            .init(service: StopOnShutdown(name: "horizon") { horizonWatch.stop() }),
            .init(service: HeartbeatService(service: service, statusLine: statusLine)),
            .init(service: StopOnShutdown(name: "listener") { await listener.stop() }),
        ]
        if let tcpListener { services.append(.init(service: StopOnShutdown(name: "tcp") { await tcpListener.stop() })) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        shutdown.set(group)
        try await group.run()
        if inherited == nil { unlink(socket) }
        logger.notice("stopped")
    }
}

/// The policy file, parsed in isolation first (see SLAPolicyFile), and reloaded on SIGHUP.
extension PolicyFile {
    static func load(_ path: String) throws -> Policy {
        try load(path, childArguments: ["--check-policy-stdin"])
    }

    /// SIGHUP: a valid policy replaces the old one; a broken one is refused and the old one stays.
    @discardableResult
    static func reload(_ path: String, into service: SLAService, logger: Logger) -> Policy? {
        do {
            let policy = try load(path)
            let recomputed = try service.reload(policy: policy)
            logger.notice(
                "policy reloaded from \(path): \(policy.clocks.count) clocks",
                metadata: ["message_id": "\(MessageID.policyReloaded)"])
            HorizonWatch.logRecomputed(recomputed, why: "on reload", logger: logger)
            HorizonWatch.warn(policy, logger: logger)
            return policy
        } catch {
            logger.error(
                "policy refused, the old one stays in force:\n\(error)",
                metadata: ["message_id": "\(MessageID.policyRefused)"])
            return nil
        }
    }
}

/// `systemctl status slad`: "42 open cases, 97 clocks running, next due 14:32 (C-1042 first-response)".
enum StatusLine {
    static func render(_ status: ServiceStatus, pending: Int?, policy: Policy) -> String {
        var line = "\(status.activeCases) open cases, \(status.runningClocks) clocks running"
        if let due = status.nextDue, let caseID = status.nextCase, let clock = status.nextClock {
            // In the stores' own zone, as staff read their clocks.
            let offset = policy.storeCalendar?.offset(at: due) ?? 0
            line += ", next due \(ISO8601.format(due, offsetSeconds: offset)) (\(caseID) \(clock))"
        }
        if let pending { line += ", \(pending) entries pending" }
        if status.orphanedCases > 0 { line += "; \(status.orphanedCases) cases frozen: the policy lacks what they use" }
        for (calendar, count) in status.provisionalCases.sorted(by: { $0.key < $1.key }) {
            line += "; \(count) cases PROVISIONAL: calendar \(calendar) lacks holiday data"
        }
        if let failure = status.lastFailure {
            line += status.storeFailed ? "; STORE FAILED: \(failure)" : "; STORE FAILING: \(failure)"
        }
        return line
    }
}

/// Sends systemd the status line when it changes. The line's count reads the store: that happens
/// on this queue, not the scheduler's, which only hands over its snapshot (counting a million
/// cases there once a second held every deadline up for about 100 ms).
///
/// Unchecked: `last` is touched only on `queue`, which the compiler cannot see.
final class StatusPublisher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "slad.status", qos: .utility)
    private var last = ""  // owned by `queue`

    func publish(_ render: @escaping @Sendable () -> String) {
        queue.async {
            let line = render()
            guard line != self.last else { return }
            SystemdNotify.status(line)
            self.last = line
        }
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

/// The socket's folder exists, and a socket left by a dead slad is removed; a live one is not.
enum SocketPath {
    static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard FileManager.default.fileExists(atPath: path) else { return }
        if isListening(path) {
            throw ValidationError("another slad is already serving on \(path)")
        }
        unlink(path)
    }

    private static func isListening(_ path: String) -> Bool {
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// `HOST:PORT` for --listen, and the token file it needs.
struct TCPAddress {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port), colon != text.startIndex
        else { return nil }
        self.host = String(text[..<colon])
        self.port = port
    }

    /// The token, trimmed; nil when the file is missing or empty.
    static func token(at path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }
}
