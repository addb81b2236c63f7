import TOMLKit

/// How queue entries are pushed to people, and how long records are kept: `[delivery]` and
/// `[retention]` of the policy.
public struct DeliveryPolicy: Hashable, Sendable {
    /// Attempts per route before an entry is marked failed.
    public var maxAttempts = 8
    /// First retry delay, in milliseconds; it doubles each attempt, with jitter, up to `maxBackoffMillis`.
    public var backoffMillis: Int64 = 5_000
    public var maxBackoffMillis: Int64 = 600_000
    /// How long a hook may run or a webhook may take.
    public var timeoutMillis: Int64 = 10_000
    /// Whether pushed entries carry the customer's contact details (off: they never leave the store).
    public var includeContact = false
    /// Who is told when one clock has several entries due at once (after downtime, a full disk, a
    /// step of the wall clock): every tier (the default) or only the highest.
    public var catchUp = CatchUp.everyTier
    public var routes: [DeliveryRoute] = []

    public init() {}

    /// The routes an entry for this tier and store goes to.
    public func routes(tier: String, store: String) -> [DeliveryRoute] {
        routes.filter { $0.tiers.contains(tier) && ($0.stores == nil || $0.stores!.contains(store)) }
    }
}

/// `catch-up` in `[delivery]`.
public enum CatchUp: String, Hashable, Sendable, CaseIterable {
    /// Each tier is someone else, and each learns at once, marked late: the supervisor who missed
    /// the breach as well as the department head it has climbed to since.
    case everyTier = "every-tier"
    /// Only the highest tier now due is told; the entries of the tiers below it are written as
    /// `skipped` (kept for the record, never pushed).
    case highestTier = "highest-tier"
}

/// One way to reach people: a command run with the entry on stdin, or an HTTP POST of it.
public struct DeliveryRoute: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        /// argv; the entry as JSON on stdin, `SLA_*` in the environment.
        case exec([String])
        /// URL and extra headers (a token for a bot or an SMS gateway).
        case webhook(url: String, headers: [String: String])
    }

    public let name: String
    public let tiers: Set<String>
    /// Only entries of these stores; nil for every store.
    public let stores: Set<String>?
    public let target: Target

    public init(name: String, tiers: Set<String>, stores: Set<String>?, target: Target) {
        self.name = name
        self.tiers = tiers
        self.stores = stores
        self.target = target
    }
}

/// The procedures keep records at least two years: purging closed cases sooner is refused.
public struct RetentionPolicy: Hashable, Sendable {
    public static let minimumDays = 730
    /// Closed cases older than this are purged daily; nil keeps everything.
    public var days: Int?

    public init(days: Int? = nil) {
        self.days = days
    }
}

