// The interface the `auth` branch provides (SLAAuth), as its brief describes it, so that the
// console can be written and tested before that branch lands. Deleted at the merge, where
// `import SLAAuth` takes its place.

/// What a person may do in slad.
public enum Role: String, Sendable, CaseIterable {
    case staff, manager, hq, admin
}

/// The stores a person sees.
public enum StoreScope: Sendable, Hashable {
    case all
    case only(Set<String>)
}

/// What a request asks to do.
public enum Action: Sendable, CaseIterable {
    case read, openCase, recordEvent, acknowledge, report, manageUsers, managePolicy
}

/// Who is signed in.
public struct Principal: Sendable, Hashable {
    public var userID: Int64?
    public var name: String
    public var role: Role
    public var scope: StoreScope

    public init(userID: Int64?, name: String, role: Role, scope: StoreScope) {
        self.userID = userID
        self.name = name
        self.role = role
        self.scope = role == .hq || role == .admin ? .all : scope
    }

    /// The audit trail's actor: `user:amy` for an account.
    public func actor(claimed: String?) -> String {
        userID == nil ? name : "user:\(name)"
    }

    public func may(_ action: Action) -> Bool {
        switch action {
        case .read: return true
        case .openCase, .recordEvent: return role != .hq
        case .acknowledge, .report: return role != .staff
        case .manageUsers, .managePolicy: return role == .admin
        }
    }

    public func sees(store: String) -> Bool {
        switch scope {
        case .all: return true
        case .only(let stores): return stores.contains(store)
        }
    }
}
