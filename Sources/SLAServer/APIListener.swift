import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix

/// Serves the API's router on a Unix socket: one slad binds itself, or one that systemd passed by
/// socket activation (`sd_listen_fds`). Hummingbird's `Application` only binds paths, so this
/// drives its public `HTTP1Channel` from a NIO `ServerBootstrap` that can adopt a bound socket.
public final class APIListener: @unchecked Sendable {
    public enum Endpoint: Sendable {
        /// Bind this path, created mode 0660.
        case path(String)
        /// A listening socket inherited from systemd.
        case inherited(Int32)
        /// Store software on other machines: every request must carry `Authorization: Bearer TOKEN`.
        case tcp(host: String, port: Int, token: String)
    }

    /// A connection with no request for this long is closed (slow or idle clients).
    public static let idleTimeout = TimeAmount.seconds(30)
    /// Connections beyond this many are closed at once, so idle clients cannot starve the others.
    public static let maxConnections = 512

    private let channel: Channel
    private let openConnections: ManagedAtomicCounter

    private init(channel: Channel, openConnections: ManagedAtomicCounter) {
        self.channel = channel
        self.openConnections = openConnections
    }

    public static func start(
        router: Router<APIContext>, endpoint: Endpoint, idleTimeout: TimeAmount = idleTimeout, logger: Logger
    ) async throws -> APIListener {
        let responder = router.buildResponder()
        var token: String?
        if case .tcp(_, _, let required) = endpoint { token = required }
        let peers = ConnectionPeers()
        let http1 = HTTP1Channel(
            responder: { [token, peers] request, writer, channel in
                var context = APIContext(source: .init(channel: channel, logger: logger))
                var response: Response
                if let token {
                    guard PeerIdentity.authorized(request.headers[.authorization], token: token) else {
                        let address = channel.remoteAddress?.description ?? "?"
                        logger.warning("refused a TCP request without the right bearer token from \(address)")
                        try await writer.write(response: Self.unauthorized.head, body: Self.unauthorized.body)
                        return
                    }
                    context.peer = "tcp \(channel.remoteAddress?.ipAddress ?? "?")"
                } else {
                    context.peer = peers.peer(of: channel)
                }
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch {
                    response = Response(status: .internalServerError)
                }
                response.headers[.server] = "slad"
                try await writer.write(response: response.head, body: response.body)
            },
            configuration: .init(idleTimeout: idleTimeout))
        let counter = ManagedAtomicCounter()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard counter.value < maxConnections else {
                    logger.warning("over \(maxConnections) connections: closing a new one")
                    return channel.close()
                }
                counter.add(1)
                channel.closeFuture.whenComplete { _ in counter.add(-1) }
                let asked = token == nil ? peers.remember(channel) : channel.eventLoop.makeSucceededVoidFuture()
                return asked.flatMap { http1.setup(channel: channel, logger: logger) }.map { value in
                    Task(executorPreference: EventLoopExecutor(channel.eventLoop)) {
                        await http1.handle(value: value, logger: logger)
                    }
                }
            }
        let channel: Channel
        switch endpoint {
        case .path(let path):
            let previous = umask(0o117)  // the socket is born 0660
            defer { umask(previous) }
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        case .inherited(let descriptor):
            channel = try await bootstrap.withBoundSocket(descriptor).get()
        case .tcp(let host, let port, _):
            channel = try await bootstrap.bind(host: host, port: port).get()
        }
        return APIListener(channel: channel, openConnections: counter)
    }

    static let unauthorized = Response(
        status: .unauthorized,
        headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
        body: .init(
            byteBuffer: ByteBuffer(
                string: #"{"error":{"code":"unauthorized","message":"a valid bearer token is required"}}"# + "\n")))

    /// Stops accepting, then gives requests in flight up to `grace` seconds to be answered.
    public func stop(grace: Double = 5) async {
        try? await channel.close()
        let deadline = Date().addingTimeInterval(grace)
        while openConnections.value > 0, Date() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

/// A counter shared between event loops and tasks.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add(_ delta: Int) {
        lock.withLock { count += delta }
    }

    var value: Int { lock.withLock { count } }
}
