import Dispatch
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SLAAuth
import SLACore
import SLAScheduler
import SLAStore
import Testing

@testable import SLAServer

/// Reports and exports read whole periods, on threads of their own: while one is held up, health,
/// case reads and writes are answered as usual, and no event loop waits for it.
@Suite struct SlowReportTests {
    /// Waits for one route's answer, from whatever thread gives it.
    final class Answer: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private(set) var response: APIResponse?

        func give(_ response: APIResponse) {
            self.response = response
            done.signal()
        }

        func wait(seconds: Double) -> APIResponse? {
            done.wait(timeout: .now() + seconds) == .success ? response : nil
        }
    }

    @Test func healthReadsAndWritesAreAnsweredWhileAReportIsHeldUp() throws {
        let directory = NSTemporaryDirectory() + "slad-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let policyPath = root.appendingPathComponent("shell/fixtures/fast.toml").path
        let policy = try PolicyLoader.load(text: String(contentsOfFile: policyPath, encoding: .utf8))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let service = SLAService(policy: policy, store: try Store(directory: directory), logger: logger)
        _ = try service.start()
        defer { service.stop() }
        let readers = Routes.started(NIOThreadPool(numberOfThreads: 2))
        let reporters = Routes.started(NIOThreadPool(numberOfThreads: 1))
        defer {
            try? readers.syncShutdownGracefully()
            try? reporters.syncShutdownGracefully()
        }
        let router = Routes(service: service, version: "test", readers: readers, reporters: reporters).router()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()

        func send(_ method: HTTPMethod, _ uri: String, body: String = "") -> Answer {
            let answer = Answer()
            let request = APIRequest(
                head: HTTPRequestHead(version: .http1_1, method: method, uri: uri), body: ByteBuffer(string: body),
                peer: nil, principal: .operator("test"))
            loop.execute { router.respond(to: request, Responder(eventLoop: loop) { answer.give($0) }) }
            return answer
        }

        // The report thread is busy (a report that takes its time): the report asked for now waits.
        let release = DispatchSemaphore(value: 0)
        let busy = reporters.runIfActive(eventLoop: loop) { release.wait() }
        let report = send(.GET, "/v1/reports?month=2026-11")

        let health = send(.GET, "/v1/health").wait(seconds: 5)
        #expect(health?.status == .ok)
        let opened = send(.POST, "/v1/cases", body: #"{"kind":"slow","store":"S1"}"#).wait(seconds: 5)
        #expect(opened?.status == .created)
        let shown = send(.GET, "/v1/cases/C-1").wait(seconds: 5)
        #expect(shown?.status == .ok)
        // The event loop itself is free: the answers above came through it.
        #expect(report.wait(seconds: 0.2) == nil)

        release.signal()
        try busy.wait()
        #expect(report.wait(seconds: 10)?.status == .ok)
    }
}
