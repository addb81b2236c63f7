import Foundation
import NIOSSL
import PostgresNIO
import SLACore

/// `[hq]` of the policy as postgres-nio's client configuration: the password read from its file
/// and the CA from its file, now, so that a missing or unreadable one is named (never its
/// content: secrets are not logged).
public enum HQConfig {
    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    public static func client(_ policy: HQPolicy) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch policy.tls {
        case .disable:
            tls = .disable
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = policy.caFile {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw Unusable(description: "cannot read HQ's CA certificate from \(caFile): \(error)")
                }
            }
            tls = .require(configuration)
        }
        var configuration = PostgresClient.Configuration(
            host: policy.host, port: policy.port, username: policy.user,
            password: try policy.passwordFile.map(password(at:)), database: policy.database, tls: tls)
        // One store ships in order on one connection at a time.
        configuration.options.maximumConnections = 2
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The first line of the file, without its line break.
    public static func password(at path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw Unusable(description: "cannot read the HQ password file \(path): \(reason)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        guard !password.isEmpty else { throw Unusable(description: "the HQ password file \(path) is empty") }
        return password
    }
}
