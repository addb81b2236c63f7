import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import SLAServer

/// The HTTP layer without a socket: query and path decoding, routing, and one connection's
/// handler driven through NIO's `EmbeddedChannel` (body limit, keep-alive, idle timeout).
@Suite struct HTTPLayerTests {
    static func request(_ method: HTTPMethod, _ uri: String, body: String = "") -> APIRequest {
        APIRequest(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: uri), body: ByteBuffer(string: body),
            peer: "uid 1000 (amy)")
    }

    /// Routes `request` and returns the answer given (routes here answer at once).
    static func answer(_ router: APIRouter, _ request: APIRequest) throws -> APIResponse {
        let loop = EmbeddedEventLoop()
        var answered: APIResponse?
        router.respond(to: request, Responder(eventLoop: loop) { answered = $0 })
        return try #require(answered)
    }

    static func errorCode(_ response: APIResponse) throws -> String? {
        let data = Data(response.body.readableBytesView)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (object["error"] as? [String: Any])?["code"] as? String
    }

    @Test func queryValuesArePercentDecodedAndAPlusStaysAPlus() {
        let query = QueryParameters("since=2026-11-24T09:00:00+08:00&store=S%2001&empty=&flag&store=second")
        #expect(query.get("since") == "2026-11-24T09:00:00+08:00")
        #expect(query.get("store") == "S 01")  // the first value given
        #expect(query.get("empty") == "")
        #expect(query.get("flag") == "")
        #expect(query.get("missing") == nil)
        #expect(QueryParameters("bad=%zz").get("bad") == "%zz")  // not valid escapes: kept as sent
    }

    @Test func requestSplitsPathAndQuery() {
        let request = Self.request(.GET, "/v1/cases?state=open&limit=5")
        #expect(request.path == "/v1/cases")
        #expect(request.query.get("limit") == "5")
        #expect(Self.request(.GET, "/v1/cases").query.get("state") == nil)
    }

    @Test func routerMatchesParametersMethodsAndUnknownPaths() throws {
        let router = APIRouter()
        router.get("/v1/cases/:id") { request, respond in
            respond(
                APIResponse(
                    status: .ok, contentType: "text/plain", body: ByteBuffer(string: try request.parameter("id"))))
        }
        router.post("/v1/cases/:id/events") { _, _ in throw APIError.badRequest("refused") }

        let found = try Self.answer(router, Self.request(.GET, "/v1/cases/C%2D7"))
        #expect(found.status == .ok)
        #expect(String(buffer: found.body) == "C-7")

        let thrown = try Self.answer(router, Self.request(.POST, "/v1/cases/C-7/events"))
        #expect(thrown.status == .badRequest)
        #expect(try Self.errorCode(thrown) == "bad_request")

        let wrongMethod = try Self.answer(router, Self.request(.DELETE, "/v1/cases/C-7"))
        #expect(wrongMethod.status == .methodNotAllowed)
        #expect(wrongMethod.headers["allow"] == ["GET"])
        #expect(try Self.errorCode(wrongMethod) == "method_not_allowed")

        for path in ["/v1/cases", "/v1/cases/C-7/events/x", "/v2/cases/C-7", "/"] {
            let missing = try Self.answer(router, Self.request(.GET, path))
            #expect(missing.status == .notFound, "\(path)")
            #expect(try Self.errorCode(missing) == "not_found")
        }
    }

    // MARK: One connection

    /// A channel with the handler and a router whose `/echo` answers the body, `/never` never
    /// answers (a long poll), and `/later` answers when the test says so.
    final class Connection {
        let channel = EmbeddedChannel()
        var pending: Responder?

        init(token: String? = nil) throws {
            let router = APIRouter()
            router.post("/echo") { request, respond in
                respond(APIResponse(status: .ok, contentType: "text/plain", body: request.body))
            }
            router.get("/never") { _, _ in }
            router.get("/later") { [unowned self] _, respond in pending = respond }
            try channel.pipeline.syncOperations.addHandler(
                APIChannelHandler(router: router, peer: nil, token: token, logger: Logger(label: "test")))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        func send(_ method: HTTPMethod, _ uri: String, body: String? = nil, headers: HTTPHeaders = [:]) throws {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
            if let body { head.headers.add(name: "content-length", value: String(body.utf8.count)) }
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            if let body { try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body))) }
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        /// The answer written, if any: its head and body.
        func reply() throws -> (head: HTTPResponseHead, body: String)? {
            guard case .head(let head)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
            guard case .body(.byteBuffer(let body))? = try channel.readOutbound(as: HTTPServerResponsePart.self),
                case .end? = try channel.readOutbound(as: HTTPServerResponsePart.self)
            else { return nil }
            return (head, String(buffer: body))
        }
    }

    @Test func answersCarryLengthServerAndKeepTheConnection() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: #"{"kind":"noted"}"#)
        let reply = try #require(try connection.reply())
        #expect(reply.head.status == .ok)
        #expect(reply.body == #"{"kind":"noted"}"#)
        #expect(reply.head.headers["content-length"] == ["16"])
        #expect(reply.head.headers["server"] == ["slad"])
        #expect(!reply.head.headers.contains(name: "connection"))
        #expect(connection.channel.isActive)
    }

    @Test func aBodyOverTheLimitIs413AndTheConnectionCloses() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: String(repeating: "x", count: Routes.maxBodyBytes + 1))
        let reply = try #require(try connection.reply())
        #expect(reply.head.status == .payloadTooLarge)
        #expect(reply.body.contains("body_too_large"))
        #expect(reply.head.headers["connection"] == ["close"])
        #expect(!connection.channel.isActive)
    }

    @Test func connectionCloseIsHonoured() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: "{}", headers: ["connection": "close"])
        #expect(try connection.reply()?.head.headers["connection"] == ["close"])
        #expect(!connection.channel.isActive)
    }

    @Test func idleClosesUnlessARequestIsBeingAnswered() throws {
        let waiting = try Connection()
        try waiting.send(.GET, "/never")
        waiting.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(waiting.channel.isActive, "a long poll is not idle")

        let idle = try Connection()
        idle.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(!idle.channel.isActive)
    }

    @Test func anAnswerAfterTheClientLeftIsDropped() throws {
        let connection = try Connection()
        try connection.send(.GET, "/later")
        let respond = try #require(connection.pending)
        try connection.channel.close().wait()
        respond(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "late")))
        #expect(try connection.reply() == nil)
    }

    @Test func tcpWithoutTheTokenIs401() throws {
        let connection = try Connection(token: "s3cr3t")
        try connection.send(.POST, "/echo", body: "{}")
        let refused = try #require(try connection.reply())
        #expect(refused.head.status == .unauthorized)
        #expect(refused.head.headers["www-authenticate"] == ["Bearer"])

        try connection.send(.POST, "/echo", body: "{}", headers: ["authorization": "Bearer s3cr3t"])
        #expect(try connection.reply()?.head.status == .ok)
    }
}
