import Foundation
import Logging
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// A policy as data, so that a test can remove, rename and retarget its parts and render it as
/// the TOML an operator would write.
struct PolicyModel {
    struct Clock {
        var kinds: [String]
        var target: String
        var calendar: String
        var escalateEvery: String?
        var pauses: Bool
    }

    var tiers = ["desk", "supervisor", "manager", "head", "hq"]
    var calendars = ["always": "UTC", "shanghai": "Asia/Shanghai"]
    var kinds = ["fast": ["done", "hold", "go"], "slow": ["done"], "other": ["done", "hold", "go"]]
    var clocks: [String: Clock] = [
        "quick": Clock(kinds: ["fast", "other"], target: "2s", calendar: "always", escalateEvery: "1s", pauses: true),
        "long": Clock(kinds: ["slow"], target: "1h", calendar: "shanghai", escalateEvery: "20m", pauses: false),
        "check": Clock(kinds: ["fast"], target: "30s", calendar: "always", escalateEvery: "5s", pauses: false),
    ]

    var toml: String {
        var text = ""
        for tier in tiers { text += "[[tier]]\nid = \"\(tier)\"\n\n" }
        text +=
            "[defaults]\nwarn-at = 0.5\nwarn-tier = \"\(tiers[0])\"\nescalate-to = \"\(tiers[min(1, tiers.count - 1)])\"\n\n"
        for (name, zone) in calendars.sorted(by: { $0.key < $1.key }) {
            text += "[calendar.\(name)]\nzone = \"\(zone)\"\n[calendar.\(name).hours]\n"
            for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] { text += "\(day) = [\"00:00-24:00\"]\n" }
            text += "\n"
        }
        for (name, events) in kinds.sorted(by: { $0.key < $1.key }) {
            text += "[kind.\(name)]\nevents = [\(events.map { "\"\($0)\"" }.joined(separator: ", "))]\n\n"
        }
        for (name, clock) in clocks.sorted(by: { $0.key < $1.key }) {
            text += "[clock.\(name)]\nkinds = [\(clock.kinds.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            text += "starts-on = [\"opened\"]\nmet-by = [\"done\"]\n"
            if clock.pauses { text += "pauses-on = [\"hold\"]\nresumes-on = [\"go\"]\n" }
            text += "target = \"\(clock.target)\"\ncalendar = \"\(clock.calendar)\"\n"
            if let every = clock.escalateEvery { text += "escalate-every = \"\(every)\"\n" }
            text += "\n"
        }
        return text
    }

    var policy: Policy {
        get throws { try PolicyLoader.load(text: toml, file: "edited.toml") }
    }

    /// One random edit of the kinds an operator makes: a tier, clock, kind or calendar removed,
    /// renamed or retargeted. Parts that would leave the policy invalid are mended as an operator
    /// would (a clock of no kind goes, a clock on a removed calendar moves to another).
    mutating func edit(_ random: inout Xorshift) -> String {
        switch random.next() % 9 {
        case 0 where tiers.count > 2:
            let index = Int(random.next() % UInt64(tiers.count))
            return "remove tier \(tiers.remove(at: index))"
        case 1:
            let index = Int(random.next() % UInt64(tiers.count))
            tiers[index] += "-renamed"
            return "rename tier to \(tiers[index])"
        case 2 where clocks.count > 1:
            let name = clocks.keys.sorted()[Int(random.next() % UInt64(clocks.count))]
            clocks[name] = nil
            return "remove clock \(name)"
        case 3:
            let name = clocks.keys.sorted()[Int(random.next() % UInt64(clocks.count))]
            clocks[name + "-v2"] = clocks.removeValue(forKey: name)
            return "rename clock \(name)"
        case 4:
            let name = clocks.keys.sorted()[Int(random.next() % UInt64(clocks.count))]
            clocks[name]!.target = ["1s", "3s", "10m", "2h"][Int(random.next() % 4)]
            clocks[name]!.escalateEvery = [nil, "1s", "7s"][Int(random.next() % 3)]
            return "retarget clock \(name)"
        case 5 where kinds.count > 1:
            let name = kinds.keys.sorted()[Int(random.next() % UInt64(kinds.count))]
            kinds[name] = nil
            for clock in clocks.keys { clocks[clock]!.kinds.removeAll { $0 == name } }
            clocks = clocks.filter { !$0.value.kinds.isEmpty }
            if clocks.isEmpty {
                clocks["spare"] = Clock(
                    kinds: [kinds.keys.sorted()[0]], target: "5s", calendar: calendars.keys.sorted()[0],
                    escalateEvery: nil, pauses: false)
            }
            return "remove kind \(name)"
        case 6 where calendars.count > 1:
            let name = calendars.keys.sorted()[Int(random.next() % UInt64(calendars.count))]
            calendars[name] = nil
            let other = calendars.keys.sorted()[0]
            for clock in clocks.keys where clocks[clock]!.calendar == name { clocks[clock]!.calendar = other }
            return "remove calendar \(name)"
        case 7:
            let name = calendars.keys.sorted()[Int(random.next() % UInt64(calendars.count))]
            calendars[name + "-new"] = calendars.removeValue(forKey: name)
            for clock in clocks.keys where clocks[clock]!.calendar == name { clocks[clock]!.calendar = name + "-new" }
            return "rename calendar \(name)"
        default:
            let name = "added-\(random.next() % 1000)"
            kinds[name] = ["done"]
            return "add kind \(name)"
        }
    }
}

