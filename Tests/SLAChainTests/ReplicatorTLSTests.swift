import Foundation
import Logging
import PostgresNIO
import SLAChain
import SLACore
import SLAProcess
import SLAStore
import Testing

/// `tls = "require"` (the default) with `ca-file`: against a PostgreSQL of its own that serves a
/// certificate for localhost signed by a test CA, the store ships; with another CA it refuses to
/// talk, and says why.
@Suite(.serialized) struct ReplicatorTLSTests {
    /// A CA, and a server certificate for localhost and 127.0.0.1 signed by it, made by openssl.
    struct Certificates {
        let directory: String
        var ca: String { directory + "/ca.pem" }
        var cert: String { directory + "/server.pem" }
        var key: String { directory + "/server.key" }

        static func make() throws -> Certificates {
            let directory = NSTemporaryDirectory() + "slad-tls-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o755)  // the server (the postgres user) reads its certificate here
            let certificates = Certificates(directory: directory)
            try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
                toFile: directory + "/san.cnf", atomically: true, encoding: .utf8)
            try certificates.openssl(
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=slad test HQ CA")
            try certificates.openssl(
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=localhost")
            try certificates.openssl(
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "server.pem", "-days", "2", "-extfile", "san.cnf")
            chmod(certificates.key, 0o600)
            if getuid() == 0, let user = getpwnam("postgres") {
                chown(certificates.key, user.pointee.pw_uid, user.pointee.pw_gid)
            }
            return certificates
        }

        func openssl(_ arguments: String...) throws {
            let child = try ChildProcess.spawn(
                "/bin/sh", arguments: ["sh", "-c", "cd \"$0\" && exec openssl \"$@\"", directory] + arguments,
                environment: ProcessInfo.processInfo.environment, captureErrorOutput: false, ownProcessGroup: false)
            child.writeInputAndClose([])
            let ended = child.wait()
            guard ended == .exited(0) else {
                throw PostgresCluster.Failure(description: "openssl \(arguments.joined(separator: " ")): \(ended)")
            }
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "replicator-tls-test")
        logger.logLevel = .critical
        return logger
    }()

    @Test func shipsOverTLSCheckedAgainstTheCAAndRefusesAnother() async throws {
        let certificates = try Certificates.make()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let cluster = try PostgresCluster(settings: [
            "ssl": "on", "ssl_cert_file": certificates.cert, "ssl_key_file": certificates.key,
        ])
        defer { cluster.stop() }
        try await cluster.createDatabase("hq")
        let admin = try await cluster.connect(database: "hq")
        try await HQMigrator.migrate(on: admin)
        _ = try await HQRoles.addStore("TLS1", password: "tls-store-password", on: admin)
        try await admin.close()

        let directory = certificates.directory + "/store"
        let store = try Store(directory: directory)
        try store.enableOutbox(storeID: "TLS1", at: Instant(millis: 1_790_000_000_000))
        let start = Instant(millis: 1_790_000_000_000)
        var batch = WriteBatch(writtenAt: start)
        batch.cases = [
            try Engine(policy: ReplicatorTests.policy).open(
                CaseOpening(id: "C-1", kind: "slow", store: "S1", openedAt: start), now: start
            ).0
        ]
        try store.commit(batch)
        let passwordFile = directory + "/hq-password"
        try "tls-store-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)

        func replicator(caFile: String) -> Replicator {
            let policy = HQPolicy(
                user: HQRoles.roleName(forStore: "TLS1"), host: "localhost", port: cluster.port, database: "hq",
                passwordFile: passwordFile, caFile: caFile, tls: .require, storeID: "TLS1")
            var settings = Replicator.Settings(policy)
            settings.backoff = ReplicatorBackoff(first: .milliseconds(20), cap: .milliseconds(200))
            return Replicator(store: store, settings: settings, logger: Self.logger) {
                try PostgresReplicationTarget(policy: policy, logger: Self.logger)
            }
        }

        // A CA that did not sign the server's certificate: no connection, and the error says TLS.
        let other = try Certificates.make()
        defer { try? FileManager.default.removeItem(atPath: other.directory) }
        let refused = replicator(caFile: other.ca)
        let refusing = Task { try await refused.run() }
        #expect(try await ReplicatorTests.eventually { refused.status.read().state == .failing })
        refusing.cancel()
        let error = refused.status.read().lastError ?? ""
        #expect(error.localizedCaseInsensitiveContains("certificate") || error.contains("SSL"), "\(error)")
        #expect(refused.status.read().shippedSeq == nil)

        let shipping = replicator(caFile: certificates.ca)
        let running = Task { try await shipping.run() }
        defer { running.cancel() }
        #expect(try await ReplicatorTests.eventually { shipping.status.read().shippedSeq == 1 })
        // The connection was TLS: the server says so of the store's login.
        let check = try await cluster.connect(database: "hq")
        let rows = try await check.query(
            "SELECT count(*)::int FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND usename = 'slad_store_tls1'",
            logger: Self.logger)
        var encrypted = 0
        for try await count in rows.decode(Int.self) { encrypted = count }
        try await check.close()
        #expect(encrypted >= 1)
    }
}
