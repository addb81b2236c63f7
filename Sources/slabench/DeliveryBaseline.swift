import Foundation

/// The receiver alone: `count` POSTs the size of slad's from a plain client (a blocking thread
/// per keep-alive connection, the request built once), over `connections` connections, as fast
/// as it answers. What the receiver (and loopback) can take is the ceiling of the delivery rows:
/// if slad came close to it, the burst would measure slabench, not slad.
struct ReceiverBaseline {
    var requests: Int
    var connections: Int
    var seconds: Double
    var perSecond: Double { Double(requests) / seconds }

    static func run(count: Int, connections: Int) throws -> ReceiverBaseline {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let next = Counter()
        let failures = Counter()
        let group = DispatchGroup()
        let start = Time.wallMillis()
        for _ in 0..<connections {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                guard let connection = try? LoopbackConnection(port: receiver.port) else {
                    failures.add()
                    return
                }
                defer { connection.disconnect() }
                while true {
                    let id = next.add()
                    guard id <= count else { return }
                    guard connection.post(entry: Int64(id)) else {
                        failures.add()
                        return
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let seconds = (Time.wallMillis() - start) / 1000
        guard failures.value == 0, receiver.count == count else {
            throw BenchError(
                "receiver baseline: \(receiver.count) of \(count) requests arrived (\(failures.value) connections failed)"
            )
        }
        return ReceiverBaseline(requests: count, connections: connections, seconds: seconds)
    }
}

/// One keep-alive TCP connection to the receiver, sending what slad sends: a JSON entry of the
/// usual size with its `X-Slad-Entry`.
private final class LoopbackConnection {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 4096)

    /// A breach as slad writes it (the same fields and about the same length).
    private static let body = Array(
        """
        {"case_id":"bench-000123","case_kind":"complaint","clock":"first-response","cycle":0,\
        "deadline":"2026-12-02T01:00:00.000Z","due_at":"2026-12-02T01:00:00.000Z","id":123,\
        "kind":"breach","late_ms":0,"store":"S01","tier":"supervisor","written_at":"2026-12-02T01:00:00.002Z"}
        """.utf8)
    private static let answerLength = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8.count

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw BenchError("connect to the receiver: \(message)")
        }
    }

    func disconnect() { close(fd) }

    /// Sends one POST and reads the receiver's fixed answer; false when the connection broke.
    func post(entry: Int64) -> Bool {
        let head = Array(
            ("POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "X-Slad-Entry: \(entry)\r\nContent-Length: \(Self.body.count)\r\n\r\n").utf8)
        let request = head + Self.body
        let sent = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard sent == request.count else { return false }
        var got = 0
        while got < Self.answerLength {
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            got += count
        }
        return true
    }
}

/// A counter shared by threads.
private final class Counter: @unchecked Sendable {  // `count` is behind `lock`
    private let lock = NSLock()
    private var count = 0

    @discardableResult
    func add() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }

    var value: Int { lock.withLock { count } }
}
