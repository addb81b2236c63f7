import Foundation
import GRDB
import SLAAuth
import SLACore

/// One account, as `user list` shows it (never its password hash).
public struct UserRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// The stores of a staff member or manager; `.all` for HQ and admins.
    public var scope: StoreScope
    /// The Unix uid that acts as this user on the socket, if any.
    public var uid: Int64?
    public var hasPassword: Bool
    public var createdAt: Instant
    public var disabledAt: Instant?

    public var principal: Principal {
        Principal(userID: id, name: name, role: role, scope: scope)
    }
}

/// One API token, without its secret (slad never had the secret after printing it once).
public struct TokenRecord: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var userName: String
    public var label: String?
    public var createdAt: Instant
    public var revokedAt: Instant?
}

/// Counts every change to users, tokens and uid mappings, so that the authenticator can keep
/// what it looked up until the next change (a disable or a revocation works at the next request).
///
/// Unchecked: `value` is only touched with `lock` held.
public final class AccessVersion: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    public init() {}

    public var current: Int { lock.withLock { value } }

    func bump() { lock.withLock { value += 1 } }
}

/// People, their API tokens and their console sessions (schema v9-users). Secrets are kept only
/// as SHA-256 (tokens, session cookies) or scrypt (passwords). Times are passed in.
extension Store {
    // MARK: Users

