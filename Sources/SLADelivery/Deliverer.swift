import Dispatch
import Foundation
import Logging
import SLACore
import SLAMessageIDs
import SLAMetrics
import SLAStore

/// Pushes queue entries to people, at least once, with exponential backoff and jitter, until
/// delivered or out of attempts: exec hooks and webhooks get the entry as JSON; robots (WeCom,
/// DingTalk, Feishu) and mail get sentences, within each route's rate limit (merged into digests
/// under pressure, never dropped). It works from the store (what is pending survives a
/// restart); the routes of an entry are chosen in the commit that writes it (`Store.routing`).
/// Webhooks and robots are posted on NIO's event loops (no thread waits for an answer); hooks
/// and sendmail each hold a thread blocked in `waitpid` while they run. A hook that hangs or a
/// receiver that is down holds up only its own route.
///
/// Unchecked: every `var` but `policy` and `wakeQueued` is touched on `queue` only; those two are
/// behind `lock`.
public final class Deliverer: @unchecked Sendable {
    private let store: Store
    private let clock: WallClock
    private let logger: Logger
    private let queue: DispatchQueue
    /// Answers of attempts, run on `queue` in batches.
    private let answers: QueueInbox
    private let sender = RouteSender()
    /// Attempts started and not yet recorded: `stop()` waits for them.
    private let attempts = DispatchGroup()
    private var timer: DispatchSourceTimer?
    private var stopped = false
    /// `entry/route` of the attempts in flight (a pass must not start them again), and how many
    /// hooks run (each holds a thread).
    private var inFlight: Set<DeliveryKey> = []
    private var hooksInFlight = 0
    /// Webhook posts and hooks in flight per route: each route has its own room, so that a
    /// receiver that hangs holds up only its own entries.
    private var routeInFlight: [String: Int] = [:]
    /// The messages of each message route still to send, one at a time: a lock-out answered to
    /// one stops the rest, and the route's rate window and the order of its messages hold.
    private var queued: [String: [(plan: MessageComposer.Plan, carried: [DueDelivery])]] = [:]
    private var outcomes: [DeliveryOutcome] = []
    /// Webhook posts a pass started, sent together at its end.
    private var posts: [HTTPSender.Post] = []
    /// Deliveries whose outcomes wait in `outcomes`: still pending in the store, so not read
    /// again until recorded.
    private var recording: Set<DeliveryKey> = []
    private var flushScheduled = false
    private var lastFlush = DispatchTime(uptimeNanoseconds: 0)
    /// Attempts were left for want of room: look again as soon as some end.
    private var backlog = false
    /// A pass is due `followUpMillis` after one that found work.
    private var followUpScheduled = false
    /// Per webhook or hook route: every first attempt of an entry up to this id was started (in
    /// flight, being recorded, or recorded), so a pass reads only those after it; lowered again
    /// when recording fails or one could not start. Unknown (nil) at start.
    private var startedThrough: [String: Int64] = [:]
    /// What a pass read through, applied once all it read on the route started.
    private var readThrough: [String: Int64] = [:]
    /// Routes on which a pass could not start a first attempt it read.
    private var refused: Set<String> = []
    /// Per webhook or hook route: when retries it scheduled fall due, so that a pass reads
    /// retries only when some are due (a burst has none) besides the timer's pass each second.
    private var retryTimes: [String: [Instant]] = [:]
    private var windows: [String: SendWindow] = [:]
    private var lockedUntil: [String: Instant] = [:]
    private var lastDigestAt: [String: Instant] = [:]
    private var renderers: [String: MessageRenderer] = [:]
    private var messagesSent = 0
    private let lock = NSLock()
    private var policy: Policy
    /// A pass asked for by `wake()` waits on `queue` (behind `lock`).
    private var wakeQueued = false

