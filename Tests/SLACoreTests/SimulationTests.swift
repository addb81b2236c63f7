import SLACore
import Testing

/// What-if replay and policy diff on a fixture month of October 2026, counted by hand.
@Suite struct SimulationTests {
    /// The change under test: the first reaction within 5 minutes instead of 15, and an office
    /// holiday on Thursday 2026-10-15.
    static func changedPolicy() throws -> Policy {
        try HolidayFixtures.edited([
            ("met-by = [\"reacted\"]\ntarget = \"15m\"", "met-by = [\"reacted\"]\ntarget = \"5m\""),
            (
                #"holidays = ["holidays/cn-*.json"]"#,
                #"holidays = ["holidays/cn-*.json"]"# + "\nclosed = [\"2026-10-15\"]"
            ),
        ])
    }

    /// A: reacted after 10 minutes, checked after 25. B: reacted and checked after 18 minutes,
    /// resolved Tuesday 10-13 10:00, revisited Monday 10-19 09:30.
    static let cases: [RecordedCase] = [
        RecordedCase(
            opening: CaseOpening(
                id: "A", kind: "soft-complaint", store: "S01", openedAt: t("2026-10-12T10:00:00+08:00")),
            events: [("reacted", t("2026-10-12T10:10:00+08:00")), ("checked", t("2026-10-12T10:25:00+08:00"))]),
        RecordedCase(
            opening: CaseOpening(
                id: "B", kind: "soft-complaint", store: "S01", openedAt: t("2026-10-12T11:00:00+08:00")),
            events: [
                ("reacted", t("2026-10-12T11:18:00+08:00")), ("checked", t("2026-10-12T11:18:00+08:00")),
                ("resolved", t("2026-10-13T10:00:00+08:00")), ("revisited", t("2026-10-19T09:30:00+08:00")),
            ]),
    ]

    @Test func aShorterTargetAndAnAddedHolidayChangeTheseOutcomes() throws {
        let simulation = Simulation(
            cases: Self.cases, old: Fixtures.policy, new: try Self.changedPolicy(),
            until: t("2026-11-01T00:00:00+08:00"))
        #expect(simulation.cases == 2)
        #expect(simulation.notReplayed.isEmpty)
        let rows = Dictionary(uniqueKeysWithValues: simulation.rows.map { ($0.clock, $0) })
        #expect(rows.keys.sorted() == ["revisit", "soft-check", "soft-first-reaction"])
        // Before: A in 10 of 15 minutes, B 3 minutes late. After (5m): both late.
        #expect(rows["soft-first-reaction"]?.before == Simulation.Counts(met: 1, breached: 1, open: 0))
        #expect(rows["soft-first-reaction"]?.after == Simulation.Counts(met: 0, breached: 2, open: 0))
        #expect(rows["soft-check"]?.before == Simulation.Counts(met: 2, breached: 0, open: 0))
        #expect(rows["soft-check"]?.after == Simulation.Counts(met: 2, breached: 0, open: 0))
        // B's revisit: due Friday 10-16 18:00 before (late on Monday); Monday 10-19 18:00 after the holiday.
        #expect(rows["revisit"]?.before == Simulation.Counts(met: 0, breached: 1, open: 0))
        #expect(rows["revisit"]?.after == Simulation.Counts(met: 1, breached: 0, open: 0))
        // Breaches told: before B's reaction and B's revisit, after A's and B's reactions; each only
        // to the duty supervisor (each was met before the next tier's instant).
        let tiers = Dictionary(uniqueKeysWithValues: simulation.escalations.map { ($0.tier, ($0.before, $0.after)) })
        #expect(tiers["duty-supervisor"]! == (2, 2))
        #expect(tiers["store-manager"]! == (0, 0))
        #expect(
            simulation.changes.map(\.description) == [
                "A soft-first-reaction: met -> met late", "B revisit: met late -> met",
            ])
    }

    @Test func theSamePolicyChangesNothing() {
        let simulation = Simulation(
            cases: Self.cases, old: Fixtures.policy, new: Fixtures.policy, until: t("2026-11-01T00:00:00+08:00"))
        #expect(simulation.changes.isEmpty)
        #expect(simulation.rows.allSatisfy { $0.before == $0.after })
    }

    @Test func anExportLineIsACase() throws {
        let line =
            #"{"id":"C-7","kind":"soft-complaint","store":"S01","opened_at":"2026-10-12T10:00:00+08:00","clocks":[],"#
            + #""events":[{"kind":"opened","at":"2026-10-12T10:00:00+08:00","recorded_at":"2026-10-12T10:00:00+08:00"},"#
            + #"{"kind":"reacted","at":"2026-10-12T10:10:00.500+08:00","recorded_at":"2026-10-12T10:10:00+08:00"}]}"#
        let recorded = try RecordedCase.fromExportLine(Array(line.utf8), line: 1)
        #expect(recorded.opening.id == "C-7")
        #expect(recorded.events.map(\.kind) == ["reacted"])
        #expect(recorded.events.first?.at == t("2026-10-12T10:10:00.500+08:00"))
        #expect(throws: HolidayFileError.self) { try RecordedCase.fromExportLine(Array("{".utf8), line: 2) }
    }

    @Test func policyDiffNamesTheTargetAndTheDay() throws {
        let diff = PolicyDiff(old: Fixtures.policy, new: try Self.changedPolicy())
        #expect(
            diff.lines.map(\.description) == [
                "clock soft-first-reaction: target 15m -> 5m",
                "day office 2026-10-15 thu: 09:00-18:00 -> closed",
            ])
        #expect(PolicyDiff(old: Fixtures.policy, new: Fixtures.policy).isEmpty)
        let next = PolicyDiff(old: Fixtures.policy, new: try HolidayFixtures.with2027)
        #expect(
            next.lines.map(\.description) == [
                "calendar office: data covers through 2026-12-31 -> 2027-12-31",
                "day office 2027-01-01 fri: 09:00-18:00 -> closed (元旦)",
                "day office 2027-02-06 sat: closed -> 09:00-18:00 (春节)",
            ])
    }
}
