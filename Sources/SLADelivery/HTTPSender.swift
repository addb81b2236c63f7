import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

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
        // Receivers answer a few bytes of JSON: no `Accept-Encoding` to send, no decompressor in
        // every connection's pipeline for each answer to pass through.
        configuration.decompression = .disabled
        // No tracing: the default is the process's tracer, a no-op one (slad bootstraps none), with
        // a span started and ended for nothing in every request.
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private var client: HTTPClient { Self.client }

    /// A parsed request per URL, copied with each post's headers and body: parsing the URL again
    /// (Foundation's `URL`, then AsyncHTTPClient's own split of it) was about 15k instructions a
    /// post. Webhook routes are few (robot URLs carry a timestamp and are not kept).
    private let parsed = Mutex<[String: HTTPClient.Request]>([:])
    static let parsedLimit = 64

    /// One POST of a batch.
    struct Post: Sendable {
        var url: String
        var headers: [(String, String)]
        var body: Data
        var timeoutMillis: Int64
        /// HTTP status and body, or the error; runs on an event loop: keep it short.
        var done: @Sendable (Result<(status: Int, body: Data), Error>) -> Void
    }

    /// Posts a batch with one hop onto an event loop: AsyncHTTPClient called from another thread
    /// hops (and wakes the loop) for each request.
    func post(_ posts: [Post]) {
        var ready: [(HTTPClient.Request, Post)] = []
        for post in posts {
            do {
                ready.append((try request(post.url, headers: post.headers, body: post.body, reuse: true), post))
            } catch {
                post.done(.failure(error))
            }
        }
        guard !ready.isEmpty else { return }
        HTTPClient.defaultEventLoopGroup.next().execute {
            for (request, post) in ready { self.execute(request, timeoutMillis: post.timeoutMillis, done: post.done) }
        }
    }

    /// HTTP status and body, or the error; `done` runs on an event loop: keep it short.
    func post(
        _ url: String, headers: [(String, String)], body: Data, timeoutMillis: Int64,
        done: @escaping @Sendable (Result<(status: Int, body: Data), Error>) -> Void
    ) {
        let request: HTTPClient.Request
        do {
            request = try self.request(url, headers: headers, body: body, reuse: false)
        } catch {
            done(.failure(error))
            return
        }
        execute(request, timeoutMillis: timeoutMillis, done: done)
    }

    /// `reuse`: the URL is a route's fixed one (webhooks), worth keeping parsed.
    private func request(
        _ url: String, headers: [(String, String)], body: Data, reuse: Bool
    ) throws -> HTTPClient.Request {
        var all = HTTPHeaders(headers)
        if !all.contains(name: "Content-Type") {
            all.add(name: "Content-Type", value: "application/json; charset=utf-8")
        }
        var request: HTTPClient.Request
        if reuse, let known = parsed.withLock({ $0[url] }) {
            request = known
        } else {
            request = try HTTPClient.Request(url: url, method: .POST)
            if reuse { parsed.withLock { if $0.count < Self.parsedLimit { $0[url] = request } } }
        }
        request.headers = all
        request.body = .bytes(body)
        return request
    }

    private func execute(
        _ request: HTTPClient.Request, timeoutMillis: Int64,
        done: @escaping @Sendable (Result<(status: Int, body: Data), Error>) -> Void
    ) {
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