    /// Adds a user; `passwordHash` from `PasswordHasher` (nil: token or uid only, no sign-in).
    @discardableResult
    public func addUser(
        name: String, role: Role, scope: StoreScope, uid: Int64? = nil, passwordHash: String? = nil, now: Instant
    ) throws -> UserRecord {
        guard AccountError.isValidName(name) else { throw AccountError.badName(name) }
        let scope = role.seesEveryStore ? StoreScope.all : scope
        return try writeAccess { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name]) != nil {
                throw AccountError.duplicateName(name)
            }
            try Self.checkUIDFree(uid, except: nil, db)
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, stores, password_hash, created_at, uid) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, role.rawValue, scope.text, passwordHash, now.millis, uid])
            return try Self.user(id: db.lastInsertedRowID, db)!
        }
    }

    public func users() throws -> [UserRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user) }
    }

    public func user(named name: String) throws -> UserRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user)
        }
    }

    /// Changes role, stores or uid (nil: unchanged; `clearUID` removes the mapping).
    @discardableResult
    public func updateUser(
        named name: String, role: Role? = nil, scope: StoreScope? = nil, uid: Int64? = nil, clearUID: Bool = false
    ) throws -> UserRecord {
        try writeAccess { db in
            guard var user = try Self.user(named: name, db) else { throw AccountError.unknownUser(name) }
            if let role { user.role = role }
            if let scope { user.scope = scope }
            if user.role.seesEveryStore { user.scope = .all }
            if let uid {
                try Self.checkUIDFree(uid, except: user.id, db)
                user.uid = uid
            }
            if clearUID { user.uid = nil }
            try db.execute(
                sql: "UPDATE users SET role = ?, stores = ?, uid = ? WHERE id = ?",
                arguments: [user.role.rawValue, user.scope.text, user.uid, user.id])
            // A change of rights ends the console sessions that carried the old ones.
            try db.execute(sql: Self.endSessionsSQL, arguments: [Self.wallMillis(), user.id])
            return user
        }
    }

    /// Disables (or enables) a user: a disabled user's tokens and sessions stop working at once,
    /// and the sessions are ended (enabling does not bring them back).
    @discardableResult
    public func setDisabled(_ disabled: Bool, name: String, now: Instant) throws -> UserRecord {
        try writeAccess { db in
            guard var user = try Self.user(named: name, db) else { throw AccountError.unknownUser(name) }
            user.disabledAt = disabled ? (user.disabledAt ?? now) : nil
            try db.execute(
                sql: "UPDATE users SET disabled_at = ? WHERE id = ?", arguments: [user.disabledAt?.millis, user.id])
            if disabled { try db.execute(sql: Self.endSessionsSQL, arguments: [now.millis, user.id]) }
            return user
        }
    }

    /// Sets a new password hash (from `PasswordHasher`) and ends the user's sessions.
    public func setPassword(name: String, hash: String, now: Instant) throws {
        try writeAccess { db in
            guard let user = try Self.user(named: name, db) else { throw AccountError.unknownUser(name) }
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [hash, user.id])
            try db.execute(sql: Self.endSessionsSQL, arguments: [now.millis, user.id])
        }
    }

    /// The principal for a correct password of an enabled user, else nil. An unknown name costs
    /// the same scrypt work as a known one (`burn`), so timing does not tell which names exist.
    public func verifyPassword(
        name: String, password: String, hasher: PasswordHasher = PasswordHasher()
    ) throws -> Principal? {
        let found = try read { db -> (UserRecord, String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]),
                let hash = row["password_hash"] as String?
            else { return nil }
            return (Self.user(row), hash)
        }
        guard let found else {
            hasher.burn(password)
            return nil
        }
        let (user, hash) = found
        guard PasswordHasher.verify(password, against: hash), user.disabledAt == nil else { return nil }
        return user.principal
    }

    /// The enabled user mapped to Unix `uid` (`user add --uid`), if any.
    public func principal(forUID uid: Int64) throws -> Principal? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE uid = ? AND disabled_at IS NULL", arguments: [uid])
                .map { Self.user($0).principal }
        }
    }

    /// The uids mapped to users, enabled or not (a disabled mapped uid is refused, not admin).
    public func mappedUIDs() throws -> Set<Int64> {
        try read { db in Set(try Int64.fetchAll(db, sql: "SELECT uid FROM users WHERE uid IS NOT NULL")) }
    }

    // MARK: API tokens

    /// A new token for the user: the secret is returned once and kept only as its SHA-256.
    public func issueToken(user name: String, label: String?, now: Instant) throws -> String {
        try issueTokenRecord(user: name, label: label, now: now).token
    }

    /// `issueToken`, with the new token's row (its id is what `revokeToken` takes).
    public func issueTokenRecord(user name: String, label: String?, now: Instant) throws -> (
        record: TokenRecord, token: String
    ) {
        let token = SecretToken.apiToken()
        let record = try writeAccess { db -> TokenRecord in
            guard let user = try Self.user(named: name, db) else { throw AccountError.unknownUser(name) }
            try db.execute(
                sql: "INSERT INTO api_tokens (user_id, label, token_sha256, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.id, label, SecretToken.digest(token), now.millis])
            return TokenRecord(
                id: db.lastInsertedRowID, userID: user.id, userName: user.name, label: label, createdAt: now)
        }
        return (record, token)
    }

    /// Revokes a token by id; it stops working at the next request.
    @discardableResult
    public func revokeToken(id: Int64, now: Instant) throws -> TokenRecord {
        try writeAccess { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                arguments: [now.millis, id])
            guard let token = try Self.tokens(where: "t.id = ?", [id], db).first else {
                throw AccountError.unknownToken(id)
            }
            return token
        }
    }

    /// Every token (or one user's), newest first, without secrets.
    public func tokens(user name: String? = nil) throws -> [TokenRecord] {
        try read { db in
            if let name { return try Self.tokens(where: "u.name = ?", [name], db) }
            return try Self.tokens(where: "1", [], db)
        }
    }

    /// Who a bearer token acts as: nil when unknown, revoked, or its user is disabled.
    public func principal(forToken token: String) throws -> Principal? {
        guard SecretToken.isPlausible(token) else { return nil }
        return try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
                    WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL
                    """, arguments: [SecretToken.digest(token)]
            ).map { Self.user($0).principal }
        }
    }

    // MARK: Console sessions

    /// Starts a session: the cookie's value (kept only as its SHA-256) and the session's CSRF token.
    public func startSession(userID: Int64, now: Instant, ttl: Duration) throws -> (cookie: String, csrf: String) {
        let cookie = SecretToken.random()
        let csrf = SecretToken.random()
        let ttlMillis = ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000
        try writeAccess { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id_sha256, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [SecretToken.digest(cookie), userID, csrf, now.millis, now.millis + ttlMillis])
            // Sessions long over are not kept.
            try db.execute(
                sql: "DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < ?",
                arguments: [now.millis - 30 * 86_400_000])
        }
        return (cookie, csrf)
    }

    /// The principal and CSRF token of a live session: nil when unknown, ended, expired, or its
    /// user is disabled.
    public func session(cookie: String, now: Instant) throws -> (Principal, csrf: String)? {
        guard SecretToken.isPlausible(cookie) else { return nil }
        return try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT u.*, s.csrf AS session_csrf FROM sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.id_sha256 = ? AND s.ended_at IS NULL AND s.expires_at > ? AND u.disabled_at IS NULL
                        """, arguments: [SecretToken.digest(cookie), now.millis])
            else { return nil }
            return (Self.user(row).principal, row["session_csrf"])
        }
    }

    /// Ends one session (sign-out): its cookie is refused from now on, even if replayed.
    public func endSession(cookie: String, now: Instant? = nil) throws {
        try writeAccess { db in
            try db.execute(
                sql: "UPDATE sessions SET ended_at = ? WHERE id_sha256 = ? AND ended_at IS NULL",
                arguments: [(now?.millis ?? Self.wallMillis()), SecretToken.digest(cookie)])
        }
    }

    /// Ends every session of a user (on disable, password or rights change).
    public func endSessions(userID: Int64, now: Instant? = nil) throws {
        try writeAccess { db in
            try db.execute(sql: Self.endSessionsSQL, arguments: [now?.millis ?? Self.wallMillis(), userID])
        }
    }

    // MARK: Plumbing

    private static let endSessionsSQL = "UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"

    /// Only for `ended_at` when the caller passes no time: the store is the shell, not the core.
    private static func wallMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// A write to the access tables; bumps `accessVersion` once committed. An `AccountError` is
    /// passed through as it is.
    private func writeAccess<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.write(body)
            accessVersion.bump()
            return result
        } catch let error as AccountError {
            throw error
        } catch {
            throw StoreFailure(error)
        }
    }

    private static func checkUIDFree(_ uid: Int64?, except userID: Int64?, _ db: Database) throws {
        guard let uid,
            let row = try Row.fetchOne(db, sql: "SELECT id, name FROM users WHERE uid = ?", arguments: [uid]),
            row["id"] as Int64 != userID
        else { return }
        throw AccountError.uidTaken(uid: uid, by: row["name"])
    }

    static func user(id: Int64, _ db: Database) throws -> UserRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(user)
    }

    static func user(named name: String, _ db: Database) throws -> UserRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(user)
    }

    static func user(_ row: Row) -> UserRecord {
        let role = Role(rawValue: row["role"]) ?? .staff  // the schema's CHECK allows no other
        let stores: String = row["stores"]
        return UserRecord(
            id: row["id"], name: row["name"], role: role, scope: StoreScope(text: stores) ?? .only([]),
            uid: row["uid"], hasPassword: (row["password_hash"] as String?) != nil,
            createdAt: Instant(millis: row["created_at"]),
            disabledAt: (row["disabled_at"] as Int64?).map(Instant.init(millis:)))
    }

    private static func tokens(where condition: String, _ arguments: StatementArguments, _ db: Database)
        throws -> [TokenRecord]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT t.id, t.user_id, u.name AS user_name, t.label, t.created_at, t.revoked_at
                FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE \(condition) ORDER BY t.id DESC
                """, arguments: arguments
        ).map { row in
            TokenRecord(
                id: row["id"], userID: row["user_id"], userName: row["user_name"], label: row["label"],
                createdAt: Instant(millis: row["created_at"]),
                revokedAt: (row["revoked_at"] as Int64?).map(Instant.init(millis:)))
        }
    }
}
