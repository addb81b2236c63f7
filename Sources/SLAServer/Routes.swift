import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore

/// The `/v1` HTTP API. Handlers decode, call the service or read the store, and encode; no rule
/// lives here.
public struct Routes: Sendable {
    public static let maxBodyBytes = 64 * 1024
    /// The longest `wait=` a follower may ask for, in seconds.
    static let maxWaitSeconds = 60.0

    let service: SLAService
    let clock: WallClock
    let version: String
    /// Store reads run here, not on an event loop (writes go through the group commit).
    let readers: NIOThreadPool
    /// Reports and exports read whole periods: on threads of their own, so that a slow one holds
    /// up no ordinary read.
    let reporters: NIOThreadPool
    /// `GET /metrics`, on every listener (and alone on `--metrics-listen`).
    let metrics: MetricsPage
    /// Replication to HQ as health and /metrics show it; nil while `[hq]` is off.
    public var replication: (@Sendable () -> ReplicationView?)?

    public init(
        service: SLAService, clock: WallClock = SystemClock(), version: String,
        readers: NIOThreadPool = Routes.sharedReaders, reporters: NIOThreadPool = Routes.sharedReporters
    ) {
        self.service = service
        self.clock = clock
        self.version = version
        self.readers = readers
        self.reporters = reporters
        metrics = MetricsPage(service: service, clock: clock)
    }

    public static let sharedReaders = started(NIOThreadPool(numberOfThreads: 4))
    public static let sharedReporters = started(NIOThreadPool(numberOfThreads: 2))

    public static func started(_ pool: NIOThreadPool) -> NIOThreadPool {
        pool.start()
        return pool
    }

    public func router() -> APIRouter {
        let router = APIRouter()
        router.get("/v1/health") { _, respond in respond.offload(to: readers) { try health() } }
        router.get("/v1/version") { _, respond in respond(.json(VersionView(version: version))) }
        router.post("/v1/cases") { request, respond in try openCase(request, respond) }
        router.get("/v1/cases") { request, respond in respond.offload(to: readers) { try listCases(request) } }
        router.get("/v1/cases/:id") { request, respond in respond.offload(to: readers) { try showCase(request) } }
        router.post("/v1/cases/:id/events") { request, respond in try recordEvent(request, respond) }
        router.get("/v1/escalations") { request, respond in try listEntries(request, respond) }
        router.post("/v1/escalations/:id/ack") { request, respond in try acknowledge(request, respond) }
        router.get("/v1/export") { request, respond in respond.offload(to: reporters) { try export(request) } }
        router.get("/v1/reports") { request, respond in respond.offload(to: reporters) { try report(request) } }
        addMetrics(to: router)
        return router
    }

    /// `/metrics` alone: what `--metrics-listen` serves.
    public func metricsRouter() -> APIRouter {
        let router = APIRouter()
        addMetrics(to: router)
        return router
    }

    private func addMetrics(to router: APIRouter) {
        let page = metrics
        let replication = self.replication
        router.get("/metrics") { _, respond in
            respond.offload(to: readers) { page.render(replication: replication?()) }
        }
    }

    // MARK: Handlers

    private func health() throws -> APIResponse {
        var status = service.snapshot()
        if status.nextClock == nil, let caseID = status.nextCase, let due = status.nextDue {
            // Not in the scheduler's memory when the snapshot was taken: read it here.
            status.nextClock = try? service.store.caseRecord(id: caseID)?.clocks.first { $0.nextDue == due }?.name
        }
        let counts = try? service.store.counts()
        let policy = service.policy
        let time = TimeFormatter(policy: policy)
        let replication = self.replication?()
        let health: String
        if status.storeFailed {
            health = "failed"
        } else if status.lastFailure != nil || counts == nil || status.orphanedCases > 0
            || !status.provisionalCases.isEmpty || replication?.state == "behind"
        {
            health = "degraded"
        } else {
            health = "ok"
        }
        var view = HealthView(
            status: health,
            version: version,
            now: time.format(clock.now()), activeCases: status.activeCases, runningClocks: status.runningClocks,
            nextDue: status.nextDue.map(time.format), nextCase: status.nextCase, nextClock: status.nextClock,
            pendingEntries: counts?.pendingEntries, overdueCases: counts?.overdueCases, storeError: status.lastFailure,
            orphanedCases: status.orphanedCases, provisionalCases: status.provisionalCases,
            calendarWarnings: policy.storeCalendar.map { policy.horizonWarnings(today: $0.date(of: clock.now())) }?
                .map(\.description) ?? [])
        view.replication = replication
        return .json(view)
    }

