import Foundation
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// Many clocks due at the same instant: written in slices, each once; followers hear of every
/// slice, delivery once the last is written.
@Suite struct BurstTests {
    @Test func aBurstIsWrittenOnceAndDeliveryIsWokenOnceAtItsEnd() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let count = 1_200  // more than two slices
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { _ = try await service.open(OpenCaseRequest(kind: "fast", store: "S1")) }
            }
            try await group.waitForAll()
        }
        let wakes = Counter()
        service.notifier.subscribe { wakes.increment() }
        fixture.clock.advance(seconds: 1)  // every warning falls due at this instant
        service.runDue()
        let entries = try fixture.entries(service.store)
        #expect(entries.count == count)
        #expect(Set(entries.map(\.escalation.caseID)).count == count)
        #expect(service.notifier.lastPublishedID == entries.map(\.id).max())
        #expect(wakes.value == 1)
        service.runDue()  // nothing more: no entry, no wake
        #expect(try fixture.entries(service.store).count == count && wakes.value == 1)
        #expect(service.status().runningClocks == count)
        service.stop()
    }
}
