import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs on the process's event loops: one client for the process, on NIO's singleton group (the
/// API's too). No thread waits for an answer, however many are in flight; the client lives as long
/// as the process (nothing to shut down, nothing to leak if a deliverer goes).
final class HTTPSender: Sendable {
    /// Connections kept to one receiver. AsyncHTTPClient's default (and its shared client's) is 8:
    /// a burst of entries for one webhook then queues behind 8 round trips at a time.
    static let connectionsPerHost = 32

    /// AsyncHTTPClient's shared client's settings but the pool; a global, so never deinitialised
    /// (and so never owed a shutdown).
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool = .init(
            idleTimeout: .seconds(600), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private var client: HTTPClient { Self.client }

    /// HTTP status and body, or the error; `done` runs on an event loop: keep it short.
    func post(
        _ url: String, headers: [(String, String)], body: Data, timeoutMillis: Int64,
        done: @escaping @Sendable (Result<(status: Int, body: Data), Error>) -> Void
    ) {
        let request: HTTPClient.Request
        do {
            var all = HTTPHeaders(headers)
            if !all.contains(name: "Content-Type") {
                all.add(name: "Content-Type", value: "application/json; charset=utf-8")
            }
            request = try HTTPClient.Request(url: url, method: .POST, headers: all, body: .bytes(body))
        } catch {
            done(.failure(error))
            return
        }
        client.execute(request: request, deadline: .now() + .milliseconds(timeoutMillis)).whenComplete { result in
            done(
                result.map { response in
                    (
                        status: Int(response.status.code),
                        body: response.body.map { Data($0.readableBytesView) } ?? Data()
                    )
                })
        }
    }
}
