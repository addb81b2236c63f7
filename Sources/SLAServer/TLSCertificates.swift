import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOSSL
import SLAMessageIDs

/// The TCP listener's certificate and key (PEM files), as a TLS 1.2+ server context. `reload()`
/// (on SIGHUP) reads the files again: new connections get the new certificate, and a file that
/// does not load leaves the old one in force.
public final class TLSCertificates: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let context: NIOLockedValueBox<NIOSSLContext>
    /// When the certificate in force expires (seconds since 1970), for the log and the health line.
    private let expiry: NIOLockedValueBox<Int>

    /// Why a certificate or key could not be used, naming the file.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(certificate: String, key: String) throws {
        certificatePath = certificate
        keyPath = key
        let (loaded, notAfter) = try Self.load(certificate: certificate, key: key)
        context = NIOLockedValueBox(loaded)
        expiry = NIOLockedValueBox(notAfter)
    }

    /// The context new connections get.
    var current: NIOSSLContext { context.withLockedValue { $0 } }

    /// The certificate's end of validity, seconds since 1970.
    public var notValidAfter: Int { expiry.withLockedValue { $0 } }

    /// Reads the files again; throws (and keeps the certificate in force) when they do not load.
    public func reload() throws {
        let (loaded, notAfter) = try Self.load(certificate: certificatePath, key: keyPath)
        context.withLockedValue { $0 = loaded }
        expiry.withLockedValue { $0 = notAfter }
    }

    /// `reload()`, logged: what is served now, or why the old certificate stays.
    public func reload(logger: Logger) {
        do {
            try reload()
            logger.notice(
                "TLS certificate reloaded from \(certificatePath) (valid until \(Self.date(notValidAfter)))",
                metadata: ["message_id": "\(MessageID.tlsCertificate)"])
        } catch {
            logger.error(
                "TLS certificate not reloaded, the old one stays in force: \(error)",
                metadata: ["message_id": "\(MessageID.tlsCertificate)"])
        }
    }

    /// `2026-12-01T00:00:00Z`, for log lines.
    public static func date(_ seconds: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func load(certificate: String, key: String) throws -> (NIOSSLContext, Int) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw LoadError(description: "\(certificate): not a readable PEM certificate (\(error))")
        }
        guard let leaf = chain.first else {
            throw LoadError(description: "\(certificate): no certificate in the file")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw LoadError(description: "\(key): not a readable PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return (try NIOSSLContext(configuration: configuration), Int(leaf.notValidAfter))
        } catch {
            throw LoadError(
                description: "\(certificate) and \(key): cannot serve TLS with them (does the key match?): \(error)")
        }
    }
}
