import Logging
import PostgresNIO

/// Login roles at HQ: one per store (writes its own rows only) and HQ's readers.
public enum HQRoles {
    /// What `addStore` did.
    public enum Outcome: String, Sendable {
        case added = "added"
        case passwordChanged = "password changed"
    }

    /// A store id as stores and HQ write it: letters, digits, `-` and `_`, at most 40.
    public static func checkStoreID(_ id: String) throws(HQError) {
        guard !id.isEmpty, id.count <= 40,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw HQError("bad store id '\(id)': use letters, digits, '-' and '_' (at most 40), such as S01")
        }
    }

    /// `slad_store_<id>` in lower case, `-` as `_`.
    public static func roleName(forStore id: String) -> String {
        "slad_store_" + id.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Registers a store and creates its login role (or sets a new password on it).
    public static func addStore(
        _ storeID: String, password: String, on connection: PostgresConnection, logger: Logger = HQLog.quiet
    ) async throws -> Outcome {
        try checkStoreID(storeID)
        let role = roleName(forStore: storeID)
        let owner = try await connection.query(
            "SELECT store_id FROM hq_stores WHERE role_name = \(role) AND store_id <> \(storeID)", logger: logger)
        for try await other in owner.decode(String.self) {
            throw HQError("store \(storeID)'s role \(role) already belongs to store \(other)")
        }
        let outcome = try await setLogin(
            role, password: password, group: HQSchema.storeGroup, on: connection, logger: logger)
        try await connection.query(
            """
            INSERT INTO hq_stores (store_id, role_name) VALUES (\(storeID), \(role))
            ON CONFLICT (store_id) DO UPDATE SET role_name = EXCLUDED.role_name
            """, logger: logger)
        return outcome
    }

    /// A login role that reads everything at HQ and writes nothing (for reports, dashboards).
    public static func addReader(
        _ name: String, password: String, on connection: PostgresConnection, logger: Logger = HQLog.quiet
    ) async throws -> Outcome {
        guard !name.isEmpty, name.count <= 63,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
            !name.hasPrefix("slad_store_"), !name.hasPrefix("pg_")
        else {
            throw HQError("bad reader name '\(name)': use lower-case letters, digits and '_', such as hq_reports")
        }
        return try await setLogin(name, password: password, group: HQSchema.readGroup, on: connection, logger: logger)
    }

    private static func setLogin(
        _ role: String, password: String, group: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Outcome {
        let literal = try passwordLiteral(password)
        let existing = try await connection.query(
            "SELECT 1 FROM pg_roles WHERE rolname = \(role)", logger: logger)
        var exists = false
        for try await _ in existing { exists = true }
        // Role names are checked above (letters, digits, '_'), so they are safe as identifiers;
        // DDL takes no bind parameters, hence the literal.
        if exists {
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER ROLE \(role) LOGIN PASSWORD \(literal)"), logger: logger)
        } else {
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD \(literal)"), logger: logger)
        }
        try await connection.query(PostgresQuery(unsafeSQL: "GRANT \(group) TO \(role)"), logger: logger)
        return exists ? .passwordChanged : .added
    }

    /// A password as an SQL string literal (standard conforming strings: only `'` is special).
    static func passwordLiteral(_ password: String) throws(HQError) -> String {
        guard password.count >= 8 else { throw HQError("the password is too short: use at least 8 characters") }
        guard !password.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw HQError("the password has control characters")
        }
        return "'" + password.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
