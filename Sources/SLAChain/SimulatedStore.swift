import Foundation
import SLACore
import SLAStore

/// A store's outbox as its slad would have written it, made by SLACore's Engine from simulated
/// complaints: for the chain benchmark and HQ's tests (HQ's side has no slad to run).
///
/// Cases open through the store's day (09:00 to 22:00, peaks at noon and early evening); each
/// kind follows a script of events at random delays, some late enough to breach and escalate up
/// the tiers; some entries are acknowledged. Every commit a slad would make (an open, an event,
/// a clock falling due, an acknowledgement) becomes the changes its outbox would hold: the case's
/// snapshot, the event, the entries written or changed, with gapless seqs. Deterministic per seed.
public struct SimulatedStore: Sendable {
    /// What the store's slad would hold at the end, and its outbox.
    public struct Outbox: Sendable {
        public var changes: [OutboxChange] = []
        /// Each case as last committed.
        public var cases: [Case] = []
        /// Each entry as last committed, by id.
        public var entries: [QueueEntry] = []

        public init(changes: [OutboxChange] = [], cases: [Case] = [], entries: [QueueEntry] = []) {
            self.changes = changes
            self.cases = cases
            self.entries = entries
        }
    }

    public let storeID: String
    public let engine: Engine
    public let seed: UInt64
    /// Cases opened on an average day.
    public var casesPerDay: Double
    /// Share of escalation entries acknowledged by someone.
    public var ackShare = 0.6
    private let zoneOffsetMillis: Int64 = 8 * 3_600_000  // Asia/Shanghai, the policy's store zone

    public init(storeID: String, policy: Policy, seed: UInt64, casesPerDay: Double = 20) {
        self.storeID = storeID
        self.engine = Engine(policy: policy)
        self.seed = seed
        self.casesPerDay = casesPerDay
    }

    /// The cases opened in `[from, to)` and everything committed about them up to `end`, as the
    /// store's outbox would hold it.
    public func outbox(from: Instant, to: Instant, end: Instant, firstCase: Int = 1) -> Outbox {
        var outbox = Outbox()
        var seq: Int64 = 0
        var latest: [String: Case] = [:]
        var entries: [Int64: QueueEntry] = [:]
        func emit(_ kind: OutboxChange.Kind, _ key: String, _ at: Instant, _ payload: Data) {
            seq += 1
            outbox.changes.append(
                OutboxChange(seq: seq, kind: kind, key: key, committedAt: at.millis, payload: payload))
        }
        walk(from: from, to: to, end: end, firstCase: firstCase) { commit, event, written in
            emit(.caseState, commit.snapshot.id, commit.at, OutboxCodec.encode(commit.snapshot))
            latest[commit.snapshot.id] = commit.snapshot
            if let event { emit(.event, event.caseID, commit.at, OutboxCodec.encode(event)) }
            for entry in written {
                entries[entry.id] = entry
                emit(.entry, "\(entry.id)", commit.at, OutboxCodec.encode(entry))
            }
        } acknowledged: { at, entry in
            entries[entry.id] = entry
            emit(.entry, "\(entry.id)", at, OutboxCodec.encode(entry))
        }
        outbox.cases = latest.values.sorted { $0.opening.openedAt < $1.opening.openedAt }
        outbox.entries = entries.values.sorted { $0.id < $1.id }
        return outbox
    }

    /// The same as the store's commits, for a real `Store` (whose own outbox then holds the
    /// changes): each a batch as slad's group committer would write it. Entry ids are the ones
    /// the store assigns (in order of writing), so the acknowledgements name them right.
    public func batches(from: Instant, to: Instant, end: Instant, firstCase: Int = 1) -> [WriteBatch] {
        var batches: [WriteBatch] = []
        var committed: [String: Case] = [:]
        walk(from: from, to: to, end: end, firstCase: firstCase) { commit, event, _ in
            var batch = WriteBatch(writtenAt: commit.at)
            batch.cases = [commit.snapshot]
            if let previous = committed[commit.snapshot.id] { batch.committed[commit.snapshot.id] = previous }
            committed[commit.snapshot.id] = commit.snapshot
            if var event {
                event.seq = nil
                batch.events = [event]
            }
            batch.escalations = commit.escalations
            batches.append(batch)
        } acknowledged: { at, entry in
            var batch = WriteBatch(writtenAt: at)
            batch.acknowledgements = [Acknowledgement(entryID: entry.id, actor: entry.ackedBy ?? "-", at: at)]
            batches.append(batch)
        }
        return batches
    }

