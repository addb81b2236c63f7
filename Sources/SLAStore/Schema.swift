import GRDB

/// The database schema, versioned from the first release on: never edit a shipped migration, add one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Each case with its engine state (clocks included) in `state`: CaseCodec's binary
            // layout, or JSON in rows written before it. The columns beside it are what the API
            // filters and sorts on.
            try db.execute(
                sql: """
                    CREATE TABLE cases (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        store TEXT NOT NULL,
                        category TEXT,
                        channel TEXT,
                        amount REAL,
                        external_ref TEXT,
                        opened_at INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        resolved_at INTEGER,
                        closed_at INTEGER,
                        next_due INTEGER,
                        overdue INTEGER NOT NULL DEFAULT 0,
                        updated_at INTEGER NOT NULL,
                        state BLOB NOT NULL
                    );
                    CREATE INDEX cases_next_due ON cases(next_due) WHERE next_due IS NOT NULL;
                    CREATE INDEX cases_status ON cases(status, overdue);
                    CREATE INDEX cases_store ON cases(store, status);

                    -- The audit trail: append-only, every event as it was recorded.
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        kind TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        actor TEXT,
                        note TEXT,
                        idempotency_key TEXT UNIQUE
                    );
                    CREATE INDEX events_case ON events(case_id, seq);
                    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

                    -- The escalation queue. The UNIQUE key is what makes "written once" a fact of
                    -- the schema: recovery and retries insert with OR IGNORE.
                    CREATE TABLE escalations (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        clock TEXT NOT NULL,
                        cycle INTEGER NOT NULL,
                        tier TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        due_at INTEGER NOT NULL,
                        deadline INTEGER NOT NULL,
                        written_at INTEGER NOT NULL,
                        late_ms INTEGER NOT NULL,
                        store TEXT NOT NULL,
                        case_kind TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        delivered_at INTEGER,
                        acked_by TEXT,
                        acked_at INTEGER,
                        UNIQUE (case_id, clock, cycle, tier, kind)
                    );
                    CREATE INDEX escalations_state ON escalations(state, tier);
                    CREATE INDEX escalations_due ON escalations(due_at);

                    -- Answers to writes that carried an idempotency key, so a retried write is
                    -- answered the same and applied once.
                    CREATE TABLE idempotency (
                        key TEXT PRIMARY KEY,
                        fingerprint TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        response BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-delivery") { db in
            // Push delivery: one row per (entry, route), retried with backoff until delivered or failed.
            try db.execute(
                sql: """
                    ALTER TABLE escalations ADD COLUMN routed INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX escalations_unrouted ON escalations(id) WHERE routed = 0;
                    CREATE TABLE deliveries (
                        entry_id INTEGER NOT NULL REFERENCES escalations(id) ON DELETE CASCADE,
                        route TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        last_error TEXT,
                        delivered_at INTEGER,
                        PRIMARY KEY (entry_id, route)
                    );
                    CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);

                    -- Retention may delete events of purged cases: only while this table has a row,
                    -- which the purge transaction inserts and removes.
                    CREATE TABLE purge_in_progress (flag INTEGER);
                    DROP TRIGGER events_append_only_delete;
                    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                        WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                    """)
        }
        migrator.registerMigration("v3-report-index") { db in
            // Reports and exports select cases by opening time.
            try db.execute(sql: "CREATE INDEX cases_opened_at ON cases(opened_at)")
        }
        migrator.registerMigration("v4-contacts") { db in
            // Customer contact details, apart from the case state so they are never copied around.
            try db.execute(
                sql: """
                    CREATE TABLE contacts (
                        case_id TEXT PRIMARY KEY REFERENCES cases(id),
                        name TEXT,
                        phone TEXT
                    )
                    """)
        }
        migrator.registerMigration("v5-running-clocks") { db in
            // How many clocks of a case are counting down: recovery sums it without decoding cases.
            try db.execute(sql: "ALTER TABLE cases ADD COLUMN running INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-event-chain") { db in
            // A case's events are found through a chain (see EventChain), not an index on
            // events(case_id): that index cost a page write per event at every group commit.
            // Events already written keep that index, partial, which new events never enter.
            let chainedAfter =
                try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") ?? 0
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN last_event INTEGER;
                    ALTER TABLE events ADD COLUMN prev_seq INTEGER;
                    UPDATE cases SET last_event = (SELECT max(seq) FROM events WHERE events.case_id = cases.id);
                    DROP INDEX events_case;
                    CREATE INDEX events_case_unchained ON events(case_id, seq) WHERE seq <= \(chainedAfter);
                    CREATE TABLE event_chain (chained_after INTEGER NOT NULL);
                    INSERT INTO event_chain (chained_after) VALUES (\(chainedAfter));
                    """)
        }
        migrator.registerMigration("v7-daemon-state") { db in
            // Small facts slad keeps about itself between runs, such as the shape of the policy
            // whose open cases were last found to have everything they use.
            try db.execute(sql: "CREATE TABLE daemon_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        migrator.registerMigration("v8-delivery-message") { db in
            // The message that carried a delivered entry: a digest carries many.
            try db.execute(sql: "ALTER TABLE deliveries ADD COLUMN message TEXT")
        }
        migrator.registerMigration("v9-users") { db in
            // People, their API tokens and console sessions. Secrets are never stored: passwords
            // as scrypt strings, tokens and session cookies as their SHA-256.
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        role TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'hq', 'admin')),
                        stores TEXT NOT NULL DEFAULT '',
                        password_hash TEXT,
                        disabled_at INTEGER,
                        created_at INTEGER NOT NULL,
                        uid INTEGER UNIQUE
                    );
                    CREATE TABLE api_tokens (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id),
                        label TEXT,
                        token_sha256 TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX api_tokens_user ON api_tokens(user_id);
                    CREATE TABLE sessions (
                        id_sha256 TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES users(id),
                        csrf TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        ended_at INTEGER
                    );
                    CREATE INDEX sessions_user ON sessions(user_id);
                    """)
        }
        migrator.registerMigration("v10-ack-note") { db in
            // What a manager wrote when acknowledging an entry in the console.
            try db.execute(sql: "ALTER TABLE escalations ADD COLUMN ack_note TEXT")
        }
        migrator.registerMigration("v11-outbox") { db in
            // Replication to HQ (issue 19): each change a commit makes, as a row written in the
            // same transaction, numbered per store without gaps, until HQ confirms it. Empty while
            // replication is off.
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        key TEXT NOT NULL,
                        committed_at INTEGER NOT NULL,
                        payload BLOB NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v12-no-escalations-due-index") { db in
            // No query reads entries by due_at, and every entry written paid for this index: a
            // burst of 10,000 due cases writes 10,000 entries.
            try db.execute(sql: "DROP INDEX IF EXISTS escalations_due")
        }
        return migrator
    }
}
