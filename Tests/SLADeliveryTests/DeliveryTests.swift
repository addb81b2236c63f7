import Foundation
import Logging
import SLACore
import SLADelivery
import SLAStore
import Testing

/// A real HTTP receiver on loopback: answers 503 to the first `failures` requests, then 200, and
/// records what arrived and when.
final class Receiver: @unchecked Sendable {
    struct Request {
        let at: Date
        let headers: [String: String]
        let body: Data
        let status: Int
    }

    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var failuresLeft: Int
    private var received: [Request] = []

    init(failures: Int) throws {
        failuresLeft = failures
        signal(SIGPIPE, SIG_IGN)  // a client that hangs up early must not kill the test process
        (fd, port) = LoopbackListener.listen(backlog: 16)
        Thread.detachNewThread { [self] in serve() }
    }

    var requests: [Request] { lock.withLock { received } }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// A thread per connection: a connection opened and left idle (a pool's spare) must not hold
    /// up the others.
    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in handle(client) }
        }
    }

    private func handle(_ client: Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if let end = data.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                        return Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }.first ?? 0
                if data.count - end.upperBound >= length { break }
            }
        }
        let end = data.range(of: Data("\r\n\r\n".utf8))
        let head = end.map { String(decoding: data[..<$0.lowerBound], as: UTF8.self) } ?? ""
        var headers: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let status: Int = lock.withLock {
            let status = failuresLeft > 0 ? 503 : 200
            failuresLeft -= 1
            received.append(
                Request(
                    at: Date(), headers: headers, body: end.map { Data(data[$0.upperBound...]) } ?? Data(),
                    status: status))
            return status
        }
        let reply = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = reply.withCString { write(client, $0, strlen($0)) }
        Foundation.close(client)
    }
}

/// A store with escalation entries written (one breach per case, C-1 first), and a deliverer on
/// a given policy.
struct DeliveryFixture {
    let directory = NSTemporaryDirectory() + "slad-delivery-" + UUID().uuidString
    let store: Store
    /// C-1's breach.
    let entryID: Int64
    let entryIDs: [Int64]

    init(cases: Int = 1) throws {
        store = try Store(directory: directory)
        let policy = try Self.policy(delivery: "")
        let engine = Engine(policy: policy)
        let start = SystemClock().now().adding(seconds: -10)
        var batch = WriteBatch(writtenAt: start.adding(seconds: 2))
        for number in 1...cases {
            var (record, _) = try engine.open(
                CaseOpening(id: "C-\(number)", kind: "fast", store: "S1", openedAt: start), now: start)
            batch.escalations += engine.advance(&record, to: start.adding(seconds: 2)).compactMap(\.escalation)
                .filter { $0.kind == .breach }
            batch.cases.append(record)
        }
        entryIDs = try store.commit(batch).map(\.id)
        entryID = entryIDs[0]
    }

    static func policy(delivery: String) throws -> Policy {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let base = try String(
            contentsOfFile: root.appendingPathComponent("shell/fixtures/fast.toml").path, encoding: .utf8)
        return try PolicyLoader.load(text: base + "\n" + delivery, file: "test.toml")
    }

    func deliverer(_ delivery: String) throws -> Deliverer {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let deliverer = Deliverer(policy: try Self.policy(delivery: delivery), store: store, logger: logger)
        deliverer.start(every: 0.02)
        return deliverer
    }

    /// Waits (up to `seconds`) until the entry reaches `state`.
    func wait(for state: DeliveryState, seconds: Double = 10) throws -> QueueEntry? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let entry = try store.entries(EntryFilter(caseID: "C-1")).first(where: { $0.id == entryID }),
                entry.state == state
            {
                return entry
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }
}

@Suite(.serialized) struct DeliveryTests {
    @Test func aWebhookIsRetriedWithBackoffUntilItArrivesOnce() throws {
        let receiver = try Receiver(failures: 2)
        defer { receiver.close() }
        let fixture = try DeliveryFixture()
        let deliverer = try fixture.deliverer(
            """
            [delivery]
            backoff = "200ms"
            timeout = "2s"
            [[delivery.route]]
            name = "wecom"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(receiver.port)/hook"
            headers = { Authorization = "Bearer t0ken" }
            """)
        defer { deliverer.stop() }
        #expect(try fixture.wait(for: .delivered) != nil)
        let requests = receiver.requests
        #expect(requests.map(\.status) == [503, 503, 200])
        #expect(requests.allSatisfy { $0.headers["x-slad-entry"] == "\(fixture.entryID)" })
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer t0ken" })
        let body = try JSONSerialization.jsonObject(with: requests[2].body) as? [String: Any]
        #expect((body?["id"] as? NSNumber)?.int64Value == fixture.entryID)
        #expect(body?["tier"] as? String == "supervisor")
        // Backoff doubles with ±20% jitter: ~200 ms, then ~400 ms after each failure is answered
        // (the first call also pays URLSession's start-up, up to a second here).
        let gaps = zip(requests.dropFirst(), requests).map { $0.at.timeIntervalSince($1.at) }
        #expect(gaps[0] >= 0.16 && gaps[0] < 2.5)
        #expect(gaps[1] >= 0.32 && gaps[1] < 1.2)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(receiver.requests.count == 3)  // delivered: never sent again
    }

