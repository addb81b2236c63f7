import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOHTTP1
import SLAAuth
import SLACore
import SLAMessageIDs
import SLAStore

/// Turns a request into a `Principal`, or refuses it.
///
/// - Unix socket: a uid mapped to a user (`slactl user add NAME --uid N`) acts as that user; root,
///   slad's own uid and members of group `slad` are operators (admin); any other uid is refused 403.
/// - TCP: `Authorization: Bearer TOKEN` (an API token of `api_tokens`, or the legacy shared
///   `--token-file` token, which acts as an operator), or the console's `slad_session` cookie.
///   A wrong token is 401 and counted against the address (`SignInGuard`): too many, and the
///   address gets 429 for a while. No credentials at all: no principal (the API routes answer 401,
///   the console's pages offer a sign-in).
///
/// Lookups of tokens and uids are kept until the next change to users or tokens (the store's
/// `accessVersion`), so a disable or revocation works at the very next request.
public final class Authenticator: Sendable {
    public static let sessionCookie = "slad_session"

    /// Where a connection comes from, as the listener knows it.
    public enum Caller: Sendable {
        case unix(UnixPeer?)
        case tcp(address: String)
    }

    /// What the handler does with a request.
    public enum Outcome: Sendable {
        /// Go on, as this principal (nil: no credentials; the routes decide).
        case admit(Principal?)
        /// Answer this refusal (401, 403 or 429) and carry nothing out.
        case refuse(status: HTTPResponseStatus, code: String, message: String, retryAfter: Int64?)
    }

    public let store: Store?
    public let signInGuard: SignInGuard
    public let hasher: PasswordHasher
    let legacyToken: String?
    let daemonUID: uid_t
    let clock: WallClock
    let audit: AuditLog
    private let cache = NIOLockedValueBox(Cache(version: -1))

    private struct Cache {
        var version: Int
        var tokens: [String: Principal] = [:]
        var uids: [Int64: Principal?] = [:]
        var mappedUIDs: Set<Int64>?
    }

    /// `store` nil: only operators and the legacy token (tests of the HTTP layer).
    public init(
        store: Store?, legacyToken: String? = nil, clock: WallClock = SystemClock(),
        hasher: PasswordHasher = PasswordHasher(), signInGuard: SignInGuard = SignInGuard(), logger: Logger
    ) {
        self.store = store
        self.legacyToken = legacyToken
        daemonUID = geteuid()
        self.clock = clock
        self.hasher = hasher
        self.signInGuard = signInGuard
        audit = AuditLog(logger: logger)
        if UserNamespace.restricted {
            logger.info(
                "only root and slad's own uid are visible in slad's user namespace (PrivateUsers=yes): every member of group slad is an admin on the socket, and uid mappings (user add --uid) need PrivateUsers=no"
            )
        }
    }

    public func authenticate(_ head: HTTPRequestHead, caller: Caller) -> Outcome {
        switch caller {
        case .unix(let peer): return unix(peer)
        case .tcp(let address): return tcp(head, address: address)
        }
    }

    // MARK: Unix socket

    private func unix(_ peer: UnixPeer?) -> Outcome {
        guard let peer else {
            return .refuse(
                status: .forbidden, code: "forbidden", message: "the socket cannot tell who is calling",
                retryAfter: nil)
        }
        let uid = Int64(peer.uid)
        do {
            if try mappedUIDs().contains(uid) {
                if let principal = try principal(forUID: uid) { return .admit(principal) }
                return refuseUID(peer, why: "is mapped to a disabled user")
            }
        } catch {
            return storeUnavailable(error)
        }
        if peer.uid == 0 || peer.uid == daemonUID || peer.inOperatorGroup {
            return .admit(.operator(peer.description))
        }
        if UserNamespace.hides(peer.uid) {
            // Only the socket's mode (group slad) let it in: see `UserNamespace`.
            return .admit(.operator("uid \(peer.uid) (not visible to slad: PrivateUsers)"))
        }
        return refuseUID(peer, why: "is neither root nor in group slad, nor mapped to a user")
    }

    private func refuseUID(_ peer: UnixPeer, why: String) -> Outcome {
        audit.refused("\(peer.description) \(why)", peer: peer.description)
        return .refuse(
            status: .forbidden, code: "forbidden",
            message:
                "\(peer.description) \(why): an admin can map it to a user (slactl user add NAME --uid \(peer.uid) ...)",
            retryAfter: nil)
    }

    // MARK: TCP

    private func tcp(_ head: HTTPRequestHead, address: String) -> Outcome {
        if let authorization = head.headers.first(name: "authorization") {
            return bearer(authorization, address: address)
        }
        if let cookie = Self.cookie(Self.sessionCookie, in: head.headers), let store {
            do {
                return .admit(try store.session(cookie: cookie, now: clock.now())?.0)
            } catch {
                return storeUnavailable(error)
            }
        }
        return .admit(nil)
    }

