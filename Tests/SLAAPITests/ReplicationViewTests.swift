import Foundation
import SLAAPI
import Testing

/// Health's `replication` part (issue 19), written as Foundation writes it and read back.
@Suite struct ReplicationViewTests {
    static let failing = ReplicationView(
        state: "failing", storeID: "S01", hq: "postgres://slad_store_s01@hq.example.com:5432/chain",
        backlogRows: 1234, lagSeconds: 61.5, lastContact: "2026-11-24T10:00:00+08:00", shippedSeq: 98_765,
        lastError: "connection refused")
    static let starting = ReplicationView(
        state: "starting", storeID: "S01", hq: "postgres://u@127.0.0.1:5432/db", backlogRows: 0, lagSeconds: 0)

    @Test func healthWithReplicationIsWrittenAsFoundationWritesIt() throws {
        for replication in [Self.failing, Self.starting] {
            var health = ViewTests.bareHealth
            health.replication = replication
            #expect(ViewTests.writtenText(health) == (try ViewTests.foundation(health)))
            #expect(try APIJSON.decode(HealthView.self, from: ViewTests.written(health)) == health)
        }
        #expect(!ViewTests.writtenText(ViewTests.bareHealth).contains("replication"))
    }
}
