import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAReports
import SLAStore
import Testing

/// HQ's report (PostgreSQL's counts) and a store's (its cases counted one by one) agree on a month
/// made by hand to hold every clock state: met, breached late and still unmet, running, paused,
/// pending, cancelled, restarted; open, resolved and closed cases; lateness to the satisfaction,
/// to `now`, to the closing, and clamped at zero; categories and channels known, unknown and none;
/// warnings and breaches to known and unknown tiers; skipped entries; the period's edges.
@Suite(.serialized) struct HQReportStatesTests {
    static let policy = HQReportTests.policy

    struct Month {
        var cases: [Case] = []
        var entries: [QueueEntry] = []
    }

    /// A clock in a given state; instants are minutes after `base`.
    static func clock(
        _ name: String, _ status: ClockStatus, cycle: Int = 1, base: Instant, deadline: Int64? = nil,
        satisfied: Int64? = nil, paused: Int64? = nil
    ) -> ClockState {
        var clock = ClockState(name: name)
        clock.status = status
        clock.cycle = cycle
        if cycle > 0 { clock.startedAt = base }
        clock.deadline = deadline.map { base.adding(seconds: $0 * 60) }
        clock.satisfiedAt = satisfied.map { base.adding(seconds: $0 * 60) }
        clock.pausedAt = paused.map { base.adding(seconds: $0 * 60) }
        return clock
    }

    static func month(store: String, period: ReportPeriod, now: Instant) throws -> Month {
        var month = Month()
        var number = 0
        func add(
            _ kind: String, at base: Instant, status: CaseStatus = .open, category: String? = "product-quality",
            channel: String? = "phone", closed: Instant? = nil, _ clocks: [ClockState]
        ) {
            number += 1
            month.cases.append(
                Case(
                    opening: CaseOpening(
                        id: "C-\(number)", kind: kind, store: store, category: category, channel: channel,
                        openedAt: base),
                    status: status, resolvedAt: status == .open ? nil : (closed ?? base.adding(seconds: 7200)),
                    closedAt: status == .closed ? closed : nil, lastEventAt: base, clocks: clocks))
        }
        let day = period.from.adding(seconds: 3 * 86_400 + 10 * 3600)  // the 4th, 10:00
        // Open: met, running, pending.
        add(
            "soft-complaint", at: day,
            [
                clock("soft-first-reaction", .met, base: day, deadline: 15, satisfied: 10),
                clock("soft-check", .running, base: day, deadline: 60 * 24 * 400),
                clock("phone-closure", .pending, cycle: 0, base: day),
            ])
        // Open: breached and unmet (late until now), paused.
        add(
            "hard-complaint", at: day.adding(seconds: 600), category: "facilities", channel: "in-store",
            [
                clock("hard-first-response", .breached, base: day.adding(seconds: 600), deadline: 30),
                clock("hard-second-response", .paused, base: day.adding(seconds: 600), deadline: 300, paused: 5),
            ])
        // Resolved: breached late (satisfied), met, a restarted clock breached in its second cycle.
        add(
            "hard-complaint", at: day.adding(seconds: 86_400), status: .resolved, category: nil, channel: nil,
            [
                clock("hard-first-response", .breached, base: day.adding(seconds: 86_400), deadline: 30, satisfied: 95),
                clock("hard-second-response", .met, base: day.adding(seconds: 86_400), deadline: 300, satisfied: 100),
                clock("hard-satisfaction-call", .breached, cycle: 2, base: day.adding(seconds: 86_400), deadline: 60),
            ])
        // Closed: breached unmet (late until the closing), cancelled, breached with its deadline
        // after the closing (clamped at zero), breached without a deadline (no lateness).
        let closedAt = day.adding(seconds: 2 * 86_400 + 5 * 3600)
        add(
            "repair-request", at: day.adding(seconds: 2 * 86_400), status: .closed, category: "not-in-policy",
            channel: "carrier-pigeon", closed: closedAt,
            [
                clock("repair-contact", .breached, base: day.adding(seconds: 2 * 86_400), deadline: 120),
                clock("repair-concrete-reply", .cancelled, cycle: 0, base: day.adding(seconds: 2 * 86_400)),
                clock("repair-satisfaction-call", .breached, base: day.adding(seconds: 2 * 86_400), deadline: 600),
                clock("revisit", .breached, base: day.adding(seconds: 2 * 86_400)),
            ])
        // Closed after `now` (a report made before the closing's instant): late until now.
        add(
            "market-complaint", at: period.to.adding(seconds: -3600), status: .closed,
            closed: now.adding(seconds: 3600),
            [clock("market-quick-resolution", .breached, base: period.to.adding(seconds: -3600), deadline: 10)])
        // The edges: the first instant is in, the last instant's end and the day before are not.
        add("soft-complaint", at: period.from, [clock("soft-first-reaction", .met, base: period.from, deadline: 15)])
        add("soft-complaint", at: period.to, [clock("soft-first-reaction", .breached, base: period.to, deadline: 1)])
        add(
            "soft-complaint", at: period.from.adding(seconds: -1),
            [clock("soft-first-reaction", .breached, base: period.from.adding(seconds: -1), deadline: 1)])

        // Entries: warnings and breaches to known tiers, one to a tier no longer in the policy,
        // one skipped (told nobody), and one of a case outside the period.
        let entries: [(caseNumber: Int, tier: String, kind: Escalation.Kind, state: String)] = [
            (2, "service-desk", .warning, "delivered"), (2, "duty-supervisor", .breach, "acknowledged"),
            (2, "hq", .breach, "pending"), (3, "service-desk", .warning, "delivered"),
            (3, "store-manager", .breach, "delivered"), (4, "regional-office", .breach, "delivered"),
            (4, "duty-supervisor", .breach, "skipped"), (8, "service-desk", .breach, "delivered"),
            (5, "hq", .warning, "pending"),
        ]
        for (index, entry) in entries.enumerated() {
            month.entries.append(
                try ChainFixture.queueEntry(
                    id: Int64(index + 1), caseID: "C-\(entry.caseNumber)", tier: entry.tier, state: entry.state,
                    ackedBy: entry.state == "acknowledged" ? "amy" : nil, store: store, at: day,
                    kind: entry.kind))
        }
        return month
    }

