import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAReports
import SLAStore
import Synchronization
import Testing

/// HQ's schema upgraded while stores write: steps take brief locks only, a batch that fails is
/// retried, and HQ ends with every change of every store exactly once. The upgrade starts from
/// the first release's schema (steps 1 and 2), so the report's rows (steps 3 to 5) are derived
/// from a populated HQ while stores write, and the report then reads as each store's own.
@Suite(.serialized) struct HQUpgradeTests {
    static let firstRelease = Array(HQSchema.migrations.prefix(2))
    static let shipped = HQSchema.migrations.map(\.version)

    /// What a later release might add: a column (a brief exclusive lock) and an index built
    /// without blocking writes.
    static let nextSteps = [
        HQMigration(
            version: shipped.last! + 1, name: "cases' region",
            statements: ["ALTER TABLE hq_cases ADD COLUMN region text"]),
        HQMigration(
            version: shipped.last! + 2, name: "events by time", transactional: false,
            statements: ["CREATE INDEX CONCURRENTLY IF NOT EXISTS hq_events_at ON hq_events (at)"]),
    ]

    @Test func theSchemaIsUpgradedWhileStoresWrite() async throws {
        let hq = try await ChainFixture.make(migrations: Self.firstRelease)
        defer { Task { await hq.close() } }
        let stores = ["U01", "U02", "U03", "U04"].map(hq.store)
        let policy = HQReportTests.policy
        let period = try ReportPeriod.month("2026-10", in: policy.storeCalendar!)
        let end = period.to
        var outboxes: [String: SimulatedStore.Outbox] = [:]
        for (index, store) in stores.enumerated() {
            _ = try await HQRoles.addStore(store, password: "secret-\(store)", on: hq.admin)
            outboxes[store] = SimulatedStore(
                storeID: store, policy: policy, seed: UInt64(50 + index), casesPerDay: 10
            ).outbox(from: period.from, to: period.from.adding(seconds: 8 * 86_400), end: end)
        }
        let database = hq.database
        let cluster = hq.cluster
        // Batches applied in all, and by the time the upgrade began and ended.
        let applied = Tally()
        let (began, ended) = (Tally(), Tally())
        let retried = try await withThrowingTaskGroup(of: Int.self) { group in
            for store in stores {
                let changes = outboxes[store]!.changes
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
                            applied.add(1)
                            try await Task.sleep(for: .milliseconds(25))  // a store's pace, not a bulk load
                        } catch {
                            retries += 1  // as the replicator does: the same batch again
                            print("HQUpgradeTests: \(store) retries a batch: \(HQError.describe(error))")
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
                began.add(applied.value)
                let steps = try await HQMigrator.migrate(on: admin, migrations: HQSchema.migrations + Self.nextSteps)
                ended.add(applied.value)
                try await admin.close()
                #expect(steps.map(\.version) == Array(Self.shipped.dropFirst(2)) + Self.nextSteps.map(\.version))
                return 0
            }
            var total = 0
            for try await retries in group { total += retries }
            return total
        }
        #expect(retried == 0, "brief locks: no batch failed")
        let total = applied.value
        #expect(
            began.value > 0 && ended.value < total,
            "stores wrote before and after the upgrade: \(began.value), \(ended.value), \(total)")
        #expect(
            try await HQMigrator.appliedVersions(on: hq.admin)
                == Set(Self.shipped + Self.nextSteps.map(\.version)))
        #expect(
            try await hq.rows("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'hq_events_at'::regclass") == [
                "true"
            ])
        for store in stores {
            let outbox = outboxes[store]!
            #expect(outbox.changes.count > 100)
            #expect(try await hq.count("hq_changes WHERE store_id = '\(store)'") == outbox.changes.count)
            #expect(try await HQWriter.lastSeq(store: store, on: hq.admin) == Int64(outbox.changes.count))
            // The report's rows: those from before the upgrade derived by it, those after by the
            // triggers; either way the store's report at HQ is its own.
            let atHQ = try await HQReport.make(policy: policy, period: period, store: store, now: end, on: hq.admin)
            let own = HQReportTests.local(outbox, period: period, store: store, now: end)
            #expect(atHQ.summary.cases > 50)
            #expect(atHQ.render(.json) == own.render(.json))
        }
    }
}

/// A count shared by tasks.
final class Tally: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func add(_ amount: Int) { count.withLock { $0 += amount } }
}
