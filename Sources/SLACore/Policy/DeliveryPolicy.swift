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
    /// The base of a link to a case in messages (`{console-url}/cases/C-1042`); nil: no link.
    public var consoleURL: String?
    /// The language of the routes that do not name one.
    public var language = MessageLanguage.chinese
    /// The people and who is on duty where (`contacts`, a file of its own): routes with `on-duty`
    /// mention or mail them.
    public var contacts: ContactRoster?

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

/// One way to reach people: a command, an HTTP POST of the entry as JSON, a chat robot of a
/// group (WeCom, DingTalk, Feishu) or mail through sendmail(8).
public struct DeliveryRoute: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        /// argv; the entry as JSON on stdin, `SLA_*` in the environment.
        case exec([String])
        /// URL and extra headers (a token for a bot or an SMS gateway).
        case webhook(url: String, headers: [String: String])
        /// A group robot: sentences people read, in the vendor's body shape, signed, rate limited.
        case robot(RobotRoute)
        /// Mail handed to sendmail(8).
        case email(EmailRoute)
    }

    public let name: String
    public let tiers: Set<String>
    /// Only entries of these stores; nil for every store.
    public let stores: Set<String>?
    public let target: Target
    /// The language of the default templates.
    public var language = MessageLanguage.chinese
    /// A folder of templates that replace the defaults (`breach.text.mustache`, ...); nil: the defaults.
    public var templates: String?
    /// At most this many messages in each window; empty: no limit. Robots get their vendor's.
    public var rateLimits: [RateLimit] = []
    /// `on-duty = true`: robots also @-mention, and mail also goes to, the people the contacts
    /// file has on duty for the entry's tier and store.
    public var onDuty = false

    public init(name: String, tiers: Set<String>, stores: Set<String>?, target: Target) {
        self.name = name
        self.tiers = tiers
        self.stores = stores
        self.target = target
        if case .robot(let robot) = target { rateLimits = robot.vendor.rateLimits }
    }

    /// Whether entries on this route become sentences (and may be merged into digests), rather
    /// than the entry's JSON.
    public var sendsMessages: Bool {
        switch target {
        case .robot, .email: return true
        case .exec, .webhook: return false
        }
    }
}

public enum MessageLanguage: String, Hashable, Sendable, CaseIterable {
    case chinese = "zh"
    case english = "en"
}

/// `N` messages per `seconds`, counted over any window of that length (as the vendors count).
public struct RateLimit: Hashable, Sendable {
    public let count: Int
    public let seconds: Int

    public init(count: Int, seconds: Int) {
        self.count = count
        self.seconds = seconds
    }

    /// `"20/min"`, `"5/s"`, `"100/h"`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        switch parts[1] {
        case "s", "sec", "second": seconds = 1
        case "min", "minute": seconds = 60
        case "h", "hour": seconds = 3600
        default: return nil
        }
        self.count = count
    }
}

public enum RobotVendor: String, Hashable, Sendable, CaseIterable {
    case wecom, dingtalk, feishu

    /// What each vendor documents: 20 a minute (WeCom, DingTalk), 100 a minute and 5 a second (Feishu).
    public var rateLimits: [RateLimit] {
        switch self {
        case .wecom, .dingtalk: return [RateLimit(count: 20, seconds: 60)]
        case .feishu: return [RateLimit(count: 100, seconds: 60), RateLimit(count: 5, seconds: 1)]
        }
    }
}

/// A group robot's webhook and how to address it.
public struct RobotRoute: Hashable, Sendable {
    public enum Format: String, Hashable, Sendable, CaseIterable {
        case text, markdown
    }

    public var vendor: RobotVendor
    /// The webhook URL, with or without its key (WeCom `key`, DingTalk `access_token`, Feishu's
    /// last path segment): without, the key is read from `tokenFile`.
    public var url: String
    public var tokenFile: String?
    /// DingTalk's and Feishu's signing secret, read from this file when a message is signed.
    public var secretFile: String?
    public var format = Format.text
    /// Who is @-mentioned: phone numbers, user ids or `@all`, per tier, and per store and tier.
    public var mentions: [String: [String]] = [:]
    public var storeMentions: [String: [String: [String]]] = [:]

    public init(vendor: RobotVendor, url: String) {
        self.vendor = vendor
        self.url = url
    }

    /// Everyone mentioned for an entry of this tier and store: the store's own first.
    public func mentioned(tier: String, store: String) -> [String] {
        var people = storeMentions[store]?[tier] ?? []
        for person in mentions[tier] ?? [] where !people.contains(person) { people.append(person) }
        return people
    }
}