    /// Webhook posts in flight at once per route (no thread each: the cost is a connection and a
    /// buffer).
    static let maxInFlight = 512
    /// Hooks running at once (each holds a thread in `waitpid`).
    static let maxHooks = 32
    /// A pass reads more for webhooks and hooks once this many have room, not for every one that
    /// ends: in a burst each read skips the hundreds in flight.
    static let refill = 64
    /// Outcomes are written at most this often (each write is an fsync, and the scheduler's
    /// commits wait for it); until then they are not read again, so nothing is tried twice.
    static let flushIntervalMillis = 20
    /// ... or at once when this many wait.
    static let flushBatch = 2_000
    /// After a pass that found work, the next looks this soon: the scheduler wakes the deliverer
    /// only once it has caught up with what fell due, and in a burst that can be a second later.
    static let followUpMillis = 20

    public init(policy: Policy, store: Store, clock: WallClock = SystemClock(), logger: Logger) {
        self.policy = policy
        let queue = DispatchQueue(label: "slad.delivery")
        self.queue = queue
        answers = QueueInbox(queue: queue)
        self.store = store
        self.clock = clock
        self.logger = logger
        store.routing.set(Self.router(policy))
    }

    public func reload(policy: Policy) {
        lock.withLock { self.policy = policy }
        store.routing.set(Self.router(policy))
        queue.async {
            self.renderers = [:]  // templates are read again
            for route in policy.delivery.routes where self.windows[route.name]?.limits != route.rateLimits {
                self.windows[route.name] = nil
            }
        }
    }

    private static func router(_ policy: Policy) -> @Sendable (String, String) -> [String] {
        let delivery = policy.delivery
        return { tier, store in delivery.routes(tier: tier, store: store).map(\.name) }
    }

