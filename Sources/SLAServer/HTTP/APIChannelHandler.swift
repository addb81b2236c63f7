import Logging
import NIOCore
import NIOHTTP1

/// One connection's requests, read whole and handed to the router, one at a time; each answer
/// written as one buffer. Plain NIO on purpose: the async-sequence layers of a framework cost
/// more per request than the route did, and so did NIO's own response encoder and the handlers
/// around it (an answer passed five of them in three parts). This handler does their work:
/// requests sent before the previous one is answered (pipelining) wait, and reading stops
/// meanwhile; a malformed request is answered 400 and the connection closed.
final class APIChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// NIO's request parser, then the idle timeout, then this.
    static func configure(
        _ channel: Channel, router: APIRouter, peer: String?, token: String?, idleTimeout: TimeAmount, logger: Logger
    ) throws {
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
            IdleStateHandler(readTimeout: idleTimeout),
            APIChannelHandler(router: router, peer: peer, token: token, logger: logger))
    }

    private struct Request {
        var head: HTTPRequestHead
        var body: ByteBuffer
        var tooLarge: Bool
    }

    private let router: APIRouter
    private let peer: String?
    /// For TCP: every request must carry `Authorization: Bearer` this.
    private let token: String?
    private let logger: Logger

    /// The request being read.
    private var reading: Request?
    /// Requests read whole while an earlier one is being answered, in order.
    private var waiting: [Request] = []
    /// A request read whole and not yet answered: the idle timeout leaves the connection open.
    private var answering = false
    /// A read asked for while answering: done once the answer is written.
    private var readDeferred = false
    /// The client closed its side: close ours once what it sent is answered.
    private var inputClosed = false
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
            reading = Request(head: head, body: context.channel.allocator.buffer(capacity: 0), tooLarge: false)
        case .body(var part):
            guard var request = reading, !request.tooLarge else { return }
            reading = nil  // the body is appended in place, not copied
            if request.body.readableBytes + part.readableBytes > Routes.maxBodyBytes {
                request.tooLarge = true
                request.body.clear()
            } else {
                request.body.writeBuffer(&part)
            }
            reading = request
        case .end:
            guard let request = reading else { return }
            reading = nil
            if answering {
                waiting.append(request)
            } else {
                answer(request, context: context)
            }
        }
    }

    private func answer(_ request: Request, context: ChannelHandlerContext) {
        answering = true
        let head = request.head
        let keepAlive = head.isKeepAlive && !request.tooLarge
        let responder = Responder(eventLoop: context.eventLoop) { [self] response in
            write(response, version: head.version, keepAlive: keepAlive, context: context)
        }
        if request.tooLarge {
            responder(.error(.tooLarge))
        } else if let refusal = refusal(of: head, context: context) {
            responder(refusal)
        } else {
            router.respond(to: APIRequest(head: head, body: request.body, peer: peer), responder)
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

    private func write(_ response: APIResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        answering = false
        guard open else { return }  // the client went away while its answer was made
        let bytes = Self.encode(response, version: version, keepAlive: keepAlive, allocator: context.channel.allocator)
        guard keepAlive else {
            waiting = []
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        if !waiting.isEmpty {
            answer(waiting.removeFirst(), context: context)
        } else if inputClosed {
            context.close(promise: nil)
        } else if readDeferred {
            readDeferred = false
            context.read()
        }
    }

    /// Status line, headers and body in one buffer: one write, one system call.
    static func encode(
        _ response: APIResponse, version: HTTPVersion, keepAlive: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 256 + response.body.readableBytes)
        bytes.writeString("HTTP/\(version.major).\(version.minor) \(response.status.code) ")
        bytes.writeString(response.status.reasonPhrase)
        bytes.writeString("\r\n")
        // No header is made from what a client sent unchecked; a line break would still split
        // the answer, so a header with one is left out.
        for (name, value) in response.headers where !Self.breaksLine(name) && !Self.breaksLine(value) {
            bytes.writeString(name)
            bytes.writeString(": ")
            bytes.writeString(value)
            bytes.writeString("\r\n")
        }
        bytes.writeString("server: slad\r\ncontent-length: \(response.body.readableBytes)\r\n")
        if !keepAlive {
            bytes.writeString("connection: close\r\n")
        } else if version == .http1_0 {
            bytes.writeString("connection: keep-alive\r\n")
        }
        bytes.writeString("\r\n")
        bytes.writeImmutableBuffer(response.body)
        return bytes
    }

    private static func breaksLine(_ text: String) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    }

    /// No more reading while a request is being answered: what the client sends meanwhile waits
    /// in the socket, not here.
    func read(context: ChannelHandlerContext) {
        if answering {
            readDeferred = true
        } else {
            context.read()
        }
    }

    /// The parser refused the bytes: 400, and the connection closes (what follows cannot be
    /// trusted to start a request).
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard open, error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        open = false
        waiting = []
        let refusal = APIResponse.error(.badRequest("malformed HTTP request"))
        let bytes = Self.encode(refusal, version: .http1_1, keepAlive: false, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in context.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is IdleStateHandler.IdleStateEvent:
            // Idle between requests, or stuck half-way through sending one: close. A long poll
            // being answered is not idle.
            if !answering { context.close(promise: nil) }
        case ChannelEvent.inputClosed:
            inputClosed = true
            if !answering { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        open = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        open = false
    }
}
