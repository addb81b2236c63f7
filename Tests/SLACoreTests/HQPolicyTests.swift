import Foundation
import SLACore
import Testing

/// `[hq]` of the policy (issue 19): off by default, every mistake named with its line and key.
@Suite struct HQPolicyTests {
    /// The test policy with `section` appended; its errors, or the policy.
    static func load(_ section: String) -> Result<Policy, PolicyErrors> {
        let base = try! String(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Tests/shell/fixtures/fast.toml"), encoding: .utf8)
        do {
            return .success(try PolicyLoader.load(text: base + "\n" + section, file: "policy.toml"))
        } catch {
            return .failure(error)
        }
    }

    static func errors(_ section: String) -> [String] {
        guard case .failure(let errors) = load(section) else { return [] }
        return errors.errors.map(\.description)
    }

    @Test func offUnlessConfigured() throws {
        #expect(try Self.load("").get().hq == nil)
        #expect(Fixtures.policy.hq == nil)
    }

    @Test func aFullSectionAndItsDefaults() throws {
        let hq = try #require(
            try Self.load(
                """
                [hq]
                url = "postgres://slad_store_s01@hq.example.com:6432/chain"
                password-file = "/etc/slad/hq-password"
                ca-file = "/etc/slad/hq-ca.pem"
                store-id = "S01"
                """
            ).get().hq)
        #expect(
            hq
                == HQPolicy(
                    user: "slad_store_s01", host: "hq.example.com", port: 6432, database: "chain",
                    passwordFile: "/etc/slad/hq-password", caFile: "/etc/slad/hq-ca.pem", tls: .require, storeID: "S01",
                    batchSize: 500, warnBacklogSeconds: 300))
        #expect(hq.url == "postgres://slad_store_s01@hq.example.com:6432/chain")

        let local = try #require(
            try Self.load(
                """
                [hq]
                url = "postgresql://u@[::1]/db"
                tls = "disable"
                store-id = "store_7-b"
                batch-size = 50
                warn-backlog-seconds = 60
                """
            ).get().hq)
        #expect(local.host == "::1" && local.port == 5432 && local.tls == .disable && local.batchSize == 50)
        #expect(local.warnBacklogSeconds == 60 && local.url == "postgres://u@[::1]:5432/db")
    }

    @Test func everyMistakeIsNamedWithItsLine() {
        let errors = Self.errors(
            """
            [hq]
            url = "postgres://slad:secret@hq.example.com/chain"
            store-id = "S 01"
            tls = "maybe"
            batch-size = 0
            password-file = "hq-password"
            colour = "blue"
            """)
        let base = Self.baseLines
        #expect(
            errors == [
                "policy.toml:\(base + 2): hq.url: the URL holds a password: put it in password-file, never in the policy",
                "policy.toml:\(base + 3): hq.store-id: 'S 01' is not a store id: up to 40 letters, digits, - and _",
                "policy.toml:\(base + 4): hq.tls: expected \"require\" or \"disable\"",
                "policy.toml:\(base + 5): hq.batch-size: expected a whole number from 1 to 10000",
                "policy.toml:\(base + 6): hq.password-file: expected an absolute path, such as /etc/slad/password",
                "policy.toml:\(base + 7): hq.colour: unknown key 'colour' (expected one of: batch-size, ca-file, "
                    + "password-file, store-id, tls, url, warn-backlog-seconds)",
            ])
    }

    @Test func plainTextOnlyToLoopback() {
        #expect(
            Self.errors("[hq]\nurl = \"postgres://u@10.0.0.5/db\"\ntls = \"disable\"\nstore-id = \"S1\"")
                .contains { $0.hasSuffix("allowed only to a loopback address, not '10.0.0.5'") })
        let local = "[hq]\nurl = \"postgres://u@127.0.0.1:5433/db\"\ntls = \"disable\"\nstore-id = \"S1\""
        #expect(Self.errors(local).isEmpty)
        #expect(HQPolicy.isLoopback("localhost") && HQPolicy.isLoopback("127.1.2.3") && !HQPolicy.isLoopback("127.0.0"))
    }

    @Test func urlsThatCannotWork() {
        for (url, message) in [
            ("http://u@h/db", "expected a postgres://USER@HOST:PORT/DATABASE URL"),
            ("postgres://h/db", "the URL names no user: postgres://USER@HOST:PORT/DATABASE"),
            ("postgres://u@h", "the URL names no database: postgres://USER@HOST:PORT/DATABASE"),
            ("postgres://u@h:99999/db", "the port 99999 is not from 1 to 65535"),
            ("postgres://u@h:x/db", "a bad port 'x'"),
            (
                "postgres://u@h/db?sslmode=disable",
                "options in the URL are not read: set tls and ca-file in [hq] instead"
            ),
        ] {
            #expect(HQPolicy.parseURL(url).failureMessage == message, "\(url)")
        }
        let missing = Self.errors("[hq]\nurl = \"postgres://u@h/db\"")
        #expect(missing.count == 1 && missing[0].hasSuffix("hq.store-id: missing"))
    }

    /// Lines of the fixture before the appended section (its text ends with a newline, and one more is added).
    static let baseLines: Int = {
        let base = try! String(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Tests/shell/fixtures/fast.toml"), encoding: .utf8)
        return base.split(separator: "\n", omittingEmptySubsequences: false).count
    }()
}

extension Result where Failure == HQPolicy.URLProblem {
    fileprivate var failureMessage: String? {
        if case .failure(let problem) = self { return problem.message }
        return nil
    }
}
