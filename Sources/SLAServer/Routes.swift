import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SLAAPI
import SLAAuth
import SLACore
import SLAScheduler
import SLAStore

/// The `/v1` HTTP API. Handlers check who asks (`require`), decode, call the service or read the
/// store, and encode; no rule lives here.
///
/// Access: each route needs an `Action` of the request's principal; a case or entry of a store the
/// principal does not see is answered 404 exactly as one that does not exist (so that ids of other
/// stores are neither confirmed nor denied); lists, the follow long-poll and reports hold only the
/// principal's stores. A write is recorded as done by the principal (`Principal.actor`).
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
    /// Sign-ins, user changes and acknowledgements, to the journal.
    let audit: AuditLog
    /// New passwords (`/v1/users`).
    let hasher: PasswordHasher
    /// Who is who (slad's listeners use the same one): the console's sign-in goes through it.
    public let authenticator: Authenticator?

    public init(
        service: SLAService, clock: WallClock = SystemClock(), version: String,
        readers: NIOThreadPool = Routes.sharedReaders, reporters: NIOThreadPool = Routes.sharedReporters,
        logger: Logger = Logger(label: "slad"), hasher: PasswordHasher = PasswordHasher(),
        authenticator: Authenticator? = nil
    ) {
        self.service = service
        self.clock = clock
        self.version = version
        self.readers = readers
        self.reporters = reporters
        metrics = MetricsPage(service: service, clock: clock)
        audit = AuditLog(logger: logger)
        self.hasher = hasher
        self.authenticator = authenticator
    }

    public static let sharedReaders = started(NIOThreadPool(numberOfThreads: 4))
    public static let sharedReporters = started(NIOThreadPool(numberOfThreads: 2))

    public static func started(_ pool: NIOThreadPool) -> NIOThreadPool {
        pool.start()
        return pool
    }

    public func router() -> APIRouter {
        let router = APIRouter()
        router.get("/v1/health") { request, respond in
            let principal = try require(request, .read)
            respond.offload(to: readers) { try health(principal) }
        }
        router.get("/v1/version") { request, respond in
            _ = try require(request, .read)
            respond(.json(VersionView(version: version)))
        }
        router.post("/v1/cases") { request, respond in try openCase(request, respond) }
        router.get("/v1/cases") { request, respond in
            let principal = try require(request, .read)
            respond.offload(to: readers) { try listCases(request, principal) }
        }
        router.get("/v1/cases/:id") { request, respond in
            let principal = try require(request, .read)
            respond.offload(to: readers) { try showCase(request, principal) }
        }
        router.post("/v1/cases/:id/events") { request, respond in try recordEvent(request, respond) }
        router.get("/v1/escalations") { request, respond in try listEntries(request, respond) }
        router.post("/v1/escalations/:id/ack") { request, respond in try acknowledge(request, respond) }
        router.get("/v1/export") { request, respond in
            let principal = try require(request, .report)
            respond.offload(to: reporters) { try export(request, principal) }
        }
        router.get("/v1/reports") { request, respond in
            let principal = try require(request, .report)
            respond.offload(to: reporters) { try report(request, principal) }
        }
        addUserRoutes(to: router)
        addMetrics(to: router, authenticated: true)
        return router
    }

    /// `/metrics` alone: what `--metrics-listen` serves.
    public func metricsRouter() -> APIRouter {
        let router = APIRouter()
        addMetrics(to: router, authenticated: false)
        return router
    }

    /// On the metrics listener nobody is authenticated (it serves nothing else); on the API's
    /// listeners only those who see every store may read slad's counts.
    private func addMetrics(to router: APIRouter, authenticated: Bool) {
        let page = metrics
        let replication = self.replication
        router.get("/metrics") { request, respond in
            if authenticated, try require(request, .read).scope != .all {
                throw APIError(status: .forbidden, code: "forbidden", message: "the metrics cover every store")
            }
            respond.offload(to: readers) { page.render(replication: replication?()) }
        }
    }

    // MARK: Access

    /// The request's principal, when it may do `action`: else 401 (no credentials) or 403.
    func require(_ request: APIRequest, _ action: Action) throws -> Principal {
        guard let principal = request.principal else {
            throw APIError(status: .unauthorized, code: "unauthorized", message: "a valid bearer token is required")
        }
        guard principal.may(action) else {
            throw APIError(
                status: .forbidden, code: "forbidden",
                message: "\(principal.role.rawValue) '\(principal.name)' may not \(Self.describe(action))")
        }
        return principal
    }

    /// What a 404 for a case of another store says: the same as for a case that does not exist.
    static func unknownCase(_ id: String) -> APIError {
        APIError(status: .notFound, code: "unknown_case", message: "no case '\(id)'")
    }

    static func unknownEntry(_ id: Int64) -> APIError {
        APIError(status: .notFound, code: "unknown_entry", message: "no escalation entry \(id)")
    }

    static func describe(_ action: Action) -> String {
        switch action {
        case .read: "read cases"
        case .openCase: "open cases"
        case .recordEvent: "record events"
        case .acknowledge: "acknowledge escalations"
        case .report: "read reports"
        case .manageUsers: "manage users"
        case .managePolicy: "manage the policy"
        }
    }

    // MARK: Handlers

    private func health(_ principal: Principal) throws -> APIResponse {
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
        guard principal.scope == .all else {
            // The next case due may be another store's: named only to those who see every store.
            var scoped = view
            scoped.nextCase = nil
            scoped.nextClock = nil
            scoped.provisionalCases = nil
            scoped.pendingEntries = nil
            scoped.overdueCases = nil
            scoped.replication = nil
            return .json(scoped)
        }
        return .json(view)
    }

    /// Writes are answered from the scheduler's queue once their group commit is on disk; the
    /// answer is made on the connection's event loop.
    private func openCase(_ request: APIRequest, _ respond: Responder) throws {
        let principal = try require(request, .openCase)
        var body: OpenCaseRequest = try decode(request)
        guard principal.sees(store: body.store) else {
            throw APIError(
                status: .forbidden, code: "forbidden",
                message: "'\(principal.name)' may not open cases for store \(body.store)")
        }
        let claimed = body.actor
        body.actor = principal.actor(claimed: claimed)
        // An event sent with the open was done by whoever opens it, unless it says otherwise
        // (which only a shared identity may say: see `Principal.actor`).
        body.events = body.events?.map { event in
            var event = event
            event.actor = principal.actor(claimed: event.actor ?? claimed)
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
        let principal = try require(request, .recordEvent)
        let id = try request.parameter("id")
        var body: RecordEventRequest = try decode(request)
        body.actor = principal.actor(claimed: body.actor)
        guard principal.scope == .all else {
            // The case's store first (a read, off the event loop), then the write.
            respond.later { [body] in
                let store = try await readers.runIfActive { try read { try service.store.caseRecord(id: id) } }?
                    .opening.store
                guard let store, principal.sees(store: store) else { throw Self.unknownCase(id) }
                let result = await withCheckedContinuation { done in
                    service.record(body, on: id) { done.resume(returning: $0) }
                }
                let written = try written(result)
                return .json(
                    CaseView(written.record, policy: service.policy, now: clock.now(), replayed: written.replayed))
            }
            return
        }
        service.record(body, on: id) { result in
            respond.onLoop {
                let written = try written(result)
                return .json(
                    CaseView(written.record, policy: service.policy, now: clock.now(), replayed: written.replayed))
            }
        }
    }

    private func showCase(_ request: APIRequest, _ principal: Principal) throws -> APIResponse {
        let id = try request.parameter("id")
        guard let record = try read({ try service.store.caseRecord(id: id) }),
            principal.sees(store: record.opening.store)
        else {
            throw Self.unknownCase(id)
        }
        let events = try read { try service.store.events(of: id) }
        var view = CaseView(record, policy: service.policy, now: clock.now(), events: events)
        view.customer = try read { try service.store.contact(of: id) }  // only here: one case, asked for
        return .json(view)
    }

    private func listCases(_ request: APIRequest, _ principal: Principal) throws -> APIResponse {
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
        if let store = filter.store, !principal.sees(store: store) { throw Self.unknownStore(store) }
        filter.stores = principal.scope.stores
        if let limit = query.get("limit") { filter.limit = try number(limit, "limit") }
        let policy = service.policy
        let now = clock.now()
        let cases = try read { try service.store.cases(filter) }
        return .json(CaseList(cases: cases.map { CaseView($0, policy: policy, now: now) }))
    }

    /// A page of the queue now, or (`wait=`, for followers) when the next entry is written.
    private func listEntries(_ request: APIRequest, _ respond: Responder) throws {
        let principal = try require(request, .read)
        let query = request.query
        var filter = EntryFilter()
        filter.stores = principal.scope.stores
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
        let policy = service.policy
        let time = TimeFormatter(policy: policy)
        return .json(EntryList(entries: entries.map { EntryView($0, time: time, policy: policy) }))
    }

    /// Through the group commit like every other write, answered once it is on disk.
    private func acknowledge(_ request: APIRequest, _ respond: Responder) throws {
        let principal = try require(request, .acknowledge)
        let idText = try request.parameter("id")
        guard let id = Int64(idText), id > 0 else { throw APIError.badRequest("entry id must be a positive number") }
        let body: AcknowledgeRequest = try decode(request, allowEmpty: true) ?? AcknowledgeRequest()
        let actor = principal.actor(claimed: body.actor)
        let answer: @Sendable (Result<QueueEntry?, Error>) throws -> APIResponse = { [audit] result in
            guard let entry = try result.get() else { throw Self.unknownEntry(id) }
            if entry.ackedBy == actor {
                audit.acknowledged(entry: id, caseID: entry.escalation.caseID, store: entry.store, by: actor)
            }
            return .json(EntryView(entry, time: TimeFormatter(policy: service.policy), policy: service.policy))
        }
        guard principal.scope == .all else {
            // The entry's store first (a read, off the event loop): another store's entry is a 404.
            respond.later {
                let entry = try await readers.runIfActive { try read { try service.store.entry(id: id) } }
                guard let entry, principal.sees(store: entry.store) else { throw Self.unknownEntry(id) }
                let result = await withCheckedContinuation { done in
                    service.acknowledge(entry: id, by: actor, note: body.note) { done.resume(returning: $0) }
                }
                return try answer(result)
            }
            return
        }
        service.acknowledge(entry: id, by: actor, note: body.note) { result in
            respond.onLoop { try answer(result) }
        }
    }

    /// A store outside the principal's scope, asked for by name: as if it had no cases.
    static func unknownStore(_ store: String) -> APIError {
        APIError(status: .notFound, code: "unknown_store", message: "no store '\(store)' among yours")
    }

    /// Cases opened in [from, to) with their events, as JSON lines: what to keep before a purge.
    private func export(_ request: APIRequest, _ principal: Principal) throws -> APIResponse {
        let query = request.query
        let policy = service.policy
        guard let fromText = query.get("from"), let from = Self.instant(fromText, policy),
            let toText = query.get("to"), let to = Self.instant(toText, policy)
        else {
            throw APIError.badRequest("from and to are needed: dates (2026-10-01) or ISO 8601 times with an offset")
        }
        let now = clock.now()
        var lines = JSONWriter()
        for (record, events) in try read({ try service.store.export(from: from, to: to) })
        where principal.sees(store: record.opening.store) {
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
