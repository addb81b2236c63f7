import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SLAAuth
import SLACore
import SLAScheduler
import SLAServer
import SLAStore

/// The managers' web console: server-rendered pages on the TCP listener, under `/console/`.
/// Every page needs a session (`slad_session`, made at sign-in by `ConsoleAccounts`), shows only
/// the principal's stores, and every form carries the session's CSRF token. Reads run on the
/// reader threads, writes go through the service's group commit like the API's.
public struct Console: Sendable {
    /// The pages and forms, by what they do.
    public enum Route: Sendable, CaseIterable {
        case root, signInPage, signIn, signOut, board, boardRows, queue, acknowledge, casePage, recordEvent
        case reports, language, asset
    }

    /// The longest a board's long poll waits for a new queue entry (below the idle timeout).
    public static let maxWaitSeconds = 25.0
    /// Notes longer than this are refused.
    public static let maxNoteLength = 2000

    let service: SLAService
    let accounts: any ConsoleAccounts
    let clock: WallClock
    let readers: NIOThreadPool
    let logger: Logger

    public init(
        service: SLAService, accounts: any ConsoleAccounts, clock: WallClock = SystemClock(),
        readers: NIOThreadPool = Routes.sharedReaders, logger: Logger
    ) {
        self.service = service
        self.accounts = accounts
        self.clock = clock
        self.readers = readers
        self.logger = logger
    }

    /// Adds the console's routes (and `/` → the console) to a TCP listener's router.
    public func mount(on router: APIRouter) {
        let routes: [(HTTPMethod, String, Route)] = [
            (.GET, "/", .root), (.GET, "/console", .board), (.GET, "/console/signin", .signInPage),
            (.POST, "/console/signin", .signIn), (.POST, "/console/signout", .signOut),
            (.GET, "/console/board/rows", .boardRows), (.GET, "/console/queue", .queue),
            (.POST, "/console/queue/:id/ack", .acknowledge), (.GET, "/console/cases/:id", .casePage),
            (.POST, "/console/cases/:id/events", .recordEvent), (.GET, "/console/reports", .reports),
            (.GET, "/console/lang/:code", .language), (.GET, "/console/static/:file", .asset),
        ]
        for (method, path, route) in routes {
            let handler: APIRouter.Handler = { request, respond in
                let console = Self.consoleRequest(request)
                respond.later { Self.apiResponse(await self.respond(to: route, console)) }
            }
            if method == .POST { router.post(path, handler) } else { router.get(path, handler) }
        }
    }

    /// The answer to one request of `route`: a page, a redirect, a refusal; never a throw.
    public func respond(to route: Route, _ request: ConsoleRequest) async -> ConsoleResponse {
        var response: ConsoleResponse
        do {
            response = try await answer(route, request)
        } catch let refusal as ConsoleRefusal {
            response = refusal.response(frame: PageFrame(language: request.language, session: nil))
        } catch {
            logger.error("console: \(request.method) \(request.path) failed: \(error)")
            response = ConsoleRefusal(.serviceUnavailable, .errorUnavailable)
                .response(frame: PageFrame(language: request.language, session: nil))
        }
        return response
    }

    private func answer(_ route: Route, _ request: ConsoleRequest) async throws -> ConsoleResponse {
        switch route {
        case .root: return .redirect("/console/")
        case .asset: return try asset(request)
        case .language: return try language(request)
        case .signInPage: return try await signInPage(request)
        case .signIn: return try await signIn(request)
        default: break
        }
        guard let session = try await session(of: request) else {
            if route == .boardRows { throw ConsoleRefusal(.unauthorized, .errorForbidden) }
            if request.method == "POST" { throw ConsoleRefusal(.forbidden, .errorCSRF) }
            return .redirect("/console/signin")
        }
        if request.method == "POST" {
            // The token of this session, from a form of this console: another site can make the
            // browser post, but cannot read the token.
            guard let form = request.form else { throw ConsoleRefusal(.badRequest, .errorBadRequest) }
            guard Tokens.equal(form["csrf"], session.csrf) else {
                AuditLog(logger: logger).refused(
                    "console: a POST to \(request.path) by \(session.principal.actor(claimed: nil)) without the "
                        + "session's CSRF token", peer: request.clientAddress)
                throw ConsoleRefusal(.forbidden, .errorCSRF)
            }
        }
        let frame = PageFrame(language: request.language, session: session, back: request.pathWithQuery)
        switch route {
        case .signOut: return try await signOut(session)
        case .board: return try await board(session, frame)
        case .boardRows: return try await boardRows(request, session, frame)
        case .queue: return try await queue(request, session, frame)
        case .acknowledge: return try await acknowledge(request, session)
        case .casePage: return try await casePage(request, session, frame)
        case .recordEvent: return try await recordEvent(request, session, frame)
        case .reports: return try await reports(request, session, frame)
        case .root, .asset, .language, .signInPage, .signIn: fatalError("answered above")
        }
    }

    // MARK: Plumbing

    /// Runs a store read (or a password check) on a reader thread, never on the event loop.
    func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await readers.runIfActive(body)
    }

    func session(of request: ConsoleRequest) async throws -> ConsoleSession? {
        guard let cookie = request.cookies[Cookies.session], !cookie.isEmpty else { return nil }
        let now = clock.now()
        return try await read { [accounts] in try accounts.session(cookie: cookie, now: now) }
    }

    static func consoleRequest(_ request: APIRequest) -> ConsoleRequest {
        var query: [String: String] = [:]
        for (name, value) in request.query.items where query[name] == nil {
            query[name] = value.replacingOccurrences(of: "+", with: " ")
        }
        let peer = request.peer ?? ""
        return ConsoleRequest(
            method: request.method.rawValue, path: request.path, query: query,
            cookies: Cookies.parse(request.headers[canonicalForm: "cookie"].joined(separator: "; ")),
            acceptLanguage: request.headers.first(name: "accept-language"),
            contentType: request.headers.first(name: "content-type"), body: Array(request.body.readableBytesView),
            clientAddress: peer.hasPrefix("tcp ") ? String(peer.dropFirst(4)) : peer, parameters: request.parameters)
    }

    static func apiResponse(_ response: ConsoleResponse) -> APIResponse {
        var answer = APIResponse(
            status: response.status, contentType: response.contentType, body: ByteBuffer(string: response.body))
        for (name, value) in response.headers + ConsoleResponse.securityHeaders {
            answer.headers.add(name: name, value: value)
        }
        return answer
    }
}

/// A request the console refuses, with the phrase its page shows.
struct ConsoleRefusal: Error {
    let status: HTTPResponseStatus
    let phrase: Phrase

    init(_ status: HTTPResponseStatus, _ phrase: Phrase) {
        self.status = status
        self.phrase = phrase
    }

    func response(frame: PageFrame) -> ConsoleResponse {
        ConsoleResponse(status: status, body: Pages.message(phrase.text(frame.language), frame: frame))
    }
}

extension ConsoleRequest {
    /// The path and query as the browser asked for them, for the language switch to return to.
    var pathWithQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?"
            + query.sorted { $0.key < $1.key }.map { "\(FormBody.encode($0.key))=\(FormBody.encode($0.value))" }
            .joined(separator: "&")
    }
}
