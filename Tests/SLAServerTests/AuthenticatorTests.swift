import Foundation
import Logging
import NIOHTTP1
import SLAAuth
import SLACore
import SLAStore
import Testing

@testable import SLAServer

/// The authenticator against a real store: tokens, their cache and its invalidation, the lockout
/// on a virtual clock, uids on the socket, cookies.
@Suite struct AuthenticatorTests {
    final class Clock: WallClock, @unchecked Sendable {
        // Unchecked: tests set `current` on one thread, between calls.
        var current = Instant(seconds: 1_800_000_000)
        func now() -> Instant { current }
    }

    let directory = NSTemporaryDirectory() + "slad-auth-\(UUID().uuidString)"
    let clock = Clock()

    func head(_ headers: HTTPHeaders = [:]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/cases", headers: headers)
    }

    func admitted(_ outcome: Authenticator.Outcome) -> Principal?? {
        if case .admit(let principal) = outcome { return .some(principal) }
        return nil
    }

    func refusal(_ outcome: Authenticator.Outcome) -> Int? {
        if case .refuse(let status, _, _, _) = outcome { return Int(status.code) }
        return nil
    }

    @Test func aTokenIsItsUserUntilDisabledAtTheNextRequest() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        try store.addUser(name: "amy", role: .manager, scope: .only(["S01"]), now: clock.now())
        let token = try store.issueToken(user: "amy", label: nil, now: clock.now())
        let authenticator = Authenticator(store: store, clock: clock, logger: Logger(label: "test"))
        let bearer = head(["authorization": "Bearer \(token)"])
        let amy = try #require(admitted(authenticator.authenticate(bearer, caller: .tcp(address: "192.0.2.1"))) ?? nil)
        #expect(amy.name == "amy" && amy.role == .manager && amy.scope == .only(["S01"]))
        // Cached now; a disable must still be seen at the very next request.
        _ = authenticator.authenticate(bearer, caller: .tcp(address: "192.0.2.1"))
        try store.setDisabled(true, name: "amy", now: clock.now())
        #expect(refusal(authenticator.authenticate(bearer, caller: .tcp(address: "192.0.2.1"))) == 401)
        try store.setDisabled(false, name: "amy", now: clock.now())
        #expect(admitted(authenticator.authenticate(bearer, caller: .tcp(address: "192.0.2.1"))) != nil)
    }

    @Test func noCredentialsIsNoPrincipalAndAWrongSchemeIs401() throws {
        let authenticator = Authenticator(store: nil, clock: clock, logger: Logger(label: "test"))
        let none = admitted(authenticator.authenticate(head(), caller: .tcp(address: "192.0.2.1")))
        #expect(none == .some(nil))
        #expect(
            refusal(
                authenticator.authenticate(head(["authorization": "Basic YTpi"]), caller: .tcp(address: "192.0.2.1")))
                == 401)
    }

    @Test func guessingTokensLocksTheAddressOutEvenForTheRightToken() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        try store.addUser(name: "till", role: .staff, scope: .only(["S01"]), now: clock.now())
        let token = try store.issueToken(user: "till", label: nil, now: clock.now())
        let authenticator = Authenticator(store: store, clock: clock, logger: Logger(label: "test"))
        let address = Authenticator.Caller.tcp(address: "198.51.100.9")
        var statuses: [Int?] = []
        for _ in 0..<6 {
            let guess = head(["authorization": "Bearer \(SecretToken.apiToken())"])
            statuses.append(refusal(authenticator.authenticate(guess, caller: address)))
        }
        #expect(statuses == [401, 401, 401, 401, 429, 429])
        let right = head(["authorization": "Bearer \(token)"])
        #expect(refusal(authenticator.authenticate(right, caller: address)) == 429)
        // Another address is not affected; the locked one is let in again after 30 s.
        #expect(admitted(authenticator.authenticate(right, caller: .tcp(address: "198.51.100.10"))) != nil)
        clock.current = clock.current.adding(seconds: 31)
        #expect(admitted(authenticator.authenticate(right, caller: address)) != nil)
    }

    @Test func theLegacyTokenIsAnOperator() {
        let authenticator = Authenticator(
            store: nil, legacyToken: "shared-secret", clock: clock, logger: Logger(label: "t"))
        let admittedPrincipal = admitted(
            authenticator.authenticate(
                head(["authorization": "Bearer shared-secret"]), caller: .tcp(address: "10.0.0.7")))
        let principal = admittedPrincipal ?? nil
        #expect(principal?.role == .admin)
        #expect(principal?.actor(claimed: "pos-3") == "pos-3 via tcp 10.0.0.7")
        #expect(
            refusal(
                authenticator.authenticate(
                    head(["authorization": "Bearer shared-secreT"]), caller: .tcp(address: "10.0.0.7")))
                == 401)
    }

    @Test func onTheSocketRootIsAnOperatorAMappedUIDItsUserAndOthersRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let authenticator = Authenticator(store: store, clock: clock, logger: Logger(label: "test"))
        let root = admitted(authenticator.authenticate(head(), caller: .unix(UnixPeer(uid: 0, gid: 0)))) ?? nil
        #expect(root?.role == .admin && root?.userID == nil)
        // A uid that is neither root, slad's own, nor in group slad (65534 is `nobody` on Debian).
        let stranger = UnixPeer(uid: 65534, gid: 65534)
        if geteuid() != 65534, !stranger.inOperatorGroup {
            #expect(refusal(authenticator.authenticate(head(), caller: .unix(stranger))) == 403)
        }
        try store.addUser(name: "till9", role: .staff, scope: .only(["S09"]), uid: 65534, now: clock.now())
        let mapped = admitted(authenticator.authenticate(head(), caller: .unix(stranger))) ?? nil
        #expect(mapped?.name == "till9" && mapped?.scope == .only(["S09"]))
        try store.setDisabled(true, name: "till9", now: clock.now())
        #expect(refusal(authenticator.authenticate(head(), caller: .unix(stranger))) == 403)
        #expect(refusal(authenticator.authenticate(head(), caller: .unix(nil))) == 403)
    }

    @Test func aSessionCookieIsItsUserUntilSignedOut() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let amy = try store.addUser(name: "amy", role: .hq, scope: .all, now: clock.now())
        let (cookie, _) = try store.startSession(userID: amy.id, now: clock.now(), ttl: .seconds(600))
        let authenticator = Authenticator(store: store, clock: clock, logger: Logger(label: "test"))
        let request = head(["cookie": "theme=dark; slad_session=\(cookie); other=1"])
        #expect(
            (admitted(authenticator.authenticate(request, caller: .tcp(address: "192.0.2.1"))) ?? nil)?.name == "amy")
        try store.endSession(cookie: cookie, now: clock.now())
        #expect(admitted(authenticator.authenticate(request, caller: .tcp(address: "192.0.2.1"))) == .some(nil))
    }

    @Test func signInChecksThePasswordAndLocksOutGuessers() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let hasher = PasswordHasher(cost: .testing)
        try store.addUser(
            name: "amy", role: .manager, scope: .only(["S01"]), passwordHash: try hasher.hash("right"), now: clock.now()
        )
        let authenticator = Authenticator(store: store, clock: clock, hasher: hasher, logger: Logger(label: "test"))
        guard case .signedIn(let amy) = authenticator.signIn(name: "amy", password: "right", address: "192.0.2.1")
        else {
            Issue.record("the right password signs in")
            return
        }
        #expect(amy.name == "amy")
        var results: [Authenticator.SignInResult] = []
        for _ in 0..<5 { results.append(authenticator.signIn(name: "amy", password: "wrong", address: "192.0.2.1")) }
        #expect(results.prefix(4).allSatisfy { $0 == .failed })
        #expect(results[4] == .throttled(retryAfterSeconds: 30))
        // Locked: even the right password is refused until the lockout ends.
        #expect(authenticator.signIn(name: "amy", password: "right", address: "203.0.113.5") != .failed)
        clock.current = clock.current.adding(seconds: 31)
        #expect(authenticator.signIn(name: "amy", password: "right", address: "203.0.113.5") == .signedIn(amy))
    }
}
