import SLAAuth
import SLACore

/// What the console needs of slad's users and sessions: checking a password (through the sign-in
/// rate limit, each outcome logged), starting, finding and ending sessions. SLAAuth and the store
/// provide it (`StoreAccounts`); the console holds no password, token or session of its own.
public protocol ConsoleAccounts: Sendable {
    /// Checks a sign-in from `address` (the client's IP) at `now`.
    func signIn(name: String, password: String, from address: String, now: Instant) throws -> SignInOutcome
    /// A new session (a fresh random id, never one the client chose) and its CSRF token.
    func startSession(for principal: Principal, now: Instant) throws -> ConsoleSession
    /// The session of `cookie`, while it is valid.
    func session(cookie: String, now: Instant) throws -> ConsoleSession?
    /// Ends the session of `cookie` on the server: the cookie is worth nothing afterwards.
    func endSession(cookie: String) throws
}

/// One signed-in browser: who, the cookie that names the session, and the token its forms carry.
public struct ConsoleSession: Sendable, Hashable {
    public var principal: Principal
    public var cookie: String
    public var csrf: String

    public init(principal: Principal, cookie: String, csrf: String) {
        self.principal = principal
        self.cookie = cookie
        self.csrf = csrf
    }
}

/// How a sign-in went.
public enum SignInOutcome: Sendable, Hashable {
    case signedIn(Principal)
    /// Wrong name or password, or a disabled user: one answer for all, so names cannot be probed.
    case refused
    /// Too many failures lately from this address or for this name: try again in that many seconds.
    case throttled(retryAfterSeconds: Int)
}