    @Test func aBurstToOneWebhookArrivesOncePerEntry() throws {
        let receiver = try Receiver(failures: 0)
        defer { receiver.close() }
        let fixture = try DeliveryFixture(cases: 120)
        #expect(fixture.entryIDs.count == 120)
        let deliverer = try fixture.deliverer(
            """
            [delivery]
            timeout = "20s"
            [[delivery.route]]
            name = "receiver"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(receiver.port)/hook"
            """)
        defer { deliverer.stop() }
        let deadline = Date().addingTimeInterval(40)
        while try fixture.store.entries(EntryFilter(state: .delivered, limit: 500)).count < 120, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let delivered = try fixture.store.entries(EntryFilter(state: .delivered, limit: 500)).map(\.id)
        #expect(Set(delivered) == Set(fixture.entryIDs))
        Thread.sleep(forTimeInterval: 0.3)
        let arrived = receiver.requests.compactMap { $0.headers["x-slad-entry"].flatMap { Int64($0) } }
        #expect(arrived.count == 120)  // each once: an entry in flight is not picked up again
        #expect(Set(arrived) == Set(fixture.entryIDs))
    }

    @Test func aReceiverThatHangsHoldsUpOnlyItsOwnRoute() throws {
        // More entries than a route may have in flight: the hung route fills its room, and the
        // other still gets every entry long before the hung one's attempts time out.
        let hung = try HungReceiver()
        defer { hung.close() }
        let receiver = try Receiver(failures: 0)
        defer { receiver.close() }
        let fixture = try DeliveryFixture(cases: 600)
        let deliverer = try fixture.deliverer(
            """
            [delivery]
            timeout = "8s"
            [[delivery.route]]
            name = "stuck"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(hung.port)/hook"
            [[delivery.route]]
            name = "receiver"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(receiver.port)/hook"
            """)
        let started = Date()
        let deadline = started.addingTimeInterval(6)
        func arrived() -> Set<Int64> {
            Set(receiver.requests.compactMap { $0.headers["x-slad-entry"].flatMap { Int64($0) } })
        }
        while arrived().count < 600, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(arrived() == Set(fixture.entryIDs))
        #expect(Date().timeIntervalSince(started) < 6)
        #expect(hung.connectionCount > 0)  // the stuck route was tried, and is still waiting
        hung.close()  // its attempts fail now, rather than at their timeout
        deliverer.stop()
    }

    @Test func dueDeliveriesLeaveOutThoseInFlight() throws {
        let fixture = try DeliveryFixture()
        let now = SystemClock().now()
        try fixture.store.route(entry: fixture.entryID, to: ["a", "b"], at: now)
        func due(_ busy: [(entry: Int64, route: String)]) throws -> [String] {
            try fixture.store.dueDeliveries(at: now.adding(seconds: 1), limit: 10, excluding: busy).map(\.route)
                .sorted()
        }
        #expect(try due([]) == ["a", "b"])
        #expect(try due([(fixture.entryID, "a")]) == ["b"])
        #expect(try due([(fixture.entryID + 1, "a"), (fixture.entryID, "c")]) == ["a", "b"])
        #expect(try due([(fixture.entryID, "a"), (fixture.entryID, "b")]).isEmpty)
    }

