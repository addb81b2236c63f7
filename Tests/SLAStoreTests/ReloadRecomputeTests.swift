import Foundation
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// A reload recomputes running clocks through the real service and store (issue 14), on a virtual clock.
@Suite struct ReloadRecomputeTests {
    static func policy(_ edit: (String) -> String) throws -> Policy {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(
            contentsOfFile: root.appendingPathComponent("shell/fixtures/fast.toml").path, encoding: .utf8)
        return try PolicyLoader.load(text: edit(text), file: "fast.toml")
    }

    @Test func aLongerTargetMovesTheStoredDeadlineAndAShorterOneBreachesOnce() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        _ = try await service.open(OpenCaseRequest(kind: "slow", store: "S1"))
        let opened = try #require(try service.store.caseRecord(id: "C-1")?.clocks.first?.deadline)

        let longer = try service.reload(
            policy: Self.policy { $0.replacingOccurrences(of: "target = \"1h\"", with: "target = \"2h\"") })
        #expect(longer.later == 1 && longer.earlier == 0 && longer.effects.isEmpty)
        #expect(try service.store.caseRecord(id: "C-1")?.clocks.first?.deadline == opened.adding(millis: 3_600_000))

        // The same rules again: nothing to walk, nothing moves.
        let same = try service.reload(
            policy: Self.policy { $0.replacingOccurrences(of: "target = \"1h\"", with: "target = \"2h\"") })
        #expect(same.moves.isEmpty)

        fixture.clock.advance(seconds: 120)
        let shorter = try service.reload(
            policy: Self.policy { $0.replacingOccurrences(of: "target = \"1h\"", with: "target = \"1m\"") })
        #expect(shorter.earlier == 1)
        // Due a minute after opening, written now: the warning and the breach, each once, late.
        let entries = try fixture.entries(service.store)
        #expect(entries.map(\.escalation.kind) == [.warning, .breach])
        #expect(entries.last?.lateMillis == 60_000)
        service.runDue()
        #expect(try fixture.entries(service.store).count == 2)
        service.stop()
    }
}
