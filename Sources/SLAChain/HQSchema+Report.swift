/// The report's own rows (steps 3 to 5): what the monthly report counts, in narrow columns that
/// PostgreSQL aggregates itself, instead of every case's whole state read back and decoded.
///
/// - `hq_case_facts`: per case its store, kind, opening, status, category, channel, closing.
/// - `hq_clocks`: per clock of a case its state (status, cycle, deadline, satisfaction) and the
///   case's kind, opening and closing (what lateness needs).
///
/// Both are derived **in PostgreSQL** from each case snapshot `hq_cases` takes, by statement
/// triggers over the rows a statement wrote, so the highest seq wins as it does in `hq_cases` (a
/// snapshot the seq guard refused writes nothing) and every store's slad feeds them whatever its
/// version: 500 stores are not upgraded in the same minute as HQ, and a slad older than this
/// step, still writing only `hq_cases`, must not leave holes in the report. The rows already
/// there are derived by step 4 (the same SQL over `hq_cases`), after the triggers are in place,
/// so a case written meanwhile is never missed (the seq guard settles the two writes).
/// Both write in key order (store, case, clock): a store's batch and the step wait for each
/// other's rows at most, and never deadlock.
///
/// The SQL reads the case's JSON (`state`), whose keys are SLACore's `Case` Codable form.
/// Shipped steps are never edited: a change of the derivation is a new step replacing the
/// function.
extension HQSchema {
    static let reportTables = ["hq_case_facts", "hq_clocks"]

    static let reportRows = HQMigration(
        version: 3, name: "the report's rows (case facts, clocks)",
        statements: [
            """
            CREATE TABLE hq_case_facts (
                store_id text NOT NULL,
                case_id text NOT NULL,
                kind text NOT NULL,
                opened_at timestamptz NOT NULL,
                status text NOT NULL,
                category text,
                channel text,
                closed_at timestamptz,
                seq bigint NOT NULL,
                PRIMARY KEY (store_id, case_id)
            ) WITH (fillfactor = 80)
            """,
            // The report selects a period over every store. (fillfactor: room for HOT updates.)
            "CREATE INDEX hq_case_facts_opened ON hq_case_facts (opened_at)",
            """
            CREATE TABLE hq_clocks (
                store_id text NOT NULL,
                case_id text NOT NULL,
                clock text NOT NULL,
                case_kind text NOT NULL,
                opened_at timestamptz NOT NULL,
                status text NOT NULL,
                cycle integer NOT NULL,
                deadline timestamptz,
                satisfied_at timestamptz,
                closed_at timestamptz,
                seq bigint NOT NULL,
                PRIMARY KEY (store_id, case_id, clock)
            ) WITH (fillfactor = 80)
            """,
            "CREATE INDEX hq_clocks_opened ON hq_clocks (opened_at)",
            """
            CREATE FUNCTION hq_case_report_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                \(upsertFacts(from: "changed"));
                \(upsertClocks(from: "changed"));
                RETURN NULL;
            END $$
            """,
            // One trigger per event: PostgreSQL allows a transition table on single-event triggers
            // only. An upsert fires both, each with the rows it inserted or updated.
            """
            CREATE TRIGGER hq_cases_report_insert AFTER INSERT ON hq_cases
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hq_case_report_rows()
            """,
            """
            CREATE TRIGGER hq_cases_report_update AFTER UPDATE ON hq_cases
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hq_case_report_rows()
            """,
            "GRANT SELECT ON \(reportTables.joined(separator: ", ")) TO \(readGroup)",
            // The triggers run as the store's login: it writes its own rows there, as in hq_cases.
            "GRANT SELECT, INSERT, UPDATE ON \(reportTables.joined(separator: ", ")) TO \(storeGroup)",
        ] + reportTables.flatMap(rowSecurity))