extension PolicyReader {
    mutating func readDelivery(_ root: TOMLTable?, tiers: [Tier]) -> DeliveryPolicy {
        var delivery = DeliveryPolicy()
        guard let table = root else { return delivery }
        let path = "delivery"
        checkKeys(
            table,
            allowed: ["max-attempts", "backoff", "max-backoff", "timeout", "route", "include-contact", "catch-up"],
            path: path)
        if let value = table["catch-up"] {
            if let text = value.string, let mode = CatchUp(rawValue: text) {
                delivery.catchUp = mode
            } else {
                fail(path + ".catch-up", "expected \"every-tier\" or \"highest-tier\"")
            }
        }
        if let value = table["include-contact"] {
            if let flag = value.bool {
                delivery.includeContact = flag
            } else {
                fail(path + ".include-contact", "expected true or false")
            }
        }
        if let value = table["max-attempts"] {
            if let attempts = value.int, attempts >= 1, attempts <= 100 {
                delivery.maxAttempts = attempts
            } else {
                fail(path + ".max-attempts", "expected a whole number from 1 to 100")
            }
        }
        delivery.backoffMillis = wallDuration(table, "backoff", path: path) ?? delivery.backoffMillis
        delivery.maxBackoffMillis = wallDuration(table, "max-backoff", path: path) ?? delivery.maxBackoffMillis
        delivery.timeoutMillis = wallDuration(table, "timeout", path: path) ?? delivery.timeoutMillis
        guard let routes = table["route"] else { return delivery }
        guard let array = routes.array else {
            fail(path + ".route", "routes are [[delivery.route]] tables")
            return delivery
        }
        let tierIDs = Set(tiers.map(\.id))
        for (index, element) in array.enumerated() {
            let routePath = "\(path).route[\(index)]"
            guard let route = element.table else {
                fail(routePath, "a route is a table")
                continue
            }
            checkKeys(route, allowed: ["name", "tiers", "stores", "exec", "webhook", "headers"], path: routePath)
            let name = optionalString(route, "name", path: routePath) ?? "route-\(index + 1)"
            if delivery.routes.contains(where: { $0.name == name }) {
                fail(routePath + ".name", "route '\(name)' is named twice")
            }
            let routeTiers = stringList(route, "tiers", path: routePath) ?? []
            for tier in routeTiers where !tierIDs.contains(tier) {
                fail(routePath + ".tiers", "unknown tier '\(tier)' (tiers: \(tiers.map(\.id).joined(separator: ", ")))")
            }
            let stores = stringList(route, "stores", path: routePath, required: false).map(Set.init)
            var target: DeliveryRoute.Target?
            switch (route["exec"], route["webhook"]) {
            case (.some, .some), (nil, nil):
                fail(routePath, "a route has either `exec` (a command) or `webhook` (a URL)")
            case (.some, nil):
                if let argv = stringList(route, "exec", path: routePath), !argv.isEmpty {
                    if argv[0].hasPrefix("/") {
                        target = .exec(argv)
                    } else {
                        fail(routePath + ".exec", "the command must be an absolute path, such as /usr/local/bin/notify")
                    }
                }
            case (nil, .some):
                if let url = string(route, "webhook", path: routePath) {
                    if url.hasPrefix("http://") || url.hasPrefix("https://") {
                        target = .webhook(url: url, headers: headers(route, path: routePath))
                    } else {
                        fail(routePath + ".webhook", "expected an http:// or https:// URL")
                    }
                }
            }
            if let target {
                delivery.routes.append(
                    DeliveryRoute(name: name, tiers: Set(routeTiers), stores: stores, target: target))
            }
        }
        return delivery
    }

    mutating func headers(_ route: TOMLTable, path: String) -> [String: String] {
        guard let value = route["headers"] else { return [:] }
        guard let table = value.table else {
            fail(path + ".headers", "expected a table of header names and values")
            return [:]
        }
        var result: [String: String] = [:]
        for key in table.keys {
            if let text = table[key]?.string {
                result[key] = text
            } else {
                fail(path + ".headers.\(key)", "expected a string")
            }
        }
        return result
    }

    mutating func readRetention(_ root: TOMLTable?) -> RetentionPolicy {
        guard let table = root else { return RetentionPolicy() }
        checkKeys(table, allowed: ["days"], path: "retention")
        guard let value = table["days"] else { return RetentionPolicy() }
        guard let days = value.int, days >= RetentionPolicy.minimumDays else {
            fail(
                "retention.days",
                "records are kept at least \(RetentionPolicy.minimumDays) days (two years, the procedures' minimum)")
            return RetentionPolicy()
        }
        return RetentionPolicy(days: days)
    }

    /// A wall-clock duration for delivery settings: `250ms`, `30s`, `5m`, `1h`.
    mutating func wallDuration(_ table: TOMLTable, _ key: String, path: String) -> Int64? {
        guard let value = table[key] else { return nil }
        if let text = value.string, text.hasSuffix("ms"), let millis = Int64(text.dropLast(2)), millis > 0 {
            return millis
        }
        guard let text = value.string, let target = Target(text), let seconds = target.openSeconds else {
            fail(path + "." + key, "expected a duration in ms, s, m or h, such as \"30s\"")
            return nil
        }
        return seconds * 1000
    }
}
