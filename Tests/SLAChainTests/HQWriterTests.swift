import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAStore
import Testing

/// HQ's writer against a real PostgreSQL: idempotent, order-proof, confined by row level security.
@Suite(.serialized) struct HQWriterTests {
    /// Every row, store ids without the fixture's tag.
    static let snapshot = """
        SELECT split_part(store_id, '_', 1) || ' ' || case_id || ' ' || status || ' ' || seq || ' ' || (state->>'status') FROM hq_cases
        UNION ALL SELECT split_part(store_id, '_', 1) || ' e' || event_seq || ' ' || kind || ' ' || coalesce(note, '-') || ' ' || seq
            FROM hq_events
        UNION ALL SELECT split_part(store_id, '_', 1) || ' q' || entry_id || ' ' || tier || ' ' || state || ' ' || coalesce(acked_by, '-')
            || ' ' || seq FROM hq_entries
        UNION ALL SELECT split_part(store_id, '_', 1) || ' #' || seq || ' ' || kind || ' ' || key FROM hq_changes
        UNION ALL SELECT split_part(store_id, '_', 1) || ' last ' || last_seq FROM hq_stores
        ORDER BY 1
        """

    static func batch() throws -> [OutboxChange] {
        [
            ChainFixture.caseChange(seq: 1, id: "C-1"),
            ChainFixture.eventChange(seq: 2, caseID: "C-1", eventSeq: 1, kind: "opened"),
            try ChainFixture.entryChange(seq: 3, id: 1, caseID: "C-1"),
            ChainFixture.caseChange(seq: 4, id: "C-1", status: .resolved),
            ChainFixture.eventChange(seq: 5, caseID: "C-1", eventSeq: 2, kind: "resolved"),
            try ChainFixture.entryChange(seq: 6, id: 1, caseID: "C-1", state: "acknowledged", ackedBy: "amy"),
        ]
    }

