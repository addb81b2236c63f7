import Logging
import PostgresNIO

/// Applies HQ's missing schema steps, in order, recording each in `hq_schema_migrations`.
///
/// Safe to run while stores write: one migrator at a time (an advisory lock), each step with a
/// short `lock_timeout`; a step that times out on a lock is rolled back and tried again after a
/// pause, so the stores' batches never wait long behind it.
public enum HQMigrator {
    /// Steps applied by this call, in order.
    @discardableResult
    public static func migrate(
        on connection: PostgresConnection, migrations: [HQMigration] = HQSchema.migrations,
        lockTimeout: Duration = .seconds(2), attempts: Int = 30, logger: Logger = HQLog.quiet
    ) async throws -> [HQMigration] {
        let versions = migrations.map(\.version)
        guard versions == versions.sorted(), Set(versions).count == versions.count else {
            throw HQError("HQ's schema steps are not in ascending order of version: \(versions)")
        }
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS hq_schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        try await connection.query("SELECT pg_advisory_lock(hashtext('slad_hq_migrate'))", logger: logger)
        do {
            let applied = try await appliedVersions(on: connection, logger: logger)
            var done: [HQMigration] = []
            let milliseconds =
                lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
            for migration in migrations where !applied.contains(migration.version) {
                try await apply(
                    migration, on: connection, lockTimeoutMillis: milliseconds, attempts: attempts, logger: logger)
                done.append(migration)
            }
            try await connection.query("SELECT pg_advisory_unlock(hashtext('slad_hq_migrate'))", logger: logger)
            return done
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext('slad_hq_migrate'))", logger: logger)
            throw error
        }
    }

    /// The versions already applied (none on a new database).
    public static func appliedVersions(on connection: PostgresConnection, logger: Logger = HQLog.quiet)
        async throws -> Set<Int>
    {
        var versions = Set<Int>()
        let rows = try await connection.query("SELECT version FROM hq_schema_migrations", logger: logger)
        for try await version in rows.decode(Int.self) { versions.insert(version) }
        return versions
    }

    private static func apply(
        _ migration: HQMigration, on connection: PostgresConnection, lockTimeoutMillis: Int64, attempts: Int,
        logger: Logger
    ) async throws {
        var attempt = 1
        while true {
            do {
                if migration.transactional {
                    try await connection.withTransaction(logger: logger) { connection in
                        try await connection.query(
                            "SET LOCAL lock_timeout = \(unescaped: "\(lockTimeoutMillis)")", logger: logger)
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await record(migration, on: connection, logger: logger)
                    }
                } else {
                    // CONCURRENTLY steps never block the stores' writes; they wait as long as they
                    // must (a lock_timeout would leave an invalid index behind).
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await record(migration, on: connection, logger: logger)
                }
                return
            } catch let error where HQError.sqlState(of: error) == "55P03" && attempt < attempts {
                // lock_not_available: the stores hold the table; give way and try again.
                logger.info("HQ schema step \(migration.version) waits for a lock (attempt \(attempt))")
                attempt += 1
                try await Task.sleep(for: .milliseconds(200 * min(attempt, 10)))
            } catch {
                throw HQError(
                    "HQ schema step \(migration.version) (\(migration.name)) failed: \(HQError.describe(error))")
            }
        }
    }

    private static func record(_ migration: HQMigration, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            "INSERT INTO hq_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
            logger: logger)
    }
}
