import Foundation
import SLACore
import Testing

@Suite("Escalation over days of virtual time")
struct EscalationTests {
    /// A hard complaint opened Tuesday 2026-03-10 at 20:00, two hours before the store closes.
    static let opened = "2026-03-10T20:00:00+08:00"

    static let firstResponse: [Escalation] = [
        entry(
            "h1", "hard-first-response", "service-desk", .warning, due: "2026-03-10T20:48:00+08:00",
            deadline: "2026-03-10T21:00:00+08:00"),
        entry(
            "h1", "hard-first-response", "duty-supervisor", .breach, due: "2026-03-10T21:00:00+08:00",
            deadline: "2026-03-10T21:00:00+08:00"),
        entry(
            "h1", "hard-first-response", "store-manager", .breach, due: "2026-03-10T22:00:00+08:00",
            deadline: "2026-03-10T21:00:00+08:00"),
        // The store is closed from 22:00: the next hour of open time ends at 10:00.
        entry(
            "h1", "hard-first-response", "department-head", .breach, due: "2026-03-11T10:00:00+08:00",
            deadline: "2026-03-10T21:00:00+08:00"),
        entry(
            "h1", "hard-first-response", "hq", .breach, due: "2026-03-11T11:00:00+08:00",
            deadline: "2026-03-10T21:00:00+08:00"),
    ]

    static let secondResponse: [Escalation] = [
        // 3h of open time: 2h until closing, 1h the next morning. 80% is 2h24m.
        entry(
            "h1", "hard-second-response", "service-desk", .warning, due: "2026-03-11T09:24:00+08:00",
            deadline: "2026-03-11T10:00:00+08:00"),
        entry(
            "h1", "hard-second-response", "store-manager", .breach, due: "2026-03-11T10:00:00+08:00",
            deadline: "2026-03-11T10:00:00+08:00"),
        entry(
            "h1", "hard-second-response", "department-head", .breach, due: "2026-03-11T11:00:00+08:00",
            deadline: "2026-03-11T10:00:00+08:00"),
        entry(
            "h1", "hard-second-response", "hq", .breach, due: "2026-03-11T12:00:00+08:00",
            deadline: "2026-03-11T10:00:00+08:00"),
    ]

    @Test func aHardComplaintLeftAloneClimbsEveryTier() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let start = t(Self.opened)
        try book.open(opening("h1", "hard-complaint", at: Self.opened), now: start)
        let step = 5 * minute
        let emitted = run(&book, from: start, to: t("2026-03-14T20:00:00+08:00"), every: step)

        // Only escalations, nothing else, and each at the first step at or after it fell due.
        #expect(emitted.allSatisfy { $0.1.escalation != nil })
        for (now, effect) in emitted {
            let due = try #require(effect.escalation?.dueAt)
            #expect(due <= now && now - due < step, "\(effect) emitted at \(cst(now))")
        }
        let entries = emitted.compactMap { $0.1.escalation }
        #expect(entries.filter { $0.clock == "hard-first-response" } == Self.firstResponse)
        #expect(entries.filter { $0.clock == "hard-second-response" } == Self.secondResponse)
        #expect(entries.count == 9)