    @Test func firstAttemptsAreReadAfterTheLastStartedAndRetriesApart() throws {
        let fixture = try DeliveryFixture()
        let now = SystemClock().now()
        let id = fixture.entryID
        try fixture.store.route(entry: id, to: ["a", "b"], at: now)
        // Nothing known yet: from the oldest pending; short, so it says through which id it saw.
        let first = try fixture.store.freshDeliveries(route: "a", after: nil, limit: 10)
        #expect(first.due.map(\.route) == ["a"] && first.due.map(\.entry.id) == [id])
        #expect(first.through == id)
        // Started through it: nothing after it, on either side of the other route's row.
        #expect(try fixture.store.freshDeliveries(route: "a", after: id, limit: 10).due.isEmpty)
        #expect(try fixture.store.freshDeliveries(route: "b", after: id - 1, limit: 10).due.map(\.route) == ["b"])
        // A full read does not say through which id (more may follow).
        #expect(try fixture.store.freshDeliveries(route: "b", after: nil, limit: 1).through == nil)
        // A failed first attempt is a retry: not read as a first attempt again, read as a retry when due.
        try fixture.store.recordAttempt(
            entry: id, route: "a", error: "HTTP 500", retryAt: now.adding(seconds: 5), at: now)
        #expect(try fixture.store.freshDeliveries(route: "a", after: nil, limit: 10).due.isEmpty)
        #expect(try fixture.store.dueDeliveries(at: now, limit: 10, routes: ["a"], retriesOnly: true).isEmpty)
        let retry = try fixture.store.dueDeliveries(
            at: now.adding(seconds: 6), limit: 10, routes: ["a"], retriesOnly: true)
        #expect(retry.map(\.attempts) == [1])
        // The other route's first attempt is no retry.
        #expect(
            try fixture.store.dueDeliveries(at: now.adding(seconds: 6), limit: 10, routes: ["b"], retriesOnly: true)
                .isEmpty)
    }

    @Test func aReceiverDownForGoodEndsFailedAndVisible() throws {
        let receiver = try Receiver(failures: 0)
        receiver.close()  // nothing listens on that port any more
        let fixture = try DeliveryFixture()
        let deliverer = try fixture.deliverer(
            """
            [delivery]
            max-attempts = 3
            backoff = "50ms"
            timeout = "1s"
            [[delivery.route]]
            name = "sms"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(receiver.port)/down"
            """)
        defer { deliverer.stop() }
        #expect(try fixture.wait(for: .failed) != nil)
        #expect(try fixture.store.entries(EntryFilter(state: .failed)).map(\.id) == [fixture.entryID])
        #expect(try fixture.store.deliveryErrors(entry: fixture.entryID)["sms"]?.isEmpty == false)
    }

    @Test func execHooksSucceedFailAndTimeOut() throws {
        let directory = NSTemporaryDirectory() + "slad-hooks-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func script(_ name: String, _ body: String) throws -> String {
            let path = directory + "/" + name
            try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
            return path
        }
        let good = try script(
            "good",
            "cat > \(directory)/stdin.json; echo \"$SLA_CASE $SLA_TIER $SLA_CLOCK $SLA_ENTRY\" > \(directory)/env\n")
        let bad = try script("bad", "echo 'gateway refused' >&2; exit 3\n")
        let slow = try script("slow", "sleep 10\n")

        for (hook, expected) in [(good, DeliveryState.delivered), (bad, .failed), (slow, .failed)] {
            let fixture = try DeliveryFixture()
            let deliverer = try fixture.deliverer(
                """
                [delivery]
                max-attempts = 2
                backoff = "50ms"
                timeout = "300ms"
                [[delivery.route]]
                name = "hook"
                tiers = ["supervisor"]
                exec = ["\(hook)"]
                """)
            #expect(try fixture.wait(for: expected) != nil, "\(hook) should end \(expected)")
            deliverer.stop()
            let errors = try fixture.store.deliveryErrors(entry: fixture.entryID)
            if hook == bad { #expect(errors["hook"]?.contains("exited with 3: gateway refused") == true) }
            if hook == slow { #expect(errors["hook"]?.contains("did not finish") == true) }
            if hook == good {
                let env = try String(contentsOfFile: directory + "/env", encoding: .utf8)
                #expect(env == "C-1 supervisor quick \(fixture.entryID)\n")
                let stdin = try Data(contentsOf: URL(fileURLWithPath: directory + "/stdin.json"))
                let object = try JSONSerialization.jsonObject(with: stdin) as? [String: Any]
                #expect(object?["case_id"] as? String == "C-1")
            }
        }
    }

    @Test func pendingDeliveriesSurviveARestart() throws {
        let receiver = try Receiver(failures: 1)
        defer { receiver.close() }
        let fixture = try DeliveryFixture()
        let delivery = """
            [delivery]
            backoff = "300ms"
            [[delivery.route]]
            name = "bot"
            tiers = ["supervisor"]
            webhook = "http://127.0.0.1:\(receiver.port)/hook"
            """
        let first = try fixture.deliverer(delivery)
        let deadline = Date().addingTimeInterval(5)
        while receiver.requests.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        first.stop()  // "crash" after one failed attempt
        #expect(receiver.requests.map(\.status) == [503])
        #expect(try fixture.store.entries(EntryFilter(state: .pending)).count == 1)

        let reopened = try Store(directory: fixture.directory)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let second = Deliverer(policy: try DeliveryFixture.policy(delivery: delivery), store: reopened, logger: logger)
        second.start(every: 0.02)
        defer { second.stop() }
        #expect(try fixture.wait(for: .delivered) != nil)
        #expect(receiver.requests.map(\.status) == [503, 200])
    }

    @Test func thePolicyRefusesBrokenDeliveryAndShortRetention() throws {
        #expect(throws: PolicyErrors.self) {
            try DeliveryFixture.policy(delivery: "[[delivery.route]]\ntiers = [\"nobody\"]\nexec = [\"relative\"]\n")
        }
        do {
            _ = try DeliveryFixture.policy(delivery: "[retention]\ndays = 365\n")
            Issue.record("a retention under two years must be refused")
        } catch let error as PolicyErrors {
            #expect(error.description.contains("retention.days: records are kept at least 730 days"))
        }
        #expect(try DeliveryFixture.policy(delivery: "[retention]\ndays = 730\n").retention.days == 730)
    }
}
