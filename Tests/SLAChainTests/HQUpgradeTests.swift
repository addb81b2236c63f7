import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAReports
import SLAStore
import Testing

/// HQ's schema upgraded while stores write: steps take brief locks only, a batch that fails is
/// retried, and HQ ends with every change of every store exactly once.
@Suite(.serialized) struct HQUpgradeTests {
    /// What a later release might add: a column (a brief exclusive lock) and an index built
    /// without blocking writes.
    static let nextSteps = [
        HQMigration(
            version: 3, name: "cases' region", statements: ["ALTER TABLE hq_cases ADD COLUMN region text"]),
        HQMigration(
            version: 4, name: "events by time", transactional: false,
            statements: ["CREATE INDEX CONCURRENTLY IF NOT EXISTS hq_events_at ON hq_events (at)"]),
    ]

    @Test func theSchemaIsUpgradedWhileStoresWrite() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let stores = ["U01", "U02", "U03", "U04"].map(hq.store)
        let period = try ReportPeriod.month("2026-10", in: HQReportTests.policy.storeCalendar!)
        var outboxes: [String: [OutboxChange]] = [:]
        for (index, store) in stores.enumerated() {
            _ = try await HQRoles.addStore(store, password: "secret-\(store)", on: hq.admin)
            outboxes[store] =
                SimulatedStore(
                    storeID: store, policy: HQReportTests.policy, seed: UInt64(50 + index), casesPerDay: 10
                ).outbox(from: period.from, to: period.from.adding(seconds: 6 * 86_400), end: period.to).changes
        }
        let database = hq.database
        let cluster = hq.cluster
        let retried = try await withThrowingTaskGroup(of: Int.self) { group in
            for store in stores {
                let changes = outboxes[store]!
                group.addTask {
                    let connection = try await cluster.connect(
                        user: HQRoles.roleName(forStore: store), password: "secret-\(store)", database: database)
                    var retries = 0
                    var start = 0
                    while start < changes.count {
                        let end = min(start + 25, changes.count)
                        do {
                            try await HQWriter.apply(store: store, changes: Array(changes[start..<end]), on: connection)
                            start = end
                        } catch {
                            retries += 1  // as the replicator does: the same batch again
                            guard retries < 50 else { throw error }
                        }
                    }
                    try await connection.close()
                    return retries
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                let admin = try await cluster.connect(database: database)
                let applied = try await HQMigrator.migrate(on: admin, migrations: HQSchema.migrations + Self.nextSteps)
                try await admin.close()
                #expect(applied.map(\.version) == [3, 4])
                return 0
            }
            var total = 0
            for try await retries in group { total += retries }
            return total
        }
        #expect(retried == 0, "brief locks: no batch failed")
        #expect(try await HQMigrator.appliedVersions(on: hq.admin) == [1, 2, 3, 4])
        #expect(
            try await hq.rows("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'hq_events_at'::regclass") == [
                "true"
            ])
        for store in stores {
            let changes = outboxes[store]!
            #expect(changes.count > 100)
            #expect(try await hq.count("hq_changes WHERE store_id = '\(store)'") == changes.count)
            #expect(try await HQWriter.lastSeq(store: store, on: hq.admin) == Int64(changes.count))
        }
    }
}
