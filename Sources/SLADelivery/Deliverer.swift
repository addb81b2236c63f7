import Dispatch
import Foundation
import Logging
import SLACore
import SLAMetrics
import SLAScheduler
import SLAStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Pushes queue entries to people: runs exec hooks and posts webhooks, at least once, with
/// exponential backoff and jitter, until delivered or out of attempts. It works from the store
/// (what is pending survives a restart) on its own queue and threads: a hook that hangs or a
/// receiver that is down never holds up the scheduler.
///
/// Unchecked: `timer`, `inFlight` and `stopped` are touched on `queue`, `policy` under `lock`.
public final class Deliverer: @unchecked Sendable {
    private let store: Store
    private let clock: WallClock
    private let logger: Logger
    private let queue = DispatchQueue(label: "slad.delivery")
    private let workers = DispatchQueue(label: "slad.delivery.attempts", attributes: .concurrent)
    private var timer: DispatchSourceTimer?
    private var inFlight: Set<String> = []
    private var stopped = false  // owned by `queue`
    private let lock = NSLock()
    private var policy: Policy

    /// At most this many attempts run at once.
    static let maxInFlight = 32

    public init(policy: Policy, store: Store, clock: WallClock = SystemClock(), logger: Logger) {
        self.policy = policy
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    public func reload(policy: Policy) {
        lock.withLock { self.policy = policy }
    }

    /// Looks for work every `interval` seconds, and at once when `wake()` says entries were written.
    public func start(every interval: Double = 1.0) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in self?.tick() }
        self.timer = timer
        timer.activate()
    }

    public func wake() {
        queue.async { self.tick() }
    }

    /// Starts no more attempts, and waits for those in flight (each bounded by the policy's
    /// timeout) to be recorded, so that none is pushed again after a restart for want of it.
    public func stop() {
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
        }
        workers.sync(flags: .barrier) {}  // the attempts started before
        queue.sync {}  // their outcomes, recorded
    }

    /// One pass: route new entries, start the attempts that are due. Runs on `queue`.
    func tick() {
        guard !stopped else { return }
        let policy = lock.withLock { self.policy }
        let now = clock.now()
        do {
            for entry in try store.unroutedEntries(limit: 500) {
                let routes = policy.delivery.routes(tier: entry.escalation.tier, store: entry.store).map(\.name)
                try store.route(entry: entry.id, to: routes, at: now)
            }
            let free = Self.maxInFlight - inFlight.count
            guard free > 0 else { return }
            for due in try store.dueDeliveries(at: now, limit: free + inFlight.count) {
                let key = "\(due.entry.id)/\(due.route)"
                guard inFlight.count < Self.maxInFlight, !inFlight.contains(key) else { continue }
                guard let route = policy.delivery.routes.first(where: { $0.name == due.route }) else {
                    // The route was removed from the policy: nowhere to push, give up on it.
                    record(due, error: "route '\(due.route)' is no longer in the policy", retry: false, policy: policy)
                    continue
                }
                inFlight.insert(key)
                let contact = policy.delivery.includeContact ? try store.contact(of: due.entry.escalation.caseID) : nil
                let body = Self.json(due.entry, policy: policy, contact: contact)
                let timeout = Double(policy.delivery.timeoutMillis) / 1000
                workers.async {
                    let error = Self.attempt(route.target, entry: due.entry, body: body, timeout: timeout)
                    self.queue.async {
                        self.inFlight.remove(key)
                        self.record(due, error: error, retry: true, policy: policy)
                    }
                }
            }
        } catch {
            logger.error("delivery: the store failed: \(error)")
        }
    }

    private func record(_ due: DueDelivery, error: String?, retry: Bool, policy: Policy) {
        let attempts = due.attempts + 1
        let delivery = policy.delivery
        var retryAt: Instant?
        if error != nil, retry, attempts < delivery.maxAttempts {
            let base = min(delivery.maxBackoffMillis, delivery.backoffMillis << min(attempts - 1, 30))
            let jittered = Double(base) * Double.random(in: 0.8...1.2)
            retryAt = clock.now().adding(millis: Int64(jittered))
        }
        do {
            try store.recordAttempt(
                entry: due.entry.id, route: due.route, error: error, retryAt: retryAt, at: clock.now())
        } catch {
            logger.error("delivery: cannot record an attempt: \(error)")
            return
        }
        DeliveryMetrics.attempt(due.route, error != nil, retryAt != nil, late: clock.now() - due.entry.escalation.dueAt)
        let escalation = due.entry.escalation
        let metadata: Logger.Metadata = [
            "sla_case": "\(escalation.caseID)", "sla_clock": "\(escalation.clock)", "sla_tier": "\(escalation.tier)",
            "sla_store": "\(due.entry.store)", "sla_kind": "\(due.entry.caseKind)", "sla_entry": "\(due.entry.id)",
            "sla_route": "\(due.route)", "sla_attempts": "\(attempts)",
        ]
        if let error {
            if retryAt == nil {
                var failed = metadata
                failed["message_id"] = "\(MessageID.deliveryFailed)"
                let what = "entry \(due.entry.id) (\(escalation.caseID) to \(escalation.tier))"
                logger.error(
                    "\(what) could not be delivered through \(due.route) after \(attempts) attempts: \(error)",
                    metadata: failed)
            } else {
                logger.info(
                    "entry \(due.entry.id) via \(due.route) failed (attempt \(attempts)), retrying: \(error)",
                    metadata: metadata)
            }
        } else {
            logger.info("entry \(due.entry.id) delivered via \(due.route)", metadata: metadata)
        }
    }

    // MARK: Attempts (on worker threads)

    /// Nil on success, else what went wrong.
    static func attempt(_ target: DeliveryRoute.Target, entry: QueueEntry, body: Data, timeout: Double) -> String? {
        switch target {
        case .exec(let argv):
            return runHook(argv, entry: entry, body: body, timeout: timeout)
        case .webhook(let url, let headers):
            return post(url, headers: headers, entryID: entry.id, body: body, timeout: timeout)
        }
    }

    static func runHook(_ argv: [String], entry: QueueEntry, body: Data, timeout: Double) -> String? {
        let escalation = entry.escalation
        let environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "SLA_ENTRY": "\(entry.id)", "SLA_CASE": escalation.caseID,
            "SLA_KIND": entry.caseKind, "SLA_STORE": entry.store, "SLA_CLOCK": escalation.clock,
            "SLA_TIER": escalation.tier, "SLA_ESCALATION": escalation.kind.rawValue,
            "SLA_DUE": ISO8601.format(escalation.dueAt, offsetSeconds: 0), "SLA_LATE_MS": "\(entry.lateMillis)",
        ]
        let outcome: HookProcess.Outcome
        do {
            outcome = try HookProcess.run(argv, environment: environment, input: body, timeout: timeout)
        } catch {
            return "cannot run \(argv[0]): \(error)"
        }
        if outcome.timedOut { return "\(argv[0]) did not finish within \(timeout) s and was stopped" }
        guard outcome.status == 0 else {
            let said = outcome.stderr.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(argv[0]) exited with \(outcome.status ?? -1)" + (said.isEmpty ? "" : ": \(said)")
        }
        return nil
    }

    static func post(_ url: String, headers: [String: String], entryID: Int64, body: Data, timeout: Double) -> String? {
        guard let target = URL(string: url) else { return "bad URL \(url)" }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("\(entryID)", forHTTPHeaderField: "X-Slad-Entry")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let task = URLSession.shared.dataTask(with: request) { _, response, error in
            if let error {
                outcome.set(error.localizedDescription)
            } else if let http = response as? HTTPURLResponse {
                outcome.set((200..<300).contains(http.statusCode) ? nil : "HTTP \(http.statusCode)")
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            return "no answer within \(timeout) s"
        }
        return outcome.value
    }

    /// The entry as receivers get it; `id` lets them drop duplicates (delivery is at least once).
    static func json(_ entry: QueueEntry, policy: Policy, contact: CustomerContact? = nil) -> Data {
        let calendar = policy.storeCalendar
        func time(_ instant: Instant) -> String {
            ISO8601.format(instant, offsetSeconds: calendar?.offset(at: instant) ?? 0)
        }
        let escalation = entry.escalation
        var object: [String: Any] = [
            "id": entry.id, "case_id": escalation.caseID, "clock": escalation.clock, "cycle": escalation.cycle,
            "tier": escalation.tier, "kind": escalation.kind.rawValue, "store": entry.store,
            "case_kind": entry.caseKind, "due_at": time(escalation.dueAt), "deadline": time(escalation.deadline),
            "written_at": time(entry.writtenAt), "late_ms": entry.lateMillis,
        ]
        if let reason = policy.provisionalReason(of: escalation) {
            object["provisional"] = true
            object["provisional_reason"] = reason
        }
        if let contact {
            var customer: [String: String] = [:]
            customer["name"] = contact.name
            customer["phone"] = contact.phone
            object["customer"] = customer
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

/// The result of a webhook call, set on URLSession's thread and read on the worker's.
///
/// Unchecked: set before the worker's semaphore is signalled, read after its wait.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String? = "no answer"

    func set(_ value: String?) { lock.withLock { text = value } }
    var value: String? { lock.withLock { text } }
}
