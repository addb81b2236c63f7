import SLAAuth
import SLACore
import SLAServer
import SLAStore

/// The console's users and sessions, as SLAAuth keeps them: passwords checked by the listener's
/// `Authenticator` (its sign-in rate limit, and the audit of each outcome), sessions in the store
/// (only a hash of the cookie is kept; ended at sign-out, on disable, on a password change).
public struct AuthenticatorAccounts: ConsoleAccounts {
    /// How long a session lasts without signing in again: a working day and then some.
    public static let sessionLifetime = Duration.seconds(12 * 3600)

    let authenticator: Authenticator
    let store: Store

    public init(authenticator: Authenticator, store: Store) {
        self.authenticator = authenticator
        self.store = store
    }

    public func signIn(name: String, password: String, from address: String, now: Instant) throws -> SignInOutcome {
        switch authenticator.signIn(name: name, password: password, address: address) {
        case .signedIn(let principal): return principal.userID == nil ? .refused : .signedIn(principal)
        case .failed: return .refused
        case .throttled(let seconds): return .throttled(retryAfterSeconds: Int(seconds))
        }
    }

    public func startSession(for principal: Principal, now: Instant) throws -> ConsoleSession {
        guard let userID = principal.userID else { throw AccountsError.noAccount }
        let (cookie, csrf) = try store.startSession(userID: userID, now: now, ttl: Self.sessionLifetime)
        return ConsoleSession(principal: principal, cookie: cookie, csrf: csrf)
    }

    public func session(cookie: String, now: Instant) throws -> ConsoleSession? {
        try store.session(cookie: cookie, now: now).map {
            ConsoleSession(principal: $0.0, cookie: cookie, csrf: $0.csrf)
        }
    }

    public func endSession(cookie: String) throws {
        try store.endSession(cookie: cookie)
    }

    enum AccountsError: Error {
        /// Operators (root, the legacy token) have no account, so no session.
        case noAccount
    }
}
