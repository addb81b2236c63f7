import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Serves the API's router on a Unix socket (one slad binds itself, or one that systemd passed by
/// socket activation, `sd_listen_fds`) or on TCP (TLS, or plain on loopback behind a proxy): NIO's
/// HTTP/1.1 pipeline and `APIChannelHandler` on each connection, each request authenticated by
/// the `Authenticator`.
public final class APIListener: Sendable {
    public enum Endpoint: Sendable {
        /// Bind this path, created mode 0660.
        case path(String)
        /// A listening socket inherited from systemd.
        case inherited(Int32)
        /// Store software and the console on other machines: TLS with `tls`'s certificate, or plain
        /// (nil: only on loopback behind a proxy; slad checks that). The authenticator admits callers.
        case tcp(host: String, port: Int, tls: TLSCertificates?)
        /// A scraper's TCP listener (`--metrics-listen`): no token; give it a router that serves
        /// only what may be read without one (`Routes.metricsRouter`).
        case openTCP(host: String, port: Int)
    }

    /// A connection with no request for this long is closed (slow or idle clients).
    public static let idleTimeout = TimeAmount.seconds(30)
    /// Connections beyond this many are closed at once, so idle clients cannot starve the others.
    public static let maxConnections = 512

    private let channel: Channel
    /// The connections open now, by channel.
    private let connections: NIOLockedValueBox<[ObjectIdentifier: Channel]>

    private init(channel: Channel, connections: NIOLockedValueBox<[ObjectIdentifier: Channel]>) {
        self.channel = channel
        self.connections = connections
    }

    /// `authenticator` nil: nobody is checked (only the metrics listener, and tests).
    public static func start(
        router: APIRouter, endpoint: Endpoint, authenticator: Authenticator?, idleTimeout: TimeAmount = idleTimeout,
        logger: Logger
    ) async throws -> APIListener {
        let (tls, isTCP): (TLSCertificates?, Bool) =
            switch endpoint {
            case .tcp(_, _, let tls): (tls, true)
            case .openTCP: (nil, true)
            case .path, .inherited: (nil, false)
            }
        let connections = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let admitted = connections.withLockedValue { open in
                    guard open.count < maxConnections else { return false }
                    open[ObjectIdentifier(channel)] = channel
                    return true
                }
                guard admitted else {
                    logger.warning("over \(maxConnections) connections: closing a new one")
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in
                    _ = connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                if let tls {
                    // The certificate in force when the connection comes (a reload swaps it for the next).
                    do {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current))
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                // The kernel's word on the caller is fixed at connect: asked once per connection.
                let address = channel.remoteAddress?.ipAddress ?? "?"
                let caller: EventLoopFuture<Authenticator.Caller>
                if isTCP {
                    caller = channel.eventLoop.makeSucceededFuture(.tcp(address: address))
                } else {
                    caller = PeerIdentity.unixCredentials(of: channel).map { Authenticator.Caller.unix($0) }
                }
                return caller.flatMapThrowing { caller in
                    let peer: String? =
                        switch caller {
                        case .unix(let credentials): credentials?.description
                        case .tcp(let address): "tcp \(address)"
                        }
                    let access = authenticator.map { ConnectionAccess(authenticator: $0, caller: caller) }
                    try APIChannelHandler.configure(
                        channel, router: router, peer: peer, access: access, idleTimeout: idleTimeout, logger: logger)
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
        case .tcp(let host, let port, _), .openTCP(let host, let port):
            channel = try await bootstrap.bind(host: host, port: port).get()
        }
        return APIListener(channel: channel, connections: connections)
    }

    /// Stops accepting, asks every connection to close once what it is answering is answered,
    /// and closes those still open after `grace`.
    public func stop(grace: TimeAmount = .seconds(5)) async {
        try? await channel.close()
        let open = connections.withLockedValue { Array($0.values) }
        guard !open.isEmpty else { return }
        for connection in open {
            connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let loop = channel.eventLoop
        let overdue = loop.scheduleTask(in: grace) { open.forEach { $0.close(promise: nil) } }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        overdue.cancel()
    }
}
