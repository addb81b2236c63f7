import Foundation
import SLAAPI
import SLAAuth
import SLACore
import SLAScheduler
import SLAStore
import Testing

@testable import SLAConsole

/// The console's requests end to end against a real store and scheduler (SQLite in a temporary
/// folder): sign-in and its token, CSRF, sign-out, fixation, scope and roles, the long poll.
@Suite(.serialized) struct FlowTests {
    let service: SLAService
    let accounts: MemoryAccounts
    let console: Console

    init() throws {
        service = try ConsoleFixture.service()
        accounts = MemoryAccounts([ConsoleFixture.amy, ConsoleFixture.sam, ConsoleFixture.hana])
        console = Console(service: service, accounts: accounts, logger: .init(label: "console-test"))
    }

    /// A browser's cookies across requests.
    struct Browser {
        var cookies: [String: String] = [:]

        mutating func take(_ response: ConsoleResponse) {
            for (name, value) in response.headers where name == "set-cookie" {
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                if value.contains("Max-Age=0") {
                    cookies[pair[0]] = nil
                } else {
                    cookies[pair[0]] = pair.count > 1 ? pair[1] : ""
                }
            }
        }
    }

    func request(
        _ method: String, _ path: String, form: [String: String]? = nil, query: [String: String] = [:],
        parameters: [String: String] = [:], browser: Browser
    ) -> ConsoleRequest {
        ConsoleRequest(
            method: method, path: path, query: query, cookies: browser.cookies,
            contentType: form == nil ? nil : "application/x-www-form-urlencoded",
            body: Array(
                (form ?? [:]).map { "\(FormBody.encode($0.key))=\(FormBody.encode($0.value))" }.joined(separator: "&")
                    .utf8),
            clientAddress: "192.0.2.7", parameters: parameters)
    }

    /// Signs in as `name` the way a browser does; the browser then holds the session cookie.
    func signIn(_ name: String, password: String = "secret", browser: inout Browser) async -> ConsoleResponse {
        let page = await console.respond(to: .signInPage, request("GET", "/console/signin", browser: browser))
        browser.take(page)
        let token = browser.cookies[Cookies.signIn] ?? ""
        let answer = await console.respond(
            to: .signIn,
            request(
                "POST", "/console/signin", form: ["csrf": token, "name": name, "password": password], browser: browser))
        browser.take(answer)
        return answer
    }

    /// The session's CSRF token, as the page's forms carry it.
    func csrf(_ browser: Browser) async throws -> String {
        let board = await console.respond(to: .board, request("GET", "/console/", browser: browser))
        let match = try #require(board.body.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/))
        return String(match.1)
    }

    func open(_ kind: String, store: String) async throws -> String {
        try await service.open(OpenCaseRequest(kind: kind, store: store)).record.id
    }

