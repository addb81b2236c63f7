import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SLAAuth
import Testing

@testable import SLAServer

/// The HTTP layer without a socket: query and path decoding, routing, and one connection's
/// handler driven through NIO's `EmbeddedChannel` (body limit, keep-alive, idle timeout).
@Suite struct HTTPLayerTests {
    static func request(_ method: HTTPMethod, _ uri: String, body: String = "") -> APIRequest {
        APIRequest(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: uri), body: ByteBuffer(string: body),
            peer: "uid 1000 (amy)", principal: .operator("uid 1000 (amy)"))
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

    /// A channel with slad's HTTP pipeline (NIO's parser, the idle timeout, the handler), fed
    /// raw bytes, and a router whose `/echo` answers the body, `/never` never answers (a long
    /// poll), and `/later` answers when the test says so.
    final class Connection {
        let channel = EmbeddedChannel()
        var pending: Responder?
        /// How many `/now` requests were carried out.
        var carriedOut = 0

        struct Reply {
            var status: Int
            var headers: [String: [String]]
            var body: String
        }

        init(token: String? = nil) throws {
            let router = APIRouter()
            router.post("/echo") { request, respond in
                respond(APIResponse(status: .ok, contentType: "text/plain", body: request.body))
            }
            router.get("/never") { _, _ in }
            router.get("/now") { [unowned self] _, respond in
                carriedOut += 1
                respond(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "now")))
            }
            router.get("/later") { [unowned self] _, respond in pending = respond }
            router.post("/v1/echo") { request, respond in
                respond(APIResponse(status: .ok, contentType: "text/plain", body: request.body))
            }
            // With a token: TCP, where only that token (an operator's) is admitted.
            let access = token.map { token in
                ConnectionAccess(
                    authenticator: Authenticator(store: nil, legacyToken: token, logger: Logger(label: "test")),
                    caller: .tcp(address: "127.0.0.1"))
            }
            try APIChannelHandler.configure(
                channel, router: router, peer: nil, access: access, idleTimeout: .seconds(30),
                logger: Logger(label: "test"))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        func send(_ method: HTTPMethod, _ uri: String, body: String? = nil, headers: HTTPHeaders = [:]) throws {
            try sendRaw(Self.request(method, uri, body: body, headers: headers))
        }

        static func request(_ method: HTTPMethod, _ uri: String, body: String? = nil, headers: HTTPHeaders = [:])
            -> String
        {
            var text = "\(method.rawValue) \(uri) HTTP/1.1\r\nhost: slad\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            if let body { text += "content-length: \(body.utf8.count)\r\n" }
            return text + "\r\n" + (body ?? "")
        }

        func sendRaw(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
        }

