import Foundation
import GRDB
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// The `state` column's binary layout: every field survives, old JSON rows still read, and a
/// damaged row is an error, never a crash or a wrong case.
@Suite struct CaseCodecTests {
    /// A case with every field of every type set to something other than its default.
    static let full: Case = {
        let base = Instant(millis: 1_764_000_000_123)
        var clock = ClockState(name: "first-response")
        clock.status = .breached
        clock.cycle = 3
        clock.startedAt = base
        clock.deadline = base.adding(millis: 3_600_000)
        clock.budgetMillis = 3_600_000
        clock.usedMillis = 1_234
        clock.runningSince = base.adding(millis: 5)
        clock.warnAt = base.adding(millis: 2_700_000)
        clock.warned = true
        clock.pausedAt = base.adding(millis: 7)
        clock.satisfiedAt = base.adding(millis: 4_000_000)
        clock.escalatedTier = 4
        clock.nextEscalationAt = base.adding(millis: 5_000_000)
        let opening = CaseOpening(
            id: "C-42", kind: "hard", store: "S-Zhōngshān 中山", category: "food", channel: "phone", amount: -1234.5678,
            externalRef: "POS-9", openedAt: Instant(millis: -62_135_596_800_000))
        return Case(
            opening: opening, status: .resolved, resolvedAt: base.adding(millis: 9), closedAt: base.adding(millis: 10),
            lastEventAt: base.adding(millis: 11), clocks: [clock, ClockState(name: "second")])
    }()

    @Test func everyFieldSurvivesARoundTrip() throws {
        #expect(try CaseCodec.decode(CaseCodec.encode(Self.full)) == Self.full)
        var bare = Self.full
        bare.opening.category = nil
        bare.opening.amount = nil
        bare.clocks = []
        #expect(try CaseCodec.decode(CaseCodec.encode(bare)) == bare)
    }

    @Test func theLayoutKnowsEveryStoredProperty() {
        // A field added to these types needs a place in CaseCodec (and a new version byte).
        #expect(Mirror(reflecting: Self.full.opening).children.count == CaseCodec.fieldCounts.opening)
        #expect(Mirror(reflecting: Self.full).children.count == CaseCodec.fieldCounts.record)
        #expect(Mirror(reflecting: Self.full.clocks[0]).children.count == CaseCodec.fieldCounts.clock)
    }

    @Test func rowsWrittenAsJSONBySladBeforeStillRead() throws {
        let json = try JSONEncoder().encode(Self.full)
        #expect(json.first == UInt8(ascii: "{"))
        #expect(try CaseCodec.decode(json) == Self.full)
        #expect(CaseCodec.encode(Self.full).count * 3 < json.count)
    }

    @Test func aDamagedRowIsAnErrorNotACrash() throws {
        let bytes = CaseCodec.encode(Self.full)
        for length in 0..<bytes.count {
            #expect(throws: (any Error).self) { try CaseCodec.decode(bytes.prefix(length)) }
        }
        #expect(throws: (any Error).self) { try CaseCodec.decode(bytes + [0]) }
        #expect(throws: (any Error).self) { try CaseCodec.decode(Data([9]) + bytes.dropFirst()) }
        var unknownStatus = Self.full
        unknownStatus.opening.id = "X"
        let text = CaseCodec.encode(unknownStatus)
        // Flip one byte of the status name ("resolved" -> "resolvee").
        let at = try #require(text.firstRange(of: Data("resolved".utf8))).upperBound - 1
        var broken = text
        broken[at] = UInt8(ascii: "e")
        #expect(throws: (any Error).self) { try CaseCodec.decode(broken) }
    }

    /// A store that an older slad filled (JSON state) runs on: its cases read, fall due once, and
    /// are rewritten in the binary layout at their next commit.
    @Test func aStoreWithJSONStateRunsOn() async throws {
        let fixture = Fixture()
        let service = try fixture.service()
        _ = try service.start()
        let id = try await service.open(OpenCaseRequest(kind: "fast", store: "S1")).record.id
        service.stop()
        let path = fixture.directory + "/slad.sqlite"
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let state = try #require(
                try Data.fetchOne(db, sql: "SELECT state FROM cases WHERE id = ?", arguments: [id]))
            let old = try JSONEncoder().encode(try CaseCodec.decode(state))
            try db.execute(sql: "UPDATE cases SET state = ? WHERE id = ?", arguments: [old, id])
        }
        try queue.close()

        let again = try fixture.service()
        _ = try again.start()
        #expect(try again.store.caseRecord(id: id)?.clocks.first?.status == .running)
        fixture.clock.advance(seconds: 1)
        again.runDue()
        #expect(try fixture.entries(again.store).map(\.escalation.tier) == ["desk"])
        again.stop()
        let rewritten = try await DatabaseQueue(path: path).read { db in
            try Data.fetchOne(db, sql: "SELECT state FROM cases WHERE id = ?", arguments: [id])
        }
        #expect(rewritten?.first == 1)
    }
}
