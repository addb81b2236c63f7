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

    public static func connection(_ policy: HQPolicy) throws -> PostgresConnection.Configuration {
        var tls = PostgresConnection.Configuration.TLS.disable
        if policy.tls == .require {
            var settings = TLSConfiguration.makeClientConfiguration()
            if let caFile = policy.caFile {
                do {
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw Unusable(description: "cannot read HQ's CA certificate from \(caFile): \(error)")
                }
            }
            do {
                tls = .require(try NIOSSLContext(configuration: settings))
            } catch {
                throw Unusable(description: "TLS to HQ cannot be set up: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: policy.host, port: policy.port, username: policy.user,
            password: try policy.passwordFile.map(password(at:)), database: policy.database, tls: tls)
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
