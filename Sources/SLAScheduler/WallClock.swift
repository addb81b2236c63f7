import Foundation
import SLACore

/// Where the shell reads the time. The core never does; tests inject a clock they move by hand.
public protocol WallClock: Sendable {
    func now() -> Instant
}

public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Instant {
        Instant(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