    /// Writes are answered from the scheduler's queue once their group commit is on disk; the
    /// answer is made on the connection's event loop.
    private func openCase(_ request: APIRequest, _ respond: Responder) throws {
        var body: OpenCaseRequest = try decode(request)
        let claimed = body.actor
        body.actor = Self.actor(claimed: claimed, peer: request.peer)
        // An event sent with the open was done by whoever opens it, unless it says otherwise.
        body.events = body.events?.map { event in
            var event = event
            event.actor = Self.actor(claimed: event.actor ?? claimed, peer: request.peer)
            return event
        }
        service.open(body) { result in
            respond.onLoop {
                let written = try written(result)
                let view = CaseView(
                    written.record, policy: service.policy, now: clock.now(), replayed: written.replayed)
                return .json(view, status: written.replayed ? .ok : .created)
            }
        }
    }

    private func recordEvent(_ request: APIRequest, _ respond: Responder) throws {
        let id = try request.parameter("id")
        var body: RecordEventRequest = try decode(request)
        body.actor = Self.actor(claimed: body.actor, peer: request.peer)
        service.record(body, on: id) { result in
            respond.onLoop {
                let written = try written(result)
                return .json(
                    CaseView(written.record, policy: service.policy, now: clock.now(), replayed: written.replayed))
            }
        }
    }

    private func showCase(_ request: APIRequest) throws -> APIResponse {
        let id = try request.parameter("id")
        guard let record = try read({ try service.store.caseRecord(id: id) }) else {
            throw APIError(status: .notFound, code: "unknown_case", message: "no case '\(id)'")
        }
        let events = try read { try service.store.events(of: id) }
        var view = CaseView(record, policy: service.policy, now: clock.now(), events: events)
        view.customer = try read { try service.store.contact(of: id) }  // only here: one case, asked for
        return .json(view)
    }

    private func listCases(_ request: APIRequest) throws -> APIResponse {
        let query = request.query
        var filter = CaseFilter()
        if let state = query.get("state") {
            guard let status = CaseStatus(rawValue: state) else {
                throw APIError.badRequest("state must be one of: open, resolved, closed")
            }
            filter.status = status
        }
        if let overdue = query.get("overdue") { filter.overdue = try flag(overdue, "overdue") }
        filter.kind = query.get("kind")
        filter.store = query.get("store")
        if let limit = query.get("limit") { filter.limit = try number(limit, "limit") }
        let policy = service.policy
        let now = clock.now()
        let cases = try read { try service.store.cases(filter) }
        return .json(CaseList(cases: cases.map { CaseView($0, policy: policy, now: now) }))
    }