        let record = try #require(book["h1"])
        #expect(record.clock("hard-first-response")?.status == .breached)
        #expect(record.clock("hard-first-response")?.escalatedTier == 4)
        #expect(record.isOverdue)
        #expect(record.nextDue == nil)
        #expect(book.nextDue == nil)
        // Days later, still nothing more.
        #expect(book.advance(to: t("2026-04-30T12:00:00+08:00")).isEmpty)
    }

    @Test func oneJumpEmitsTheSameEntriesInDueOrder() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(opening("h1", "hard-complaint", at: Self.opened), now: t(Self.opened))
        #expect(book.nextDue == t("2026-03-10T20:48:00+08:00"))
        let now = t("2026-03-13T08:00:00+08:00")
        let entries = escalations(book.advance(to: now))
        #expect(entries.count == 9)
        #expect(entries.filter { $0.clock == "hard-first-response" } == Self.firstResponse)
        #expect(entries.filter { $0.clock == "hard-second-response" } == Self.secondResponse)
        #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.dueAt <= $1.dueAt })
        // The same `now` again: no duplicates.
        #expect(book.advance(to: now).isEmpty)
        #expect(book.advance(to: now.adding(millis: 1)).isEmpty)
    }

    @Test func openingLateCatchesUpAtOnce() throws {
        // A case entered the next day, dated when it was phoned in: everything due so far is emitted.
        let engine = Fixtures.engine
        let (record, effects) = try engine.open(
            opening("h1", "hard-complaint", at: Self.opened), now: t("2026-03-11T10:30:00+08:00"))
        let entries = escalations(effects)
        #expect(entries.count == 6)
        #expect(
            Array(entries.prefix(4)) == [
                Self.firstResponse[0], Self.firstResponse[1], Self.firstResponse[2], Self.secondResponse[0],
            ])
        // Both due at 10:00: in either order.
        #expect(Set(entries.dropFirst(4)) == [Self.firstResponse[3], Self.secondResponse[1]])
        #expect(record.nextDue == t("2026-03-11T11:00:00+08:00"))
    }

    @Test func advancingStepByStepOrAllAtOnceAgrees() throws {
        var stepped = CaseBook(engine: Fixtures.engine)
        var jumped = CaseBook(engine: Fixtures.engine)
        let kinds = ["soft-complaint", "hard-complaint", "repair-request", "market-complaint", "quality-inspection"]
        for (index, kind) in kinds.enumerated() {
            let text = "2026-02-13T1\(5 + index):15:00+08:00"
            for book in [0, 1] {
                let item = opening("\(kind)-\(index)", kind, at: text, channel: "phone", amount: 900)
                if book == 0 { try stepped.open(item, now: t(text)) } else { try jumped.open(item, now: t(text)) }
            }
        }
        let end = t("2026-03-10T00:00:00+08:00")
        let byStep = run(&stepped, from: t("2026-02-13T15:00:00+08:00"), to: end, every: 7 * minute).map(\.1)
        let atOnce = jumped.advance(to: end)
        #expect(Set(byStep) == Set(atOnce))
        #expect(byStep.count == atOnce.count)
        #expect(
            Set(escalations(atOnce).map(\.clock)) == [
                "soft-first-reaction", "soft-check", "phone-closure", "hard-first-response", "hard-second-response",
                "repair-contact", "repair-concrete-reply", "market-quick-resolution", "inspection-resolution",
            ])
        // Every entry is unique by (case, clock, cycle, tier, kind).
        let keys = escalations(atOnce).map { "\($0.caseID)/\($0.clock)/\($0.cycle)/\($0.tier)/\($0.kind)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test func theRevisitClimbsOnWorkingDays() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("r", "hard-complaint", at: "2026-09-18T09:00:00+08:00"), now: t("2026-09-18T09:00:00+08:00"))
        try book.record(
            "first-response", on: "r", at: t("2026-09-18T09:10:00+08:00"), now: t("2026-09-18T09:10:00+08:00"))
        try book.record(
            "second-response", on: "r", at: t("2026-09-18T09:20:00+08:00"), now: t("2026-09-18T09:20:00+08:00"))
        let resolved = try book.record(
            "resolved", on: "r", at: t("2026-09-18T10:00:00+08:00"), now: t("2026-09-18T10:00:00+08:00"))
        #expect(
            resolved.contains(
                .clockStarted(caseID: "r", clock: "revisit", cycle: 1, deadline: t("2026-09-22T18:00:00+08:00"))))
        #expect(
            resolved.contains(
                .clockStarted(
                    caseID: "r", clock: "hard-satisfaction-call", cycle: 1, deadline: t("2026-09-19T10:00:00+08:00"))))
        try book.record(
            "satisfaction-called", on: "r", at: t("2026-09-18T15:00:00+08:00"), now: t("2026-09-18T15:00:00+08:00"))

        let emitted = run(
            &book, from: t("2026-09-18T15:00:00+08:00"), to: t("2026-10-20T00:00:00+08:00"), every: 30 * minute)
        let deadline = "2026-09-22T18:00:00+08:00"
        #expect(
            emitted.compactMap { $0.1.escalation } == [
                // Open time Fri 8h + Sun (make-up day) 9h + Mon 9h + Tue 9h = 35h; 80% = 28h ends Tue 11:00.
                entry("r", "revisit", "service-desk", .warning, due: "2026-09-22T11:00:00+08:00", deadline: deadline),
                entry("r", "revisit", "duty-supervisor", .breach, due: deadline, deadline: deadline),
                entry("r", "revisit", "store-manager", .breach, due: "2026-09-23T18:00:00+08:00", deadline: deadline),
                entry("r", "revisit", "department-head", .breach, due: "2026-09-24T18:00:00+08:00", deadline: deadline),
                // 09-25 is a holiday, then a weekend.
                entry("r", "revisit", "hq", .breach, due: "2026-09-28T18:00:00+08:00", deadline: deadline),
            ])
    }
}