    /// The rows of the cases HQ already holds, a store at a time, each store its own transaction
    /// (a procedure that commits as it goes): the stores' triggers write the same rows meanwhile,
    /// and a store whose rows are being derived waits for its slice only, not for the whole month.
    /// Both write in key order, so they never deadlock. (The seq guard settles who wins.)
    static let reportBackfill = HQMigration(
        version: 4, name: "the report's rows of the cases already at HQ", transactional: false,
        statements: [
            """
            CREATE OR REPLACE PROCEDURE hq_report_backfill() LANGUAGE plpgsql AS $$
            DECLARE
                one text;
            BEGIN
                FOR one IN SELECT DISTINCT store_id FROM hq_cases ORDER BY store_id LOOP
                    \(upsertFacts(from: "hq_cases", store: "one"));
                    \(upsertClocks(from: "hq_cases", store: "one"));
                    COMMIT;
                END LOOP;
            END $$
            """,
            "CALL hq_report_backfill()",
        ])

    /// The report counts a period's entries per tier and kind: with these columns in the index, its
    /// join from the cases reads no entry's row (and its JSON payload).
    static let reportIndexes = HQMigration(
        version: 5, name: "entries by case, for the report", transactional: false,
        statements: [
            """
            CREATE INDEX CONCURRENTLY IF NOT EXISTS hq_entries_report
                ON hq_entries (store_id, case_id) INCLUDE (tier, kind, state)
            """
        ])

    /// Upserts the case facts of the `hq_cases` rows in `source` (a table or a transition table),
    /// of one store if `store` names a variable. In key order: see `reportBackfill`.
    static func upsertFacts(from source: String, store: String? = nil) -> String {
        """
        INSERT INTO hq_case_facts AS f (store_id, case_id, kind, opened_at, status, category, channel, closed_at, seq)
            SELECT n.store_id, n.case_id, n.kind, n.opened_at, n.status, n.state -> 'opening' ->> 'category',
                n.state -> 'opening' ->> 'channel', (n.state ->> 'closedAt')::timestamptz, n.seq
            FROM \(source) n \(store.map { "WHERE n.store_id = \($0)" } ?? "")
            ORDER BY n.store_id, n.case_id
            ON CONFLICT (store_id, case_id) DO UPDATE SET
                kind = EXCLUDED.kind, opened_at = EXCLUDED.opened_at, status = EXCLUDED.status,
                category = EXCLUDED.category, channel = EXCLUDED.channel, closed_at = EXCLUDED.closed_at,
                seq = EXCLUDED.seq
            WHERE EXCLUDED.seq > f.seq
        """
    }

    /// Upserts a row per clock of the `hq_cases` rows in `source` (of one store, as above).
    static func upsertClocks(from source: String, store: String? = nil) -> String {
        """
        INSERT INTO hq_clocks AS k (store_id, case_id, clock, case_kind, opened_at, status, cycle, deadline,
                satisfied_at, closed_at, seq)
            SELECT n.store_id, n.case_id, c ->> 'name', n.kind, n.opened_at, c ->> 'status', (c ->> 'cycle')::integer,
                (c ->> 'deadline')::timestamptz, (c ->> 'satisfiedAt')::timestamptz, (n.state ->> 'closedAt')::timestamptz,
                n.seq
            FROM \(source) n CROSS JOIN LATERAL jsonb_array_elements(n.state -> 'clocks') c
                \(store.map { "WHERE n.store_id = \($0)" } ?? "")
            ORDER BY n.store_id, n.case_id, c ->> 'name'
            ON CONFLICT (store_id, case_id, clock) DO UPDATE SET
                case_kind = EXCLUDED.case_kind, opened_at = EXCLUDED.opened_at, status = EXCLUDED.status,
                cycle = EXCLUDED.cycle, deadline = EXCLUDED.deadline, satisfied_at = EXCLUDED.satisfied_at,
                closed_at = EXCLUDED.closed_at, seq = EXCLUDED.seq
            WHERE EXCLUDED.seq > k.seq
        """
    }
}
