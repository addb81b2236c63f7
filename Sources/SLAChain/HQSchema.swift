/// HQ's schema in PostgreSQL, as versioned steps (`slactl hq migrate` applies the missing ones).
///
/// Instants are `timestamptz` (HQ's analysts query them in SQL); the stores' own millisecond
/// values travel in the JSON snapshots (`state`, `payload`) unchanged. `hq_changes` keeps every
/// change as shipped, for audit and replay; the other tables are each key's latest snapshot (the
/// highest `seq` wins). See docs/chain.md for why nothing is partitioned at 500 stores.
public enum HQSchema {
    /// The channel on which HQ-tier entries are announced, as `'<store>:<entry id>'`.
    public static let hqEntriesChannel = "slad_hq_entries"
    /// Group role of every store's login role (`slad_store_<id>`): writes its own rows only.
    public static let storeGroup = "slad_hq_store"
    /// Group role of HQ's readers: reads everything, writes nothing.
    public static let readGroup = "slad_hq_read"
    /// The tables every store writes, each with a `store_id` column.
    static let storeTables = ["hq_changes", "hq_cases", "hq_events", "hq_entries"]

    public static let migrations: [HQMigration] = [tables, roles, reportRows, reportBackfill, reportIndexes]

    static let tables = HQMigration(
        version: 1, name: "tables",
        statements: [
            """
            CREATE TABLE hq_stores (
                store_id text PRIMARY KEY,
                role_name text UNIQUE,
                added_at timestamptz NOT NULL DEFAULT now(),
                last_seq bigint NOT NULL DEFAULT 0,
                last_committed_at timestamptz,
                last_contact_at timestamptz
            )
            """,
            """
            CREATE TABLE hq_changes (
                store_id text NOT NULL,
                seq bigint NOT NULL,
                kind text NOT NULL CHECK (kind IN ('case', 'event', 'entry')),
                key text NOT NULL,
                committed_at timestamptz NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                payload jsonb NOT NULL,
                PRIMARY KEY (store_id, seq)
            )
            """,
            """
            CREATE TABLE hq_cases (
                store_id text NOT NULL,
                case_id text NOT NULL,
                kind text NOT NULL,
                opened_at timestamptz NOT NULL,
                status text NOT NULL,
                next_due timestamptz,
                state jsonb NOT NULL,
                -- The same state in the store's own binary layout (CaseCodec): what HQ's report
                -- decodes, at a twentieth of JSON's cost.
                state_bin bytea NOT NULL,
                seq bigint NOT NULL,
                PRIMARY KEY (store_id, case_id)
            )
            """,
            // The monthly report selects by opening time over every store.
            "CREATE INDEX hq_cases_opened ON hq_cases (opened_at)",
            """
            CREATE TABLE hq_events (
                store_id text NOT NULL,
                case_id text NOT NULL,
                event_seq bigint NOT NULL,
                kind text NOT NULL,
                at timestamptz NOT NULL,
                actor text,
                note text,
                seq bigint NOT NULL,
                PRIMARY KEY (store_id, case_id, event_seq)
            )
            """,
            """
            CREATE TABLE hq_entries (
                store_id text NOT NULL,
                entry_id bigint NOT NULL,
                case_id text NOT NULL,
                tier text NOT NULL,
                kind text NOT NULL,
                clock text NOT NULL,
                cycle integer NOT NULL,
                state text NOT NULL,
                due_at timestamptz NOT NULL,
                deadline timestamptz NOT NULL,
                written_at timestamptz NOT NULL,
                acked_by text,
                acked_at timestamptz,
                payload jsonb NOT NULL,
                seq bigint NOT NULL,
                arrived_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (store_id, entry_id)
            )
            """,
            // The report reads a store's entries by case; `escalations --hq` follows a tier.
            "CREATE INDEX hq_entries_case ON hq_entries (store_id, case_id)",
            "CREATE INDEX hq_entries_tier ON hq_entries (tier, arrived_at)",
        ])

    /// The store group writes rows of its own store only (row level security on every table); the
    /// read group reads all. The migrating role owns the tables, so RLS does not apply to it.
    static let roles = HQMigration(
        version: 2, name: "roles and row level security",
        statements: [
            """
            DO $$ BEGIN
                CREATE ROLE \(storeGroup) NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$
            """,
            """
            DO $$ BEGIN
                CREATE ROLE \(readGroup) NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$
            """,
            "GRANT SELECT ON hq_stores, \(storeTables.joined(separator: ", ")) TO \(readGroup)",
            "GRANT SELECT ON hq_stores TO \(storeGroup)",
            "GRANT UPDATE (last_seq, last_committed_at, last_contact_at) ON hq_stores TO \(storeGroup)",
            "GRANT SELECT, INSERT, UPDATE ON \(storeTables.joined(separator: ", ")) TO \(storeGroup)",
            "ALTER TABLE hq_stores ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY hq_stores_read ON hq_stores FOR SELECT TO \(readGroup) USING (true)",
            """
            CREATE POLICY hq_stores_own ON hq_stores FOR ALL TO \(storeGroup)
                USING (role_name = current_user) WITH CHECK (role_name = current_user)
            """,
        ]
            + storeTables.flatMap(rowSecurity))

    /// A store table's row level security: the read group reads every row, a store's login its own.
    static func rowSecurity(_ table: String) -> [String] {
        [
            "ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY \(table)_read ON \(table) FOR SELECT TO \(readGroup) USING (true)",
            // An uncorrelated subquery: PostgreSQL evaluates it once per statement.
            """
            CREATE POLICY \(table)_own ON \(table) FOR ALL TO \(storeGroup)
                USING (store_id = (SELECT s.store_id FROM hq_stores s WHERE s.role_name = current_user))
                WITH CHECK (store_id = (SELECT s.store_id FROM hq_stores s WHERE s.role_name = current_user))
            """,
        ]
    }
}
