import Foundation
import SLAAPI
import SLACore

/// Runs `body(worker)` on `count` threads and returns when all are done.
func onThreads(_ count: Int, _ body: @escaping (Int) -> Void) {
    let group = DispatchGroup()
    for worker in 0..<count {
        group.enter()
        let thread = Thread {
            body(worker)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// What a load of `POST /v1/cases/ID/events` did.
struct LoadResult {
    var answered = 0
    var errors = 0
    var firstError: String?
    var seconds = 0.0
    /// Request round trips, seconds.
    var latencies: [Double] = []
    var rate: Double { seconds > 0 ? Double(answered) / seconds : 0 }
}

/// `clients` connections, each recording events round-robin over `caseIDs` as fast as answers come
/// (rate nil), or paced so that together they ask for `rate` events a second. With `probe`, they
/// send `GET probe` instead: the same round trips without a body to decode or a commit.
enum EventLoad {
    static func run(
        socket: String, caseIDs: [String], clients: Int, seconds: Double, rate: Double? = nil, actor: String = "bench",
        probe: String? = nil
    ) -> LoadResult {
        var results = [LoadResult](repeating: LoadResult(), count: clients)
        let lock = NSLock()
        let start = Time.monotonic() + 0.2  // every client connected before the clock starts
        let stop = start + seconds
        onThreads(clients) { worker in
            var result = LoadResult()
            result.latencies.reserveCapacity(rate.map { Int($0 * seconds) / clients + 16 } ?? 100_000)
            let connection = HTTPConnection(socketPath: socket)
            // Strings only: encoding cannot fail.
            let body = Array(try! APIJSON.encode(RecordEventRequest(kind: "noted", actor: "\(actor)\(worker)")))
            // Every request this client sends, made once: the clients share the cores with slad.
            let requests =
                probe.map { [HTTPConnection.request("GET", $0)] }
                ?? caseIDs.map { HTTPConnection.request("POST", "/v1/cases/\($0)/events", body: body) }
            let interval = rate.map { Double(clients) / $0 }
            // Paced clients start spread over one interval, not all at once.
            let first = start + (interval ?? 0) * Double(worker) / Double(clients)
            var sent = 0
            Time.sleep(seconds: first - Time.monotonic())
            while true {
                if let interval {
                    let next = first + Double(sent) * interval
                    if next >= stop { break }
                    Time.sleep(seconds: next - Time.monotonic())
                }
                let began = Time.monotonic()
                if began >= stop { break }
                do {
                    let reply = try connection.send(request: requests[(sent * clients + worker) % requests.count])
                    if reply.status == 200 {
                        result.answered += 1
                    } else {
                        result.errors += 1
                        if result.firstError == nil { result.firstError = "HTTP \(reply.status): \(reply.text)" }
                    }
                } catch {
                    result.errors += 1
                    if result.firstError == nil { result.firstError = "\(error)" }
                    Time.sleep(seconds: 0.01)
                }
                result.latencies.append(Time.monotonic() - began)
                sent += 1
            }
            lock.withLock { results[worker] = result }
        }
        var total = LoadResult()
        for result in results {
            total.answered += result.answered
            total.errors += result.errors
            total.firstError = total.firstError ?? result.firstError
            total.latencies += result.latencies
        }
        total.seconds = max(Time.monotonic(), stop) - start
        return total
    }
}

/// Opens cases through the API on several connections: `openedAt[i]` nil means now.
enum CaseOpener {
    static func open(socket: String, openedAt: [Int64?], connections: Int = 8) throws -> [String] {
        var ids = [String](repeating: "", count: openedAt.count)
        var failure: String?
        let lock = NSLock()
        onThreads(min(connections, max(1, openedAt.count))) { worker in
            let connection = HTTPConnection(socketPath: socket)
            var index = worker
            while index < openedAt.count {
                let request = OpenCaseRequest(
                    kind: "load", store: "S\(index % 50 + 1)", openedAt: openedAt[index].map(Instant.init(millis:)),
                    actor: "slabench")
                do {
                    let reply = try connection.post("/v1/cases", request)
                    guard reply.status == 201, let id = reply.decode(CaseView.self)?.id else {
                        throw BenchError("open: HTTP \(reply.status): \(reply.text.prefix(300))")
                    }
                    lock.withLock { ids[index] = id }
                } catch {
                    lock.withLock { failure = failure ?? "\(error)" }
                    return
                }
                index += connections
            }
        }
        if let failure { throw BenchError(failure) }
        return ids
    }
}

/// A manager's `slactl escalations --follow`: long-polls the queue (as it does: `after=` the last id
/// seen, pages of 1,000) and notes when each entry reached it (wall-clock ms),
/// which is after slad's commit, unlike `written_at`.
///
/// On arrival it only scans a page for its entries' ids and asks for the next; the pages are
/// decoded into views (as slactl does) once following stops, and must name the same ids. Decoding
/// on the way (JSONDecoder, on the same two cores as slad) measured the client's decoder as much
/// as slad: its CPU time is reported beside the figure instead.
final class Follower {
    private let socket: String
    private let lock = NSLock()
    private var seen: [Int64: Double] = [:]
    private var pages: [[UInt8]] = []
    /// CPU seconds the client's decoding of every page took, after `stop`.
    private(set) var decodeSeconds = 0.0
    private var stopping = false
    private var error: String?
    private let done = DispatchSemaphore(value: 0)

    init(socket: String) {
        self.socket = socket
    }

    func start() {
        let thread = Thread { [self] in
            let connection = HTTPConnection(socketPath: socket)
            var after: Int64 = 0
            while !lock.withLock({ stopping }) {
                do {
                    let reply = try connection.send("GET", "/v1/escalations?after=\(after)&wait=1&limit=1000")
                    let now = Time.wallMillis()
                    guard reply.status == 200 else { throw BenchError("follow: HTTP \(reply.status)") }
                    let ids = Self.entryIDs(in: reply.body)
                    lock.withLock {
                        for id in ids {
                            seen[id] = seen[id] ?? now
                            after = max(after, id)
                        }
                        if !ids.isEmpty { pages.append(reply.body) }
                    }
                } catch {
                    lock.withLock { self.error = "\(error)" }
                    break
                }
            }
            done.signal()
        }
        thread.start()
    }

    /// How many entries it has seen so far.
    var count: Int { lock.withLock { seen.count } }

    /// Stops following and returns when each entry id was seen.
    func stop() throws -> [Int64: Double] {
        lock.withLock { stopping = true }
        done.wait()
        return try lock.withLock {
            if let error { throw BenchError(error) }
            let started = Time.ownCPUSeconds()
            var decoded: Set<Int64> = []
            for page in pages {
                guard let list = try? APIJSON.decode(EntryList.self, from: Data(page)) else {
                    throw BenchError("follow: a page that does not decode as an entry list")
                }
                decoded.formUnion(list.entries.map(\.id))
            }
            decodeSeconds = Time.ownCPUSeconds() - started
            guard decoded == Set(seen.keys) else {
                throw BenchError("follow: the pages' ids scanned on arrival differ from those decoded")
            }
            return seen
        }
    }

    /// The value of each `"id":` key of an entry list, in order. (In the API's JSON a quote inside
    /// a string is escaped, so the five bytes `"id":` only ever open an entry's id.)
    static func entryIDs(in body: [UInt8]) -> [Int64] {
        let key = Array(#""id":"#.utf8)
        var ids: [Int64] = []
        var index = 0
        while index + key.count < body.count {
            guard body[index] == key[0], body[index..<index + key.count].elementsEqual(key) else {
                index += 1
                continue
            }
            index += key.count
            var value: Int64 = 0
            while index < body.count, (48...57).contains(body[index]) {
                value = value * 10 + Int64(body[index] - 48)
                index += 1
            }
            ids.append(value)
        }
        return ids
    }
}
