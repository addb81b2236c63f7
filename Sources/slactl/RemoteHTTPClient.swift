import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// slactl to a remote slad (`--url https://HOST:PORT`): one HTTP/1.1 request per connection over
/// TLS 1.2+, checked against the system's CAs or `--cacert`, with the bearer token of
/// `--token-file`. NIO's own HTTP codec and TLS handler, not AsyncHTTPClient: every slactl run
/// pays for the size of what it links (the runtime scans every protocol conformance in the binary
/// at its first dynamic casts), and AsyncHTTPClient with HTTP/2 cost each `slactl list` about
/// 2.5 ms of its 15 (docs/benchmarks.md, query).
struct RemoteHTTPClient {
    let base: URL
    let token: String?
    let caCertificate: String?
    var timeoutSeconds: Int64 = 75

    func send(_ method: String, _ path: String, json body: Data? = nil) throws -> UnixHTTPClient.Reply {
        guard let host = base.host else {
            throw UnixHTTPClient.Unreachable(description: "bad URL \(base.absoluteString): no host")
        }
        let secure = base.scheme == "https"
        let port = base.port ?? (secure ? 443 : 80)
        let tls = secure ? try context() : nil
        let request = head(method, path, host: host, port: port, bodyLength: body?.count ?? 0)
        let group = MultiThreadedEventLoopGroup.singleton
        let answer = group.next().makePromise(of: UnixHTTPClient.Reply.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        // No SNI name for an address: NIOSSL then checks the certificate against it.
                        let name = host.isIPAddress ? nil : host
                        try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try pipeline.addHTTPClientHandlers()
                    // As long as slad sends something, however slowly (a large export), it waits.
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(timeoutSeconds)))
                    try pipeline.addHandler(ReplyReader(answer: answer))
                }
            }
        do {
            let channel = try bootstrap.connect(host: host, port: port).wait()
            channel.write(HTTPClientRequestPart.head(request), promise: nil)
            if let body {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            let reply = try answer.futureResult.wait()
            channel.close(promise: nil)
            return reply
        } catch {
            answer.fail(error)
            throw UnixHTTPClient.Unreachable(description: "slad is not reachable at \(base.absoluteString): \(error)")
        }
    }

    private func context() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caCertificate {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificate))
            } catch {
                throw UnixHTTPClient.Unreachable(
                    description: "--cacert \(caCertificate): not a PEM certificate: \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw UnixHTTPClient.Unreachable(description: "cannot set up TLS: \(error)")
        }
    }

    private func head(_ method: String, _ path: String, host: String, port: Int, bodyLength: Int) -> HTTPRequestHead {
        let basePath = base.path(percentEncoded: true)
        let prefix = basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: prefix + path)
        let hostField = host.contains(":") ? "[\(host)]" : host
        head.headers.add(name: "host", value: base.port == nil ? hostField : "\(hostField):\(port)")
        head.headers.add(name: "user-agent", value: "slactl")
        head.headers.add(name: "connection", value: "close")
        if let token { head.headers.add(name: "authorization", value: "Bearer \(token)") }
        if bodyLength > 0 || method != "GET" {
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: "\(bodyLength)")
        }
        return head
    }
}

/// Collects one answer: its status and its whole body. The connection closing first (a TLS
/// failure, slad going away), or nothing arriving for the read timeout, fails it instead.
private final class ReplyReader: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let answer: EventLoopPromise<UnixHTTPClient.Reply>
    private var status = 0
    private var body = ByteBuffer()
    private var done = false

    init(answer: EventLoopPromise<UnixHTTPClient.Reply>) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            finish(.success(UnixHTTPClient.Reply(status: status, body: Data(body.readableBytesView))))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A peer that closes without TLS's close_notify after a whole answer (some proxies): the
        // answer stands, and a cut one still fails when the connection ends.
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
        finish(.failure(error))
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event {
            finish(.failure(NoAnswer()))
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ClosedEarly()))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<UnixHTTPClient.Reply, any Error>) {
        guard !done else { return }
        done = true
        answer.completeWith(result)
    }
}

/// Nothing came from slad for the read timeout.
private struct NoAnswer: Error, CustomStringConvertible {
    var description: String { "no answer in time" }
}

/// The connection ended before a whole answer: slad went away, or the timeout closed it.
private struct ClosedEarly: Error, CustomStringConvertible {
    var description: String { "the connection closed before a whole answer came" }
}

extension String {
    /// An IPv4 or IPv6 literal, which TLS may not send as a server name.
    fileprivate var isIPAddress: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, self, &v4) == 1 || inet_pton(AF_INET6, self, &v6) == 1
    }
}
