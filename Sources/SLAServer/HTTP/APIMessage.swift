import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SLAAPI
import SLAAuth
import SLAScheduler

/// One whole request, its body already read: what a route sees.
public struct APIRequest {
    public let method: HTTPMethod
    /// The path without its query, e.g. `/v1/cases/C-1/events`.
    public let path: String
    public let query: QueryParameters
    public let headers: HTTPHeaders
    public let body: ByteBuffer
    /// Who the kernel says is calling (`uid 1000 (amy)`), or the TCP client's address.
    public let peer: String?
    /// Who the request acts as, authenticated by the listener (`Authenticator`); nil when it
    /// carried no credentials (TCP), or on the metrics listener. Routes check it (`Routes.require`).
    public let principal: Principal?
    /// The `:name` segments of the route that matched, percent-decoded.
    public internal(set) var parameters: [String: String] = [:]

    init(head: HTTPRequestHead, body: ByteBuffer, peer: String?, principal: Principal?) {
        method = head.method
        let (path, query) = Self.split(head.uri)
        self.path = String(path)
        self.query = QueryParameters(query)
        headers = head.headers
        self.body = body
        self.peer = peer
        self.principal = principal
    }

    func parameter(_ name: String) throws -> String {
        guard let value = parameters[name] else { throw APIError.badRequest("the path needs its \(name)") }
        return value
    }

    private static func split(_ uri: String) -> (path: Substring, query: Substring) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri[...], "") }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }
}

/// `a=1&b=two%20words`: values percent-decoded (a `+` stays a `+`: ISO 8601 offsets carry one).
public struct QueryParameters {
    public let items: [(name: String, value: String)]

    init(_ query: Substring) {
        items = query.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first value given for `name`.
    public func get(_ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    static func decode(_ text: Substring) -> String {
        text.contains("%") ? String(text).removingPercentEncoding ?? String(text) : String(text)
    }
}

/// One whole answer.
public struct APIResponse {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, contentType: String, body: ByteBuffer) {
        self.status = status
        headers = ["content-type": contentType]
        self.body = body
    }

    /// `value` as one line of JSON.
    static func json(_ value: some JSONWritable, status: HTTPResponseStatus = .ok) -> APIResponse {
        var writer = JSONWriter()
        writer.line(value)
        return APIResponse(
            status: status, contentType: "application/json", body: ByteBuffer(bytes: writer.bytes))
    }

    /// `{"error": {"code": ..., "message": ...}}`, as every route answers a refusal.
    static func error(_ error: APIError) -> APIResponse {
        json(ErrorView(code: error.code, message: error.message), status: error.status)
    }

    /// The answer to whatever a route threw.
    static func error(of thrown: Error) -> APIResponse {
        switch thrown {
        case let error as APIError: return self.error(error)
        case let error as ServiceError: return self.error(APIError(error))
        default: return self.error(APIError(status: .internalServerError, code: "internal", message: "\(thrown)"))
        }
    }
}

/// Sends a route's answer, once, from whatever thread has it: the connection's event loop, the
/// scheduler's queue after a commit, or a task that waited for the queue.
///
/// Unchecked: `send` touches the connection's handler, and is only ever called on `eventLoop`.
public struct Responder: @unchecked Sendable {
    let eventLoop: EventLoop
    /// Writes the answer; runs on `eventLoop`.
    let send: (APIResponse) -> Void

    public func callAsFunction(_ response: APIResponse) {
        hop { send(response) }
    }

    /// Makes the answer on the event loop (not on the thread that calls this, e.g. the scheduler's
    /// queue, which has the next group commit to do), then sends it.
    func onLoop(_ make: @escaping () throws -> APIResponse) {
        hop { send(Self.answer(make)) }
    }

    /// Runs `work` on the event loop: now if already there.
    private func hop(_ work: @escaping () -> Void) {
        if eventLoop.inEventLoop { work() } else { eventLoop.execute(work) }
    }

    /// Makes the answer on a thread of `pool`, never on the event loop (store reads, reports): a
    /// slow one holds up no other connection of that loop.
    func offload(to pool: NIOThreadPool, _ make: @escaping () throws -> APIResponse) {
        pool.runIfActive(eventLoop: eventLoop) { Self.answer(make) }.whenComplete { result in
            switch result {
            case .success(let response): send(response)
            case .failure(let error): send(.error(of: error))
            }
        }
    }

    /// For the routes that wait (long polls): a task on the connection's event loop.
    public func later(_ make: @escaping @Sendable () async throws -> APIResponse) {
        Task(executorPreference: EventLoopExecutor(eventLoop)) {
            let response: APIResponse
            do {
                response = try await make()
            } catch {
                response = .error(of: error)
            }
            self(response)
        }
    }

    static func answer(_ make: () throws -> APIResponse) -> APIResponse {
        do {
            return try make()
        } catch {
            return .error(of: error)
        }
    }
}
