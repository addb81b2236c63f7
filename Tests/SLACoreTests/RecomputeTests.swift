import SLACore
import Testing

/// Reload recomputes: running clocks follow the new calendars and targets, on the virtual clock.
@Suite struct RecomputeTests {
    /// A soft complaint resolved at `resolvedAt`: its revisit clock (3wd, office calendar) runs.
    func resolvedCase(_ id: String, resolvedAt: String, engine: Engine = Fixtures.engine) throws -> Case {
        let openedAt = t(resolvedAt).adding(millis: -3_600_000)
        var (record, _) = try engine.open(
            CaseOpening(id: id, kind: "soft-complaint", store: "S01", openedAt: openedAt), now: openedAt)
        _ = try engine.record(
            "reacted", at: openedAt.adding(millis: 60_000), on: &record, now: openedAt.adding(millis: 60_000))
        _ = try engine.record(
            "checked", at: openedAt.adding(millis: 120_000), on: &record, now: openedAt.adding(millis: 120_000))
        _ = try engine.record("resolved", at: t(resolvedAt), on: &record, now: t(resolvedAt))
        return record
    }

    @Test func aRevisitAcrossTheYearEndIsProvisionalUntilNextYearsFileArrives() throws {
        var record = try resolvedCase("C-1", resolvedAt: "2026-12-30T10:00:00+08:00")
        #expect(record.clock("revisit")?.deadline == t("2027-01-04T18:00:00+08:00"))
        #expect(Fixtures.engine.provisionalClocks(of: record).map(\.clock) == ["revisit"])

        let reloaded = Engine(policy: try HolidayFixtures.with2027)
        let result = reloaded.recompute(&record, now: t("2026-12-31T09:00:00+08:00"))
        #expect(
            result.moves == [
                DeadlineMove(
                    caseID: "C-1", clock: "revisit", from: t("2027-01-04T18:00:00+08:00"),
                    to: t("2027-01-05T18:00:00+08:00"))
            ])
        #expect(result.later == 1 && result.earlier == 0)
        #expect(result.effects.isEmpty)
        #expect(record.clock("revisit")?.deadline == t("2027-01-05T18:00:00+08:00"))
        #expect(reloaded.provisionalClocks(of: record).isEmpty)
        // The warning moved with it: 80% of the new budget, not of the old.
        #expect(record.clock("revisit")?.warnAt == t("2027-01-05T11:00:00+08:00"))
    }

    @Test func aQueueEntryOfAProvisionalDeadlineSaysSo() {
        func entry(deadline: String) -> Escalation {
            Escalation(
                caseID: "C-1", clock: "revisit", cycle: 1, tier: "service-desk", kind: .warning,
                dueAt: t(deadline).adding(millis: -3_600_000), deadline: t(deadline))
        }
        #expect(Fixtures.policy.provisionalReason(of: entry(deadline: "2027-01-04T18:00:00+08:00")) != nil)
        #expect(Fixtures.policy.provisionalReason(of: entry(deadline: "2026-12-31T18:00:00+08:00")) == nil)
    }

    @Test func aCalendarThatGainsAHolidayMovesTheDeadlineAndTheBreachFallsDueOnce() throws {
        var record = try resolvedCase("C-2", resolvedAt: "2026-11-23T10:00:00+08:00")
        #expect(record.clock("revisit")?.deadline == t("2026-11-26T18:00:00+08:00"))
        let holiday = Engine(
            policy: try HolidayFixtures.edited([
                (
                    #"holidays = ["holidays/cn-*.json"]"#,
                    #"holidays = ["holidays/cn-*.json"]"# + "\nclosed = [\"2026-11-25\"]"
                )
            ]))
        let result = holiday.recompute(&record, now: t("2026-11-26T12:00:00+08:00"))
        #expect(result.moves.map(\.to) == [t("2026-11-27T18:00:00+08:00")])
        // Nothing at the old deadline...
        #expect(escalations(holiday.advance(&record, to: t("2026-11-26T18:30:00+08:00")), clock: "revisit").isEmpty)
        // ...the breach at the new one, once.
        let due = escalations(holiday.advance(&record, to: t("2026-11-27T18:00:00+08:00")), clock: "revisit")
            .filter { $0.kind == .breach }
        #expect(due.map(\.dueAt) == [t("2026-11-27T18:00:00+08:00")])
        #expect(due.map(\.tier) == ["duty-supervisor"])
        #expect(escalations(holiday.advance(&record, to: t("2026-11-27T18:00:01+08:00"))).isEmpty)
        // A second reload on the same policy moves nothing and writes nothing.
        let again = holiday.recompute(&record, now: t("2026-11-27T18:00:02+08:00"))
        #expect(again.moves.isEmpty && again.effects.isEmpty)
    }

    @Test func aDeadlineMovedIntoThePastIsBreachedAtOnceAndOnce() throws {
        var record = try resolvedCase("C-3", resolvedAt: "2026-11-23T10:00:00+08:00")
        let shorter = Engine(
            policy: try HolidayFixtures.edited([
                ("met-by = [\"revisited\"]\ntarget = \"3wd\"", "met-by = [\"revisited\"]\ntarget = \"1wd\"")
            ]))
        let now = t("2026-11-26T12:00:00+08:00")
        let result = shorter.recompute(&record, now: now)
        #expect(result.earlier == 1)
        let entries = escalations(result.effects, clock: "revisit")
        // The warning, the breach due on Tuesday at 18:00 and the next tier due Wednesday 18:00 (1wd
        // later), all written now: the store marks each late by the difference.
        #expect(entries.map(\.kind) == [.warning, .breach, .breach])
        #expect(entries.map(\.tier) == ["service-desk", "duty-supervisor", "store-manager"])
        #expect(entries[1].dueAt == t("2026-11-24T18:00:00+08:00"))
        #expect(record.clock("revisit")?.status == .breached)
        let again = shorter.recompute(&record, now: now.adding(millis: 1000))
        #expect(again.moves.isEmpty && again.effects.isEmpty)
    }

    @Test func aClockAlreadyBreachedKeepsItsDeadlineAndItsEntries() throws {
        var record = try resolvedCase("C-4", resolvedAt: "2026-11-23T10:00:00+08:00")
        let told = escalations(Fixtures.engine.advance(&record, to: t("2026-11-27T10:00:00+08:00")), clock: "revisit")
        #expect(told.map(\.kind) == [.warning, .breach])
        let before = record.clock("revisit")!
        let holiday = Engine(
            policy: try HolidayFixtures.edited([
                (
                    #"holidays = ["holidays/cn-*.json"]"#,
                    #"holidays = ["holidays/cn-*.json"]"# + "\nclosed = [\"2026-11-25\"]"
                )
            ]))
        let result = holiday.recompute(&record, now: t("2026-11-27T10:00:00+08:00"))
        #expect(result.moves.isEmpty && result.effects.isEmpty)
        let after = record.clock("revisit")!
        #expect(after.status == .breached)
        #expect(after.deadline == before.deadline)
        #expect(after.escalatedTier == before.escalatedTier)
        // The next tier is counted again on the new calendar: 1wd after Thursday 18:00 is Friday 18:00.
        #expect(after.nextEscalationAt == t("2026-11-27T18:00:00+08:00"))
    }

    @Test func aPausedClockKeepsWhatItUsed() throws {
        // repair-concrete-reply (72h, always) pauses while awaiting the customer.
        let engine = Fixtures.engine
        var (record, _) = try engine.open(
            CaseOpening(id: "C-5", kind: "repair-request", store: "S01", openedAt: t("2026-11-23T10:00:00+08:00")),
            now: t("2026-11-23T10:00:00+08:00"))
        let pause = Fixtures.policy.clock(named: "repair-concrete-reply")!.pausesOn.first!
        let resume = Fixtures.policy.clock(named: "repair-concrete-reply")!.resumesOn.first!
        _ = try engine.record(
            pause, at: t("2026-11-23T20:00:00+08:00"), on: &record, now: t("2026-11-23T20:00:00+08:00"))
        _ = try engine.record(
            resume, at: t("2026-11-24T10:00:00+08:00"), on: &record, now: t("2026-11-24T10:00:00+08:00"))
        // 10 h used, 62 h left from Tuesday 10:00: Thursday 24:00.
        #expect(record.clock("repair-concrete-reply")?.deadline == t("2026-11-27T00:00:00+08:00"))
        let longer = Engine(
            policy: try HolidayFixtures.edited([("target = \"72h\"", "target = \"96h\"")]))
        let result = longer.recompute(&record, now: t("2026-11-24T11:00:00+08:00"))
        #expect(result.moves.map(\.to) == [t("2026-11-28T00:00:00+08:00")])
    }
}
