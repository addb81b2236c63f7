/// What a person may do in slad, from least to most. The store scope says where.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Front-line staff: open cases, record events, read their stores.
    case staff
    /// A store manager: staff's rights, plus acknowledging escalations and reports, for their stores.
    case manager
    /// Head office: every store, read, acknowledge and report; no writes to cases.
    case hq
    /// Operators: everything, including users and the policy.
    case admin

    /// Whether the role reaches every store whatever its `stores` list says.
    public var seesEveryStore: Bool { self == .hq || self == .admin }

    /// What the role allows, before the store scope is applied.
    public var actions: Set<Action> {
        switch self {
        case .staff: [.read, .openCase, .recordEvent]
        case .manager: [.read, .openCase, .recordEvent, .acknowledge, .report]
        case .hq: [.read, .acknowledge, .report]
        case .admin: Set(Action.allCases)
        }
    }
}

/// One kind of thing a request does; each API route needs one.
public enum Action: String, Sendable, CaseIterable, Codable {
    case read
    case openCase
    case recordEvent
    case acknowledge
    case report
    case manageUsers
    case managePolicy
}
