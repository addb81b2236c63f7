import Foundation
import NIOCore
import NIOHTTP1
import SLAAPI
import SLAAuth
import SLACore
import SLAStore

/// `/v1/users` and `/v1/tokens`: accounts and API tokens, for admins (`manageUsers`). Every change
/// is logged to the journal (`AuditLog`) with who made it. Store work and password hashing run on
/// the readers' threads, never on an event loop.
///
///     GET  /v1/users                       POST /v1/users {name, role, stores, uid, password}
///     GET  /v1/users/NAME                  POST /v1/users/NAME {role, stores, uid, clear_uid}
///     POST /v1/users/NAME/disable          POST /v1/users/NAME/enable
///     POST /v1/users/NAME/password {password}
///     POST /v1/users/NAME/tokens {label}   (the answer carries the token, once)
///     GET  /v1/tokens[?user=NAME]          POST /v1/tokens/ID/revoke
extension Routes {
    func addUserRoutes(to router: APIRouter) {
        router.get("/v1/users") { request, respond in
            _ = try require(request, .manageUsers)
            respond.offload(to: readers) {
                let time = TimeFormatter(policy: service.policy)
                return try Self.encoded(UserList(users: try store { try service.store.users() }.map { view($0, time) }))
            }
        }
        router.post("/v1/users") { request, respond in
            let principal = try require(request, .manageUsers)
            let body: NewUserRequest = try decodeUserBody(
                request, known: ["name", "role", "stores", "uid", "password"])
            respond.offload(to: readers) { try addUser(body, by: principal) }
        }
        router.get("/v1/users/:name") { request, respond in
            _ = try require(request, .manageUsers)
            let name = try request.parameter("name")
            respond.offload(to: readers) {
                guard let user = try store({ try service.store.user(named: name) }) else {
                    throw APIError(AccountError.unknownUser(name))
                }
                return try Self.encoded(view(user, TimeFormatter(policy: service.policy)))
            }
        }
        router.post("/v1/users/:name") { request, respond in
            let principal = try require(request, .manageUsers)
            let name = try request.parameter("name")
            let body: UserChangeRequest = try decodeUserBody(request, known: ["role", "stores", "uid", "clear_uid"])
            respond.offload(to: readers) { try changeUser(name, body, by: principal) }
        }
        for (verb, disabled) in [("disable", true), ("enable", false)] {
            router.post("/v1/users/:name/\(verb)") { request, respond in
                let principal = try require(request, .manageUsers)
                let name = try request.parameter("name")
                respond.offload(to: readers) {
                    let user = try store { try service.store.setDisabled(disabled, name: name, now: clock.now()) }
                    audit.userChanged(name, disabled ? "disabled" : "enabled", by: principal.actor(claimed: nil))
                    return try Self.encoded(view(user, TimeFormatter(policy: service.policy)))
                }
            }
        }
        router.post("/v1/users/:name/password") { request, respond in
            let principal = try require(request, .manageUsers)
            let name = try request.parameter("name")
            let body: PasswordRequest = try decodeUserBody(request, known: ["password"])
            respond.offload(to: readers) {
                let hash = try hashPassword(body.password)
                try store { try service.store.setPassword(name: name, hash: hash, now: clock.now()) }
                audit.passwordChanged(name, by: principal.actor(claimed: nil))
                return try Self.encoded(["changed": true])
            }
        }
        router.post("/v1/users/:name/tokens") { request, respond in
            let principal = try require(request, .manageUsers)
            let name = try request.parameter("name")
            let body: TokenRequest =
                request.body.readableBytes == 0 ? TokenRequest() : try decodeUserBody(request, known: ["label"])
            if let label = body.label, label.count > 200 || label.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                throw APIError.badRequest("a token label is at most 200 characters, without control characters")
            }
            respond.offload(to: readers) {
                let (record, token) = try store {
                    try service.store.issueTokenRecord(user: name, label: body.label, now: clock.now())
                }
                audit.tokenIssued(id: record.id, user: name, label: body.label, by: principal.actor(claimed: nil))
                var issued = view(record, TimeFormatter(policy: service.policy))
                issued.token = token
                return try Self.encoded(issued, status: .created)
            }
        }
        router.get("/v1/tokens") { request, respond in
            _ = try require(request, .manageUsers)
            let user = request.query.get("user")
            respond.offload(to: readers) {
                let time = TimeFormatter(policy: service.policy)
                return try Self.encoded(
                    TokenList(tokens: try store { try service.store.tokens(user: user) }.map { view($0, time) }))
            }
        }
        router.post("/v1/tokens/:id/revoke") { request, respond in
            let principal = try require(request, .manageUsers)
            guard let id = Int64(try request.parameter("id")), id > 0 else {
                throw APIError.badRequest("token id must be a positive number")
            }
            respond.offload(to: readers) {
                let record = try store { try service.store.revokeToken(id: id, now: clock.now()) }
                audit.tokenRevoked(id: id, user: record.userName, by: principal.actor(claimed: nil))
                return try Self.encoded(view(record, TimeFormatter(policy: service.policy)))
            }
        }
    }

    private func addUser(_ body: NewUserRequest, by principal: Principal) throws -> APIResponse {
        guard let role = Role(rawValue: body.role) else { throw Self.badRole(body.role) }
        guard let scope = StoreScope(text: body.stores ?? "") else {
            throw APIError(AccountError.badStores(body.stores ?? ""))
        }
        if !role.seesEveryStore, scope.stores?.isEmpty ?? false {
            throw APIError(
                status: .unprocessableEntity, code: "bad_stores",
                message: "a \(role.rawValue) needs --stores (their stores, such as S01,S02)")
        }
        if let uid = body.uid, uid < 0 || uid > Int64(UInt32.max) { throw APIError.badRequest("uid out of range") }
        let hash = try body.password.map(hashPassword)
        let user = try store {
            try service.store.addUser(
                name: body.name, role: role, scope: scope, uid: body.uid, passwordHash: hash, now: clock.now())
        }
        audit.userChanged(
            user.name,
            "added as \(role.rawValue) of \(user.scope.text)\(user.uid.map { " (uid \($0))" } ?? "")",
            by: principal.actor(claimed: nil))
        return try Self.encoded(view(user, TimeFormatter(policy: service.policy)), status: .created)
    }

    private func changeUser(_ name: String, _ body: UserChangeRequest, by principal: Principal) throws -> APIResponse {
        let role = try body.role.map { text in
            guard let role = Role(rawValue: text) else { throw Self.badRole(text) }
            return role
        }
        let scope = try body.stores.map { text in
            guard let scope = StoreScope(text: text) else { throw APIError(AccountError.badStores(text)) }
            return scope
        }
        let user = try store {
            try service.store.updateUser(
                named: name, role: role, scope: scope, uid: body.uid, clearUID: body.clearUID ?? false)
        }
        audit.userChanged(
            name,
            "changed: now \(user.role.rawValue) of \(user.scope.text), uid \(user.uid.map(String.init) ?? "none")",
            by: principal.actor(claimed: nil))
        return try Self.encoded(view(user, TimeFormatter(policy: service.policy)))
    }

    private func hashPassword(_ password: String) throws -> String {
        do {
            return try hasher.hash(password)
        } catch {
            throw APIError(AccountError.badPassword("\(error)"))
        }
    }

    /// A store call whose `AccountError` is the client's to fix (4xx), a `StoreFailure` slad's.
    private func store<T>(_ body: () throws -> T) throws -> T {
        do {
            return try read(body)
        } catch let error as AccountError {
            throw APIError(error)
        }
    }

    private func decodeUserBody<T: Decodable>(_ request: APIRequest, known: Set<String>) throws -> T {
        let data = Data(request.body.readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "bad_json", message: "the request needs a JSON object")
        }
        if let unknown = object.keys.filter({ !known.contains($0) }).min() {
            throw APIError(
                status: .badRequest, code: "unknown_field",
                message: "unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(status: .badRequest, code: "bad_json", message: Self.explain(error))
        }
    }

    private static func badRole(_ text: String) -> APIError {
        APIError(
            status: .unprocessableEntity, code: "bad_role",
            message: "unknown role '\(text)' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    static func encoded(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> APIResponse {
        APIResponse(status: status, contentType: "application/json", body: ByteBuffer(bytes: try APIJSON.encode(value)))
    }

    private func view(_ user: UserRecord, _ time: TimeFormatter) -> UserView {
        UserView(
            id: user.id, name: user.name, role: user.role.rawValue, stores: user.scope.text, uid: user.uid,
            hasPassword: user.hasPassword, createdAt: time.format(user.createdAt),
            disabledAt: user.disabledAt.map(time.format))
    }

    private func view(_ token: TokenRecord, _ time: TimeFormatter) -> TokenView {
        TokenView(
            id: token.id, user: token.userName, label: token.label, createdAt: time.format(token.createdAt),
            revokedAt: token.revokedAt.map(time.format))
    }
}

extension APIError {
    /// A refused change to users or tokens: 404 for what does not exist, 409 for a clash, else 422.
    init(_ error: AccountError) {
        let status: HTTPResponseStatus =
            switch error {
            case .unknownUser, .unknownToken: .notFound
            case .duplicateName, .uidTaken: .conflict
            case .badName, .badStores, .badPassword: .unprocessableEntity
            }
        self.init(status: status, code: error.code, message: error.description)
    }
}
