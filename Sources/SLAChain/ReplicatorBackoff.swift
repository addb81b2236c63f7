/// How long the replicator waits after its n-th failure in a row: doubling from 1 s to 60 s, each
/// wait drawn between half and all of that (jitter), so that a thousand stores whose WAN came back
/// at once do not reconnect in step. Never under 1 s.
public struct ReplicatorBackoff: Sendable {
    public var first: Duration
    public var cap: Duration

    public init(first: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        self.first = first
        self.cap = cap
    }

    /// The ceiling after `failures` failures in a row (1: the first).
    public func ceiling(after failures: Int) -> Duration {
        let doublings = min(max(failures, 1) - 1, 30)
        return min(cap, first * (1 << doublings))
    }

    /// `jitter` in 0...1 (a random draw in use): the wait is ceiling × (1 + jitter) / 2.
    public func delay(after failures: Int, jitter: Double) -> Duration {
        let ceiling = ceiling(after: failures)
        let share = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return max(first, ceiling * share)
    }

    public func delay(after failures: Int) -> Duration {
        delay(after: failures, jitter: Double.random(in: 0...1))
    }
}
