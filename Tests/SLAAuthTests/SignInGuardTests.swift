import SLACore
import Testing

@testable import SLAAuth

/// The rate limiter on a virtual clock: instants are made up, nothing sleeps.
@Suite struct SignInGuardTests {
    let start = Instant(seconds: 1_800_000_000)
    let amy = SignInGuard.Key.user("amy")
    let address = SignInGuard.Key.address("192.0.2.7")

    @Test func fiveFailuresLockForThirtySecondsThenDouble() {
        let guarder = SignInGuard()
        var now = start
        for attempt in 1...4 {
            #expect(guarder.check([amy, address], now: now) == .allowed, "attempt \(attempt)")
            #expect(guarder.failed([amy, address], now: now) == .allowed)
            now = now.adding(seconds: 1)
        }
        #expect(guarder.failed([amy, address], now: now) == .refused(until: now.adding(seconds: 30)))
        let decision = guarder.check([amy], now: now.adding(seconds: 10))
        #expect(decision == .refused(until: now.adding(seconds: 30)))
        #expect(decision.retryAfterSeconds(now: now.adding(seconds: 10)) == 20)
        // After the lockout one more try; failing it locks for twice as long.
        now = now.adding(seconds: 30)
        #expect(guarder.check([amy, address], now: now) == .allowed)
        #expect(guarder.failed([amy, address], now: now) == .refused(until: now.adding(seconds: 60)))
        now = now.adding(seconds: 60)
        #expect(guarder.failed([amy], now: now) == .refused(until: now.adding(seconds: 120)))
    }

    @Test func theLockoutIsCapped() {
        let guarder = SignInGuard()
        var now = start
        var last = SignInGuard.Decision.allowed
        for _ in 0..<40 {
            last = guarder.failed([amy], now: now)
            now = now.adding(seconds: 1)
        }
        #expect(last.retryAfterSeconds(now: now.adding(seconds: -1)) == 3600)
    }

    @Test func aNameLockedByOneAddressIsLockedForAll() {
        let guarder = SignInGuard()
        for _ in 0..<5 { guarder.failed([amy, address], now: start) }
        #expect(guarder.check([amy, .address("198.51.100.1")], now: start) != .allowed)
        // ... and the address for every name.
        #expect(guarder.check([.user("bob"), address], now: start) != .allowed)
        #expect(guarder.check([.user("bob"), .address("198.51.100.1")], now: start) == .allowed)
    }

    @Test func successClearsTheNameButNotTheAddress() {
        let guarder = SignInGuard()
        for _ in 0..<4 { guarder.failed([amy, address], now: start) }
        guarder.succeeded(amy)
        #expect(guarder.failed([amy], now: start) == .allowed)  // counting again from 1
        #expect(guarder.failed([address], now: start) != .allowed)  // the address's 5th
    }

    @Test func namesAreCountedWhateverTheirCase() {
        let guarder = SignInGuard()
        for name in ["amy", "AMY", "Amy", "aMy", "amY"] { guarder.failed([.user(name)], now: start) }
        #expect(guarder.check([.user("amy")], now: start) != .allowed)
    }

    @Test func oldFailuresAreForgotten() {
        let guarder = SignInGuard()
        for _ in 0..<4 { guarder.failed([amy], now: start) }
        let later = start.adding(seconds: 3601)
        #expect(guarder.failed([amy], now: later) == .allowed)  // the count started over
    }

    @Test func memoryIsBounded() {
        let guarder = SignInGuard(rules: SignInGuard.Rules(maxKeys: 100))
        for index in 0..<1000 {
            guarder.failed([.address("10.0.\(index / 256).\(index % 256)")], now: start.adding(millis: Int64(index)))
        }
        #expect(guarder.count <= 100)
        // The newest are kept.
        for _ in 0..<4 { guarder.failed([.address("10.0.3.231")], now: start.adding(seconds: 2)) }
        #expect(guarder.check([.address("10.0.3.231")], now: start.adding(seconds: 2)) != .allowed)
    }
}
