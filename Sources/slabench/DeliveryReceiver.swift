import Foundation

/// A manager's webhook receiver on loopback: an HTTP/1.1 server on raw sockets, a thread per
/// connection (slad keeps a few open), that answers every POST `200` at once and stamps when each
/// request had fully arrived, by the entry id slad sends in `X-Slad-Entry`. Light enough that
/// what is measured is slad, not the receiver.
final class WebhookReceiver: @unchecked Sendable {
    private(set) var port: UInt16 = 0
    private let listenFD: Int32
    private let lock = NSLock()
    /// Entry id -> wall-clock ms of its first arrival (a retry keeps the first).
    private var arrivals: [Int64: Double] = [:]
    private var requestCount = 0
    private var connectionCount = 0
    private let stopping = Flag()
    private let acceptorDone = DispatchSemaphore(value: 0)

    init() throws {
        listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listenFD >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listenFD, pointer, length) == 0 && listen(listenFD, 1024) == 0
                    && getsockname(listenFD, pointer, &length) == 0
            }
        }
        guard bound else {
            close(listenFD)
            throw BenchError("receiver: cannot listen on loopback: \(String(cString: strerror(errno)))")
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var count: Int { lock.withLock { arrivals.count } }

    /// Requests answered (retries included) and connections slad opened.
    var traffic: (requests: Int, connections: Int) { lock.withLock { (requestCount, connectionCount) } }

    func arrivalTimes() -> [Int64: Double] { lock.withLock { arrivals } }

    /// Stops accepting; the connections end when slad closes them.
    func stop() {
        stopping.set()
        acceptorDone.wait()
        close(listenFD)
    }

    private func acceptLoop() {
        while !stopping.isSet {
            var poller = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(listenFD, nil, nil)
            guard connection >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            lock.withLock { connectionCount += 1 }
            let thread = Thread { [self] in serve(connection) }
            thread.stackSize = 1 << 20
            thread.start()
        }
        acceptorDone.signal()
    }

    private static let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)

    /// Reads requests off one keep-alive connection until slad closes it.
    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            while let headEnd = Self.headerEnd(pending) {
                var bodyLength = 0
                var entry: Int64?
                let head = String(decoding: pending[0..<headEnd], as: UTF8.self)
                for line in head.split(whereSeparator: \.isNewline) {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = line[..<colon].lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if name == "content-length" { bodyLength = Int(value) ?? 0 }
                    if name == "x-slad-entry" { entry = Int64(value) }
                }
                let total = headEnd + 4 + bodyLength
                guard pending.count >= total else { break }
                let arrived = Time.wallMillis()
                pending.removeFirst(total)
                lock.withLock {
                    requestCount += 1
                    if let entry, arrivals[entry] == nil { arrivals[entry] = arrived }
                }
                let written = Self.answer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written == Self.answer.count else { return }
            }
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return }
            pending += buffer[0..<count]
        }
    }

    /// Where the blank line that ends the head starts, if it has arrived.
    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}

/// Samples a process's thread count (`Threads:` of /proc/PID/status) every 20 ms until stopped.
final class ThreadSampler: @unchecked Sendable {
    private let pid: pid_t
    private let lock = NSLock()
    private var most = 0
    private let stopping = Flag()
    private let done = DispatchSemaphore(value: 0)

    init(pid: pid_t) {
        self.pid = pid
    }

    static func threads(of pid: pid_t) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    func start() {
        Thread { [self] in
            while !stopping.isSet {
                let now = Self.threads(of: pid)
                lock.withLock { most = max(most, now) }
                usleep(20_000)
            }
            done.signal()
        }.start()
    }

    /// Stops sampling; the most threads seen.
    func stop() -> Int {
        stopping.set()
        done.wait()
        return lock.withLock { most }
    }
}