    /// A page of the queue now, or (`wait=`, for followers) when the next entry is written.
    private func listEntries(_ request: APIRequest, _ respond: Responder) throws {
        let query = request.query
        var filter = EntryFilter()
        filter.tier = query.get("tier")
        if let tier = filter.tier, service.policy.tiers.first(where: { $0.id == tier }) == nil {
            throw APIError(
                status: .unprocessableEntity, code: "unknown_tier",
                message: "unknown tier '\(tier)' (tiers: \(service.policy.tiers.map(\.id).joined(separator: ", ")))")
        }
        if let state = query.get("state") {
            guard let parsed = DeliveryState(rawValue: state) else {
                throw APIError.badRequest("state must be one of: pending, delivered, failed, acknowledged, skipped")
            }
            filter.state = parsed
        }
        if let since = query.get("since") {
            guard let instant = ISO8601.parse(since) else {
                throw APIError.badRequest("since must be ISO 8601 with an offset, e.g. 2026-11-24T09:00:00+08:00")
            }
            filter.since = instant
        }
        if let after = query.get("after") { filter.afterID = Int64(try number(after, "after")) }
        filter.caseID = query.get("case")
        if let limit = query.get("limit") { filter.limit = try number(limit, "limit") }
        var wait: Double?
        if let text = query.get("wait") {
            guard let seconds = Double(text), seconds >= 0 else { throw APIError.badRequest("wait must be seconds") }
            wait = min(seconds, Self.maxWaitSeconds)
        }
        let mark = service.notifier.lastPublishedID
        respond.later { [filter, wait] in
            let entries = try await readEntries(filter)
            guard entries.isEmpty, let wait else { return entriesPage(entries) }
            return try await waitForEntries(filter, after: mark, seconds: wait)
        }
    }

    /// Long poll for `--follow`: waits for the next matching entry, up to `seconds`. Entries that
    /// do not match the filter wake us too; then we look again and wait for the rest.
    private func waitForEntries(_ filter: EntryFilter, after mark: Int64, seconds: Double) async throws -> APIResponse {
        var mark = mark
        var entries: [QueueEntry] = []
        let deadline = Date().addingTimeInterval(seconds)
        while entries.isEmpty, case let left = deadline.timeIntervalSinceNow, left > 0 {
            await service.notifier.wait(after: mark, timeout: left)
            mark = service.notifier.lastPublishedID
            entries = try await readEntries(filter)
        }
        return entriesPage(entries)
    }

    private func readEntries(_ filter: EntryFilter) async throws -> [QueueEntry] {
        try await readers.runIfActive { try read { try service.store.entries(filter) } }
    }

    private func entriesPage(_ entries: [QueueEntry]) -> APIResponse {
        let time = TimeFormatter(policy: service.policy)
        return .json(EntryList(entries: entries.map { EntryView($0, time: time, policy: service.policy) }))
    }

    /// Through the group commit like every other write, answered once it is on disk.
    private func acknowledge(_ request: APIRequest, _ respond: Responder) throws {
        let idText = try request.parameter("id")
        guard let id = Int64(idText), id > 0 else { throw APIError.badRequest("entry id must be a positive number") }
        let body: AcknowledgeRequest = try decode(request, allowEmpty: true) ?? AcknowledgeRequest()
        let actor = Self.actor(claimed: body.actor, peer: request.peer) ?? "unknown"
        service.acknowledge(entry: id, by: actor) { result in
            respond.onLoop {
                guard let entry = try result.get() else {
                    throw APIError(status: .notFound, code: "unknown_entry", message: "no escalation entry \(id)")
                }
                return .json(EntryView(entry, time: TimeFormatter(policy: service.policy), policy: service.policy))
            }
        }
    }

    /// Cases opened in [from, to) with their events, as JSON lines: what to keep before a purge.
    private func export(_ request: APIRequest) throws -> APIResponse {
        let query = request.query
        let policy = service.policy
        guard let fromText = query.get("from"), let from = Self.instant(fromText, policy),
            let toText = query.get("to"), let to = Self.instant(toText, policy)
        else {
            throw APIError.badRequest("from and to are needed: dates (2026-10-01) or ISO 8601 times with an offset")
        }
        let now = clock.now()
        var lines = JSONWriter()
        for (record, events) in try read({ try service.store.export(from: from, to: to) }) {
            lines.line(CaseView(record, policy: policy, now: now, events: events))
        }
        return APIResponse(status: .ok, contentType: "application/x-ndjson", body: ByteBuffer(bytes: lines.bytes))
    }

