import Foundation
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// A case entered after the fact, with the events that already happened on it: applied in the
/// open's own commit, before the case is brought up to now, so a clock they met writes nothing.
@Suite struct InitialEventsTests {
    /// `fast`'s clock falls due 2 s after opening, then climbs a tier a second.
    static func backdated(_ events: [InitialEvent], key: String? = nil, ago seconds: Int64 = 600, _ clock: ManualClock)
        -> OpenCaseRequest
    {
        OpenCaseRequest(
            kind: "fast", store: "S1", openedAt: clock.now().adding(millis: -seconds * 1000), actor: "li",
            idempotencyKey: key, events: events)
    }

    static func at(_ clock: ManualClock, secondsAgo: Int64) -> Instant {
        clock.now().adding(millis: -secondsAgo * 1000)
    }

    @Test func aClockMetBeforeItWasEnteredWritesNoBreach() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let clock = fixture.clock
        // Without its events the same backdated case climbs to the top at once: the defect.
        let bare = try await service.open(Self.backdated([], clock))
        #expect(try fixture.entries(service.store).filter { $0.escalation.caseID == bare.record.id }.count == 5)

        // Half a second after the opening: before the warning, due at half the 2 s target.
        let done = InitialEvent(kind: "done", at: clock.now().adding(millis: -599_500), note: "apologised\nat the desk")
        let opened = try await service.open(Self.backdated([done], clock))
        #expect(opened.record.clocks.first?.status == .met)
        #expect(try fixture.entries(service.store).filter { $0.escalation.caseID == opened.record.id }.isEmpty)
        let events = try service.store.events(of: opened.record.id)
        #expect(events.map(\.kind) == ["opened", "done"])
        #expect(events.last?.at == done.at && events.last?.note == done.note)
        #expect(events.last?.actor == nil)  // the API fills it in from the open's actor
        fixture.clock.advance(seconds: 3600)
        service.runDue()
        #expect(try fixture.entries(service.store).filter { $0.escalation.caseID == opened.record.id }.isEmpty)
        service.stop()
    }

    /// Met late: what fell due before the event is written (late), nothing after it.
    @Test func whatFellDueBeforeALateEventIsStillWritten() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let done = InitialEvent(kind: "done", at: Self.at(fixture.clock, secondsAgo: 597))  // 3 s in
        let opened = try await service.open(Self.backdated([done], fixture.clock))
        let entries = try fixture.entries(service.store)
        #expect(entries.map(\.escalation.tier) == ["desk", "supervisor", "manager"])
        #expect(entries.allSatisfy { $0.escalation.dueAt <= done.at! })
        #expect(opened.record.clocks.first?.satisfiedAt == done.at)
        service.stop()
    }

    @Test(arguments: [
        // An unknown kind, the second of two.
        ([("done", 599), ("explode", 598)], 1, "unknown_event_kind"),
        // Before the opening.
        ([("hold", 700)], 0, "event_before_opening"),
        // Out of order.
        ([("hold", 500), ("go", 550)], 1, "event_out_of_order"),
        // In the future.
        ([("hold", -3600)], 0, "event_in_future"),
        // Closed, then another.
        ([("closed", 500), ("done", 400)], 1, "case_closed"),
    ])
    func aRefusedEventRefusesTheWholeOpen(_ events: [(String, Int)], index: Int, code: String) async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let initial = events.map { InitialEvent(kind: $0.0, at: Self.at(fixture.clock, secondsAgo: Int64($0.1))) }
        do {
            _ = try await service.open(Self.backdated(initial, fixture.clock))
            Issue.record("the open was accepted")
        } catch let ServiceError.rule(error) {
            #expect(error.code == code)
            guard case .initialEvent(let refused, _) = error else { throw error }
            #expect(refused == index)
            #expect(error.description.hasPrefix("events[\(index)]: "))
        }
        // Nothing written, and no case number used up.
        #expect(try service.store.counts().openCases == 0)
        #expect(try fixture.entries(service.store).isEmpty)
        #expect(try await service.open(OpenCaseRequest(kind: "slow", store: "S1")).record.id == "C-1")
        #expect(try service.store.events(of: "C-1").map(\.kind) == ["opened"])
        service.stop()
    }

    @Test func theEventsArePartOfTheIdempotencyKey() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let done = InitialEvent(kind: "done", at: Self.at(fixture.clock, secondsAgo: 599))
        let request = Self.backdated([done], key: "till-1", fixture.clock)
        let first = try await service.open(request)
        let again = try await service.open(request)
        #expect(again.replayed && again.record.id == first.record.id)
        #expect(try service.store.events(of: first.record.id).count == 2)
        var other = request
        other.events = [InitialEvent(kind: "done", at: Self.at(fixture.clock, secondsAgo: 598))]
        await #expect(throws: ServiceError.self) { try await service.open(other) }
        other.events = nil
        await #expect(throws: ServiceError.self) { try await service.open(other) }
        service.stop()
    }
}