    @Test func migratingTwiceChangesNothing() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        #expect(try await HQMigrator.appliedVersions(on: hq.admin) == [1, 2, 3, 4, 5])
        #expect(try await HQMigrator.migrate(on: hq.admin).isEmpty)
        #expect(try await hq.count("hq_schema_migrations") == 5)
    }

    @Test func applyingTheSameBatchTwiceChangesNothing() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let s01 = hq.store("S01")
        _ = try await HQRoles.addStore(s01, password: "secret-s01", on: hq.admin)
        let changes = try Self.batch()
        #expect(try await HQWriter.apply(store: s01, changes: changes, on: hq.admin) == 6)
        let once = try await hq.rows(Self.snapshot)
        #expect(
            once.contains("S01 C-1 resolved 4 resolved") && once.contains("S01 q1 duty-supervisor acknowledged amy 6")
                && once.contains("S01 e2 resolved it's \"fine\"\n 5") && once.contains("S01 last 6"),
            "\(once)")
        #expect(try await HQWriter.apply(store: s01, changes: changes, on: hq.admin) == 6)
        #expect(try await HQWriter.apply(store: s01, changes: Array(changes[2...4]), on: hq.admin) == 6)
        #expect(try await hq.rows(Self.snapshot) == once)
        #expect(try await hq.count("hq_changes") == 6)
        #expect(try await HQWriter.lastSeq(store: s01, on: hq.admin) == 6)
    }

    @Test func anOlderSnapshotNeverOverwritesANewerOne() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let s01 = hq.store("S01")
        _ = try await HQRoles.addStore(s01, password: "secret-s01", on: hq.admin)
        // Newest first: seq 7 and 8, then (a replay from before, out of order) 3 and 4.
        try await HQWriter.apply(
            store: s01,
            changes: [
                ChainFixture.caseChange(seq: 7, id: "C-1", status: .resolved),
                try ChainFixture.entryChange(seq: 8, id: 1, caseID: "C-1", state: "acknowledged", ackedBy: "amy"),
            ], on: hq.admin)
        let last = try await HQWriter.apply(
            store: s01,
            changes: [
                ChainFixture.caseChange(seq: 3, id: "C-1"), try ChainFixture.entryChange(seq: 4, id: 1, caseID: "C-1"),
            ], on: hq.admin)
        #expect(last == 8)
        // Inside one batch too, whatever the order the changes come in.
        try await HQWriter.apply(
            store: s01,
            changes: [
                ChainFixture.caseChange(seq: 10, id: "C-2", status: .resolved),
                ChainFixture.caseChange(seq: 9, id: "C-2"),
            ], on: hq.admin)
        let rows = try await hq.rows(Self.snapshot)
        #expect(rows.contains("S01 C-1 resolved 7 resolved"), "\(rows)")
        #expect(rows.contains("S01 q1 duty-supervisor acknowledged amy 8"), "\(rows)")
        #expect(rows.contains("S01 C-2 resolved 10 resolved"), "\(rows)")
        #expect(rows.contains("S01 last 10"), "\(rows)")
        #expect(try await hq.count("hq_changes") == 6)  // every change kept for audit
        // The report's rows follow the newest snapshot too (derived from what hq_cases kept).
        #expect(
            try await hq.rows(
                "SELECT case_id || ' ' || status || ' ' || seq FROM hq_case_facts ORDER BY case_id") == [
                    "C-1 resolved 7", "C-2 resolved 10",
                ])
        #expect(
            try await hq.rows(
                "SELECT case_id || ' ' || clock || ' ' || status || ' ' || cycle || ' ' || seq FROM hq_clocks ORDER BY case_id"
            ) == ["C-1 soft-first-reaction met 1 7", "C-2 soft-first-reaction met 1 10"])
    }

    @Test func aStoreRoleWritesItsOwnRowsOnly() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let (r01, r02) = (hq.store("R01"), hq.store("R02"))
        #expect(try await HQRoles.addStore(r01, password: "secret-r01", on: hq.admin) == .added)
        #expect(try await HQRoles.addStore(r02, password: "secret-r02", on: hq.admin) == .added)
        try await HQWriter.apply(store: r02, changes: [ChainFixture.caseChange(seq: 1, id: "C-9")], on: hq.admin)

        let store = try await hq.connect(as: HQRoles.roleName(forStore: r01), password: "secret-r01")
        defer { Task { try? await store.close() } }
        #expect(try await HQWriter.apply(store: r01, changes: try Self.batch(), on: store) == 6)
        // The report's rows are written as the store's login too (the triggers run as it).
        #expect(try await hq.count("hq_clocks WHERE store_id = '\(r01)'", on: store) == 1)
        #expect(try await hq.count("hq_case_facts", on: store) == 1)
        #expect(try await HQWriter.lastSeq(store: r01, on: store) == 6)

        // Through the writer: R02 is not R01's to write.
        do {
            let refusal = await Refusal.of {
                try await HQWriter.apply(store: r02, changes: [ChainFixture.caseChange(seq: 2, id: "C-1")], on: store)
            }
            #expect(refusal?.description.contains("may not write") == true, "\(String(describing: refusal))")
        }
        // Around it: the policy refuses the row (SQLSTATE 42501), for every table.
        for insert in [
            "INSERT INTO hq_cases (store_id, case_id, kind, opened_at, status, state, state_bin, seq) VALUES ('\(r02)', 'C-5', 'k', now(), 'open', '{}', '', 99)",
            "INSERT INTO hq_changes (store_id, seq, kind, key, committed_at, payload) VALUES ('\(r02)', 99, 'case', 'C-5', now(), '{}')",
            "INSERT INTO hq_events (store_id, case_id, event_seq, kind, at, seq) VALUES ('\(r02)', 'C-5', 1, 'opened', now(), 99)",
            "INSERT INTO hq_case_facts (store_id, case_id, kind, opened_at, status, seq) VALUES ('\(r02)', 'C-5', 'k', now(), 'open', 99)",
            "INSERT INTO hq_clocks (store_id, case_id, clock, case_kind, opened_at, status, cycle, seq) VALUES ('\(r02)', 'C-5', 'c', 'k', now(), 'met', 1, 99)",
            "UPDATE hq_cases SET store_id = '\(r02)' WHERE store_id = '\(r01)'",
        ] {
            do {
                let refusal = await Refusal.of {
                    try await store.query(PostgresQuery(unsafeSQL: insert), logger: HQLog.quiet)
                }
                #expect(
                    refusal?.sqlState == "42501" && refusal?.description.contains("row-level security") == true,
                    "\(String(describing: refusal))")
            }
        }
        // R02's rows are invisible to R01, so its updates touch nothing.
        try await store.query("UPDATE hq_cases SET status = 'closed' WHERE store_id = '\(r02)'", logger: HQLog.quiet)
        try await store.query("UPDATE hq_stores SET last_seq = 1000 WHERE store_id = '\(r02)'", logger: HQLog.quiet)
        #expect(try await hq.count("hq_cases WHERE store_id = '\(r02)'", on: store) == 0)
        #expect(try await hq.rows("SELECT status FROM hq_cases WHERE store_id = '\(r02)'") == ["open"])
        #expect(try await hq.rows("SELECT last_seq::text FROM hq_stores WHERE store_id = '\(r02)'") == ["1"])
        // Nor may it rename itself into another store.
        do {
            let refusal = await Refusal.of {
                try await store.query(
                    "UPDATE hq_stores SET store_id = '\(r02)' WHERE store_id = '\(r01)'", logger: HQLog.quiet)
            }
            #expect(refusal?.sqlState == "42501", "\(String(describing: refusal))")
        }
    }

    @Test func theReadRoleReadsEverythingAndWritesNothing() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let s01 = hq.store("S01")
        _ = try await HQRoles.addStore(s01, password: "secret-s01", on: hq.admin)
        try await HQWriter.apply(store: s01, changes: try Self.batch(), on: hq.admin)
        #expect(try await HQRoles.addReader("hq_reports_\(hq.tag)", password: "secret-read", on: hq.admin) == .added)
        #expect(
            try await HQRoles.addReader("hq_reports_\(hq.tag)", password: "secret-read", on: hq.admin)
                == .passwordChanged)
        let reader = try await hq.connect(as: "hq_reports_\(hq.tag)", password: "secret-read")
        defer { Task { try? await reader.close() } }
        #expect(try await hq.rows(Self.snapshot, on: reader) == (try await hq.rows(Self.snapshot)))
        #expect(try await hq.count("hq_clocks", on: reader) == 1)
        #expect(try await hq.count("hq_case_facts", on: reader) == 1)
        for write in [
            "INSERT INTO hq_cases (store_id, case_id, kind, opened_at, status, state, state_bin, seq) VALUES ('S01', 'C-5', 'k', now(), 'open', '{}', '', 99)",
            "UPDATE hq_cases SET status = 'closed'",
            "UPDATE hq_stores SET last_seq = 0",
            "DELETE FROM hq_changes",
            "DELETE FROM hq_clocks",
            "UPDATE hq_case_facts SET status = 'closed'",
        ] {
            do {
                let refusal = await Refusal.of {
                    try await reader.query(PostgresQuery(unsafeSQL: write), logger: HQLog.quiet)
                }
                #expect(refusal?.sqlState == "42501", "\(String(describing: refusal))")
            }
        }
        do {
            let refusal = await Refusal.of {
                try await HQWriter.apply(
                    store: s01, changes: [ChainFixture.caseChange(seq: 9, id: "C-3")], on: reader)
            }
            // It may not even touch the stores' contact times.
            #expect(
                refusal?.sqlState == "42501" && refusal?.description.contains("permission denied") == true,
                "\(String(describing: refusal))")
        }
        #expect(try await hq.count("hq_changes") == 6)
    }

    @Test func anEmptyBatchIsAHeartbeatAndAnUnknownStoreIsRefused() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let s01 = hq.store("S01")
        _ = try await HQRoles.addStore(s01, password: "secret-s01", on: hq.admin)
        #expect(try await hq.rows("SELECT coalesce(last_contact_at::text, '-') FROM hq_stores") == ["-"])
        #expect(try await HQWriter.apply(store: s01, changes: [], on: hq.admin) == 0)
        #expect(try await hq.rows("SELECT (last_contact_at IS NOT NULL)::text FROM hq_stores") == ["true"])
        do {
            let refusal = await Refusal.of {
                try await HQWriter.apply(store: "S77", changes: [], on: hq.admin)
            }
            #expect(refusal?.description.contains("slactl hq add-store S77") == true, "\(String(describing: refusal))")
        }
        do {
            let refusal = await Refusal.of {
                try await HQWriter.apply(store: "bad id", changes: [], on: hq.admin)
            }
            #expect(refusal?.description.contains("bad store id") == true, "\(String(describing: refusal))")
        }
        // A payload HQ cannot read back is refused whole, with its seq.
        let broken = OutboxChange(seq: 1, kind: .entry, key: "1", committedAt: 0, payload: Data("{\"id\":1}".utf8))
        do {
            let refusal = await Refusal.of {
                try await HQWriter.apply(store: s01, changes: [broken], on: hq.admin)
            }
            #expect(
                refusal?.description.contains("change 1 (entry 1) is unreadable") == true,
                "\(String(describing: refusal))")
        }
        #expect(try await hq.count("hq_changes") == 0)
    }

    @Test func newHQTierEntriesAreAnnounced() async throws {
        let hq = try await ChainFixture.make()
        defer { Task { await hq.close() } }
        let s01 = hq.store("S01")
        _ = try await HQRoles.addStore(s01, password: "secret-s01", on: hq.admin)
        let listener = try await hq.cluster.connect(database: hq.database)
        defer { Task { try? await listener.close() } }
        let heard = try await listener.listen(on: HQSchema.hqEntriesChannel) { notifications in
            var iterator = notifications.makeAsyncIterator()
            try await HQWriter.apply(
                store: s01,
                changes: [
                    try ChainFixture.entryChange(seq: 1, id: 4, caseID: "C-1", tier: "store-manager"),
                    try ChainFixture.entryChange(seq: 2, id: 5, caseID: "C-1", tier: "hq"),
                ], on: hq.admin)
            // The same entry again (acknowledged) is not news; a new one is.
            try await HQWriter.apply(
                store: s01,
                changes: [
                    try ChainFixture.entryChange(seq: 3, id: 5, caseID: "C-1", tier: "hq", state: "acknowledged"),
                    try ChainFixture.entryChange(seq: 4, id: 6, caseID: "C-2", tier: "hq"),
                ], on: hq.admin)
            var payloads: [String] = []
            while payloads.count < 2, let notification = try await iterator.next() {
                payloads.append(notification.payload)
            }
            return payloads
        }
        #expect(heard == ["\(s01):5", "\(s01):6"])
    }
}