        /// The next answer written, if any: its status, headers and body.
        func reply() throws -> Reply? {
            guard let buffer = try channel.readOutbound(as: ByteBuffer.self) else { return nil }
            let text = String(buffer: buffer)
            guard let split = text.range(of: "\r\n\r\n") else { return nil }
            var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
            let status = Int(lines.removeFirst().split(separator: " ")[1]) ?? 0
            var headers: [String: [String]] = [:]
            for line in lines {
                let parts = line.split(separator: ":", maxSplits: 1)
                headers[parts[0].lowercased(), default: []].append(parts[1].trimmingCharacters(in: .whitespaces))
            }
            return Reply(status: status, headers: headers, body: String(text[split.upperBound...]))
        }
    }

    @Test func answersCarryLengthServerAndKeepTheConnection() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: #"{"kind":"noted"}"#)
        let reply = try #require(try connection.reply())
        #expect(reply.status == 200)
        #expect(reply.body == #"{"kind":"noted"}"#)
        #expect(reply.headers["content-length"] == ["16"])
        #expect(reply.headers["server"] == ["slad"])
        #expect(reply.headers["connection"] == nil)
        #expect(connection.channel.isActive)
    }

    @Test func aBodyOverTheLimitIs413AndTheConnectionCloses() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: String(repeating: "x", count: Routes.maxBodyBytes + 1))
        let reply = try #require(try connection.reply())
        #expect(reply.status == 413)
        #expect(reply.body.contains("body_too_large"))
        #expect(reply.headers["connection"] == ["close"])
        #expect(!connection.channel.isActive)
    }

    @Test func connectionCloseIsHonoured() throws {
        let connection = try Connection()
        try connection.send(.POST, "/echo", body: "{}", headers: ["connection": "close"])
        #expect(try connection.reply()?.headers["connection"] == ["close"])
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
        try connection.send(.POST, "/v1/echo", body: "{}")
        let refused = try #require(try connection.reply())
        #expect(refused.status == 401)
        #expect(refused.headers["www-authenticate"] == ["Bearer"])

        try connection.send(.POST, "/v1/echo", body: "{}", headers: ["authorization": "Bearer s3cr3t"])
        #expect(try connection.reply()?.status == 200)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOneAtATime() throws {
        let connection = try Connection()
        // Three requests in one read: the first waits for its answer, the others behind it.
        try connection.sendRaw(
            Connection.request(.GET, "/later") + Connection.request(.POST, "/echo", body: "two")
                + Connection.request(.POST, "/echo", body: "three"))
        #expect(try connection.reply() == nil, "nothing is answered before the first")
        let first = try #require(connection.pending)
        first(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "one")))
        #expect(try connection.reply()?.body == "one")
        #expect(try connection.reply()?.body == "two")
        #expect(try connection.reply()?.body == "three")
        #expect(connection.channel.isActive)
    }

    @Test func aMalformedRequestIs400AndTheConnectionCloses() throws {
        let connection = try Connection()
        try? connection.sendRaw("GET /v1/health HTTP/1.1\r\nbad header line\r\n\r\n")
        let reply = try #require(try connection.reply())
        #expect(reply.status == 400)
        #expect(reply.body.contains("bad_request"))
        #expect(reply.headers["connection"] == ["close"])
        #expect(!connection.channel.isActive)
    }

    @Test func aClientThatClosesItsSideGetsItsAnswerFirst() throws {
        let connection = try Connection()
        try connection.send(.GET, "/later")
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(connection.channel.isActive, "still answering")
        let respond = try #require(connection.pending)
        respond(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "done")))
        #expect(try connection.reply()?.body == "done")
        #expect(!connection.channel.isActive)
    }

    @Test func anHTTP10ClientIsToldTheConnectionStaysOpen() throws {
        let connection = try Connection()
        try connection.sendRaw("POST /echo HTTP/1.0\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nhi")
        let reply = try #require(try connection.reply())
        #expect(reply.body == "hi")
        #expect(reply.headers["connection"] == ["keep-alive"])
        #expect(connection.channel.isActive)
    }

    @Test func thousandsOfPipelinedRequestsAreAnsweredWithoutNesting() throws {
        let connection = try Connection()
        try connection.sendRaw(String(repeating: Connection.request(.GET, "/now"), count: 5_000))
        var answered = 0
        while let reply = try connection.reply() {
            #expect(reply.body == "now")
            answered += 1
        }
        #expect(answered == 5_000)
        #expect(connection.carriedOut == 5_000)
    }

    @Test func nothingSentAfterConnectionCloseIsCarriedOut() throws {
        let connection = try Connection()
        try connection.sendRaw(
            Connection.request(.GET, "/later", headers: ["connection": "close"]) + Connection.request(.GET, "/now"))
        let respond = try #require(connection.pending)
        respond(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "bye")))
        #expect(try connection.reply()?.body == "bye")
        #expect(try connection.reply() == nil)
        #expect(connection.carriedOut == 0)
        #expect(!connection.channel.isActive)
    }

    @Test func aMalformedRequestAfterAGoodOneIsRefusedAfterTheGoodOnesAnswer() throws {
        let connection = try Connection()
        try? connection.sendRaw(Connection.request(.GET, "/later") + "BAD\r\n\r\n")
        #expect(try connection.reply() == nil)
        let respond = try #require(connection.pending)
        respond(APIResponse(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "first")))
        #expect(try connection.reply()?.body == "first")
        #expect(try connection.reply()?.status == 400)
        #expect(!connection.channel.isActive)
    }

    @Test func aHEADAnswerHasTheLengthButNoBody() throws {
        let connection = try Connection()
        try connection.send(.HEAD, "/now")
        let reply = try #require(try connection.reply())
        #expect(reply.status == 405)
        #expect(reply.body.isEmpty)
        #expect(reply.headers["content-length"] != ["0"])
        #expect(connection.channel.isActive)
    }
}
