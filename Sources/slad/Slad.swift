import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SLACore
import SLAScheduler
import SLAServer
import SLAStore

/// slad: wiring only. Reads the policy, opens the store, recovers, serves the API, runs the timer.
@main
struct Slad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slad", abstract: "The SLA deadline scheduler daemon for complaint handling.",
        version: SLACoreVersion.string)

    @Option(help: "The policy file.") var policy = "/etc/slad/policy.toml"
    @Option(help: "Where slad.sqlite lives (default: $STATE_DIRECTORY, else /var/lib/slad).") var stateDir: String?
    @Option(help: "The Unix socket to serve the API on.") var socket = "/run/slad/slad.sock"
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "slad")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let loadedPolicy: Policy
        do {
            loadedPolicy = try PolicyFile.load(policy)
        } catch {
            logger.critical("policy refused, not starting:\n\(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let directory = stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"] ?? "/var/lib/slad"
        let store: Store
        do {
            store = try Store(directory: directory)
        } catch {
            logger.critical("cannot open the store in \(directory): \(error)")
            throw ExitCode(73)  // EX_CANTCREAT
        }
        let service = SLAService(policy: loadedPolicy, store: store, logger: logger)
        let report = try service.start()
        let recovered = "recovered \(report.cases) cases, \(report.runningClocks) clocks running, "
        logger.notice("\(recovered)\(report.lateEntries) entries written late (max \(report.maxLateMillis) ms)")

        let reloader = PolicyReloader(path: policy, service: service, logger: logger)
        reloader.install()

        try SocketPath.prepare(socket)
        let routes = Routes(service: service, version: SLACoreVersion.string)
        let previousMask = umask(0o117)  // the socket is born 0660
        let socketPath = socket
        let serverLogger = logger
        let app = Application(
            router: routes.router(),
            configuration: .init(address: .unixDomainSocket(path: socket), serverName: "slad"),
            onServerRunning: { _ in
                umask(previousMask)
                chmod(socketPath, 0o660)
                serverLogger.notice("serving on \(socketPath)")
            },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        service.stop()
        unlink(socket)
        logger.notice("stopped")
    }
}

/// Reads and validates a policy file.
enum PolicyFile {
    static func load(_ path: String) throws -> Policy {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try PolicyLoader.load(text: text, file: path)
    }
}

/// SIGHUP re-reads the policy; a broken one is refused and the old one stays in force.
final class PolicyReloader: @unchecked Sendable {
    let path: String
    let service: SLAService
    let logger: Logger
    private var source: DispatchSourceSignal?

    init(path: String, service: SLAService, logger: Logger) {
        self.path = path
        self.service = service
        self.logger = logger
    }

    func install() {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [weak self] in self?.reload() }
        source.activate()
        self.source = source
    }

    func reload() {
        do {
            let policy = try PolicyFile.load(path)
            service.reload(policy: policy)
            logger.notice("policy reloaded from \(path): \(policy.clocks.count) clocks")
        } catch {
            logger.error("policy refused, the old one stays in force:\n\(error)")
        }
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
