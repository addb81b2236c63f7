import Foundation

/// Where the shell reads the time: an injected source. The engine never calls one, nor `Date()`:
/// `now` is always a parameter of its functions. The scheduler, the API and delivery take a
/// `WallClock`, so that tests drive them with a clock they move by hand.
public protocol WallClock: Sendable {
    func now() -> Instant
}

/// The real wall clock, for the shell to pass in. The only `Date()` of SLACore, outside the engine.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Instant {
        Instant(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