/// xorshift64*: reproducible random edits (a seed that finds a bug finds it again).
struct Xorshift {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x2545_F491_4F6C_DD1D | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

@Suite struct PolicyEditTests {
    static func service(_ policy: Policy, _ fixture: Fixture) throws -> SLAService {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return SLAService(
            policy: policy, store: try Store(directory: fixture.directory), clock: fixture.clock, logger: logger)
    }

    /// Ladder fast → supervisor at 2 s, then a tier a second: at 3.5 s the case has told `head`.
    @Test func aReloadWithoutATierACaseClimbsToIsRefusedNamingIt() async throws {
        let fixture = Fixture()
        var model = PolicyModel()
        let service = try Self.service(try model.policy, fixture)
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 4.5)
        service.runDue()
        #expect(try fixture.entries(service.store).map(\.escalation.tier).suffix(2) == ["manager", "head"])

        model.tiers.removeLast()  // hq, which C-1 climbs to next
        let refused = #expect(throws: PolicyRefused.self) { try service.reload(policy: try model.policy) }
        #expect(refused?.description.contains("tier 'hq' is used by 1 open case: C-1") == true, "\(refused!)")
        #expect(service.policy.tiers.count == 5)  // the old one stays in force
        fixture.clock.advance(seconds: 1)
        service.runDue()
        #expect(try fixture.entries(service.store).last?.escalation.tier == "hq")
        service.stop()
    }

    /// The crash loop of the defect: the file edited while slad was down.
    @Test func aStartOnAPolicyWithoutTheNextTierFreezesTheClockInsteadOfTrapping() async throws {
        let fixture = Fixture()
        var model = PolicyModel()
        let first = try Self.service(try model.policy, fixture)
        _ = try first.start()
        _ = try await first.open(OpenCaseRequest(kind: "slow", store: "S1"))
        _ = try await first.open(OpenCaseRequest(kind: "fast", store: "S1"))
        fixture.clock.advance(seconds: 4.5)
        first.runDue()
        first.stop()

        model.tiers.removeLast()
        let second = try Self.service(try model.policy, fixture)
        let report = try second.start()
        #expect(report.orphans.lines == ["tier '#5' is used by 1 open case: C-2"])
        // The shape last found clean is forgotten: a later start on it walks the cases again.
        #expect(try second.store.daemonState("checked-policy-shape") == nil)
        let written = try fixture.entries(second.store).count
        for _ in 0..<5 {
            fixture.clock.advance(seconds: 1)
            second.runDue()
        }
        #expect(try fixture.entries(second.store).count == written)  // frozen: nothing more
        let status = second.status()
        #expect(status.orphanedCases == 1)
        #expect(status.nextClock == "check")  // C-2's other clock still runs; the frozen one is not "due"
        #expect(status.nextDue.map { $0 > fixture.clock.now() } == true)
        let closed = try await second.record(RecordEventRequest(kind: "closed"), on: "C-2")
        #expect(closed.record.status == .closed)
        #expect(second.status().orphanedCases == 0)
        second.stop()
        // Restarting on the same store and policy: the check passed, and nothing is frozen.
        let third = try Self.service(try model.policy, fixture)
        #expect(try third.start().orphans.isEmpty)
        third.stop()
    }

