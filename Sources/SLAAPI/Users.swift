import Foundation

// The wire types of `/v1/users` and `/v1/tokens` (admins only): requests slactl sends, views
// slad answers. Never a password hash; a token's secret only in the answer that issues it.

/// `POST /v1/users`: a new account.
public struct NewUserRequest: Codable, Sendable, Hashable {
    public var name: String
    public var role: String
    /// `S01,S02`; ignored for hq and admin (every store).
    public var stores: String?
    public var uid: Int64?
    public var password: String?

    public init(name: String, role: String, stores: String? = nil, uid: Int64? = nil, password: String? = nil) {
        self.name = name
        self.role = role
        self.stores = stores
        self.uid = uid
        self.password = password
    }
}

/// `POST /v1/users/NAME`: a change of role, stores or uid (absent: unchanged).
public struct UserChangeRequest: Codable, Sendable, Hashable {
    public var role: String?
    public var stores: String?
    public var uid: Int64?
    /// True: remove the uid mapping.
    public var clearUID: Bool?

    public init(role: String? = nil, stores: String? = nil, uid: Int64? = nil, clearUID: Bool? = nil) {
        self.role = role
        self.stores = stores
        self.uid = uid
        self.clearUID = clearUID
    }

    enum CodingKeys: String, CodingKey {
        case role, stores, uid
        case clearUID = "clear_uid"
    }
}

/// `POST /v1/users/NAME/password`.
public struct PasswordRequest: Codable, Sendable, Hashable {
    public var password: String

    public init(password: String) {
        self.password = password
    }
}

/// `POST /v1/users/NAME/tokens`.
public struct TokenRequest: Codable, Sendable, Hashable {
    public var label: String?

    public init(label: String? = nil) {
        self.label = label
    }
}

/// One account.
public struct UserView: Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var role: String
    /// `S01,S02`, or `*` for every store.
    public var stores: String
    public var uid: Int64?
    public var hasPassword: Bool
    public var createdAt: String
    public var disabledAt: String?

    public init(
        id: Int64, name: String, role: String, stores: String, uid: Int64?, hasPassword: Bool, createdAt: String,
        disabledAt: String?
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.stores = stores
        self.uid = uid
        self.hasPassword = hasPassword
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, stores, uid
        case hasPassword = "has_password"
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
    }
}

/// `GET /v1/users`.
public struct UserList: Codable, Sendable, Hashable {
    public var users: [UserView]

    public init(users: [UserView]) {
        self.users = users
    }
}

/// One API token; `token` (the secret) only in the answer that issues it.
public struct TokenView: Codable, Sendable, Hashable {
    public var id: Int64
    public var user: String
    public var label: String?
    public var createdAt: String
    public var revokedAt: String?
    public var token: String?

    public init(
        id: Int64, user: String, label: String?, createdAt: String, revokedAt: String?, token: String? = nil
    ) {
        self.id = id
        self.user = user
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case id, user, label, token
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// `GET /v1/tokens`.
public struct TokenList: Codable, Sendable, Hashable {
    public var tokens: [TokenView]

    public init(tokens: [TokenView]) {
        self.tokens = tokens
    }
}
