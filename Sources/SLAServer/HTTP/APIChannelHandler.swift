import Logging
import NIOCore
import NIOHTTP1

/// One connection's requests, read whole and handed to the router; its answers written back in
/// order (NIO's pipelining handler holds the next request until this one is answered). Plain NIO
/// on purpose: the async-sequence layers of a framework cost more per request than the route.
final class APIChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: APIRouter
    private let peer: String?
    /// For TCP: every request must carry `Authorization: Bearer` this.
    private let token: String?
    private let logger: Logger

    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// A request read whole and not yet answered: the idle timeout leaves the connection open.
    private var answering = false
    private var open = true

    init(router: APIRouter, peer: String?, token: String?, logger: Logger) {
        self.router = router
        self.peer = peer
        self.token = token
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            tooLarge = false
        case .body(var part):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > Routes.maxBodyBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            let body = self.body ?? ByteBuffer()
            self.head = nil
            self.body = nil
            answering = true
            let keepAlive = head.isKeepAlive && !tooLarge
            let responder = Responder(eventLoop: context.eventLoop) { [self] response in
                write(response, to: head, keepAlive: keepAlive, context: context)
            }
            if tooLarge {
                responder(.error(.tooLarge))
            } else if let refusal = refusal(of: head, context: context) {
                responder(refusal)
            } else {
                router.respond(to: APIRequest(head: head, body: body, peer: peer), responder)
            }
        }
    }

    /// TCP without the right bearer token: 401, and a line in the log.
    private func refusal(of head: HTTPRequestHead, context: ChannelHandlerContext) -> APIResponse? {
        guard let token, !PeerIdentity.authorized(head.headers.first(name: "authorization"), token: token) else {
            return nil
        }
        let address = context.remoteAddress?.description ?? "?"
        logger.warning("refused a TCP request without the right bearer token from \(address)")
        var response = APIResponse.error(
            APIError(status: .unauthorized, code: "unauthorized", message: "a valid bearer token is required"))
        response.headers.add(name: "www-authenticate", value: "Bearer")
        return response
    }

    private func write(
        _ response: APIResponse, to request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        answering = false
        guard open else { return }  // the client went away while its answer was made
        var headers = response.headers
        headers.add(name: "server", value: "slad")
        headers.add(name: "content-length", value: String(response.body.readableBytes))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        let written = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        if !keepAlive { written.whenComplete { _ in context.close(promise: nil) } }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Idle between requests, or stuck half-way through sending one: close. A long poll
            // being answered is not idle.
            if !answering { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        open = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        open = false
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}