@Suite("Clocks that are satisfied, paused, restarted or cancelled")
struct ClockLifecycleTests {
    @Test func aSatisfiedClockNeverEscalates() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("h", "hard-complaint", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        let first = try book.record(
            "first-response", on: "h", at: t("2026-03-10T10:30:00+08:00"), now: t("2026-03-10T10:30:00+08:00"))
        #expect(
            first == [
                .clockMet(
                    caseID: "h", clock: "hard-first-response", at: t("2026-03-10T10:30:00+08:00"), lateByMillis: 0)
            ])
        // The second response after its warning (12:24) but before its deadline (13:00).
        let second = try book.record(
            "second-response", on: "h", at: t("2026-03-10T12:50:00+08:00"), now: t("2026-03-10T12:50:00+08:00"))
        #expect(
            second == [
                .escalation(
                    entry(
                        "h", "hard-second-response", "service-desk", .warning, due: "2026-03-10T12:24:00+08:00",
                        deadline: "2026-03-10T13:00:00+08:00")),
                .clockMet(
                    caseID: "h", clock: "hard-second-response", at: t("2026-03-10T12:50:00+08:00"), lateByMillis: 0),
            ])
        let later = run(&book, from: t("2026-03-10T12:50:00+08:00"), to: t("2026-03-20T00:00:00+08:00"), every: hour)
        #expect(later.isEmpty)
        let record = try #require(book["h"])
        #expect(record.clock("hard-first-response")?.status == .met)
        #expect(record.clock("hard-second-response")?.status == .met)
        #expect(record.clock("hard-first-response")?.satisfiedAt == t("2026-03-10T10:30:00+08:00"))
        #expect(record.nextDue == nil)
        #expect(!record.isOverdue)
    }

    @Test func pauseStopsTheClockAndResumeContinuesIt() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let opened = t("2026-03-10T10:00:00+08:00")
        try book.open(opening("r", "repair-request", at: "2026-03-10T10:00:00+08:00"), now: opened)
        #expect(book["r"]?.clock("repair-concrete-reply")?.deadline == t("2026-03-13T10:00:00+08:00"))

        let paused = try book.record(
            "awaiting-customer", on: "r", at: t("2026-03-10T15:00:00+08:00"), now: t("2026-03-10T15:00:00+08:00"))
        #expect(
            paused == [.clockPaused(caseID: "r", clock: "repair-concrete-reply", at: t("2026-03-10T15:00:00+08:00"))])
        let whilePaused = try #require(book["r"]?.clock("repair-concrete-reply"))
        #expect(whilePaused.status == .paused)
        #expect(whilePaused.usedMillis == 5 * hour)
        #expect(whilePaused.deadline == nil)
        #expect(whilePaused.nextDue == nil)
        // The other clock of the case runs on.
        #expect(book["r"]?.clock("repair-contact")?.status == .running)

        // Ten hours later the customer answers: 67h are left, so the deadline moves 10h later.
        let resumed = try book.record(
            "customer-responded", on: "r", at: t("2026-03-11T01:00:00+08:00"), now: t("2026-03-11T01:00:00+08:00"))
        #expect(
            resumed == [
                .clockResumed(caseID: "r", clock: "repair-concrete-reply", deadline: t("2026-03-13T20:00:00+08:00"))
            ])
        let running = try #require(book["r"]?.clock("repair-concrete-reply"))
        #expect(running.status == .running)
        #expect(running.budgetMillis == 72 * hour)
        #expect(running.deadline == t("2026-03-13T20:00:00+08:00"))
        // 80% of 72h is 57h36m of running time: 5h before the pause, 52h36m after it.
        #expect(running.warnAt == t("2026-03-13T05:36:00+08:00"))
        let used = try #require(Fixtures.engine.usedFraction(of: running, at: t("2026-03-12T08:00:00+08:00")))
        #expect(abs(used - 36.0 / 72.0) < 1e-9)  // 5h + 31h

        var book2 = book
        let atOldDeadline = escalations(
            book2.advance(to: t("2026-03-13T19:59:59+08:00")), clock: "repair-concrete-reply")
        #expect(
            atOldDeadline == [
                entry(
                    "r", "repair-concrete-reply", "service-desk", .warning, due: "2026-03-13T05:36:00+08:00",
                    deadline: "2026-03-13T20:00:00+08:00")
            ])
        let atNewDeadline = escalations(
            book2.advance(to: t("2026-03-13T20:00:00+08:00")), clock: "repair-concrete-reply")
        #expect(
            atNewDeadline == [
                entry(
                    "r", "repair-concrete-reply", "store-manager", .breach, due: "2026-03-13T20:00:00+08:00",
                    deadline: "2026-03-13T20:00:00+08:00")
            ])
        // Every 12h a tier higher, up to hq.
        let climbing = escalations(book2.advance(to: t("2026-03-20T00:00:00+08:00")), clock: "repair-concrete-reply")
        #expect(climbing.map(\.tier) == ["department-head", "hq"])
        #expect(climbing.map(\.dueAt) == [t("2026-03-14T08:00:00+08:00"), t("2026-03-14T20:00:00+08:00")])

        // Replied while running: met, and nothing more.
        let met = try book.record(
            "replied", on: "r", at: t("2026-03-12T10:00:00+08:00"), now: t("2026-03-12T10:00:00+08:00"))
        #expect(
            met.contains(
                .clockMet(
                    caseID: "r", clock: "repair-concrete-reply", at: t("2026-03-12T10:00:00+08:00"), lateByMillis: 0)))
        #expect(book["r"]?.clock("repair-concrete-reply")?.usedMillis == 5 * hour + 33 * hour)
    }

    @Test func aClockMetWhilePausedIsMet() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("r", "repair-request", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        try book.record(
            "awaiting-customer", on: "r", at: t("2026-03-10T12:00:00+08:00"), now: t("2026-03-10T12:00:00+08:00"))
        let effects = try book.record(
            "replied", on: "r", at: t("2026-03-20T12:00:00+08:00"), now: t("2026-03-20T12:00:00+08:00"))
        #expect(
            effects.contains(
                .clockMet(
                    caseID: "r", clock: "repair-concrete-reply", at: t("2026-03-20T12:00:00+08:00"), lateByMillis: 0)))
        #expect(escalations(effects, clock: "repair-concrete-reply").isEmpty)
        #expect(book["r"]?.clock("repair-concrete-reply")?.status == .met)
    }

    @Test func anInspectionReportRestartsTheClock() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("q", "quality-inspection", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        #expect(book["q"]?.clock("inspection-resolution")?.deadline == t("2026-03-13T22:00:00+08:00"))
        let requested = try book.record(
            "inspection-requested", on: "q", at: t("2026-03-11T10:00:00+08:00"), now: t("2026-03-11T10:00:00+08:00"))
        #expect(
            requested == [.clockPaused(caseID: "q", clock: "inspection-resolution", at: t("2026-03-11T10:00:00+08:00"))]
        )
        // While the product is at the lab, the clock says nothing, though its first deadline passes.
        #expect(
            run(&book, from: t("2026-03-11T10:00:00+08:00"), to: t("2026-03-20T15:00:00+08:00"), every: hour).isEmpty)

        let report = try book.record(
            "inspection-report-received", on: "q", at: t("2026-03-20T15:00:00+08:00"),
            now: t("2026-03-20T15:00:00+08:00"))
        // Three days counted from the report (Friday): Monday 03-23 at closing.
        #expect(
            report == [
                .clockRestarted(
                    caseID: "q", clock: "inspection-resolution", cycle: 2, deadline: t("2026-03-23T22:00:00+08:00"))
            ])
        let clock = try #require(book["q"]?.clock("inspection-resolution"))
        #expect(clock.cycle == 2)
        #expect(clock.startedAt == t("2026-03-20T15:00:00+08:00"))
        #expect(clock.usedMillis == 0)
        // Open time from the report: 7h + 13h + 13h + 13h = 46h; 80% = 36h48m ends Monday 12:48.
        #expect(clock.budgetMillis == 46 * hour)
        let deadline = "2026-03-23T22:00:00+08:00"
        let entries = escalations(book.advance(to: t("2026-03-30T00:00:00+08:00")), clock: "inspection-resolution")
        #expect(
            entries == [
                entry(
                    "q", "inspection-resolution", cycle: 2, "service-desk", .warning, due: "2026-03-23T12:48:00+08:00",
                    deadline: deadline),
                entry(
                    "q", "inspection-resolution", cycle: 2, "store-manager", .breach, due: deadline, deadline: deadline),
                entry(
                    "q", "inspection-resolution", cycle: 2, "department-head", .breach,
                    due: "2026-03-24T22:00:00+08:00",
                    deadline: deadline),
                entry(
                    "q", "inspection-resolution", cycle: 2, "hq", .breach, due: "2026-03-25T22:00:00+08:00",
                    deadline: deadline),
            ])
    }

    @Test func aSecondReportRestartsAgainAndABreachedCycleClimbsAfresh() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("q", "quality-inspection", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        // No request recorded: the first cycle breaches on 03-13 at 22:00 and climbs.
        let first = escalations(book.advance(to: t("2026-03-14T23:00:00+08:00")), clock: "inspection-resolution")
        #expect(first.map(\.tier) == ["service-desk", "store-manager", "department-head"])
        #expect(first.allSatisfy { $0.cycle == 1 })
        let report = try book.record(
            "inspection-report-received", on: "q", at: t("2026-03-14T23:00:00+08:00"),
            now: t("2026-03-14T23:00:00+08:00"))
        // From Saturday 03-14 after closing: 03-15, 03-16, 03-17.
        #expect(
            report == [
                .clockRestarted(
                    caseID: "q", clock: "inspection-resolution", cycle: 2, deadline: t("2026-03-17T22:00:00+08:00"))
            ])
        let second = escalations(book.advance(to: t("2026-03-17T22:00:00+08:00")), clock: "inspection-resolution")
        #expect(second.map(\.tier) == ["service-desk", "store-manager"])
        #expect(second.allSatisfy { $0.cycle == 2 })
        #expect(second.last?.dueAt == t("2026-03-17T22:00:00+08:00"))
    }

    @Test func revisitStartsWhenTheCaseIsResolved() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("s", "soft-complaint", at: "2026-09-18T09:00:00+08:00"), now: t("2026-09-18T09:00:00+08:00"))
        #expect(book["s"]?.clock("revisit")?.status == .pending)
        // Revisited before resolution: nothing happens to a clock that has not started.
        #expect(
            try book.record(
                "revisited", on: "s", at: t("2026-09-18T09:05:00+08:00"), now: t("2026-09-18T09:05:00+08:00")
            ).isEmpty)
        let effects = try book.record(
            "resolved", on: "s", at: t("2026-09-18T10:00:00+08:00"), now: t("2026-09-18T10:00:00+08:00"))
        #expect(
            effects.contains(
                .clockStarted(caseID: "s", clock: "revisit", cycle: 1, deadline: t("2026-09-22T18:00:00+08:00"))))
        let record = try #require(book["s"])
        #expect(record.status == .resolved)
        #expect(record.resolvedAt == t("2026-09-18T10:00:00+08:00"))
        #expect(record.clock("revisit")?.startedAt == t("2026-09-18T10:00:00+08:00"))
        let met = try book.record(
            "revisited", on: "s", at: t("2026-09-21T10:00:00+08:00"), now: t("2026-09-21T10:00:00+08:00"))
        #expect(
            met.contains(.clockMet(caseID: "s", clock: "revisit", at: t("2026-09-21T10:00:00+08:00"), lateByMillis: 0)))
    }

    @Test func closingCancelsRunningClocksAndMeetsPhoneClosure() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("p", "soft-complaint", at: "2026-03-10T10:00:00+08:00", channel: "phone"),
            now: t("2026-03-10T10:00:00+08:00"))
        try book.record("reacted", on: "p", at: t("2026-03-10T10:05:00+08:00"), now: t("2026-03-10T10:05:00+08:00"))
        let closed = try book.record(
            "closed", on: "p", at: t("2026-03-10T10:20:00+08:00"), now: t("2026-03-10T10:20:00+08:00"))
        #expect(
            closed == [
                .clockMet(caseID: "p", clock: "phone-closure", at: t("2026-03-10T10:20:00+08:00"), lateByMillis: 0),
                .clockCancelled(caseID: "p", clock: "revisit"),
                .clockCancelled(caseID: "p", clock: "soft-check"),
            ])
        let record = try #require(book["p"])
        #expect(record.status == .closed)
        #expect(record.closedAt == t("2026-03-10T10:20:00+08:00"))
        #expect(record.clock("phone-closure")?.status == .met)
        #expect(record.clock("soft-first-reaction")?.status == .met)
        #expect(record.clock("soft-check")?.status == .cancelled)
        #expect(record.clock("soft-check")?.deadline == nil)
        #expect(record.clock("revisit")?.status == .cancelled)
        #expect(record.nextDue == nil)
        #expect(book.advance(to: t("2026-04-10T10:00:00+08:00")).isEmpty)
    }

    @Test func closingAnOverdueCaseStopsTheClimb() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("s", "soft-complaint", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        let sofar = escalations(book.advance(to: t("2026-03-10T10:40:00+08:00")))
        #expect(
            Set(sofar) == [
                entry(
                    "s", "soft-first-reaction", "service-desk", .warning, due: "2026-03-10T10:12:00+08:00",
                    deadline: "2026-03-10T10:15:00+08:00"),
                entry(
                    "s", "soft-first-reaction", "duty-supervisor", .breach, due: "2026-03-10T10:15:00+08:00",
                    deadline: "2026-03-10T10:15:00+08:00"),
                entry(
                    "s", "soft-first-reaction", "store-manager", .breach, due: "2026-03-10T10:30:00+08:00",
                    deadline: "2026-03-10T10:15:00+08:00"),
                entry(
                    "s", "soft-check", "service-desk", .warning, due: "2026-03-10T10:24:00+08:00",
                    deadline: "2026-03-10T10:30:00+08:00"),
                entry(
                    "s", "soft-check", "duty-supervisor", .breach, due: "2026-03-10T10:30:00+08:00",
                    deadline: "2026-03-10T10:30:00+08:00"),
            ])
        #expect(sofar.count == 5)
        #expect(book["s"]?.isOverdue == true)
        let closed = try book.record(
            "closed", on: "s", at: t("2026-03-10T10:40:00+08:00"), now: t("2026-03-10T10:40:00+08:00"))
        #expect(closed == [.clockCancelled(caseID: "s", clock: "revisit")])
        #expect(book["s"]?.clock("soft-check")?.status == .breached)
        #expect(book["s"]?.isOverdue == false)
        #expect(book.advance(to: t("2026-03-12T10:00:00+08:00")).isEmpty)
    }

    @Test func aLateRecordedEventDatedBeforeTheDeadlineMeetsTheClock() throws {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(
            opening("h", "hard-complaint", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        let breach = escalations(book.advance(to: t("2026-03-10T11:30:00+08:00")), clock: "hard-first-response")
        #expect(breach.map(\.kind) == [.warning, .breach])
        #expect(book["h"]?.clock("hard-first-response")?.status == .breached)

        // Staff enter at 11:30 the response they gave at 10:50.
        let effects = try book.record(
            "first-response", on: "h", at: t("2026-03-10T10:50:00+08:00"), now: t("2026-03-10T11:30:00+08:00"))
        #expect(
            effects == [
                .clockMet(
                    caseID: "h", clock: "hard-first-response", at: t("2026-03-10T10:50:00+08:00"), lateByMillis: 0)
            ])
        let clock = try #require(book["h"]?.clock("hard-first-response"))
        #expect(clock.status == .met)
        #expect(clock.satisfiedAt == t("2026-03-10T10:50:00+08:00"))
        #expect(clock.nextDue == nil)

        // The second response given at 13:30, entered at 14:30: late by 30 minutes, and stays a breach.
        let before = escalations(book.advance(to: t("2026-03-10T14:30:00+08:00")), clock: "hard-second-response")
        #expect(before.map(\.tier) == ["service-desk", "store-manager", "department-head"])
        let late = try book.record(
            "second-response", on: "h", at: t("2026-03-10T13:30:00+08:00"), now: t("2026-03-10T14:30:00+08:00"))
        #expect(
            late == [
                .clockMet(
                    caseID: "h", clock: "hard-second-response", at: t("2026-03-10T13:30:00+08:00"),
                    lateByMillis: 30 * minute)
            ])
        let second = try #require(book["h"]?.clock("hard-second-response"))
        #expect(second.status == .breached)
        #expect(second.satisfiedAt == t("2026-03-10T13:30:00+08:00"))
        #expect(book["h"]?.isOverdue == false)
        // Neither climbs any further (hq would have been told at 15:00 and 12:00).
        #expect(book.advance(to: t("2026-03-15T00:00:00+08:00")).isEmpty)
    }
}