    @Test func signInNeedsTheFormsTokenAndGivesAFreshSession() async throws {
        var browser = Browser()
        let page = await console.respond(to: .signInPage, request("GET", "/console/signin", browser: browser))
        browser.take(page)
        let token = try #require(browser.cookies[Cookies.signIn])
        #expect(page.body.contains("value=\"\(token)\""))
        let without = await console.respond(
            to: .signIn,
            request("POST", "/console/signin", form: ["name": "amy", "password": "secret"], browser: browser))
        #expect(without.status == .forbidden)
        #expect(without.header("set-cookie") == nil)

        // A session planted before sign-in (the attacker's own, valid) is ended, not kept.
        let planted = try accounts.startSession(for: ConsoleFixture.hana, now: Instant(millis: 0)).cookie
        browser.cookies[Cookies.session] = planted
        let answer = await signIn("amy", browser: &browser)
        #expect(answer.status == .seeOther && answer.header("location") == "/console/")
        let cookie = try #require(browser.cookies[Cookies.session])
        #expect(cookie != planted && cookie.count == 64)
        #expect(try accounts.session(cookie: planted, now: Instant(millis: 0)) == nil)
        #expect(
            answer.headers.contains {
                $0.value.hasPrefix("slad_session=") && $0.value.contains("HttpOnly; Secure; SameSite=Strict")
            })
        let board = await console.respond(to: .board, request("GET", "/console/", browser: browser))
        #expect(board.status == .ok && board.body.contains(">amy<"))
    }

    @Test func wrongPasswordsAreRefusedThenThrottled() async {
        var browser = Browser()
        for _ in 0..<3 {
            let answer = await signIn("amy", password: "guess", browser: &browser)
            #expect(answer.status == .unauthorized && answer.body.contains("Wrong name or password"))
        }
        let throttled = await signIn("amy", browser: &browser)
        #expect(throttled.status == .tooManyRequests && throttled.header("retry-after") == "60")
        #expect(browser.cookies[Cookies.session] == nil)
    }

    @Test func aPostWithoutTheSessionsTokenIsRefused() async throws {
        var browser = Browser()
        _ = await signIn("amy", browser: &browser)
        let id = try await open("slow", store: "S01")
        for form in [["kind": "reacted"], ["kind": "reacted", "csrf": "0" + String(repeating: "a", count: 63)]] {
            let answer = await console.respond(
                to: .recordEvent,
                request("POST", "/console/cases/\(id)/events", form: form, parameters: ["id": id], browser: browser))
            #expect(answer.status == .forbidden)
        }
        #expect(try service.store.events(of: id).count == 1)  // only `opened`
        let token = try await csrf(browser)
        let answer = await console.respond(
            to: .recordEvent,
            request(
                "POST", "/console/cases/\(id)/events",
                form: ["kind": "reacted", "csrf": token, "note": ConsoleFixture.hostile],
                parameters: ["id": id], browser: browser))
        #expect(answer.status == .seeOther)
        let events = try service.store.events(of: id)
        #expect(events.last?.kind == "reacted" && events.last?.actor == "user:amy")
        let page = await console.respond(
            to: .casePage, request("GET", "/console/cases/\(id)", parameters: ["id": id], browser: browser))
        #expect(page.status == .ok && !page.body.contains("<script>alert") && page.body.contains("&lt;script&gt;"))
    }

    @Test func signOutEndsTheSessionOnTheServer() async throws {
        var browser = Browser()
        _ = await signIn("amy", browser: &browser)
        let stolen = browser
        let token = try await csrf(browser)
        let out = await console.respond(
            to: .signOut, request("POST", "/console/signout", form: ["csrf": token], browser: browser))
        browser.take(out)
        #expect(out.status == .seeOther && browser.cookies[Cookies.session] == nil)
        // The copy of the cookie is worth nothing now: no page, no write.
        let board = await console.respond(to: .board, request("GET", "/console/", browser: stolen))
        #expect(board.status == .seeOther && board.header("location") == "/console/signin")
        let rows = await console.respond(to: .boardRows, request("GET", "/console/board/rows", browser: stolen))
        #expect(rows.status == .unauthorized)
        let id = try await open("slow", store: "S01")
        let write = await console.respond(
            to: .recordEvent,
            request(
                "POST", "/console/cases/\(id)/events", form: ["kind": "reacted", "csrf": token], parameters: ["id": id],
                browser: stolen))
        #expect(write.status == .forbidden)
    }

    @Test func aManagerSeesOnlyTheirStores() async throws {
        var browser = Browser()
        _ = await signIn("amy", browser: &browser)
        let mine = try await open("slow", store: "S01")
        let theirs = try await open("slow", store: "S02")
        let own = await console.respond(
            to: .casePage, request("GET", "/console/cases/\(mine)", parameters: ["id": mine], browser: browser))
        let other = await console.respond(
            to: .casePage, request("GET", "/console/cases/\(theirs)", parameters: ["id": theirs], browser: browser))
        #expect(own.status == .ok && other.status == .notFound)
        let board = await console.respond(to: .board, request("GET", "/console/", browser: browser))
        #expect(board.body.contains(">\(mine)<") && !board.body.contains(">\(theirs)<"))
        let asked = await console.respond(
            to: .queue, request("GET", "/console/queue", query: ["store": "S02", "state": "all"], browser: browser))
        #expect(asked.status == .ok && !asked.body.contains("S02</td>"))
        let report = await console.respond(
            to: .reports, request("GET", "/console/reports", query: ["store": "S02"], browser: browser))
        #expect(report.status == .notFound)
    }

    @Test func aBreachWakesTheBoardAndTheManagerAcknowledgesIt() async throws {
        var manager = Browser()
        _ = await signIn("amy", browser: &manager)
        var staff = Browser()
        _ = await signIn("sam", browser: &staff)
        var mark = service.notifier.lastPublishedID
        // Timed from before the open: the clock starts when the case is opened, and on a slow
        // machine the open's commit alone can take a good part of a second.
        let started = Date()
        let id = try await open("fast", store: "S01")
        // As the page's script does: wait for the next entry, take the rows, wait again (the
        // warning at 1 s wakes it first, the breach at 2 s next).
        var rows = ConsoleResponse(body: "")
        var polls = 0
        while !rows.body.contains("BREACHED"), Date().timeIntervalSince(started) < 8 {
            rows = await console.respond(
                to: .boardRows,
                request("GET", "/console/board/rows", query: ["after": String(mark), "wait": "10"], browser: manager))
            #expect(rows.status == .ok)
            mark = Int64(rows.header("x-slad-mark") ?? "") ?? mark
            polls += 1
        }
        let waited = Date().timeIntervalSince(started)
        #expect(rows.body.contains("BREACHED") && rows.body.contains(">\(id)<"))
        #expect(waited > 1.9 && waited < 4, "the breach came after \(waited) s; the clock falls due at 2 s")
        #expect(polls <= 3, "each poll waits for an entry: \(polls) polls")

        let entry = try #require(
            try service.store.entries(EntryFilter(caseID: id)).first { $0.escalation.kind == .breach })
        let staffToken = try await csrf(staff)
        let refused = await console.respond(
            to: .acknowledge,
            request(
                "POST", "/console/queue/\(entry.id)/ack", form: ["csrf": staffToken],
                parameters: ["id": String(entry.id)],
                browser: staff))
        #expect(refused.status == .forbidden)
        let staffQueue = await console.respond(to: .queue, request("GET", "/console/queue", browser: staff))
        #expect(!staffQueue.body.contains("ack-button"))

        let token = try await csrf(manager)
        let acked = await console.respond(
            to: .acknowledge,
            request(
                "POST", "/console/queue/\(entry.id)/ack",
                form: ["csrf": token, "note": "calling the customer", "actor": "someone-else"],
                parameters: ["id": String(entry.id)], browser: manager))
        #expect(acked.status == .seeOther)
        let after = try #require(try service.store.entry(id: entry.id))
        #expect(after.state == .acknowledged && after.ackedBy == "user:amy" && after.ackNote == "calling the customer")
        let page = await console.respond(
            to: .casePage, request("GET", "/console/cases/\(id)", parameters: ["id": id], browser: manager))
        #expect(page.body.contains("calling the customer") && page.body.contains("Acknowledged"))
    }

    @Test func hqSeesEveryStoresReportAndAManagerOnlyTheirs() async throws {
        _ = try await open("slow", store: "S01")
        _ = try await open("slow", store: "S02")
        var hq = Browser()
        _ = await signIn("hana", browser: &hq)
        let all = await console.respond(to: .reports, request("GET", "/console/reports", browser: hq))
        #expect(all.status == .ok && all.body.contains("All stores") && all.body.contains("id=\"report\""))
        #expect(all.body.contains("<option value=\"S02\">") && all.body.contains("Complaint handling report"))
        var manager = Browser()
        _ = await signIn("amy", browser: &manager)
        let own = await console.respond(to: .reports, request("GET", "/console/reports", browser: manager))
        #expect(own.status == .ok && own.body.contains("store S01") && !own.body.contains("S02"))
        var staff = Browser()
        _ = await signIn("sam", browser: &staff)
        let refused = await console.respond(to: .reports, request("GET", "/console/reports", browser: staff))
        #expect(refused.status == .forbidden)
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async {
        let answers = [
            await console.respond(to: .signInPage, request("GET", "/console/signin", browser: Browser())),
            await console.respond(to: .board, request("GET", "/console/", browser: Browser())),
            await console.respond(
                to: .asset, request("GET", "/x", parameters: ["file": "console.js"], browser: Browser())),
        ]
        for answer in answers {
            let api = Console.apiResponse(answer)
            #expect(
                api.headers.first(name: "content-security-policy")?.hasPrefix(
                    "default-src 'self'; script-src 'self'; style-src 'self'") == true)
            #expect(api.headers.first(name: "x-frame-options") == "DENY")
            #expect(api.headers.first(name: "referrer-policy") == "no-referrer")
            #expect(api.headers.first(name: "cache-control") == "no-store")
        }
    }
}
