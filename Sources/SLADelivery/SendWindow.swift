import SLACore

/// How many more messages a route may send now, counted the way the vendors count: at most N in
/// any window of its length. (A token bucket refilled continuously would let N + 1 through in
/// some 60 s span after a full burst, and DingTalk locks a robot out for 10 minutes for that.)
struct SendWindow {
    let limits: [RateLimit]
    private var sent: [Instant] = []  // at most the largest count of a window

    init(limits: [RateLimit]) {
        self.limits = limits
    }

    /// Messages that may go now; `Int.max` without limits.
    mutating func remaining(at now: Instant) -> Int {
        forget(before: now)
        return limits.map { limit in
            let since = now.adding(seconds: -Int64(limit.seconds))
            return limit.count - sent.reversed().prefix { $0 > since }.count
        }.min() ?? Int.max
    }

    /// When the next message may go (now if one may).
    mutating func nextFree(at now: Instant) -> Instant {
        forget(before: now)
        var earliest = now
        for limit in limits {
            let inWindow = Array(sent.reversed().prefix { $0 > now.adding(seconds: -Int64(limit.seconds)) })
            if inWindow.count >= limit.count {
                // The oldest message that counts must leave the window first.
                earliest = max(earliest, inWindow[limit.count - 1].adding(millis: Int64(limit.seconds) * 1000 + 1))
            }
        }
        return earliest
    }

    mutating func note(_ now: Instant) { sent.append(now) }

    /// The spacing of digests under pressure: the tightest limit's window over half its count,
    /// so that half the budget stays for single messages that come in between.
    var digestSpacingMillis: Int64 {
        limits.map { Int64($0.seconds) * 1000 * 2 / Int64($0.count) }.max() ?? 0
    }

    /// Whether `waiting` single messages would eat into the half of the budget kept for digests.
    mutating func underPressure(_ waiting: Int, at now: Instant) -> Bool {
        guard let smallest = limits.map(\.count).min() else { return false }
        return waiting > remaining(at: now) - smallest / 2
    }

    private mutating func forget(before now: Instant) {
        let longest = Int64(limits.map(\.seconds).max() ?? 0)
        while let first = sent.first, first <= now.adding(seconds: -longest) { sent.removeFirst() }
    }
}