@Suite("Typed errors, and a failed record changes nothing")
struct EngineErrorTests {
    static let openedAt = t("2026-03-10T10:00:00+08:00")

    func makeBook() throws -> CaseBook {
        var book = CaseBook(engine: Fixtures.engine)
        try book.open(opening("c1", "hard-complaint", at: "2026-03-10T10:00:00+08:00"), now: Self.openedAt)
        return book
    }

    @Test func unknownAndDuplicateCases() throws {
        var book = try makeBook()
        let before = book.cases
        #expect(
            engineError { try book.record("first-response", on: "nope", at: Self.openedAt, now: Self.openedAt) }
                == .unknownCase("nope"))
        #expect(
            engineError {
                try book.open(opening("c1", "soft-complaint", at: "2026-03-10T11:00:00+08:00"), now: Self.openedAt)
            }
                == .duplicateCase("c1"))
        #expect(book.cases == before)
        #expect(EngineError.unknownCase("x").code == "unknown_case")
        #expect(EngineError.duplicateCase("x").code == "duplicate_case")
    }

    @Test func unknownKindCategoryAndChannel() throws {
        var book = try makeBook()
        let kinds = ["hard-complaint", "market-complaint", "quality-inspection", "repair-request", "soft-complaint"]
        let error = engineError {
            try book.open(opening("c2", "gripe", at: "2026-03-10T10:00:00+08:00"), now: Self.openedAt)
        }
        #expect(error == .unknownCaseKind("gripe", known: kinds))
        #expect(error?.code == "unknown_case_kind")
        #expect(
            engineError {
                try book.open(
                    opening("c2", "soft-complaint", at: "2026-03-10T10:00:00+08:00", category: "gripes"),
                    now: Self.openedAt)
            } == .unknownCategory("gripes", known: ["product-quality", "service-attitude", "facilities", "other"]))
        #expect(
            engineError {
                try book.open(
                    opening("c2", "soft-complaint", at: "2026-03-10T10:00:00+08:00", channel: "fax"), now: Self.openedAt
                )
            } == .unknownChannel("fax", known: ["phone", "in-store", "authority", "online"]))
        #expect(book["c2"] == nil)
        try book.open(
            opening("c2", "soft-complaint", at: "2026-03-10T10:00:00+08:00", channel: "online", category: "facilities"),
            now: Self.openedAt)
        #expect(book["c2"] != nil)
    }

    @Test func unknownEventKinds() throws {
        var book = try makeBook()
        let before = book["c1"]
        let known = ["closed", "first-response", "resolved", "revisited", "satisfaction-called", "second-response"]
        #expect(
            engineError { try book.record("reacted", on: "c1", at: Self.openedAt, now: Self.openedAt) }
                == .unknownEventKind(event: "reacted", caseKind: "hard-complaint", known: known))
        #expect(
            engineError { try book.record("opened", on: "c1", at: Self.openedAt, now: Self.openedAt) }?.code
                == "unknown_event_kind")
        #expect(book["c1"] == before)
    }

    @Test func closedAndResolvedCases() throws {
        var book = try makeBook()
        let at = t("2026-03-10T10:30:00+08:00")
        try book.record("resolved", on: "c1", at: at, now: at)
        let resolved = book["c1"]
        #expect(engineError { try book.record("resolved", on: "c1", at: at, now: at) } == .alreadyResolved("c1"))
        #expect(book["c1"] == resolved)
        try book.record("closed", on: "c1", at: at, now: at)
        let closed = book["c1"]
        #expect(engineError { try book.record("revisited", on: "c1", at: at, now: at) } == .caseClosed("c1"))
        #expect(engineError { try book.record("closed", on: "c1", at: at, now: at) }?.code == "case_closed")
        #expect(book["c1"] == closed)
    }

    @Test func eventsMustBeDatedInOrderAndNotInTheFuture() throws {
        var book = try makeBook()
        let early = t("2026-03-10T09:59:59.999+08:00")
        #expect(
            engineError { try book.record("first-response", on: "c1", at: early, now: Self.openedAt) }
                == .eventBeforeOpening(caseID: "c1", eventAt: early, openedAt: Self.openedAt))

        let first = t("2026-03-10T10:30:00+08:00")
        try book.record("first-response", on: "c1", at: first, now: first)
        let afterFirst = book["c1"]
        let earlier = t("2026-03-10T10:20:00+08:00")
        #expect(
            engineError { try book.record("second-response", on: "c1", at: earlier, now: first) }
                == .eventOutOfOrder(caseID: "c1", eventAt: earlier, lastEventAt: first))
        #expect(book["c1"] == afterFirst)

        // Up to 60 s ahead of `now` is clock skew; more is an error.
        let now = t("2026-03-10T10:40:00+08:00")
        let tooLate = t("2026-03-10T10:41:00.001+08:00")
        #expect(
            engineError { try book.record("second-response", on: "c1", at: tooLate, now: now) }
                == .eventInFuture(eventAt: tooLate, now: now))
        #expect(book["c1"] == afterFirst)
        #expect(
            engineError {
                try book.open(opening("c3", "soft-complaint", at: "2026-03-10T10:41:00.001+08:00"), now: now)
            }
                == .eventInFuture(eventAt: tooLate, now: now))
        #expect(book["c3"] == nil)
        let skewed = t("2026-03-10T10:41:00+08:00")
        let effects = try book.record("second-response", on: "c1", at: skewed, now: now)
        #expect(effects == [.clockMet(caseID: "c1", clock: "hard-second-response", at: skewed, lateByMillis: 0)])
        // An event at the same instant as the last one is in order.
        try book.record("resolved", on: "c1", at: skewed, now: now)
        #expect(book["c1"]?.status == .resolved)
    }

    @Test func errorMessagesAndCodes() {
        let at = t("2026-03-10T10:00:00+08:00")
        let errors: [(EngineError, String)] = [
            (.unknownCase("a"), "unknown_case"),
            (.duplicateCase("a"), "duplicate_case"),
            (.unknownCaseKind("a", known: []), "unknown_case_kind"),
            (.unknownEventKind(event: "e", caseKind: "k", known: []), "unknown_event_kind"),
            (.unknownCategory("a", known: []), "unknown_category"),
            (.unknownChannel("a", known: []), "unknown_channel"),
            (.caseClosed("a"), "case_closed"),
            (.alreadyResolved("a"), "already_resolved"),
            (.eventBeforeOpening(caseID: "a", eventAt: at, openedAt: at), "event_before_opening"),
            (.eventOutOfOrder(caseID: "a", eventAt: at, lastEventAt: at), "event_out_of_order"),
            (.eventInFuture(eventAt: at, now: at), "event_in_future"),
            (.noDeadline(clock: "c", calendar: "k"), "no_deadline"),
        ]
        for (error, code) in errors {
            #expect(error.code == code)
            #expect(!error.description.isEmpty)
        }
        #expect(EngineError.unknownCase("x9").description.contains("x9"))
    }

    /// A policy whose second clock runs on a calendar that is never open again after 2026-03-10.
    static func policyWithADeadCalendar() -> Policy {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let once = BusinessCalendar(
            name: "once", zone: zone, weekly: [:], dateHours: [day("2026-03-10"): [OpeningInterval("09:00-18:00")!]])
        return Policy(
            tiers: [Tier(id: "desk", title: "Desk"), Tier(id: "boss", title: "Boss")],
            calendars: ["always": .alwaysOpen(zone: zone), "once": once],
            kinds: ["job": CaseKind(id: "job", title: "Job", events: ["started"])],
            clocks: [
                ClockDefinition(
                    name: "a", title: "A", kinds: ["job"], startsOn: ["opened"], metBy: ["resolved"],
                    target: Target(value: 1, unit: .hours), calendar: "always", warnAt: 0.5, warnTier: 0,
                    escalateTo: 1, escalateEvery: nil),
                ClockDefinition(
                    name: "b", title: "B", kinds: ["job"], startsOn: ["started"], metBy: ["resolved"],
                    target: Target(value: 1, unit: .hours), calendar: "once", warnAt: nil, warnTier: 0,
                    escalateTo: 1, escalateEvery: nil),
            ])
    }

    @Test func aFailedRecordLeavesTheCaseUnchanged() throws {
        var book = CaseBook(engine: Engine(policy: Self.policyWithADeadCalendar()))
        try book.open(opening("j", "job", at: "2026-03-11T10:00:00+08:00"), now: t("2026-03-11T10:00:00+08:00"))
        let before = try #require(book["j"])
        #expect(before.clock("a")?.warnAt == t("2026-03-11T10:30:00+08:00"))
        // Recording at 10:45 first brings the case to 10:45 (the warning of clock a), then fails to start b.
        let at = t("2026-03-11T10:45:00+08:00")
        #expect(
            engineError { try book.record("started", on: "j", at: at, now: at) }
                == .noDeadline(clock: "b", calendar: "once"))
        #expect(book["j"] == before)
        #expect(book["j"]?.clock("a")?.warned == false)
        #expect(book["j"]?.lastEventAt == t("2026-03-11T10:00:00+08:00"))
        // The warning is not lost: it comes with the next advance.
        #expect(escalations(book.advance(to: at)).map(\.kind) == [.warning])
        // On the one day the calendar is open, the same event starts the clock.
        var other = CaseBook(engine: Engine(policy: Self.policyWithADeadCalendar()))
        try other.open(opening("k", "job", at: "2026-03-10T10:00:00+08:00"), now: t("2026-03-10T10:00:00+08:00"))
        let started = try other.record(
            "started", on: "k", at: t("2026-03-10T10:10:00+08:00"), now: t("2026-03-10T10:10:00+08:00"))
        #expect(started == [.clockStarted(caseID: "k", clock: "b", cycle: 1, deadline: t("2026-03-10T11:10:00+08:00"))])
    }
}
