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
    }

    /// A connection with no request for this long is closed (slow or idle clients).
    public static let idleTimeout = TimeAmount.seconds(30)

    private let channel: Channel
    private let openConnections: ManagedAtomicCounter

    private init(channel: Channel, openConnections: ManagedAtomicCounter) {
        self.channel = channel
        self.openConnections = openConnections
    }

    public static func start(router: Router<BasicRequestContext>, endpoint: Endpoint, logger: Logger) async throws
        -> APIListener
    {
        let responder = router.buildResponder()
        let http1 = HTTP1Channel(
            responder: { request, writer, channel in
                let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                var response: Response
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
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                http1.setup(channel: channel, logger: logger).map { value in
                    counter.add(1)
                    Task {
                        await http1.handle(value: value, logger: logger)
                        counter.add(-1)
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
        }
        return APIListener(channel: channel, openConnections: counter)
    }

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