    /// A date is its midnight in the stores' zone; a date-time must carry its offset.
    private static func instant(_ text: String, _ policy: Policy) -> Instant? {
        if let date = CivilDate(iso: text) {
            return policy.storeCalendar?.instant(date, 0) ?? Instant(seconds: Int64(date.dayNumber) * 86_400)
        }
        return ISO8601.parse(text)
    }

    /// The audit trail's actor: who the client says it is, and who the kernel says is calling
    /// (`li via uid 1000 (amy)`), so a shared till account still shows which login sent it.
    static func actor(claimed: String?, peer: String?) -> String? {
        switch (claimed, peer) {
        case (let claimed?, let peer?): return "\(claimed) via \(peer)"
        case (let claimed?, nil): return claimed
        case (nil, let peer?): return peer
        case (nil, nil): return nil
        }
    }

    // MARK: Plumbing

    /// A write's outcome; a refusal's instants written in the stores' zone, as staff send them.
    private func written(_ result: Result<WriteResult, Error>) throws -> WriteResult {
        do {
            return try result.get()
        } catch let error as ServiceError {
            throw APIError(error, time: TimeFormatter(policy: service.policy))
        }
    }

    func read<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as StoreFailure {
            throw APIError(failure)
        }
    }

    private func decode<T: Decodable>(_ request: APIRequest) throws -> T {
        guard let value: T = try decode(request, allowEmpty: false) else {
            throw APIError.badRequest("the request needs a JSON body")
        }
        return value
    }

    /// The body as JSON (its size was checked as it was read), its fields checked (`validate()`),
    /// whichever reader read it.
    private func decode<T: Decodable>(_ request: APIRequest, allowEmpty: Bool) throws -> T? {
        if request.body.readableBytes == 0 {
            if allowEmpty { return nil }
            throw APIError.badRequest("the request needs a JSON body")
        }
        let value = try read(T.self, request.body.readableBytesView)
        if let checked = value as? ValidatedRequest {
            do { try checked.validate() } catch { throw APIError(error) }
        }
        return value
    }

    private func read<T: Decodable>(_ type: T.Type, _ bytes: ByteBufferView) throws -> T {
        if let readable = T.self as? FlatJSONReadable.Type, let flat = FlatJSONObject(bytes),
            let value = readable.init(flat: flat) as? T
        {
            return value
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as RequestError {
            throw APIError(error)
        } catch let error as DecodingError {
            if let (field, literal) = Self.numberOutOfRange(bytes) {
                throw APIError(
                    RequestError.badField(field: field, problem: "\(literal) is too large or too small for a number"))
            }
            throw APIError(status: .badRequest, code: "bad_json", message: Self.explain(error))
        } catch {
            throw APIError(status: .badRequest, code: "bad_json", message: "malformed JSON: \(error)")
        }
    }

    /// The field of a document the decoder refused whole ("not valid JSON") because a number in
    /// it overflows a Double (`"amount": 1e999`, JSON's only way to send an infinity): named, so
    /// the client knows which. Only on that error path.
    static func numberOutOfRange(_ bytes: ByteBufferView) -> (field: String, literal: String)? {
        let text = String(decoding: bytes, as: UTF8.self)
        let pattern = try! Regex(#""([^"\\]{1,64})"\s*:\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"#)
        for match in text.matches(of: pattern) {
            guard let key = match.output[1].substring, let literal = match.output[2].substring.map(String.init),
                let number = Double(literal)
            else { continue }
            let digits = literal.prefix { $0 != "e" && $0 != "E" }
            if number.isInfinite || (number == 0 && digits.contains(where: { ("1"..."9").contains($0) })) {
                return (String(key), literal)
            }
        }
        return nil
    }

    static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "malformed JSON" : "field '\(field)': \(context.debugDescription)"
        @unknown default:
            return "malformed JSON"
        }
    }

    private func flag(_ text: String, _ name: String) throws -> Bool {
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }

    private func number(_ text: String, _ name: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw APIError.badRequest("\(name) must be a whole number") }
        return value
    }
}
