import Logging
import NIOCore
import NIOHTTP1
import SLAAuth

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
        _ channel: Channel, router: APIRouter, peer: String?, access: ConnectionAccess?, idleTimeout: TimeAmount,
        logger: Logger
    ) throws {
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
            IdleStateHandler(readTimeout: idleTimeout),
            APIChannelHandler(router: router, peer: peer, access: access, logger: logger))
    }

    private struct Request {
        var head: HTTPRequestHead
        /// The first part as read (no copy), later parts appended.
        var body: ByteBuffer?
        var tooLarge = false
    }

    private let router: APIRouter
    private let peer: String?
    /// Who may call, and how this connection's caller is known; nil: no check (the metrics listener).
    private let access: ConnectionAccess?
    private let logger: Logger

    /// The request being read.
    private var reading: Request?
    /// Requests read whole while an earlier one is being answered, in order.
    private var waiting = CircularBuffer<Request>()
    /// A request read whole and not yet answered: the idle timeout leaves the connection open.
    private var answering = false
    /// A read asked for while answering: done once the answer is written.
    private var readDeferred = false
    /// The client closed its side: close ours once what it sent is answered.
    private var inputClosed = false
    /// The parser refused what followed the requests in `waiting`: 400 once they are answered.
    private var malformed = false
    /// An answer says `connection: close`: nothing after its request is read or carried out.
    private var closing = false
    /// Answering the requests in `waiting`, one after another (in a loop, not by recursion: a
    /// route that answers at once would otherwise nest a call per pipelined request).
    private var draining = false
    private var open = true

    init(router: APIRouter, peer: String?, access: ConnectionAccess?, logger: Logger) {
        self.router = router
        self.peer = peer
        self.access = access
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            reading = Request(head: head)
        case .body(var part):
            guard var request = reading, !request.tooLarge else { return }
            reading = nil  // appended in place, not copied
            if (request.body?.readableBytes ?? 0) + part.readableBytes > Routes.maxBodyBytes {
                request.tooLarge = true
                request.body = nil
            } else if request.body == nil {
                request.body = part
            } else {
                request.body!.writeBuffer(&part)
            }
            reading = request
        case .end:
            guard let request = reading else { return }
            reading = nil
            waiting.append(request)
            drain(context: context)
        }
    }

    /// Answers the waiting requests in order, each once the one before is answered; then what
    /// the connection's state asks for (a 400 for what could not be parsed, a close after the
    /// client's, more reading).
    private func drain(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !answering, open, !closing, !waiting.isEmpty {
            answer(waiting.removeFirst(), context: context)
        }
        guard !answering, open, !closing else { return }
        if malformed {
            refuseMalformed(context: context)
        } else if inputClosed {
            close(after: context.channel.allocator.buffer(capacity: 0), context: context)
        } else if readDeferred {
            readDeferred = false
            context.read()
        }
    }

    private func answer(_ request: Request, context: ChannelHandlerContext) {
        answering = true
        let head = request.head
        let keepAlive = head.isKeepAlive && !request.tooLarge
        if !keepAlive {
            // Whatever the client sent after this request is neither answered nor carried out.
            closing = true
            waiting.removeAll()
        }
        let responder = Responder(eventLoop: context.eventLoop) { [self] response in
            write(response, to: head, keepAlive: keepAlive, context: context)
        }
        if request.tooLarge {
            responder(.error(.tooLarge))
            return
        }
        var principal: Principal?
        if let access {
            switch access.authenticator.authenticate(head, caller: access.caller) {
            case .admit(let admitted):
                principal = admitted
                if admitted == nil, ConnectionAccess.needsPrincipal(head.uri) {
                    responder(Self.refusal(.unauthorized, "unauthorized", "a valid bearer token is required", nil))
                    return
                }
            case .refuse(let status, let code, let message, let retryAfter):
                responder(Self.refusal(status, code, message, retryAfter))
                return
            }
        }
        router.respond(
            to: APIRequest(head: head, body: request.body ?? ByteBuffer(), peer: peer, principal: principal), responder)
    }

    /// A refusal of the authenticator: 401 says how to authenticate, 429 when to come back.
    private static func refusal(
        _ status: HTTPResponseStatus, _ code: String, _ message: String, _ retryAfter: Int64?
    ) -> APIResponse {
        var response = APIResponse.error(APIError(status: status, code: code, message: message))
        if status == .unauthorized { response.headers.add(name: "www-authenticate", value: "Bearer") }
        if let retryAfter { response.headers.add(name: "retry-after", value: "\(retryAfter)") }
        return response
    }

    private func write(
        _ response: APIResponse, to head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        answering = false
        guard open else { return }  // the client went away while its answer was made
        let bytes = Self.encode(
            response, version: head.version, keepAlive: keepAlive, withBody: head.method != .HEAD,
            allocator: context.channel.allocator)
        guard keepAlive else {
            close(after: bytes, context: context)
            return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        drain(context: context)
    }

    /// Writes `last` (empty: nothing more), then closes once everything written has gone out (a
    /// close fails writes still pending).
    private func close(after last: ByteBuffer, context: ChannelHandlerContext) {
        open = false
        context.writeAndFlush(wrapOutboundOut(last)).whenComplete { _ in context.close(promise: nil) }
    }

    private func refuseMalformed(context: ChannelHandlerContext) {
        let refusal = APIResponse.error(.badRequest("malformed HTTP request"))
        let bytes = Self.encode(
            refusal, version: .http1_1, keepAlive: false, withBody: true, allocator: context.channel.allocator)
        close(after: bytes, context: context)
    }

    /// Status line, headers and body in one buffer: one write, one system call.
    static func encode(
        _ response: APIResponse, version: HTTPVersion, keepAlive: Bool, withBody: Bool, allocator: ByteBufferAllocator
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
        if withBody { bytes.writeImmutableBuffer(response.body) }  // a HEAD answer has the length, not the body
        return bytes
    }

    private static func breaksLine(_ text: String) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    }

    /// No more reading while a request is being answered: what the client sends meanwhile waits
    /// in the socket, not here.
    func read(context: ChannelHandlerContext) {
        if closing || !open {
            return
        } else if answering || !waiting.isEmpty {
            readDeferred = true
        } else {
            context.read()
        }
    }

    /// The parser refused the bytes: 400 once the requests before them are answered, and the
    /// connection closes (what follows cannot be trusted to start a request).
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        guard open, !closing else { return }  // nothing more is read here anyway
        malformed = true
        drain(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is IdleStateHandler.IdleStateEvent:
            // Idle between requests, or stuck half-way through sending one: close. A long poll
            // being answered is not idle.
            if !answering { context.close(promise: nil) }
        case ChannelEvent.inputClosed, is ChannelShouldQuiesceEvent:
            // The client is done, or slad is stopping: answer what was asked, then close.
            inputClosed = true
            drain(context: context)
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