    private func bearer(_ authorization: String, address: String) -> Outcome {
        let now = clock.now()
        let keys = [SignInGuard.Key.address(address)]
        if case .refused = signInGuard.check(keys, now: now) {
            return throttled(signInGuard.check(keys, now: now), address: address, now: now)
        }
        guard authorization.hasPrefix("Bearer ") else {
            return unauthorized("Authorization must be 'Bearer TOKEN'")
        }
        let token = String(authorization.dropFirst("Bearer ".count))
        if let legacyToken, PeerIdentity.constantTimeEqual(token, legacyToken) {
            return .admit(.operator("tcp \(address)"))
        }
        do {
            if let principal = try principal(forToken: token) { return .admit(principal) }
        } catch {
            return storeUnavailable(error)
        }
        let decision = signInGuard.failed(keys, now: now)
        audit.tokenRefused(address: address)
        if case .refused = decision { return throttled(decision, address: address, now: now) }
        return unauthorized("a valid bearer token is required")
    }

    private func throttled(_ decision: SignInGuard.Decision, address: String, now: Instant) -> Outcome {
        let seconds = decision.retryAfterSeconds(now: now)
        audit.throttled(who: "address \(address)", seconds: seconds)
        return .refuse(
            status: .tooManyRequests, code: "too_many_attempts",
            message: "too many failed attempts from \(address): try again in \(seconds) s", retryAfter: seconds)
    }

    private func unauthorized(_ message: String) -> Outcome {
        .refuse(status: .unauthorized, code: "unauthorized", message: message, retryAfter: nil)
    }

    private func storeUnavailable(_ error: Error) -> Outcome {
        .refuse(
            status: .serviceUnavailable, code: "store_unavailable", message: "cannot check credentials: \(error)",
            retryAfter: nil)
    }

    // MARK: Console sign-in

    public enum SignInResult: Sendable, Equatable {
        case signedIn(Principal)
        case failed
        /// Too many failures for this name or address: answer 429 with Retry-After.
        case throttled(retryAfterSeconds: Int64)
    }

    /// Checks a password (slow: scrypt; call it off the event loop), rate-limited per name and
    /// per address, and logged either way (never the password).
    public func signIn(name: String, password: String, address: String) -> SignInResult {
        let now = clock.now()
        let keys: [SignInGuard.Key] = [.user(name), .address(address)]
        let decision = signInGuard.check(keys, now: now)
        if case .refused = decision {
            let seconds = decision.retryAfterSeconds(now: now)
            audit.throttled(who: "user '\(Self.printable(name))' or address \(address)", seconds: seconds)
            return .throttled(retryAfterSeconds: seconds)
        }
        let principal: Principal?
        do {
            principal = try store?.verifyPassword(name: name, password: password, hasher: hasher)
        } catch {
            audit.signInFailed(name: Self.printable(name), address: address, why: "store: \(error)")
            return .failed
        }
        guard let principal else {
            let after = signInGuard.failed(keys, now: clock.now())
            audit.signInFailed(name: Self.printable(name), address: address, why: "wrong name or password")
            if case .refused = after { return .throttled(retryAfterSeconds: after.retryAfterSeconds(now: now)) }
            return .failed
        }
        signInGuard.succeeded(.user(name))
        audit.signedIn(name: principal.name, address: address)
        return .signedIn(principal)
    }

    // MARK: Cached lookups

    private func current() -> Int {
        store?.accessVersion.current ?? 0
    }

    private func mappedUIDs() throws -> Set<Int64> {
        let version = current()
        if let known = cache.withLockedValue({ $0.version == version ? $0.mappedUIDs : nil }) { return known }
        let mapped = try store?.mappedUIDs() ?? []
        remember(version) { $0.mappedUIDs = mapped }
        return mapped
    }

    private func principal(forUID uid: Int64) throws -> Principal? {
        let version = current()
        if let known = cache.withLockedValue({ $0.version == version ? $0.uids[uid] : nil }) { return known }
        let principal = try store?.principal(forUID: uid)
        remember(version) { $0.uids[uid] = .some(principal) }
        return principal
    }

    /// Known tokens only: unknown ones are never cached (a guesser would fill the cache).
    private func principal(forToken token: String) throws -> Principal? {
        guard SecretToken.isPlausible(token) else { return nil }
        let digest = SecretToken.digest(token)
        let version = current()
        if let known = cache.withLockedValue({ $0.version == version ? $0.tokens[digest] : nil }) { return known }
        guard let principal = try store?.principal(forToken: token) else { return nil }
        remember(version) { cache in
            if cache.tokens.count >= 10_000 { cache.tokens.removeAll() }
            cache.tokens[digest] = principal
        }
        return principal
    }

    /// Stores a lookup made at `version`; a cache of an older version is emptied first, and a
    /// lookup older than the cache is dropped.
    private func remember(_ version: Int, _ update: (inout Cache) -> Void) {
        cache.withLockedValue { cache in
            if cache.version < version { cache = Cache(version: version) }
            guard cache.version == version else { return }
            update(&cache)
        }
    }

    // MARK: Helpers

    /// The value of cookie `name` in the request's `Cookie` headers.
    public static func cookie(_ name: String, in headers: HTTPHeaders) -> String? {
        for header in headers[canonicalForm: "cookie"] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A name as sent, cut and without control characters, for a log line.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(64).filter { $0.value >= 0x20 && $0.value != 0x7f }))
    }
}
