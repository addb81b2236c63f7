import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAReports
import SLAStore
import Testing

/// HQ's report of a month equals each store's own report, row for row: the stores' outboxes
/// (made by the engine, a month and its edges) applied at HQ, the report computed both ways.
@Suite(.serialized) struct HQReportTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let policy: Policy = {
        let url = packageRoot.appendingPathComponent("config/policy.toml")
        do {
            return try PolicyLoader.load(text: try String(contentsOf: url, encoding: .utf8), file: url.path)
        } catch {
            fatalError("the default policy does not load:\n\(error)")
        }
    }()

    static func apply(_ outbox: SimulatedStore.Outbox, store: String, on connection: PostgresConnection) async throws {
        var start = 0
        while start < outbox.changes.count {
            let end = min(start + 400, outbox.changes.count)
            try await HQWriter.apply(store: store, changes: Array(outbox.changes[start..<end]), on: connection)
            start = end
        }
    }

    /// The store's own report, as slad computes it from its records (skipped entries left out).
    static func local(_ outbox: SimulatedStore.Outbox, period: ReportPeriod, store: String?, now: Instant)
        -> ComplianceReport
    {
        ComplianceReport(
            policy: policy, period: period, store: store, cases: outbox.cases,
            escalations: outbox.entries.filter { $0.state != .skipped }.map(\.escalation), now: now)
    }

    @Test func aStoresMonthAtHQReadsAsItsOwnReport() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let period = try ReportPeriod.month("2026-10", in: Self.policy.storeCalendar!)
        // A few days either side of the month: the edges must fall the same way at HQ.
        let from = period.from.adding(seconds: -3 * 86_400)
        let to = period.to.adding(seconds: 3 * 86_400)
        let now = to.adding(seconds: 86_400)
        var outboxes: [String: SimulatedStore.Outbox] = [:]
        for (index, store) in [hq.store("S01"), hq.store("S02")].enumerated() {
            _ = try await HQRoles.addStore(store, password: "secret-\(store)", on: hq.admin)
            let outbox = SimulatedStore(storeID: store, policy: Self.policy, seed: UInt64(7 + index), casesPerDay: 12)
                .outbox(from: from, to: to, end: now)
            try await Self.apply(outbox, store: store, on: hq.admin)
            outboxes[store] = outbox
        }
        let (s01Store, s02Store) = (hq.store("S01"), hq.store("S02"))
        let s01 = outboxes[s01Store]!
        #expect(s01.cases.count > 300 && s01.entries.count > 100, "a month of a busy store")
        #expect(s01.entries.contains { $0.escalation.tier == "hq" }, "some cases reach HQ")

        // One store: the whole report, every row.
        let atHQ = try await HQReport.make(policy: Self.policy, period: period, store: s01Store, now: now, on: hq.admin)
        let own = Self.local(s01, period: period, store: s01Store, now: now)
        #expect(atHQ.summary.cases > 250)
        #expect(atHQ.render(.json) == own.render(.json))
        #expect(atHQ.render(.csv) == own.render(.csv))

        // The chain: a line per store, each its own report's; the totals are the sums.
        let chain = try await HQReport.make(policy: Self.policy, period: period, now: now, on: hq.admin)
        let both = SimulatedStore.Outbox(
            changes: [],
            cases: s01.cases
                + outboxes[s02Store]!.cases.map { record in
                    var renamed = record
                    renamed.opening.id = s02Store + "/" + record.id  // the stores' case ids collide
                    return renamed
                },
            entries: s01.entries
                + outboxes[s02Store]!.entries.map { entry in
                    var renamed = entry
                    renamed.escalation = Escalation(
                        caseID: s02Store + "/" + entry.escalation.caseID, clock: entry.escalation.clock,
                        cycle: entry.escalation.cycle, tier: entry.escalation.tier, kind: entry.escalation.kind,
                        dueAt: entry.escalation.dueAt, deadline: entry.escalation.deadline)
                    return renamed
                })
        #expect(chain.render(.json) == Self.local(both, period: period, store: nil, now: now).render(.json))
        #expect(chain.stores?.map(\.store) == [s01Store, s02Store])
        #expect(chain.stores?.first == Self.local(s01, period: period, store: nil, now: now).stores?.first)
        #expect(chain.summary.cases == atHQ.summary.cases + (chain.stores?.last?.cases ?? -1))

        // Applied again (a replicator's retry), nothing changes.
        try await Self.apply(s01, store: s01Store, on: hq.admin)
        let again = try await HQReport.make(
            policy: Self.policy, period: period, store: s01Store, now: now, on: hq.admin)
        #expect(again.render(.json) == own.render(.json))
    }

    /// The same through a real store: the simulated month committed to slad's SQLite store with
    /// its outbox on, the outbox shipped to HQ as the replicator ships it, and the store's report
    /// computed from its own reads, as `GET /v1/reports` computes it.
    @Test func aRealStoresOutboxAtHQReadsAsItsOwnReport() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let storeID = hq.store("S05")
        _ = try await HQRoles.addStore(storeID, password: "secret-s05", on: hq.admin)
        let period = try ReportPeriod.month("2026-10", in: Self.policy.storeCalendar!)
        let now = period.to.adding(seconds: 2 * 86_400)
        let directory = NSTemporaryDirectory() + "slad-chain-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        try store.enableOutbox(storeID: storeID, at: period.from)
        let simulated = SimulatedStore(storeID: storeID, policy: Self.policy, seed: 11, casesPerDay: 8)
        for batch in simulated.batches(
            from: period.from.adding(seconds: -2 * 86_400), to: period.to.adding(seconds: 86_400), end: now)
        {
            try store.commit(batch)
        }
        // The replicator's loop: from HQ's last seq, batches of 500, until nothing is left.
        var shipped = try await HQWriter.lastSeq(store: storeID, on: hq.admin)
        while case let changes = try store.outbox(after: shipped, limit: 500), !changes.isEmpty {
            shipped = try await HQWriter.apply(store: storeID, changes: changes, on: hq.admin)
        }
        #expect(shipped == (try store.outboxBacklog().lastSeq))

        let cases = try store.cases(openedFrom: period.from, to: period.to, store: storeID)
        let entries = try store.entries(ofCases: cases.map(\.id))
        #expect(cases.count > 150 && entries.count > 50, "a month of a store: \(cases.count) cases")
        #expect(entries.contains { $0.state == .acknowledged })
        let own = ComplianceReport(
            policy: Self.policy, period: period, store: storeID, cases: cases, escalations: entries.map(\.escalation),
            now: now)
        let atHQ = try await HQReport.make(policy: Self.policy, period: period, store: storeID, now: now, on: hq.admin)
        #expect(atHQ.render(.json) == own.render(.json))
        #expect(atHQ.render(.table) == own.render(.table))
        // HQ holds exactly the store's rows.
        let all = try store.cases(openedFrom: Instant(millis: 0), to: Instant(millis: Int64.max / 2), store: storeID)
        #expect(try await hq.count("hq_cases") == all.count)
        #expect(try await hq.count("hq_changes") == Int(shipped))
    }
}
