import Foundation
import SLACore

/// Slows down guessing: failed password (or token) checks are counted per user name and per peer
/// address; from the `threshold`-th failure on, that name or address is refused for `lockout`,
/// doubling with each further failure up to `maxLockout`. In memory only (a restart forgets,
/// which costs an attacker a restart they cannot cause). Time is passed in.
public final class SignInGuard: @unchecked Sendable {
    // Unchecked: every access to `entries` holds `lock`.

    public struct Rules: Sendable {
        public var threshold: Int
        public var lockoutMillis: Int64
        public var maxLockoutMillis: Int64
        /// A key with no failure for this long is forgotten.
        public var forgetAfterMillis: Int64
        /// At most this many keys are remembered; beyond, the oldest are dropped.
        public var maxKeys: Int

        public init(
            threshold: Int = 5, lockoutMillis: Int64 = 30_000, maxLockoutMillis: Int64 = 3_600_000,
            forgetAfterMillis: Int64 = 3_600_000, maxKeys: Int = 50_000
        ) {
            self.threshold = threshold
            self.lockoutMillis = lockoutMillis
            self.maxLockoutMillis = maxLockoutMillis
            self.forgetAfterMillis = forgetAfterMillis
            self.maxKeys = maxKeys
        }
    }

    /// What to do with an attempt.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused until then: answer 429 with Retry-After `seconds`.
        case refused(until: Instant)

        public func retryAfterSeconds(now: Instant) -> Int64 {
            guard case .refused(let until) = self else { return 0 }
            return max(1, (until - now + 999) / 1000)
        }
    }

    /// One name or address: `user:amy`, `addr:192.0.2.7`.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        let text: String
        public static func user(_ name: String) -> Key { Key(text: "user:" + name.lowercased()) }
        public static func address(_ address: String) -> Key { Key(text: "addr:" + address) }
        public var description: String { text }
    }

    private struct Entry {
        var failures = 0
        var lastFailure: Instant
        var lockedUntil: Instant?
    }

    public let rules: Rules
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    public init(rules: Rules = Rules()) {
        self.rules = rules
    }

    /// Whether an attempt by any of `keys` may be checked now.
    public func check(_ keys: [Key], now: Instant) -> Decision {
        lock.withLock {
            var until: Instant?
            for key in keys {
                guard let locked = entries[key]?.lockedUntil, now < locked else { continue }
                until = max(until ?? locked, locked)
            }
            return until.map { .refused(until: $0) } ?? .allowed
        }
    }

    /// Counts a failure against each key; returns the refusal it starts, if any.
    @discardableResult
    public func failed(_ keys: [Key], now: Instant) -> Decision {
        lock.withLock {
            var until: Instant?
            for key in keys {
                var entry = entries[key] ?? Entry(lastFailure: now)
                if now - entry.lastFailure > rules.forgetAfterMillis { entry = Entry(lastFailure: now) }
                entry.failures += 1
                entry.lastFailure = now
                if entry.failures >= rules.threshold {
                    let doublings = min(entry.failures - rules.threshold, 20)
                    let lockout = min(rules.lockoutMillis << Int64(doublings), rules.maxLockoutMillis)
                    let locked = now.adding(millis: lockout)
                    entry.lockedUntil = locked
                    until = max(until ?? locked, locked)
                }
                entries[key] = entry
            }
            if entries.count > rules.maxKeys { prune(now: now) }
            return until.map { .refused(until: $0) } ?? .allowed
        }
    }

    /// A successful sign-in clears its user name's count (not its address's: one good account
    /// must not reset an address that guesses others).
    public func succeeded(_ key: Key) {
        _ = lock.withLock { entries.removeValue(forKey: key) }
    }

    /// How many keys are remembered (for tests and metrics).
    public var count: Int { lock.withLock { entries.count } }

    /// Drops forgotten keys, then the oldest down to 90% of the limit (so that a flood of new
    /// keys sorts once per tenth of the limit, not at every failure). Called with the lock held.
    private func prune(now: Instant) {
        entries = entries.filter { now - $0.value.lastFailure <= rules.forgetAfterMillis }
        let keep = rules.maxKeys * 9 / 10
        guard entries.count > keep else { return }
        let oldest = entries.sorted { $0.value.lastFailure < $1.value.lastFailure }.prefix(entries.count - keep)
        for (key, _) in oldest { entries.removeValue(forKey: key) }
    }
}
