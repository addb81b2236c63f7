import Foundation
import SLACore
import Testing

/// A case opened at a known instant, events recorded on it, and the deadline one clock must have.
struct DeadlineScenario: Sendable, CustomTestStringConvertible {
    var clock: String
    var kind: String
    var openedAt: String
    var channel: String? = nil
    var amount: Double? = nil
    var events: [(event: String, at: String)] = []
    var deadline: String

    var testDescription: String { "\(clock): \(kind) opened \(openedAt) -> \(deadline)" }

    /// Every clock of the default policy has at least one scenario (checked below).
    static let all: [DeadlineScenario] = [
        // Tuesday 2026-03-10, an ordinary day.
        .init(
            clock: "soft-first-reaction", kind: "soft-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-10T10:15:00+08:00"),
        .init(
            clock: "soft-first-reaction", kind: "soft-complaint", openedAt: "2026-03-10T21:50:00+08:00",
            deadline: "2026-03-11T09:05:00+08:00"),
        .init(
            clock: "soft-first-reaction", kind: "soft-complaint", openedAt: "2026-03-11T02:00:00+08:00",
            deadline: "2026-03-11T09:15:00+08:00"),  // phoned in at night: counts from opening
        .init(
            clock: "soft-check", kind: "soft-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-10T10:30:00+08:00"),
        .init(
            clock: "soft-check", kind: "soft-complaint", openedAt: "2026-02-15T21:45:00+08:00",
            deadline: "2026-02-17T09:15:00+08:00"),  // over the closed 02-16
        .init(
            clock: "hard-first-response", kind: "hard-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-10T11:00:00+08:00"),
        .init(
            clock: "hard-second-response", kind: "hard-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-10T13:00:00+08:00"),
        .init(
            clock: "hard-second-response", kind: "hard-complaint", openedAt: "2026-03-10T20:00:00+08:00",
            deadline: "2026-03-11T10:00:00+08:00"),
        .init(
            clock: "hard-satisfaction-call", kind: "hard-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            events: [("resolved", "2026-03-10T15:00:00+08:00")], deadline: "2026-03-11T15:00:00+08:00"),
        .init(
            clock: "hard-satisfaction-call", kind: "hard-complaint", openedAt: "2026-02-15T10:00:00+08:00",
            events: [("resolved", "2026-02-15T23:30:00+08:00")], deadline: "2026-02-16T23:30:00+08:00"),
        .init(
            clock: "repair-contact", kind: "repair-request", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-11T22:00:00+08:00"),
        .init(
            clock: "repair-contact", kind: "repair-request", openedAt: "2026-02-15T10:00:00+08:00",
            deadline: "2026-02-17T22:00:00+08:00"),
        .init(
            clock: "repair-concrete-reply", kind: "repair-request", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-13T10:00:00+08:00"),
        .init(
            clock: "repair-satisfaction-call", kind: "repair-request", openedAt: "2026-03-10T10:00:00+08:00",
            events: [("contacted", "2026-03-10T11:00:00+08:00"), ("product-returned", "2026-03-12T09:30:00+08:00")],
            deadline: "2026-03-13T09:30:00+08:00"),
        .init(
            clock: "revisit", kind: "hard-complaint", openedAt: "2026-02-13T09:30:00+08:00",
            events: [("resolved", "2026-02-13T10:00:00+08:00")], deadline: "2026-02-25T18:00:00+08:00"),
        .init(
            clock: "revisit", kind: "soft-complaint", openedAt: "2026-09-18T09:00:00+08:00",
            events: [("resolved", "2026-09-18T10:00:00+08:00")], deadline: "2026-09-22T18:00:00+08:00"),
        .init(
            clock: "revisit", kind: "market-complaint", openedAt: "2026-09-30T09:00:00+08:00", amount: 800,
            events: [("resolved", "2026-09-30T10:00:00+08:00")], deadline: "2026-10-10T18:00:00+08:00"),
        .init(
            clock: "revisit", kind: "quality-inspection", openedAt: "2025-12-31T09:00:00+08:00",
            events: [("resolved", "2025-12-31T10:00:00+08:00")], deadline: "2026-01-06T18:00:00+08:00"),
        .init(
            clock: "market-quick-resolution", kind: "market-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            amount: 1500, deadline: "2026-03-10T11:00:00+08:00"),
        .init(
            clock: "market-quick-resolution", kind: "market-complaint", openedAt: "2026-03-10T21:30:00+08:00",
            amount: 1500, deadline: "2026-03-11T09:30:00+08:00"),
        .init(
            clock: "market-resolution", kind: "market-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            amount: 5000, deadline: "2026-03-13T22:00:00+08:00"),
        .init(
            clock: "market-resolution", kind: "market-complaint", openedAt: "2026-02-13T10:00:00+08:00",
            amount: 2000, deadline: "2026-02-17T22:00:00+08:00"),
        .init(
            clock: "inspection-resolution", kind: "quality-inspection", openedAt: "2026-03-10T10:00:00+08:00",
            deadline: "2026-03-13T22:00:00+08:00"),
        .init(
            clock: "inspection-resolution", kind: "quality-inspection", openedAt: "2026-03-10T10:00:00+08:00",
            events: [
                ("inspection-requested", "2026-03-11T10:00:00+08:00"),
                ("inspection-report-received", "2026-03-20T15:00:00+08:00"),
            ], deadline: "2026-03-23T22:00:00+08:00"),
        .init(
            clock: "phone-closure", kind: "soft-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            channel: "phone", deadline: "2026-03-11T22:00:00+08:00"),
        .init(
            clock: "phone-closure", kind: "hard-complaint", openedAt: "2026-02-15T20:00:00+08:00",
            channel: "phone", deadline: "2026-02-17T22:00:00+08:00"),
        .init(
            clock: "phone-closure", kind: "market-complaint", openedAt: "2026-03-10T10:00:00+08:00",
            channel: "phone", amount: 5000, deadline: "2026-03-11T22:00:00+08:00"),
        .init(
            clock: "phone-closure", kind: "quality-inspection", openedAt: "2026-03-10T23:00:00+08:00",
            channel: "phone", deadline: "2026-03-11T22:00:00+08:00"),
    ]
}

@Suite("Deadlines of every default clock, through the engine")
struct DeadlineTests {
    @Test(arguments: DeadlineScenario.all)
    func deadline(_ scenario: DeadlineScenario) throws {
        var book = CaseBook(engine: Fixtures.engine)
        let opened = t(scenario.openedAt)
        let effects = try book.open(
            opening("c", scenario.kind, at: scenario.openedAt, channel: scenario.channel, amount: scenario.amount),
            now: opened)
        for (event, at) in scenario.events {
            try book.record(event, on: "c", at: t(at), now: t(at))
        }
        let record = try #require(book["c"])
        let clock = try #require(record.clock(scenario.clock), "the case does not run \(scenario.clock)")
        #expect(clock.status == .running)
        #expect(clock.deadline == t(scenario.deadline), "\(cst(clock.deadline))")
        if scenario.events.isEmpty {
            #expect(clock.startedAt == opened)
            #expect(clock.cycle == 1)
            #expect(
                effects.contains(
                    .clockStarted(caseID: "c", clock: scenario.clock, cycle: 1, deadline: t(scenario.deadline)))
            )
        }
    }

    @Test func everyClockOfTheDefaultPolicyIsCovered() {
        let covered = Set(DeadlineScenario.all.map(\.clock))
        #expect(covered == Set(Fixtures.policy.clocks.map(\.name)))
        #expect(covered.count == 13)
    }

    @Test func marketComplaintsChooseTheirClockByAmount() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let at = t("2026-03-10T10:00:00+08:00")
        try book.open(opening("small", "market-complaint", at: "2026-03-10T10:00:00+08:00", amount: 1500), now: at)
        try book.open(opening("large", "market-complaint", at: "2026-03-10T10:00:00+08:00", amount: 5000), now: at)
        try book.open(opening("edge", "market-complaint", at: "2026-03-10T10:00:00+08:00", amount: 2000), now: at)
        try book.open(opening("unknown", "market-complaint", at: "2026-03-10T10:00:00+08:00"), now: at)

        let small = try #require(book["small"])
        #expect(small.clock("market-quick-resolution")?.deadline == t("2026-03-10T11:00:00+08:00"))
        #expect(small.clock("market-resolution") == nil)

        let large = try #require(book["large"])
        #expect(large.clock("market-resolution")?.deadline == t("2026-03-13T22:00:00+08:00"))
        #expect(large.clock("market-quick-resolution") == nil)

        // 2000 is not "under 2000".
        #expect(book["edge"]?.clock("market-resolution") != nil)
        #expect(book["edge"]?.clock("market-quick-resolution") == nil)
        // No amount: the quicker rule.
        #expect(book["unknown"]?.clock("market-quick-resolution") != nil)
        #expect(book["unknown"]?.clock("market-resolution") == nil)
    }

    @Test func phoneClosureOnlyForPhoneComplaints() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let at = t("2026-03-10T10:00:00+08:00")
        for (id, channel) in [("phone", "phone"), ("shop", "in-store"), ("web", "online"), ("gov", "authority")] {
            try book.open(opening(id, "hard-complaint", at: "2026-03-10T10:00:00+08:00", channel: channel), now: at)
        }
        try book.open(opening("none", "hard-complaint", at: "2026-03-10T10:00:00+08:00"), now: at)
        #expect(book["phone"]?.clock("phone-closure")?.deadline == t("2026-03-11T22:00:00+08:00"))
        for id in ["shop", "web", "gov", "none"] {
            #expect(book[id]?.clock("phone-closure") == nil, "\(id)")
        }
        // A repair request does not run the complaint closure clock even by phone.
        try book.open(opening("repair", "repair-request", at: "2026-03-10T10:00:00+08:00", channel: "phone"), now: at)
        #expect(book["repair"]?.clock("phone-closure") == nil)
    }

    @Test func clocksThatWaitForTheirEventArePending() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let effects = try book.open(
            opening("h", "hard-complaint", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        let record = try #require(book["h"])
        #expect(
            record.clocks.map(\.name) == [
                "hard-first-response", "hard-satisfaction-call", "hard-second-response", "revisit",
            ])
        #expect(record.clock("revisit")?.status == .pending)
        #expect(record.clock("revisit")?.deadline == nil)
        #expect(record.clock("hard-satisfaction-call")?.status == .pending)
        #expect(
            effects == [
                .clockStarted(
                    caseID: "h", clock: "hard-first-response", cycle: 1, deadline: t("2026-03-10T11:00:00+08:00")),
                .clockStarted(
                    caseID: "h", clock: "hard-second-response", cycle: 1, deadline: t("2026-03-10T13:00:00+08:00")),
            ])
        #expect(record.nextDue == t("2026-03-10T10:48:00+08:00"))  // the warning at 80% of the first hour
    }
}