    /// Every commit in time order: `committed` for a case's (with its event and new entries),
    /// `acknowledged` for an entry read and acknowledged by someone.
    private func walk(
        from: Instant, to: Instant, end: Instant, firstCase: Int,
        committed: (Commit, EventRecord?, [QueueEntry]) -> Void, acknowledged: (Instant, QueueEntry) -> Void
    ) {
        var random = SplitMix64(seed: seed)
        var commits: [Commit] = []
        var caseNumber = firstCase
        var day = from.millis - ((from.millis + zoneOffsetMillis) % 86_400_000 + 86_400_000) % 86_400_000
        while day < to.millis {
            let count = poisson(casesPerDay, &random)
            for _ in 0..<count {
                let openedAt = Instant(millis: day + openingOffset(&random))
                guard openedAt >= from, openedAt < to, openedAt <= end else { continue }
                commits += simulateCase(id: "C-\(caseNumber)", openedAt: openedAt, end: end, random: &random)
                caseNumber += 1
            }
            day += 86_400_000
        }
        commits.sort { ($0.at, $0.order) < ($1.at, $1.order) }

        var eventSeq: Int64 = 0
        var entryID: Int64 = 0
        var entries: [Int64: QueueEntry] = [:]
        // Acknowledgements come later than their entries: kept in time order beside the commits.
        var acks: [(at: Instant, id: Int64)] = []
        var ackIndex = 0
        func flushAcks(before instant: Instant?) {
            acks.sort { $0.at < $1.at }
            while ackIndex < acks.count, instant.map({ acks[ackIndex].at < $0 }) ?? true {
                let (at, id) = acks[ackIndex]
                ackIndex += 1
                guard var entry = entries[id], entry.state == .pending else { continue }
                entry.state = .acknowledged
                entry.ackedBy = "manager-\(id % 7)"
                entry.ackedAt = at
                entries[id] = entry
                acknowledged(at, entry)
            }
        }
        for commit in commits {
            flushAcks(before: commit.at)
            var event: EventRecord?
            if let happened = commit.event {
                eventSeq += 1
                event = EventRecord(
                    caseID: commit.snapshot.id, kind: happened.kind, at: happened.at, recordedAt: commit.at,
                    actor: "staff-\(eventSeq % 11)", note: nil, idempotencyKey: nil)
                event?.seq = eventSeq
            }
            var written: [QueueEntry] = []
            for escalation in commit.escalations {
                entryID += 1
                var entry = Self.entryTemplate
                entry.id = entryID
                entry.escalation = escalation
                entry.store = storeID
                entry.caseKind = commit.snapshot.kind
                entry.writtenAt = commit.at
                entry.lateMillis = max(0, commit.at - escalation.dueAt)
                entries[entryID] = entry
                written.append(entry)
                if random.unit() < ackShare {
                    let at = commit.at.adding(millis: Int64(5 + random.unit() * 115) * 60_000)
                    if at <= end { acks.append((at, entryID)) }
                }
            }
            committed(commit, event, written)
        }
        flushAcks(before: nil)
    }

    // MARK: One case

    /// One commit of the store: a case's snapshot, and the event or entries it wrote.
    struct Commit {
        var at: Instant
        var order: Int
        var snapshot: Case
        var event: (kind: String, at: Instant)?
        var escalations: [Escalation]
    }

    /// Delays (minutes after the previous event) of each kind's events: most in time, a tail late.
    static let scripts: [String: [(event: String, minutes: ClosedRange<Double>)]] = [
        "soft-complaint": [("reacted", 2...22), ("checked", 5...30), ("resolved", 10...90), ("revisited", 600...5000)],
        "hard-complaint": [
            ("first-response", 10...75), ("second-response", 40...200), ("resolved", 60...600),
            ("satisfaction-called", 60...1600), ("revisited", 600...5000),
        ],
        "repair-request": [
            ("contacted", 30...1600), ("replied", 600...4000), ("product-returned", 600...4000),
            ("satisfaction-called", 60...1600), ("resolved", 10...300),
        ],
        "market-complaint": [("resolved", 15...80), ("revisited", 600...5000)],
    ]
    static let kinds: [(kind: String, share: Double)] = [
        ("soft-complaint", 0.55), ("hard-complaint", 0.25), ("repair-request", 0.12), ("market-complaint", 0.08),
    ]

