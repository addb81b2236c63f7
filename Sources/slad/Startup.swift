import ArgumentParser
import Foundation
import Logging
import NIOCore
import SLAConsole
import SLACore
import SLAMessageIDs
import SLAMetrics
import SLAPolicyFile
import SLAScheduler
import SLAServer
import SLAStore
import SLASystemd

/// The steps of slad's start, in the order `serve` takes them. A step that cannot go on says why
/// in the journal and to systemd, and exits with a sysexits code.
extension Slad {
    /// The journal under systemd, else stderr, at the level asked for.
    func bootstrapLogging() -> Logger {
        let target = JournalLogHandler.Target(rawValue: logTarget) ?? JournalLogHandler.automaticTarget()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, target: target)
            handler.logLevel = level
            return handler
        }
        SLAMetrics.bootstrap(version: SLACoreVersion.string)
        return Logger(label: "slad")
    }

    func loadPolicy(_ logger: Logger) throws -> Policy {
        do {
            let loaded = try PolicyFile.load(policy)
            PolicyFile.warnContacts(loaded, logger: logger)
            return loaded
        } catch {
            logger.critical(
                "policy refused, not starting:\n\(error)", metadata: ["message_id": "\(MessageID.policyRefused)"])
            SystemdNotify.failed(errno: EINVAL, status: "policy refused: \(policy)")
            throw ExitCode(78)  // EX_CONFIG
        }
    }

    func openStore(_ logger: Logger) throws -> Store {
        let directory = stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"] ?? "/var/lib/slad"
        // A schema upgrade runs here: v6 rebuilt the event index of 3,000,000 events in about 10 s.
        SystemdNotify.extendTimeout(seconds: 120)
        do {
            return try Store(directory: directory)
        } catch {
            logger.critical("cannot open the store in \(directory): \(error)")
            SystemdNotify.failed(errno: EIO, status: "cannot open the store in \(directory)")
            throw ExitCode(73)  // EX_CANTCREAT
        }
    }

    /// Starts the scheduler on what the store holds, and says what it found.
    func recover(_ service: SLAService, _ logger: Logger) throws {
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
    }

    /// The API's listeners, each named for the group's logs.
    struct Listeners {
        var all: [(name: String, listener: APIListener)] = []
        /// True when slad bound the socket path itself (not passed by systemd): it removes it on exit.
        var boundSocketPath = false
        /// The TCP listener's certificate, reloaded on SIGHUP.
        var tls: TLSCertificates?
    }

    /// The Unix socket (passed by systemd, or bound at `--socket`), and TCP with `--listen`.
    func startListeners(
        _ routes: Routes, authenticator: Authenticator, console: Console? = nil, _ logger: Logger
    ) async throws -> Listeners {
        var listeners = Listeners()
        let inherited = SystemdNotify.listenFDs().first
        let endpoint: APIListener.Endpoint
        if let inherited {
            endpoint = .inherited(inherited)
        } else {
            try SocketPath.prepare(socket)
            endpoint = .path(socket)
            listeners.boundSocketPath = true
        }
        let idle = TimeAmount.seconds(Int64(max(1, idleTimeout)))
        let unix = try await APIListener.start(
            router: routes.router(), endpoint: endpoint, authenticator: authenticator, idleTimeout: idle,
            logger: logger)
        listeners.all.append(("listener", unix))
        if let listen, let address = TCPAddress(listen) {
            let tls = try tcpSecurity(address, logger)
            listeners.tls = tls
            // The managers' web console is served on TCP only (browsers do not reach the socket).
            let router = routes.router()
            console?.mount(on: router)
            let tcp = try await APIListener.start(
                router: router, endpoint: .tcp(host: address.host, port: address.port, tls: tls),
                authenticator: authenticator, idleTimeout: idle, logger: logger)
            listeners.all.append(("tcp", tcp))
            logger.notice(
                "also serving on TCP \(listen) (\(tls == nil ? "plain HTTP, loopback only" : "TLS")), credentials required"
            )
        }
        if let metricsListen, let address = TCPAddress(metrics: metricsListen) {
            let metrics = try await APIListener.start(
                router: routes.metricsRouter(), endpoint: .openTCP(host: address.host, port: address.port),
                authenticator: nil, idleTimeout: idle, logger: logger)
            listeners.all.append(("metrics", metrics))
            logger.notice("serving /metrics on TCP \(address.host):\(address.port)")
        }
        logger.notice(inherited.map { "serving on the socket systemd passed (fd \($0))" } ?? "serving on \(socket)")
        return listeners
    }
}