/// Mail handed to sendmail(8) with the message on stdin, as cron and smartd send it.
public struct EmailRoute: Hashable, Sendable {
    public var to: [String]
    public var from = "slad"
    public var sendmail = ["/usr/sbin/sendmail", "-t", "-i"]

    public init(to: [String]) {
        self.to = to
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
            allowed: [
                "max-attempts", "backoff", "max-backoff", "timeout", "route", "include-contact", "catch-up",
                "console-url", "language", "contacts",
            ],
            path: path)
        delivery.contacts = readContacts(table, path: path, tiers: tiers)
        if let url = optionalString(table, "console-url", path: path) {
            if url.hasPrefix("http://") || url.hasPrefix("https://") {
                delivery.consoleURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                fail(path + ".console-url", "expected an http:// or https:// URL")
            }
        }
        delivery.language = language(table, path: path) ?? delivery.language
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
            checkKeys(route, allowed: Self.routeKeys, path: routePath)
            let name = optionalString(route, "name", path: routePath) ?? "route-\(index + 1)"
            if delivery.routes.contains(where: { $0.name == name }) {
                fail(routePath + ".name", "route '\(name)' is named twice")
            }
            let routeTiers = stringList(route, "tiers", path: routePath) ?? []
            for tier in routeTiers where !tierIDs.contains(tier) {
                fail(routePath + ".tiers", "unknown tier '\(tier)' (tiers: \(tiers.map(\.id).joined(separator: ", ")))")
            }
            let stores = stringList(route, "stores", path: routePath, required: false).map(Set.init)
            let kinds = Self.routeKinds.filter { route[$0] != nil }
            guard kinds.count == 1 else {
                fail(routePath, "a route has one of `\(Self.routeKinds.joined(separator: "`, `"))`")
                continue
            }
            let target = routeTarget(kinds[0], route, path: routePath, tiers: tierIDs)
            let extras = ["language", "templates", "rate-limit", "on-duty"].filter { route[$0] != nil }
            if kinds[0] == "exec" || kinds[0] == "webhook", let extra = extras.first {
                fail(
                    routePath + "." + extra, "only routes of people's messages (wecom, dingtalk, feishu, email) take it"
                )
            }
            if let target {
                var built = DeliveryRoute(name: name, tiers: Set(routeTiers), stores: stores, target: target)
                built.language = language(route, path: routePath) ?? delivery.language
                built.templates = optionalString(route, "templates", path: routePath)
                if let folder = built.templates, !folder.hasPrefix("/") {
                    fail(routePath + ".templates", "expected an absolute path to a folder of templates")
                }
                if let limit = optionalString(route, "rate-limit", path: routePath) {
                    if limit == "off" {
                        built.rateLimits = []
                    } else if let parsed = RateLimit(limit) {
                        built.rateLimits = [parsed]
                    } else {
                        fail(routePath + ".rate-limit", "expected messages per time, such as \"20/min\", or \"off\"")
                    }
                }
                if let value = route["on-duty"] {
                    if let flag = value.bool {
                        built.onDuty = flag
                        if flag, table["contacts"] == nil {
                            fail(
                                routePath + ".on-duty",
                                "the people on duty come from a contacts file: add contacts = \"/etc/slad/contacts.toml\" to [delivery]"
                            )
                        }
                    } else {
                        fail(routePath + ".on-duty", "expected true or false")
                    }
                }
                delivery.routes.append(built)
            }
        }
        return delivery
    }

    static let routeKinds = ["exec", "webhook", "wecom", "dingtalk", "feishu", "email"]
    static let routeKeys: Set<String> = Set(routeKinds).union([
        "name", "tiers", "stores", "headers", "language", "templates", "rate-limit", "format", "token-file",
        "secret-file", "mention", "store-mention", "from", "sendmail", "on-duty",
    ])

    /// What a route's kind key says, checked; nil after a failure.
    mutating func routeTarget(_ kind: String, _ route: TOMLTable, path: String, tiers: Set<String>)
        -> DeliveryRoute.Target?
    {
        let robotOnly = ["format", "token-file", "secret-file", "mention", "store-mention"]
        let emailOnly = ["from", "sendmail"]
        let notHere: [String]
        switch kind {
        case "exec", "webhook": notHere = robotOnly + emailOnly
        case "email": notHere = robotOnly + ["headers"]
        default: notHere = emailOnly + ["headers"]
        }
        for key in notHere where route[key] != nil {
            fail(path + "." + key, "a route of kind `\(kind)` does not take `\(key)`")
        }
        switch kind {
        case "exec":
            guard let argv = stringList(route, "exec", path: path), !argv.isEmpty else { return nil }
            guard argv[0].hasPrefix("/") else {
                fail(path + ".exec", "the command must be an absolute path, such as /usr/local/bin/notify")
                return nil
            }
            return .exec(argv)
        case "webhook":
            guard let url = httpURL(route, "webhook", path: path) else { return nil }
            return .webhook(url: url, headers: headers(route, path: path))
        case "email":
            let onDuty = route["on-duty"]?.bool == true
            // With on-duty the list may be empty: the people on duty are the recipients.
            guard let to = stringList(route, "email", path: path, required: !onDuty) else { return nil }
            guard !to.isEmpty || onDuty, to.allSatisfy({ $0.contains("@") && !$0.contains(where: \.isNewline) }) else {
                fail(path + ".email", "expected a list of mail addresses, such as [\"manager@store.example\"]")
                return nil
            }
            var email = EmailRoute(to: to)
            if let from = optionalString(route, "from", path: path) {
                if from.contains(where: \.isNewline) { fail(path + ".from", "one line, a mail address") }
                email.from = from
            }
            if let argv = stringList(route, "sendmail", path: path, required: false) {
                if argv.first?.hasPrefix("/") == true {
                    email.sendmail = argv
                } else {
                    fail(
                        path + ".sendmail",
                        "the command must be an absolute path, such as [\"/usr/sbin/sendmail\", \"-t\", \"-i\"]")
                }
            }
            return .email(email)
        default:
            let vendor = RobotVendor(rawValue: kind)!
            guard let url = httpURL(route, kind, path: path) else { return nil }
            var robot = RobotRoute(vendor: vendor, url: url)
            robot.tokenFile = absolutePath(route, "token-file", path: path)
            robot.secretFile = absolutePath(route, "secret-file", path: path)
            if vendor == .wecom, robot.secretFile != nil {
                fail(
                    path + ".secret-file",
                    "WeCom robots are not signed: the key in the URL (or token-file) is the secret")
            }
            if let format = optionalString(route, "format", path: path) {
                if let parsed = RobotRoute.Format(rawValue: format) {
                    robot.format = parsed
                } else {
                    fail(path + ".format", "expected \"text\" or \"markdown\"")
                }
            }
            robot.mentions = mentions(route["mention"], path: path + ".mention", tiers: tiers)
            if let value = route["store-mention"] {
                if let table = value.table {
                    for store in table.keys {
                        robot.storeMentions[store] = mentions(
                            table[store], path: path + ".store-mention.\(store)", tiers: tiers)
                    }
                } else {
                    fail(path + ".store-mention", "expected a table of stores, each a table of tiers")
                }
            }
            return .robot(robot)
        }
    }

    /// `{ tier = ["13800000000", "userid", "@all"] }`.
    mutating func mentions(_ value: TOMLValueConvertible?, path: String, tiers: Set<String>) -> [String: [String]] {
        guard let value else { return [:] }
        guard let table = value.table else {
            fail(path, "expected a table of tiers, each a list of phone numbers or user ids")
            return [:]
        }
        var result: [String: [String]] = [:]
        for tier in table.keys {
            if !tiers.contains(tier) { fail(path + ".\(tier)", "unknown tier '\(tier)'") }
            result[tier] = stringList(table, tier, path: path)
        }
        return result
    }

    mutating func httpURL(_ table: TOMLTable, _ key: String, path: String) -> String? {
        guard let url = string(table, key, path: path) else { return nil }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            fail(path + "." + key, "expected an http:// or https:// URL")
            return nil
        }
        return url
    }

    mutating func absolutePath(_ table: TOMLTable, _ key: String, path: String) -> String? {
        guard let file = optionalString(table, key, path: path) else { return nil }
        guard file.hasPrefix("/") else {
            fail(
                path + "." + key,
                "expected an absolute path, such as /etc/slad/\(key.replacingOccurrences(of: "-file", with: ""))")
            return nil
        }
        return file
    }

    mutating func language(_ table: TOMLTable, path: String) -> MessageLanguage? {
        guard let text = optionalString(table, "language", path: path) else { return nil }
        guard let language = MessageLanguage(rawValue: text) else {
            fail(path + ".language", "expected \"zh\" or \"en\"")
            return nil
        }
        return language
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