    /// A removed clock used to spin a core and strand the case: now frozen, visible, closable, and
    /// picked up again (late) once the clock is back.
    @Test func aRemovedClockIsFrozenAndRunsAgainWhenItComesBack() async throws {
        let fixture = Fixture()
        let original = PolicyModel()
        let first = try Self.service(try original.policy, fixture)
        _ = try first.start()
        _ = try await first.open(OpenCaseRequest(kind: "fast", store: "S1"))
        first.stop()

        var edited = original
        edited.clocks["check"] = nil
        let second = try Self.service(try edited.policy, fixture)
        #expect(try second.start().orphans.lines == ["clock 'check' is used by 1 open case: C-1"])
        fixture.clock.advance(seconds: 60)
        second.runDue()
        let clocks = try #require(try second.store.caseRecord(id: "C-1")).clocks
        #expect(clocks.first { $0.name == "check" }?.status == .running)  // as it was: frozen
        #expect(clocks.first { $0.name == "quick" }?.status == .breached)  // the other one runs
        #expect(second.status().nextDue.map { $0 > fixture.clock.now() } ?? true)
        // Events still apply to the clocks that run; the frozen one ignores them.
        _ = try await second.record(RecordEventRequest(kind: "done"), on: "C-1")

        try second.reload(policy: try original.policy)  // the clock is back
        #expect(second.status().orphanedCases == 0)
        second.runDue()
        let late = try fixture.entries(second.store).filter { $0.escalation.clock == "check" }
        #expect(late.first?.escalation.kind == .warning)
        #expect(late.first.map { $0.lateMillis >= 40_000 } == true)
        second.stop()
    }

    @Test func aCaseOfARemovedKindCanBeResolvedAndClosedButNothingElse() async throws {
        let fixture = Fixture()
        var model = PolicyModel()
        let first = try Self.service(try model.policy, fixture)
        _ = try first.start()
        _ = try await first.open(OpenCaseRequest(kind: "other", store: "S1"))
        first.stop()

        model.kinds["other"] = nil
        model.clocks["quick"]!.kinds = ["fast"]
        let second = try Self.service(try model.policy, fixture)
        #expect(try second.start().orphans.lines == ["case kind 'other' is used by 1 open case: C-1"])
        await #expect(throws: ServiceError.self) {
            _ = try await second.record(RecordEventRequest(kind: "hold"), on: "C-1")
        }
        #expect(try await second.record(RecordEventRequest(kind: "resolved"), on: "C-1").record.status == .resolved)
        #expect(try await second.record(RecordEventRequest(kind: "closed"), on: "C-1").record.status == .closed)
        #expect(second.status().orphanedCases == 0)
        second.stop()
    }

    /// Random policy edits at random moments over random open cases, applied by reload and by
    /// restart: slad never traps, never leaves a clock it can run past its due instant, and every
    /// case can be closed. A refused reload must name a case that really uses what is missing.
    @Test(arguments: 1...12) func randomPolicyEditsNeverTrapStrandOrSpin(seed: Int) async throws {
        var random = Xorshift(seed: UInt64(seed))
        let fixture = Fixture()
        var model = PolicyModel()
        var service = try Self.service(try model.policy, fixture)
        _ = try service.start()
        var refusals = 0
        var frozenStarts = 0
        var edits: [String] = []
        for _ in 0..<60 {
            switch random.next() % 6 {
            case 0, 1:
                let kinds = service.policy.kinds.keys.sorted()
                let kind = kinds[Int(random.next() % UInt64(kinds.count))]
                let back = Int64(random.next() % 20_000)  // up to 20 s backdated
                _ = try await service.open(
                    OpenCaseRequest(
                        kind: kind, store: "S1", openedAt: fixture.clock.now().adding(millis: -back)))
            case 2:
                var open: [String] = []
                try service.store.forEachOpenCase { open.append($0.id) }
                guard !open.isEmpty else { continue }
                let id = open[Int(random.next() % UInt64(open.count))]
                let event = ["done", "hold", "go", "resolved"][Int(random.next() % 4)]
                _ = try? await service.record(RecordEventRequest(kind: event), on: id)
            case 3:
                var edited = model
                edits.append(edited.edit(&random))
                guard let policy = try? edited.policy else { continue }
                if random.next() % 2 == 0 {
                    do {
                        try service.reload(policy: policy)
                        model = edited
                    } catch let refused as PolicyRefused {
                        refusals += 1
                        let named = refused.orphans.caseIDs
                        #expect(!named.isEmpty)
                        for id in named {
                            let record = try #require(try service.store.caseRecord(id: id))
                            #expect(record.status != .closed)
                        }
                    }
                } else {
                    service.stop()
                    model = edited
                    service = try Self.service(policy, fixture)
                    if !(try service.start().orphans.isEmpty) { frozenStarts += 1 }
                }
            default:
                fixture.clock.advance(seconds: Double(random.next() % 4000) / 1000)
                service.runDue()
            }
            // Never a deadline in the past left unserved, of a clock the policy can run.
            service.runDue()
            let now = fixture.clock.now()
            let engine = Engine(policy: service.policy)
            try service.store.forEachOpenCase { record in
                if let due = engine.nextDue(of: record) {
                    #expect(due > now, "seed \(seed): \(record.id) due \(due) at \(now) after \(edits)")
                }
            }
            if let due = service.status().nextDue { #expect(due > now, "seed \(seed): next due in the past") }
        }
        // Every case can be closed, whatever the policy lost.
        var open: [String] = []
        try service.store.forEachOpenCase { open.append($0.id) }
        for id in open {
            let closed = try await service.record(RecordEventRequest(kind: "closed"), on: id)
            #expect(closed.record.status == .closed)
        }
        #expect(service.status().orphanedCases == 0)
        service.stop()
        #expect(refusals + frozenStarts > 0, "seed \(seed) never met an edit that orphans a case: \(edits)")
    }
}