extension Slad {
    /// The legacy shared `--token-file` token (an operator on TCP), with a warning that it is
    /// deprecated; nil without the option. An option naming a missing or empty file stops slad.
    func tcpLegacyToken(_ logger: Logger) throws -> String? {
        guard let tokenFile else { return nil }
        guard let token = TCPAddress.token(at: tokenFile) else {
            logger.critical("--token-file \(tokenFile): missing or empty; refusing to start")
            SystemdNotify.failed(errno: EINVAL, status: "--token-file missing or empty")
            throw ExitCode(78)
        }
        logger.warning(
            "--token-file is deprecated: it acts as an admin shared by everyone who has it; give each client its own token (slactl user token NAME) and drop it"
        )
        return token
    }

    /// TLS for `--listen` (`--tls-cert`, `--tls-key`), or plain HTTP only with
    /// `--insecure-plain-tcp` on a loopback address; anything else stops slad with the reason.
    func tcpSecurity(_ address: TCPAddress, _ logger: Logger) throws -> TLSCertificates? {
        func refuse(_ message: String) throws -> Never {
            logger.critical("\(message)")
            SystemdNotify.failed(errno: EINVAL, status: message)
            throw ExitCode(78)  // EX_CONFIG
        }
        if let tlsCert, let tlsKey {
            do {
                let tls = try TLSCertificates(certificate: tlsCert, key: tlsKey)
                logger.notice(
                    "TLS certificate loaded from \(tlsCert) (valid until \(TLSCertificates.date(tls.notValidAfter)))",
                    metadata: ["message_id": "\(MessageID.tlsCertificate)"])
                return tls
            } catch {
                try refuse("--tls-cert/--tls-key: \(error)")
            }
        }
        guard insecurePlainTcp else {
            try refuse(
                "--listen \(address.host):\(address.port) needs TLS (--tls-cert FILE --tls-key FILE); plain HTTP only with --insecure-plain-tcp on a loopback address, behind a TLS reverse proxy"
            )
        }
        guard address.isLoopback else {
            try refuse(
                "--insecure-plain-tcp is only allowed on a loopback address (127.0.0.0/8, ::1), not \(address.host): use --tls-cert and --tls-key"
            )
        }
        logger.warning(
            "serving plain HTTP on \(address.host):\(address.port): only a local reverse proxy should reach it")
        return nil
    }
}

/// The policy file, parsed in isolation first (see SLAPolicyFile), and reloaded on SIGHUP.
extension PolicyFile {
    static func load(_ path: String) throws -> Policy {
        try load(path, childArguments: ["--check-policy-stdin"])
    }

    /// The contacts file's warnings (it is world-readable), at start and on each reload.
    static func warnContacts(_ policy: Policy, logger: Logger) {
        for warning in policy.delivery.contacts?.warnings ?? [] {
            logger.warning("\(warning)", metadata: ["message_id": "\(MessageID.contactsExposed)"])
        }
    }

    /// SIGHUP: a valid policy replaces the old one; a broken one is refused and the old one stays.
    @discardableResult
    static func reload(_ path: String, into service: SLAService, logger: Logger) -> Policy? {
        do {
            let policy = try load(path)
            let recomputed = try service.reload(policy: policy)
            PolicyMetrics.reloaded(ok: true)
            logger.notice(
                "policy reloaded from \(path): \(policy.clocks.count) clocks",
                metadata: ["message_id": "\(MessageID.policyReloaded)"])
            HorizonWatch.logRecomputed(recomputed, why: "on reload", logger: logger)
            HorizonWatch.warn(policy, logger: logger)
            warnContacts(policy, logger: logger)
            return policy
        } catch {
            PolicyMetrics.reloaded(ok: false)
            logger.error(
                "policy refused, the old one stays in force:\n\(error)",
                metadata: ["message_id": "\(MessageID.policyRefused)"])
            return nil
        }
    }
}
