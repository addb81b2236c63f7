import Foundation
import Logging
import SLAAuth
import SLACore
import SLAScheduler
import SLAStore
import Synchronization

@testable import SLAConsole

/// A policy of two kinds with bilingual titles: a clock of seconds (to see a breach written) and
/// one of an hour.
enum ConsoleFixture {
    static let policyText = """
        [[tier]]
        id = "desk"
        title = "Service desk (服务台)"

        [[tier]]
        id = "manager"
        title = "Store manager (店长)"

        [defaults]
        warn-at = 0.5
        warn-tier = "desk"
        escalate-to = "manager"

        [calendar.always]
        zone = "Asia/Shanghai"

        [calendar.always.hours]
        mon = ["00:00-24:00"]
        tue = ["00:00-24:00"]
        wed = ["00:00-24:00"]
        thu = ["00:00-24:00"]
        fri = ["00:00-24:00"]
        sat = ["00:00-24:00"]
        sun = ["00:00-24:00"]

        [kind.fast]
        title = "Soft complaint (软性投诉)"
        events = ["reacted"]

        [kind.slow]
        title = "Repair request"
        events = ["reacted"]

        [clock.quick]
        title = "First reaction (首次响应)"
        kinds = ["fast"]
        starts-on = ["opened"]
        met-by = ["reacted"]
        target = "2s"
        calendar = "always"

        [clock.long]
        title = "Reply within the hour"
        kinds = ["slow"]
        starts-on = ["opened"]
        met-by = ["reacted"]
        target = "1h"
        calendar = "always"
        """

    static let policy: Policy = try! PolicyLoader.load(text: policyText)

    static let hostile = "<script>alert(1)</script>"

    static func directory() -> String {
        let path = NSTemporaryDirectory() + "slad-console-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func service() throws -> SLAService {
        let service = SLAService(
            policy: policy, store: try Store(directory: directory()), logger: Logger(label: "console-test"))
        _ = try service.start()
        return service
    }

    static let amy = Principal(userID: 1, name: "amy", role: .manager, scope: .only(["S01"]))
    static let sam = Principal(userID: 2, name: "sam", role: .staff, scope: .only(["S01"]))
    static let hana = Principal(userID: 3, name: "hana", role: .hq, scope: .all)
}

/// Users and sessions in memory, standing in for SLAAuth until its store lands: one password for
/// all ("secret"), three failures from one address throttle it.
final class MemoryAccounts: ConsoleAccounts {
    private struct State {
        var sessions: [String: ConsoleSession] = [:]
        var failures: [String: Int] = [:]
    }

    let users: [String: Principal]
    private let state = Mutex(State())

    init(_ principals: [Principal]) {
        users = Dictionary(uniqueKeysWithValues: principals.map { ($0.name, $0) })
    }

    func signIn(name: String, password: String, from address: String, now: Instant) throws -> SignInOutcome {
        state.withLock { state in
            if state.failures[address, default: 0] >= 3 { return .throttled(retryAfterSeconds: 60) }
            guard let principal = users[name], password == "secret" else {
                state.failures[address, default: 0] += 1
                return .refused
            }
            return .signedIn(principal)
        }
    }

    func startSession(for principal: Principal, now: Instant) throws -> ConsoleSession {
        let session = ConsoleSession(principal: principal, cookie: Tokens.random(), csrf: Tokens.random())
        state.withLock { $0.sessions[session.cookie] = session }
        return session
    }

    func session(cookie: String, now: Instant) throws -> ConsoleSession? {
        state.withLock { $0.sessions[cookie] }
    }

    func endSession(cookie: String) throws {
        _ = state.withLock { $0.sessions.removeValue(forKey: cookie) }
    }

    var sessionCount: Int { state.withLock { $0.sessions.count } }
}