    static func changes(_ month: Month) -> [OutboxChange] {
        var changes: [OutboxChange] = []
        for record in month.cases {
            changes.append(
                OutboxChange(
                    seq: Int64(changes.count + 1), kind: .caseState, key: record.id,
                    committedAt: record.opening.openedAt.millis, payload: OutboxCodec.encode(record)))
        }
        for entry in month.entries {
            changes.append(
                OutboxChange(
                    seq: Int64(changes.count + 1), kind: .entry, key: "\(entry.id)",
                    committedAt: entry.writtenAt.millis, payload: OutboxCodec.encode(entry)))
        }
        return changes
    }

    static func local(_ month: Month, period: ReportPeriod, store: String?, now: Instant) -> ComplianceReport {
        ComplianceReport(
            policy: policy, period: period, store: store, cases: month.cases,
            escalations: month.entries.filter { $0.state != .skipped }.map(\.escalation), now: now)
    }

    @Test func everyClockStateCountsTheSameAtHQ() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let period = try ReportPeriod.month("2026-10", in: Self.policy.storeCalendar!)
        let now = period.to.adding(seconds: 86_400)
        let (a, b) = (hq.store("A01"), hq.store("B01"))
        var months: [String: Month] = [:]
        for store in [a, b] {
            _ = try await HQRoles.addStore(store, password: "secret-\(store)", on: hq.admin)
            let month = try Self.month(store: store, period: period, now: now)
            // As the store's login, so that the report's rows are written under its row level security.
            let login = try await hq.connect(as: HQRoles.roleName(forStore: store), password: "secret-\(store)")
            try await HQWriter.apply(store: store, changes: Self.changes(month), on: login)
            try await login.close()
            months[store] = month
        }

        let own = Self.local(months[a]!, period: period, store: a, now: now)
        let atHQ = try await HQReport.make(policy: Self.policy, period: period, store: a, now: now, on: hq.admin)
        #expect(atHQ.render(.json) == own.render(.json))
        #expect(atHQ.render(.csv) == own.render(.csv))
        #expect(atHQ.render(.table) == own.render(.table))

        // The month holds what it was made to hold (so that the equality above says something).
        let rows = Dictionary(atHQ.clocks.map { ($0.clock, $0) }) { first, _ in first }
        #expect(atHQ.summary.cases == 6 && atHQ.summary.open == 3)
        #expect(atHQ.summary.resolved == 1 && atHQ.summary.closed == 2)
        #expect(rows["soft-first-reaction"]?.met == 2 && rows["soft-check"]?.running == 1)
        #expect(rows["phone-closure"]?.pending == 1 && rows["phone-closure"]?.ran == 0)
        #expect(rows["hard-second-response"]?.running == 1 && rows["hard-second-response"]?.met == 1)
        #expect(rows["repair-concrete-reply"]?.cancelled == 1)
        #expect(rows["hard-first-response"]?.breached == 2 && rows["hard-first-response"]?.unmet == 1)
        let dayLate = now - (period.from.adding(seconds: 3 * 86_400 + 10 * 3600 + 600 + 30 * 60))
        #expect(rows["hard-first-response"]?.lateness == [65 * 60_000, dayLate])  // to its satisfaction; to now
        #expect(rows["repair-contact"]?.lateness == [3 * 3_600_000])  // to the closing
        #expect(rows["repair-satisfaction-call"]?.lateness == [0])  // the deadline came after the closing
        #expect(rows["revisit"]?.breached == 1 && rows["revisit"]?.lateness == [])
        #expect(rows["market-quick-resolution"]?.lateness == [86_400_000 + 3_000_000])  // to now, not the closing
        #expect(atHQ.categories.map(\.cases) == [3, 0, 1, 0, 1, 1])  // the policy's, the unknown, none
        #expect(atHQ.channels.last?.value == nil && atHQ.channels.last?.cases == 1)
        #expect(atHQ.escalations.map(\.tier).last == "regional-office")
        #expect(atHQ.summary.escalations == 7)  // the skipped one and the outside case's are not

        // The chain: both stores, a line each, as the local report of the two stores' cases.
        var both = months[a]!
        for record in months[b]!.cases {
            var renamed = record
            renamed.opening.id = b + "/" + record.id  // the stores' case ids collide
            both.cases.append(renamed)
        }
        let chain = try await HQReport.make(policy: Self.policy, period: period, now: now, on: hq.admin)
        let bEntries = months[b]!.entries.filter { $0.state != .skipped }.map { entry in
            Escalation(
                caseID: b + "/" + entry.escalation.caseID, clock: entry.escalation.clock,
                cycle: entry.escalation.cycle, tier: entry.escalation.tier, kind: entry.escalation.kind,
                dueAt: entry.escalation.dueAt, deadline: entry.escalation.deadline)
        }
        let chainOwn = ComplianceReport(
            policy: Self.policy, period: period, cases: both.cases,
            escalations: months[a]!.entries.filter { $0.state != .skipped }.map(\.escalation) + bEntries, now: now)
        #expect(chain.render(.json) == chainOwn.render(.json))
        #expect(chain.stores?.map(\.store) == [a, b] && chain.summary.cases == 12)
    }
}
