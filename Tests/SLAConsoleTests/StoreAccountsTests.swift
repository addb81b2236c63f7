import Foundation
import Logging
import SLAAuth
import SLACore
import SLAScheduler
import SLAServer
import SLAStore
import Testing

@testable import SLAConsole

/// The console on slad's own accounts (SLAAuth's users and sessions in the store, the
/// Authenticator's sign-in limit): what slad runs, on a real SQLite file.
@Suite(.serialized) struct StoreAccountsTests {
    let service: SLAService
    let console: Console
    let accounts: AuthenticatorAccounts

    init() throws {
        service = try ConsoleFixture.service()
        let hasher = PasswordHasher(cost: .testing)
        let store = service.store
        let now = SystemClock().now()
        try store.addUser(
            name: "amy", role: .manager, scope: .only(["S01"]), passwordHash: try hasher.hash("right-password-1"),
            now: now)
        try store.addUser(
            name: "sam", role: .staff, scope: .only(["S01"]), passwordHash: try hasher.hash("right-password-1"),
            now: now)
        let authenticator = Authenticator(store: store, hasher: hasher, logger: Logger(label: "console-test"))
        accounts = AuthenticatorAccounts(authenticator: authenticator, store: store)
        console = Console(service: service, accounts: accounts, logger: Logger(label: "console-test"))
    }

    func form(_ method: String, _ path: String, _ fields: [String: String], cookies: [String: String])
        -> ConsoleRequest
    {
        ConsoleRequest(
            method: method, path: path, cookies: cookies, contentType: "application/x-www-form-urlencoded",
            body: Array(fields.map { "\($0.key)=\(FormBody.encode($0.value))" }.joined(separator: "&").utf8),
            clientAddress: "192.0.2.9")
    }

    func signIn(_ name: String, _ password: String) async -> ConsoleResponse {
        let token = Tokens.random()
        return await console.respond(
            to: .signIn,
            form(
                "POST", "/console/signin", ["csrf": token, "name": name, "password": password],
                cookies: [Cookies.signIn: token]))
    }

    static func sessionCookie(_ response: ConsoleResponse) -> String? {
        response.headers.first { $0.name == "set-cookie" && $0.value.hasPrefix("slad_session=") }
            .map { String($0.value.dropFirst("slad_session=".count).prefix { $0 != ";" }) }
    }

    @Test func aUserSignsInAndOutAndTheSessionIsGoneFromTheStore() async throws {
        let answer = await signIn("amy", "right-password-1")
        #expect(answer.status == .seeOther)
        let cookie = try #require(Self.sessionCookie(answer))
        let session = try #require(try accounts.session(cookie: cookie, now: SystemClock().now()))
        #expect(session.principal.name == "amy" && session.principal.role == .manager)
        #expect(session.principal.actor(claimed: "someone") == "user:amy")
        let board = await console.respond(
            to: .board, ConsoleRequest(method: "GET", path: "/console/", cookies: [Cookies.session: cookie]))
        #expect(board.status == .ok && board.body.contains(">amy<"))
        let out = await console.respond(
            to: .signOut, form("POST", "/console/signout", ["csrf": session.csrf], cookies: [Cookies.session: cookie]))
        #expect(out.status == .seeOther)
        #expect(try accounts.session(cookie: cookie, now: SystemClock().now()) == nil)
        let again = await console.respond(
            to: .board, ConsoleRequest(method: "GET", path: "/console/", cookies: [Cookies.session: cookie]))
        #expect(again.status == .seeOther && again.header("location") == "/console/signin")
    }

    @Test func eachSignInMakesANewSession() async throws {
        let first = try #require(Self.sessionCookie(await signIn("amy", "right-password-1")))
        let second = try #require(Self.sessionCookie(await signIn("amy", "right-password-1")))
        #expect(first != second)
    }

    @Test func guessingIsThrottledByTheAuthenticatorsLimit() async {
        var statuses: [UInt] = []
        for _ in 0..<6 { statuses.append(await signIn("amy", "wrong-guess").status.code) }
        #expect(statuses.prefix(4).allSatisfy { $0 == 401 })
        #expect(statuses.last == 429)
        // The right password is throttled too while the lockout lasts.
        #expect(await signIn("amy", "right-password-1").status == .tooManyRequests)
    }

    @Test func disablingAUserEndsTheirConsoleSessionAtOnce() async throws {
        let cookie = try #require(Self.sessionCookie(await signIn("amy", "right-password-1")))
        let before = await console.respond(
            to: .board, ConsoleRequest(method: "GET", path: "/console/", cookies: [Cookies.session: cookie]))
        #expect(before.status == .ok)
        _ = try service.store.setDisabled(true, name: "amy", now: SystemClock().now())
        let after = await console.respond(
            to: .board, ConsoleRequest(method: "GET", path: "/console/", cookies: [Cookies.session: cookie]))
        #expect(after.status == .seeOther && after.header("location") == "/console/signin")
        #expect(await signIn("amy", "right-password-1").status == .unauthorized)
    }

    @Test func staffCannotAcknowledge() async throws {
        let cookie = try #require(Self.sessionCookie(await signIn("sam", "right-password-1")))
        let session = try #require(try accounts.session(cookie: cookie, now: SystemClock().now()))
        var request = form("POST", "/console/queue/1/ack", ["csrf": session.csrf], cookies: [Cookies.session: cookie])
        request.parameters = ["id": "1"]
        #expect(await console.respond(to: .acknowledge, request).status == .forbidden)
    }
}
