import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// slactl to a remote slad (`--url https://HOST:PORT`): AsyncHTTPClient (already in slactl for
/// route tests and delivery), over TLS 1.2+ checked against the system's CAs or `--cacert`, with
/// the bearer token of `--token-file`. One request per call, waited for (slactl is synchronous).
struct RemoteHTTPClient {
    let base: URL
    let token: String?
    let caCertificate: String?
    var timeoutSeconds: Int64 = 75

    func send(_ method: String, _ path: String, json body: Data? = nil) throws -> UnixHTTPClient.Reply {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caCertificate {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificate))
            } catch {
                throw UnixHTTPClient.Unreachable(
                    description: "--cacert \(caCertificate): not a PEM certificate: \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(timeoutSeconds))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { try? client.syncShutdown() }
        let url = base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        var request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: method))
        } catch {
            throw UnixHTTPClient.Unreachable(description: "bad URL \(url): \(error)")
        }
        request.headers.add(name: "user-agent", value: "slactl")
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(body)
        }
        do {
            let response = try client.execute(request: request).wait()
            let bytes = response.body.map { Data($0.readableBytesView) } ?? Data()
            return UnixHTTPClient.Reply(status: Int(response.status.code), body: bytes)
        } catch {
            throw UnixHTTPClient.Unreachable(description: "slad is not reachable at \(base.absoluteString): \(error)")
        }
    }
}
