import SLACore
import Testing

/// Events recorded after the fact, dated before what slad has already done.
@Suite struct LateEventTests {
    static let opened = "2026-03-02T10:00:00+08:00"

    /// A repair request opened 100 h ago: its 72 h clock breached and climbed. A pause dated 99 h
    /// ago would unsay that: refused, naming the clock and its deadline, the case unchanged.
    @Test func aPauseDatedBeforeAnEscalatedBreachIsRefused() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let now = t(Self.opened).adding(millis: 100 * hour)
        try book.open(opening("r1", "repair-request", at: Self.opened), now: now)
        let before = book["r1"]
        #expect(before?.clock("repair-concrete-reply")?.status == .breached)

        let error = engineError {
            try book.record("awaiting-customer", on: "r1", at: t("2026-03-02T11:00:00+08:00"), now: now)
        }
        #expect(
            error
                == .pauseAfterBreach(
                    caseID: "r1", clock: "repair-concrete-reply", eventAt: t("2026-03-02T11:00:00+08:00"),
                    deadline: t("2026-03-05T10:00:00+08:00")))
        #expect(error?.code == "pause_after_breach")
        #expect(book["r1"] == before)
    }

    /// The same late pause while the clock is still running is applied from its date.
    @Test func aLatePauseBeforeTheDeadlineStopsTheClockFromItsDate() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let now = t(Self.opened).adding(millis: 60 * hour)
        try book.open(opening("r2", "repair-request", at: Self.opened), now: now)
        try book.record("awaiting-customer", on: "r2", at: t("2026-03-02T11:00:00+08:00"), now: now)
        let clock = try #require(book["r2"]?.clock("repair-concrete-reply"))
        #expect(clock.status == .paused)
        #expect(clock.usedMillis == 1 * hour)
        #expect(book.advance(to: now.adding(millis: 100 * hour)).isEmpty)  // paused: nothing falls due
    }

    /// A late satisfying event dated before the deadline counts as met in time, breach or not.
    @Test func aLateReplyDatedBeforeTheDeadlineIsMetInTime() throws {
        var book = CaseBook(engine: Fixtures.engine)
        let now = t(Self.opened).adding(millis: 100 * hour)
        try book.open(opening("r3", "repair-request", at: Self.opened), now: now)
        try book.record("replied", on: "r3", at: t("2026-03-04T10:00:00+08:00"), now: now)
        #expect(book["r3"]?.clock("repair-concrete-reply")?.status == .met)
    }
}