    private func simulateCase(id: String, openedAt: Instant, end: Instant, random: inout SplitMix64) -> [Commit] {
        let kind = pick(Self.kinds.map { ($0.kind, $0.share) }, &random)
        let policy = engine.policy
        let categories = policy.categories
        let channels = policy.channels
        let category: String? =
            categories.isEmpty ? nil : categories[Int(random.next() % UInt64(categories.count))]
        let channel: String? = channels.isEmpty ? nil : channels[Int(random.next() % UInt64(channels.count))]
        let amount: Double? = kind == "hard-complaint" ? Double(random.next() % 5000) : nil
        let opening = CaseOpening(
            id: id, kind: kind, store: storeID, category: category, channel: channel, amount: amount,
            openedAt: openedAt)
        guard let opened = try? engine.open(opening, now: openedAt) else { return [] }
        var record = opened.0
        var order = 0
        var commits = [
            Commit(
                at: openedAt, order: order, snapshot: record, event: ("opened", openedAt),
                escalations: opened.1.compactMap { $0.escalation })
        ]
        var at = openedAt
        for step in Self.scripts[kind] ?? [] {
            // One case in ten stalls at some step: its clocks breach and climb the tiers.
            let stall = random.unit() < 0.1 ? random.unit() * 600 : 0
            let span = step.minutes.upperBound - step.minutes.lowerBound
            at = at.adding(millis: Int64((step.minutes.lowerBound + random.unit() * span + stall) * 60_000))
            guard at <= end else { break }
            fire(&record, until: at, commits: &commits, order: &order)
            guard let written = try? engine.record(step.event, at: at, on: &record, now: at) else { continue }
            order += 1
            commits.append(
                Commit(
                    at: at, order: order, snapshot: record, event: (step.event, at),
                    escalations: written.compactMap { $0.escalation }))
        }
        fire(&record, until: end, commits: &commits, order: &order)
        return commits
    }

    /// The store's scheduler: each clock falling due before `until` is a commit of its own.
    private func fire(_ record: inout Case, until: Instant, commits: inout [Commit], order: inout Int) {
        while let due = record.nextDue, due <= until {
            let effects = engine.advance(&record, to: due)
            order += 1
            commits.append(
                Commit(
                    at: due, order: order, snapshot: record, event: nil, escalations: effects.compactMap { $0.escalation }))
            if effects.isEmpty && record.nextDue == due { break }  // nothing moves: do not spin
        }
    }

    // MARK: The outbox

    /// QueueEntry has no public memberwise initializer; its fields are public vars, so one entry
    /// read from its Codable form is the template of all.
    static let entryTemplate: QueueEntry = {
        let json = """
            {"id":0,"escalation":{"caseID":"C-0","clock":"c","cycle":1,"tier":"t","kind":"breach",
            "dueAt":"2026-01-01T00:00:00Z","deadline":"2026-01-01T00:00:00Z"},"store":"S","caseKind":"k",
            "writtenAt":"2026-01-01T00:00:00Z","lateMillis":0,"state":"pending"}
            """
        // The literal above is a valid QueueEntry; a failure here is a changed QueueEntry.
        return try! JSONDecoder().decode(QueueEntry.self, from: Data(json.utf8))
    }()

    // MARK: Randomness

    /// Milliseconds after local midnight at which a case opens: store hours, two peaks.
    private func openingOffset(_ random: inout SplitMix64) -> Int64 {
        let hours: [(Double, Double)] = [
            (9, 3), (10, 5), (11, 8), (12, 9), (13, 7), (14, 5), (15, 5), (16, 5), (17, 6), (18, 8), (19, 9),
            (20, 7), (21, 4),
        ]
        let hour = pick(hours.map { ($0.0, $0.1) }, &random)
        return Int64((hour + random.unit()) * 3_600_000) - zoneOffsetMillis
    }

    private func pick<T>(_ weighted: [(T, Double)], _ random: inout SplitMix64) -> T {
        let total = weighted.reduce(0) { $0 + $1.1 }
        var point = random.unit() * total
        for (value, weight) in weighted {
            point -= weight
            if point < 0 { return value }
        }
        return weighted[weighted.count - 1].0
    }

    private func poisson(_ mean: Double, _ random: inout SplitMix64) -> Int {
        // Normal approximation: the means here are tens.
        let u1 = max(random.unit(), 1e-12)
        let u2 = random.unit()
        let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        return max(0, Int((mean + normal * mean.squareRoot()).rounded()))
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// In [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
