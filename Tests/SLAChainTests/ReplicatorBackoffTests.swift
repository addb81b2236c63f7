import SLAChain
import Testing

/// The wait after each failure in a row: 1 s doubling to 60 s, jittered between half and all.
@Suite struct ReplicatorBackoffTests {
    let backoff = ReplicatorBackoff()

    @Test func doublesFromOneSecondToAMinute() {
        let ceilings = (1...9).map { backoff.ceiling(after: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.ceiling(after: 10_000) == .seconds(60))  // no overflow after a long outage
        #expect(backoff.ceiling(after: 0) == .seconds(1))
    }

    @Test func jitterSpreadsEachWaitBetweenHalfAndAll() {
        #expect(backoff.delay(after: 6, jitter: 0) == .seconds(16))
        #expect(backoff.delay(after: 6, jitter: 1) == .seconds(32))
        #expect(backoff.delay(after: 7, jitter: 0.5) == .seconds(45))
        // Never under a second, even where half the ceiling is.
        #expect(backoff.delay(after: 1, jitter: 0) == .seconds(1))
        for failures in 1...12 {
            let delay = backoff.delay(after: failures)
            #expect(delay >= .seconds(1) && delay <= backoff.ceiling(after: failures))
        }
        // Drawn, not fixed: a thousand stores do not come back in step.
        let draws = Set((0..<50).map { _ in backoff.delay(after: 7) })
        #expect(draws.count > 10)
    }
}
