import Foundation
import GRDB
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// The scheduler over a store an older slad wrote.
@Suite struct OlderStoreTests {
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
