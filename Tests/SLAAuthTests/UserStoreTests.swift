import Foundation
import SLACore
import SLAStore
import Testing

@testable import SLAAuth

/// Users, tokens and sessions in a real SQLite file (a fresh state directory per test).
@Suite struct UserStoreTests {
    let directory = NSTemporaryDirectory() + "slad-users-\(UUID().uuidString)"
    let now = Instant(seconds: 1_800_000_000)
    let hasher = PasswordHasher(cost: .testing)

    func store() throws -> Store {
        try Store(directory: directory)
    }

    /// The database and its write-ahead log, as bytes: what a copy of the files would give away.
    func rawFiles() -> String {
        ["slad.sqlite", "slad.sqlite-wal"].compactMap {
            FileManager.default.contents(atPath: directory + "/" + $0).map {
                String(decoding: $0, as: Unicode.ASCII.self)
            }
        }.joined()
    }

    @Test func aUserSignsInWithTheirPasswordOnly() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let amy = try store.addUser(
            name: "amy", role: .manager, scope: .only(["S01", "S02"]), passwordHash: try hasher.hash("pw-amy"),
            now: now)
        #expect(amy.scope == .only(["S01", "S02"]) && amy.hasPassword)
        let principal = try #require(try store.verifyPassword(name: "amy", password: "pw-amy", hasher: hasher))
        #expect(principal.name == "amy" && principal.role == .manager && principal.userID == amy.id)
        #expect(try store.verifyPassword(name: "amy", password: "pw-bob", hasher: hasher) == nil)
        #expect(try store.verifyPassword(name: "nobody", password: "pw-amy", hasher: hasher) == nil)
        // The hash is kept, never the password.
        #expect(!rawFiles().contains("pw-amy"))
    }

    @Test func namesAreUniqueAndChecked() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try store.addUser(name: "amy", role: .staff, scope: .only(["S01"]), now: now)
        #expect(throws: AccountError.duplicateName("amy")) {
            try store.addUser(name: "amy", role: .hq, scope: .all, now: now)
        }
        #expect(throws: AccountError.badName("Amy Smith")) {
            try store.addUser(name: "Amy Smith", role: .hq, scope: .all, now: now)
        }
        #expect(throws: AccountError.unknownUser("bob")) { try store.setDisabled(true, name: "bob", now: now) }
    }

    @Test func hqIsStoredWithEveryStore() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hq = try store.addUser(name: "hq1", role: .hq, scope: .only(["S01"]), now: now)
        #expect(hq.scope == .all)
        #expect(try store.user(named: "hq1")?.scope == .all)
    }

    @Test func aTokenWorksUntilRevokedOrItsUserDisabled() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try store.addUser(name: "till", role: .staff, scope: .only(["S01"]), now: now)
        let version = store.accessVersion.current
        let (record, token) = try store.issueTokenRecord(user: "till", label: "POS 1", now: now)
        #expect(store.accessVersion.current > version)
        #expect(try store.principal(forToken: token)?.name == "till")
        #expect(try store.principal(forToken: token + "x") == nil)
        #expect(try store.principal(forToken: SecretToken.apiToken()) == nil)
        // Only the digest is kept.
        #expect(try store.tokens(user: "till").map(\.id) == [record.id])
        #expect(!rawFiles().contains(token))
        #expect(rawFiles().contains(SecretToken.digest(token)))

        try store.setDisabled(true, name: "till", now: now)
        #expect(try store.principal(forToken: token) == nil)
        try store.setDisabled(false, name: "till", now: now)
        #expect(try store.principal(forToken: token)?.name == "till")

        let revoked = try store.revokeToken(id: record.id, now: now)
        #expect(revoked.revokedAt == now)
        #expect(try store.principal(forToken: token) == nil)
        #expect(throws: AccountError.unknownToken(999)) { try store.revokeToken(id: 999, now: now) }
    }

    @Test func sessionsExpireEndAndDieWithTheUser() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let amy = try store.addUser(name: "amy", role: .manager, scope: .only(["S01"]), now: now)
        let (cookie, csrf) = try store.startSession(userID: amy.id, now: now, ttl: .seconds(3600))
        #expect(cookie != csrf)
        let live = try #require(try store.session(cookie: cookie, now: now.adding(seconds: 60)))
        #expect(live.0.name == "amy" && live.csrf == csrf)
        #expect(try store.session(cookie: cookie, now: now.adding(seconds: 3600)) == nil)  // expired
        #expect(try store.session(cookie: SecretToken.random(), now: now) == nil)

        try store.endSession(cookie: cookie, now: now)
        #expect(try store.session(cookie: cookie, now: now.adding(seconds: 1)) == nil)  // signed out: dead

        let (second, _) = try store.startSession(userID: amy.id, now: now, ttl: .seconds(3600))
        try store.setPassword(name: "amy", hash: try hasher.hash("new"), now: now)
        #expect(try store.session(cookie: second, now: now) == nil)  // a password change ends sessions

        let (third, _) = try store.startSession(userID: amy.id, now: now, ttl: .seconds(3600))
        try store.setDisabled(true, name: "amy", now: now)
        try store.setDisabled(false, name: "amy", now: now)
        #expect(try store.session(cookie: third, now: now) == nil)  // a disable ended it for good
    }

    @Test func aUIDMapsToOneEnabledUser() throws {
        let store = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try store.addUser(name: "amy", role: .manager, scope: .only(["S01"]), uid: 1000, now: now)
        #expect(try store.principal(forUID: 1000)?.name == "amy")
        #expect(try store.principal(forUID: 1001) == nil)
        #expect(try store.mappedUIDs() == [1000])
        #expect(throws: AccountError.uidTaken(uid: 1000, by: "amy")) {
            try store.addUser(name: "bob", role: .staff, scope: .only(["S01"]), uid: 1000, now: now)
        }
        try store.setDisabled(true, name: "amy", now: now)
        #expect(try store.principal(forUID: 1000) == nil)
        #expect(try store.mappedUIDs() == [1000])  // still mapped: refused, not an operator
        let moved = try store.updateUser(named: "amy", role: .staff, scope: .only(["S02"]), clearUID: true)
        #expect(moved.uid == nil && moved.role == .staff && moved.scope == .only(["S02"]))
        #expect(try store.mappedUIDs().isEmpty)
    }
}
