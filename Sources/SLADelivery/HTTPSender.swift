import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// POSTs on the process's event loops (NIO's shared group, the API's too): no thread waits for
/// an answer, however many are in flight.
final class HTTPSender: Sendable {
    private let client = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

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

    /// Waits for what is in flight to end, then closes the connections.
    func shutdown() {
        try? client.syncShutdown()
    }
}