    /// Looks for work every `interval` seconds, and at once when `wake()` says entries were written.
    public func start(every interval: Double = 1.0) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in self?.tick(routingOld: true) }
        self.timer = timer
        timer.activate()
    }

    /// Each group commit wakes the deliverer; one pass picks up what several wrote, so a pass
    /// already queued is not queued again (a burst would otherwise queue one pass per commit).
    public func wake() {
        let queued = lock.withLock {
            defer { wakeQueued = true }
            return wakeQueued
        }
        guard !queued else { return }
        queue.async {
            self.lock.withLock { self.wakeQueued = false }
            self.tick()
        }
    }

    /// Starts no more attempts, and waits for those in flight (each bounded by the policy's
    /// timeout) to be recorded, so that none is pushed again after a restart for want of it.
    public func stop() {
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
        }
        attempts.wait()
        queue.sync { flush() }
    }

    // MARK: One pass (on `queue`)

    /// `routingOld`: also route entries an older slad wrote (the timer's passes: one read a second,
    /// not one per pass of a burst).
    func tick(routingOld: Bool = false) {
        guard !stopped else { return }
        backlog = false
        readThrough = [:]
        refused = []
        let policy = lock.withLock { self.policy }
        let now = clock.now()
        var found = false
        do {
            // Entries an older slad wrote without routing them in the commit.
            for entry in routingOld ? try store.unroutedEntries(limit: 500) : [] {
                let routes = policy.delivery.routes(tier: entry.escalation.tier, store: entry.store).map(\.name)
                try store.route(entry: entry.id, to: routes, at: now)
                // Older entries than those started: read them from the oldest pending again.
                for route in routes { startedThrough[route] = nil }
            }
            // Only what can start now is read: messages for the routes not busy sending their
            // queue, and entries for as many webhooks and hooks as there is room for, route by
            // route. In a burst a pass that read 2,000 rows to start 20 cost more than the posts
            // it started.
            let routes = policy.delivery.routes
            let messageRoutes = routes.filter { $0.sendsMessages && queued[$0.name] == nil }.map(\.name)
            var due = try store.dueDeliveries(at: now, limit: 2_000, routes: messageRoutes)
            if routingOld {
                // Routes removed from the policy (given up on below).
                due += try store.dueDeliveries(at: now, limit: 500, skippingRoutes: routes.map(\.name))
            }
            for route in routes where !route.sendsMessages {
                if case .exec = route.target, hooksInFlight >= Self.maxHooks {
                    backlog = true
                    continue
                }
                guard hasRoom(route.name) else {
                    backlog = true
                    continue
                }
                let room = Self.maxInFlight - routeInFlight[route.name, default: 0]
                var startable: [DueDelivery] = []
                // Retries, when some are due (and in the timer's pass, for those of before a
                // start); what is in flight or being recorded on the route is not read again.
                let times = retryTimes[route.name] ?? []
                if routingOld || times.contains(where: { $0 <= now }) {
                    // Read past those in flight (left out below) rather than listing them in SQL:
                    // a statement of its own with hundreds of ids for each pass.
                    let busy = inFlight.union(recording).filter { $0.route == route.name }
                    let read = try store.dueDeliveries(
                        at: now, limit: room + busy.count, routes: [route.name], retriesOnly: true)
                    startable = Array(read.lazy.filter { !busy.contains(Self.key($0)) }.prefix(room))
                    if read.count < room + busy.count { retryTimes[route.name] = times.filter { $0 > now } }
                }
                // First attempts, after the last one started.
                if startable.count < room {
                    let fresh = try store.freshDeliveries(
                        route: route.name, after: startedThrough[route.name], limit: room - startable.count)
                    startable += fresh.due
                    readThrough[route.name] = fresh.through
                }
                // As many as there was room for: more may wait, to be read as soon as some end.
                if startable.count == room { backlog = true }
                due += startable
            }
            found = !due.isEmpty
            var byRoute: [(String, [DueDelivery])] = []
            for due in due where !inFlight.contains(Self.key(due)) && !recording.contains(Self.key(due)) {
                if let index = byRoute.firstIndex(where: { $0.0 == due.route }) {
                    byRoute[index].1.append(due)
                } else {
                    byRoute.append((due.route, [due]))
                }
            }
            for (name, dues) in byRoute {
                guard let route = policy.delivery.routes.first(where: { $0.name == name }) else {
                    // The route was removed from the policy: nowhere to push, give up on it.
                    for due in dues {
                        finish(due, error: "route '\(name)' is no longer in the policy", retry: false, policy: policy)
                    }
                    continue
                }
                if route.sendsMessages {
                    if queued[name] == nil { try sendMessages(dues, route: route, policy: policy, now: now) }
                } else {
                    for due in dues { startAttempt(due, route: route, policy: policy) }
                }
            }
            // Everything read on a route started: the next pass reads after what this one saw.
            for (route, through) in readThrough where !refused.contains(route) {
                startedThrough[route] = max(startedThrough[route] ?? 0, through)
            }
        } catch {
            logger.error("delivery: the store failed: \(error)")
        }
        if !posts.isEmpty {
            sender.http.post(posts)
            posts = []
        }
        if !outcomes.isEmpty { scheduleFlush() }
        if found, !followUpScheduled {
            followUpScheduled = true
            queue.asyncAfter(deadline: .now() + .milliseconds(Self.followUpMillis)) {
                self.followUpScheduled = false
                self.tick()
            }
        }
    }

    // MARK: Exec hooks and webhooks: the entry as JSON

    private func startAttempt(_ due: DueDelivery, route: DeliveryRoute, policy: Policy) {
        let isHook: Bool
        if case .exec = route.target { isHook = true } else { isHook = false }
        guard routeInFlight[route.name, default: 0] < Self.maxInFlight, !isHook || hooksInFlight < Self.maxHooks
        else {
            backlog = true
            if due.attempts == 0 {
                // Not started: the next pass must read it again.
                refused.insert(route.name)
                startedThrough[route.name] = min(startedThrough[route.name] ?? 0, due.entry.id - 1)
            }
            return
        }
        let key = Self.key(due)
        inFlight.insert(key)
        if due.attempts == 0, !refused.contains(route.name) {
            startedThrough[route.name] = max(startedThrough[route.name] ?? 0, due.entry.id)
        }
        if isHook { hooksInFlight += 1 }
        routeInFlight[route.name, default: 0] += 1
        attempts.enter()
        let contact = policy.delivery.includeContact ? try? store.contact(of: due.entry.escalation.caseID) : nil
        let body = EntryJSON.body(due.entry, policy: policy, contact: contact)
        let timeout = policy.delivery.timeoutMillis
        let done: @Sendable (String?) -> Void = { error in
            self.answers.submit {
                if isHook { self.hooksInFlight -= 1 }
                self.routeInFlight[route.name, default: 1] -= 1
                self.finish(due, error: error, retry: true, policy: policy)
                self.scheduleFlush()
                if self.backlog, self.hasRoom(route.name) { self.wake() }
                self.attempts.leave()
            }
        }
        switch route.target {
        case .exec(let argv):
            sender.hooks.async {
                done(Self.runHook(argv, entry: due.entry, body: body, timeout: Double(timeout) / 1000))
            }
        case .webhook(let url, let headers):
            let all =
                [("X-Slad-Entry", "\(due.entry.id)")] + headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            posts.append(
                HTTPSender.Post(url: url, headers: all, body: body, timeoutMillis: timeout) { result in
                    switch result {
                    case .success(let (status, _)): done((200..<300).contains(status) ? nil : "HTTP \(status)")
                    case .failure(let error): done("\(error)")
                    }
                })
        case .robot, .email:
            done("route \(route.name) sends messages, not entries")
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

    // MARK: Robots and mail: sentences, rate limited

    private func sendMessages(_ dues: [DueDelivery], route: DeliveryRoute, policy: Policy, now: Instant) throws {
        let name = route.name
        if let until = lockedUntil[name], until > now {
            // DingTalk locked the robot out: sending now would only extend it.
            putOff(dues, until: until)
            return
        }
        var window = windows[name] ?? SendWindow(limits: route.rateLimits)
        let remaining = window.remaining(at: now)
        guard remaining > 0 else {
            putOff(dues, until: window.nextFree(at: now))
            windows[name] = window
            return
        }
        let composer = MessageComposer(
            route: route, renderer: try renderer(route, policy), consoleURL: policy.delivery.consoleURL,
            contacts: policy.delivery.contacts)
        let facts = try dues.map { try self.facts($0, policy: policy) }
        let cases = Set(dues.map { "\($0.entry.escalation.caseID)\u{0}\($0.entry.escalation.tier)" }).count
        var plans: [MessageComposer.Plan]
        if !window.underPressure(cases, at: now) {
            plans = composer.singles(facts)
        } else {
            // More waiting than the budget allows one by one: digests, spaced out over the window.
            let next = lastDigestAt[name].map { $0.adding(millis: window.digestSpacingMillis) } ?? now
            guard next <= now else {
                putOff(dues, until: next)
                windows[name] = window
                return
            }
            let (_, rendered, waiting) = composer.digests(facts, limit: remaining)
            plans = rendered
            lastDigestAt[name] = now
            let later = Set(waiting.map(\.entryID))
            putOff(dues.filter { later.contains($0.entry.id) }, until: now.adding(millis: window.digestSpacingMillis))
        }
        windows[name] = window
        guard !plans.isEmpty else { return }
        queued[name] = plans.map { plan in
            let ids = Set(plan.entries.map(\.entryID))
            let carried = dues.filter { ids.contains($0.entry.id) }
            for due in carried { inFlight.insert(Self.key(due)) }
            return (plan, carried)
        }
        sendNext(route, policy: policy)
    }

    /// Sends the route's next queued message; its answer sends the one after.
    private func sendNext(_ route: DeliveryRoute, policy: Policy) {
        guard var waiting = queued[route.name], !waiting.isEmpty else {
            queued[route.name] = nil
            wake()  // what waited for the route may go now
            return
        }
        let (plan, carried) = waiting.removeFirst()
        queued[route.name] = waiting
        let now = clock.now()
        windows[route.name, default: SendWindow(limits: route.rateLimits)].note(now)
        messagesSent += 1
        let message = RenderedMessage(
            id: "\(route.name)/\(now.millis)-\(messagesSent)", text: plan.text, html: plan.html,
            mentions: plan.mentions, recipients: plan.recipients, entryIDs: carried.map(\.entry.id))
        attempts.enter()
        sender.send(message, via: route, timeoutMillis: policy.delivery.timeoutMillis, now: now) { outcome in
            self.queue.async {
                self.sent(message, carried, outcome, route: route, policy: policy)
                if self.stopped || self.lockedUntil[route.name].map({ $0 > self.clock.now() }) == true {
                    // Stopping, or locked out: the rest wait (for the next start, or the lock-out's end).
                    let rest = self.queued[route.name] ?? []
                    self.queued[route.name] = []
                    for (_, waiting) in rest {
                        self.putOff(waiting, until: self.lockedUntil[route.name] ?? self.clock.now())
                    }
                }
                if !self.stopped { self.sendNext(route, policy: policy) } else { self.queued[route.name] = nil }
                self.scheduleFlush()
                self.attempts.leave()
            }
        }
    }

    private func sent(
        _ message: RenderedMessage, _ carried: [DueDelivery], _ outcome: SendOutcome, route: DeliveryRoute,
        policy: Policy
    ) {
        var lockOut: Instant?
        if outcome.vendorCode == RobotPayload.dingTalkLockedOut {
            lockOut = clock.now().adding(millis: RobotPayload.dingTalkLockOutMillis)
            lockedUntil[route.name] = lockOut
        }
        let entries =
            carried.prefix(10).map { "\($0.entry.id)" }.joined(separator: ", ")
            + (carried.count > 10 ? " and \(carried.count - 10) more" : "")
        let metadata: Logger.Metadata = [
            "sla_route": "\(route.name)", "sla_message": "\(message.id)", "sla_entries": "\(carried.count)",
        ]
        if let error = outcome.error {
            var refused = metadata
            refused["message_id"] = "\(MessageID.deliveryRefused)"
            if let code = outcome.vendorCode { refused["sla_vendor_code"] = "\(code)" }
            logger.warning(
                "message \(message.id) via \(route.name) (entries \(entries)) was not delivered: \(error)",
                metadata: refused)
        } else {
            logger.info(
                "message \(message.id) delivered via \(route.name), carrying entries \(entries)", metadata: metadata)
        }
        for due in carried {
            finish(
                due, error: outcome.error, retry: true, policy: policy, message: message.id, notBefore: lockOut,
                logDelivered: false)
        }
    }

    /// Entries that wait for a rate limit or a lock-out: no attempt is spent on them.
    private func putOff(_ dues: [DueDelivery], until: Instant) {
        for due in dues {
            ended(due)
            outcomes.append(
                DeliveryOutcome(entryID: due.entry.id, route: due.route, error: nil, retryAt: until, attempted: false))
        }
    }

    private func renderer(_ route: DeliveryRoute, _ policy: Policy) throws -> MessageRenderer {
        if let cached = renderers[route.name] { return cached }
        let renderer: MessageRenderer
        do {
            renderer = try MessageRenderer(policy: policy, language: route.language, folder: route.templates)
        } catch {
            // A broken template of the route's own must not keep its managers uninformed.
            logger.error("delivery: route \(route.name): \(error); the default templates are used")
            renderer = try MessageRenderer(policy: policy, language: route.language)
        }
        renderers[route.name] = renderer
        return renderer
    }

    private func facts(_ due: DueDelivery, policy: Policy) throws -> EntryFacts {
        let entry = due.entry
        let opening = try store.caseRecord(id: entry.escalation.caseID)?.opening
        let contact = policy.delivery.includeContact ? try store.contact(of: entry.escalation.caseID) : nil
        return EntryFacts(
            entryID: entry.id, escalation: entry.escalation, store: entry.store, caseKind: entry.caseKind,
            writtenAt: entry.writtenAt, category: opening?.category, channel: opening?.channel,
            customerName: contact?.name, customerPhone: contact?.phone)
    }

    // MARK: Outcomes, recorded in batches

    private func finish(
        _ due: DueDelivery, error: String?, retry: Bool, policy: Policy, message: String? = nil,
        notBefore: Instant? = nil, logDelivered: Bool = true
    ) {
        let attempts = due.attempts + 1
        let delivery = policy.delivery
        var retryAt: Instant?
        if error != nil, retry, attempts < delivery.maxAttempts {
            let base = min(delivery.maxBackoffMillis, delivery.backoffMillis << min(attempts - 1, 30))
            let jittered = Double(base) * Double.random(in: 0.8...1.2)
            retryAt = max(clock.now().adding(millis: Int64(jittered)), notBefore ?? Instant(millis: 0))
            if message == nil, let retryAt { retryTimes[due.route, default: []].append(retryAt) }
        }
        ended(due)
        outcomes.append(
            DeliveryOutcome(entryID: due.entry.id, route: due.route, error: error, retryAt: retryAt, message: message))
        DeliveryMetrics.attempt(due.route, error != nil, retryAt != nil, late: clock.now() - due.entry.escalation.dueAt)
        let escalation = due.entry.escalation
        // Built only when a line is logged (autoclosures): a burst finishes thousands of these
        // with info lines off.
        func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
            [
                "sla_case": "\(escalation.caseID)", "sla_clock": "\(escalation.clock)",
                "sla_tier": "\(escalation.tier)",
                "sla_store": "\(due.entry.store)", "sla_kind": "\(due.entry.caseKind)", "sla_entry": "\(due.entry.id)",
                "sla_route": "\(due.route)", "sla_attempts": "\(attempts)",
            ].merging(extra) { _, new in new }
        }
        if let error {
            if retryAt == nil {
                let what = "entry \(due.entry.id) (\(escalation.caseID) to \(escalation.tier))"
                logger.error(
                    "\(what) could not be delivered through \(due.route) after \(attempts) attempts: \(error)",
                    metadata: metadata(["message_id": "\(MessageID.deliveryFailed)"]))
            } else {
                logger.info(
                    "entry \(due.entry.id) via \(due.route) failed (attempt \(attempts)), retrying: \(error)",
                    metadata: metadata())
            }
        } else if logDelivered {
            logger.info("entry \(due.entry.id) delivered via \(due.route)", metadata: metadata())
        }
    }

    /// Enough attempts ended to read more (all of them, when fewer than `refill` were in flight).
    private func hasRoom(_ route: String) -> Bool {
        let busy = routeInFlight[route, default: 0]
        return busy == 0 || Self.maxInFlight - busy >= Self.refill
    }

    /// An attempt ended (or was put off): its outcome waits to be recorded.
    private func ended(_ due: DueDelivery) {
        let key = Self.key(due)
        inFlight.remove(key)
        recording.insert(key)
    }

    /// Records the outcomes gathered so far: at once if none were written for a while or many
    /// wait, else when `flushIntervalMillis` have passed since the last write.
    private func scheduleFlush() {
        if outcomes.count >= Self.flushBatch {
            flush()
            return
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        let at = max(.now(), lastFlush + .milliseconds(Self.flushIntervalMillis))
        queue.asyncAfter(deadline: at) {
            self.flushScheduled = false
            self.flush()
        }
    }

    private func flush() {
        lastFlush = .now()
        guard !outcomes.isEmpty else { return }
        let batch = outcomes
        outcomes = []
        defer {
            // Recorded (or not: then still pending in the store, and tried again: at least once).
            recording = []
        }
        do {
            try store.record(batch, at: clock.now())
        } catch {
            logger.error("delivery: cannot record \(batch.count) attempts: \(error)")
            // Still pending and never attempted in the store: read them again.
            for outcome in batch {
                if let started = startedThrough[outcome.route] {
                    startedThrough[outcome.route] = min(started, outcome.entryID - 1)
                }
                retryTimes[outcome.route, default: []].append(clock.now())
            }
        }
    }

    private static func key(_ due: DueDelivery) -> DeliveryKey { DeliveryKey(entry: due.entry.id, route: due.route) }
}

/// One entry's delivery through one route.
private struct DeliveryKey: Hashable {
    let entry: Int64
    let route: String
}
