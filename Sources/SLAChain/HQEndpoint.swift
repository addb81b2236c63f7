import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where HQ's PostgreSQL is and how to log in: `postgres://USER@HOST:PORT/DB`, a password file
/// (never the password on a command line, where `ps` shows it), and HQ's CA for TLS.
///
/// The URL may say `?sslmode=require` (TLS, checked against the system's roots) or `disable`;
/// `caFile` implies TLS checked against that CA alone. `?host=/run/postgresql` reaches a server on
/// its Unix socket directory instead of TCP.
public struct HQEndpoint: Sendable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var socketDirectory: String?
    public var password: String?
    public var caFile: String?
    public var requireTLS: Bool

    /// - Parameters:
    ///   - url: `postgres://USER@HOST[:PORT]/DB` (`postgresql://` too).
    ///   - passwordFile: a file whose first line is the password.
    ///   - caFile: PEM certificates of the CA that signed HQ's server certificate.
    public init(url: String, passwordFile: String? = nil, caFile: String? = nil) throws(HQError) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw HQError("bad HQ URL '\(url)': write postgres://USER@HOST:PORT/DATABASE")
        }
        guard let user = parts.user, !user.isEmpty else {
            throw HQError("bad HQ URL '\(url)': it names no user (postgres://USER@HOST:PORT/DATABASE)")
        }
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        let socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let host = parts.host ?? ""
        guard !host.isEmpty || socketDirectory != nil else {
            throw HQError("bad HQ URL '\(url)': it names no host (postgres://USER@HOST:PORT/DATABASE)")
        }
        let database = String(parts.path.drop { $0 == "/" })
        self.user = user
        self.host = host
        self.port = parts.port ?? 5432
        self.database = database.isEmpty ? user : database
        self.socketDirectory = socketDirectory
        self.caFile = caFile
        switch query["sslmode"] {
        case nil, "disable", "allow", "prefer": requireTLS = caFile != nil
        case "require", "verify-ca", "verify-full": requireTLS = true
        case let other?:
            throw HQError("bad HQ URL '\(url)': sslmode '\(other)' (use disable, require or verify-full)")
        }
        if let passwordFile {
            password = try Self.readPassword(passwordFile)
        } else {
            password = parts.password
        }
    }

    /// The URL without any password, for messages.
    public var description: String {
        let place = socketDirectory.map { "[\($0)]" } ?? "\(host):\(port)"
        return "postgres://\(user)@\(place)/\(database)"
    }

    public func configuration() throws(HQError) -> PostgresConnection.Configuration {
        if let socketDirectory {
            return PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        }
        var tls = PostgresConnection.Configuration.TLS.disable
        if requireTLS {
            var settings = TLSConfiguration.makeClientConfiguration()
            if let caFile {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw HQError("cannot read HQ's CA file \(caFile)")
                }
                settings.trustRoots = .file(caFile)
            }
            do {
                tls = .require(try NIOSSLContext(configuration: settings))
            } catch {
                throw HQError("HQ's CA file \(caFile ?? "(system roots)"): \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// One connection, logged in. Errors say what to fix.
    public func connect(logger: Logger = HQLog.quiet) async throws -> PostgresConnection {
        let configuration = try configuration()
        do {
            return try await PostgresConnection.connect(
                configuration: configuration, id: HQLog.nextConnectionID(), logger: logger)
        } catch {
            throw HQError("cannot reach HQ at \(self): \(HQError.describe(error))")
        }
    }

    static func readPassword(_ path: String) throws(HQError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HQError("cannot read the password file \(path)")
        }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
        guard let line, !line.isEmpty else { throw HQError("the password file \(path) is empty") }
        return line
    }
}