/// `catch-up`: what a recovery tells whom.
@Suite struct CatchUpTests {
    static func policy(catchUp: String) throws -> Policy {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(
            contentsOfFile: root.appendingPathComponent("shell/fixtures/fast.toml").path, encoding: .utf8)
        return try PolicyLoader.load(text: text + "\n[delivery]\ncatch-up = \"\(catchUp)\"\n")
    }

    /// Down for 30 s while a case climbed the whole ladder: with "highest-tier" only hq is told; the
    /// warning and the tiers below are on record as skipped, never pushed, not in the reports' counts.
    @Test func highestTierTellsOnlyTheTopAndRecordsTheRestAsSkipped() async throws {
        let fixture = Fixture()
        let first = try PolicyEditTests.service(try Self.policy(catchUp: "highest-tier"), fixture)
        _ = try first.start()
        _ = try await first.open(OpenCaseRequest(kind: "fast", store: "S1"))
        first.stop()

        fixture.clock.advance(seconds: 30)
        let second = try PolicyEditTests.service(try Self.policy(catchUp: "highest-tier"), fixture)
        #expect(try second.start().lateEntries == 5)
        let entries = try fixture.entries(second.store)
        #expect(entries.filter { $0.state == .pending }.map(\.escalation.tier) == ["hq"])
        #expect(
            entries.filter { $0.state == .skipped }.map(\.escalation.tier) == ["desk", "supervisor", "manager", "head"])
        #expect(try second.store.unroutedEntries(limit: 100).map(\.escalation.tier) == ["hq"])
        second.stop()
    }

    /// A breach outranks a warning, whatever tier the policy warns: the breach is never skipped.
    @Test func aBreachIsKeptOverAWarningToAHigherTier() {
        let tiers = ["desk", "supervisor", "manager"].map { Tier(id: $0, title: $0) }
        func entry(_ tier: String, _ kind: Escalation.Kind) -> Escalation {
            Escalation(
                caseID: "C-1", clock: "quick", cycle: 1, tier: tier, kind: kind, dueAt: Instant(millis: 0),
                deadline: Instant(millis: 0))
        }
        let (told, skipped) = Escalation.highestPerClock(
            [entry("manager", .warning), entry("supervisor", .breach)], tiers: tiers)
        #expect(told == [entry("supervisor", .breach)])
        #expect(skipped == [entry("manager", .warning)])
    }

    /// The default tells every tier, as before; in normal running one entry at a time, nothing skipped.
    @Test func everyTierIsTheDefaultAndLiveEscalationsAreNeverSkipped() async throws {
        #expect(Fixture.policy.delivery.catchUp == .everyTier)
        let fixture = Fixture()
        let service = try PolicyEditTests.service(try Self.policy(catchUp: "highest-tier"), fixture)
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1"))
        for _ in 0..<12 {
            fixture.clock.advance(seconds: 0.5)
            service.runDue()
        }
        #expect(try fixture.entries(service.store).allSatisfy { $0.state == .pending })
        #expect(try fixture.entries(service.store).count == 5)
        service.stop()
        #expect(throws: PolicyErrors.self) { try Self.policy(catchUp: "some") }
    }
}
