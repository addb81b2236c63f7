import TOMLKit

/// `[hq]` of the policy: where this store's slad ships its changes (issue 19). Absent: no
/// replication, the default. Secrets are never in it: the password is in `password-file`.
public struct HQPolicy: Hashable, Sendable {
    public enum TLS: String, Sendable {
        /// TLS with the server's certificate checked (against `ca-file`, else the system's CAs).
        case require
        /// Plain TCP: only to a loopback address (a local HQ, tests).
        case disable
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var passwordFile: String?
    public var caFile: String?
    public var tls: TLS
    /// The store's id at HQ (`slactl hq add-store ID`).
    public var storeID: String
    public var batchSize: Int
    public var warnBacklogSeconds: Int

    public static let defaultBatchSize = 500
    public static let defaultWarnBacklogSeconds = 300

    public init(
        user: String, host: String, port: Int = 5432, database: String, passwordFile: String? = nil,
        caFile: String? = nil, tls: TLS = .require, storeID: String, batchSize: Int = HQPolicy.defaultBatchSize,
        warnBacklogSeconds: Int = HQPolicy.defaultWarnBacklogSeconds
    ) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.passwordFile = passwordFile
        self.caFile = caFile
        self.tls = tls
        self.storeID = storeID
        self.batchSize = batchSize
        self.warnBacklogSeconds = warnBacklogSeconds
    }

    /// The connection URL as configured (it holds no secret): what logs and health may show.
    public var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// Whether `host` is this machine's loopback (`localhost`, 127.0.0.0/8, ::1).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `postgres://USER@HOST[:PORT]/DB` (or `postgresql://`): its parts, or what is wrong with it.
    public static func parseURL(_ text: String) -> Result<URLParts, URLProblem> {
        guard let schemeEnd = text.range(of: "://"),
            ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased())
        else { return .failure(.init("expected a postgres://USER@HOST:PORT/DATABASE URL")) }
        let rest = text[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            return .failure(.init("options in the URL are not read: set tls and ca-file in [hq] instead"))
        }
        guard let at = rest.lastIndex(of: "@") else {
            return .failure(.init("the URL names no user: postgres://USER@HOST:PORT/DATABASE"))
        }
        let user = String(rest[..<at])
        if user.contains(":") {
            return .failure(.init("the URL holds a password: put it in password-file, never in the policy"))
        }
        guard !user.isEmpty, user.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else { return .failure(.init("the user '\(user)' is not a role name")) }
        let hostAndPath = rest[rest.index(after: at)...]
        guard let slash = hostAndPath.firstIndex(of: "/") else {
            return .failure(.init("the URL names no database: postgres://USER@HOST:PORT/DATABASE"))
        }
        let database = String(hostAndPath[hostAndPath.index(after: slash)...])
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(.init("the URL names no database: postgres://USER@HOST:PORT/DATABASE"))
        }
        var hostPort = hostAndPath[..<slash]
        var host: Substring
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return .failure(.init("an unclosed [ in the host")) }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            hostPort = hostPort[hostPort.index(after: close)...]
            if !hostPort.isEmpty {
                guard hostPort.first == ":", let number = Int(hostPort.dropFirst()) else {
                    return .failure(.init("a bad port after the host"))
                }
                port = number
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            guard let number = Int(hostPort[hostPort.index(after: colon)...]) else {
                return .failure(.init("a bad port '\(hostPort[hostPort.index(after: colon)...])'"))
            }
            port = number
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { return .failure(.init("the URL names no host")) }
        guard (1...65535).contains(port) else { return .failure(.init("the port \(port) is not from 1 to 65535")) }
        return .success((user, String(host), port, database))
    }

    public typealias URLParts = (user: String, host: String, port: Int, database: String)

    public struct URLProblem: Error, Hashable, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    private static let storeIDCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    /// Store ids become part of a PostgreSQL role name at HQ: letters, digits, `-` and `_`.
    public static func isValidStoreID(_ id: String) -> Bool {
        (1...40).contains(id.count) && id.allSatisfy(storeIDCharacters.contains)
    }
}

extension PolicyReader {
    static let hqKeys: Set<String> = [
        "url", "password-file", "ca-file", "tls", "store-id", "batch-size", "warn-backlog-seconds",
    ]

    mutating func readHQ(_ root: TOMLTable?) -> HQPolicy? {
        guard let table = root else { return nil }
        let path = "hq"
        checkKeys(table, allowed: Self.hqKeys, path: path)
        let errorsBefore = errors.count
        var parts: HQPolicy.URLParts?
        if let url = string(table, "url", path: path) {
            switch HQPolicy.parseURL(url) {
            case .success(let found): parts = found
            case .failure(let problem): fail(path + ".url", problem.message)
            }
        }
        let storeID = string(table, "store-id", path: path)
        if let storeID, !HQPolicy.isValidStoreID(storeID) {
            fail(path + ".store-id", "'\(storeID)' is not a store id: up to 40 letters, digits, - and _")
        }
        let passwordFile = absolutePath(table, "password-file", path: path)
        let caFile = absolutePath(table, "ca-file", path: path)
        var tls = HQPolicy.TLS.require
        if let value = table["tls"] {
            if let text = value.string, let mode = HQPolicy.TLS(rawValue: text) {
                tls = mode
            } else {
                fail(path + ".tls", "expected \"require\" or \"disable\"")
            }
        }
        if tls == .disable, let parts, !HQPolicy.isLoopback(parts.host) {
            fail(
                path + ".tls",
                "tls = \"disable\" sends the store's data unencrypted: allowed only to a loopback address, not '\(parts.host)'"
            )
        }
        if tls == .disable, caFile != nil {
            fail(path + ".ca-file", "a CA file with tls = \"disable\" is never used: remove one or the other")
        }
        let batchSize = wholeNumber(table, "batch-size", path: path, range: 1...10_000) ?? HQPolicy.defaultBatchSize
        let warnBacklog =
            wholeNumber(table, "warn-backlog-seconds", path: path, range: 1...86_400 * 7)
            ?? HQPolicy.defaultWarnBacklogSeconds
        guard errors.count == errorsBefore, let parts, let storeID else { return nil }
        return HQPolicy(
            user: parts.user, host: parts.host, port: parts.port, database: parts.database, passwordFile: passwordFile,
            caFile: caFile, tls: tls, storeID: storeID, batchSize: batchSize, warnBacklogSeconds: warnBacklog)
    }

    mutating func wholeNumber(_ table: TOMLTable, _ key: String, path: String, range: ClosedRange<Int>) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int, range.contains(number) else {
            fail(path + "." + key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }
}
