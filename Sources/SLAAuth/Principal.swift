/// Who a request acts as, once authenticated: a user of slad's store, or a local operator (root,
/// group `slad`, the legacy shared token) with no account.
public struct Principal: Sendable, Hashable {
    /// The user's row in `users`; nil for an operator without an account.
    public var userID: Int64?
    /// The user's name, or for an operator how the kernel knows the caller (`uid 1000 (amy)`).
    public var name: String
    public var role: Role
    public var scope: StoreScope
    /// True for the identities that several people share (a till account, root, the legacy
    /// shared token): the actor they name in a request is kept, beside who sent it, as before
    /// accounts existed. A user's own account never has a claim recorded.
    public var keepsClaimedActor: Bool

    public init(userID: Int64?, name: String, role: Role, scope: StoreScope, keepsClaimedActor: Bool = false) {
        self.userID = userID
        self.name = name
        self.role = role
        // HQ and admins reach every store whatever their list says.
        self.scope = role.seesEveryStore ? .all : scope
        self.keepsClaimedActor = keepsClaimedActor
    }

    /// An operator without an account (root or group `slad` on the socket, the legacy token).
    public static func `operator`(_ name: String) -> Principal {
        Principal(userID: nil, name: name, role: .admin, scope: .all, keepsClaimedActor: true)
    }

    /// Whether the role allows `action` at all (where: `sees(store:)`).
    public func may(_ action: Action) -> Bool {
        role.actions.contains(action)
    }

    /// Whether the principal's rights reach `store`.
    public func sees(store: String) -> Bool {
        scope.contains(store)
    }

    /// Whether `action` is allowed on `store`.
    public func may(_ action: Action, in store: String) -> Bool {
        may(action) && sees(store: store)
    }

    /// The audit trail's actor for what this principal does: `user:amy` for an account; for a
    /// shared identity the claimed actor with who sent it (`li via uid 0 (root)`), or who sent it.
    public func actor(claimed: String?) -> String {
        guard userID == nil else { return "user:\(name)" }
        guard keepsClaimedActor, let claimed, !claimed.isEmpty else { return name }
        return "\(claimed) via \(name)"
    }
}
