/// A point in time: milliseconds since 1970-01-01T00:00:00Z.
///
/// The core never reads the system clock; every `now` is an `Instant` handed in by the caller.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var millis: Int64

    public init(millis: Int64) {
        self.millis = millis
    }

    public init(seconds: Int64) {
        self.millis = seconds * 1000
    }

    /// Whole seconds since the epoch, rounded down.
    public var seconds: Int64 {
        millis >= 0 ? millis / 1000 : (millis - 999) / 1000
    }

    public func adding(seconds: Int64) -> Instant {
        Instant(millis: millis + seconds * 1000)
    }

    public func adding(millis delta: Int64) -> Instant {
        Instant(millis: millis + delta)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Int64 {
        lhs.millis - rhs.millis
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.millis < rhs.millis
    }

    public var description: String {
        ISO8601.format(self, offsetSeconds: 0)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let instant = ISO8601.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time with an offset")
        }
        self = instant
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(ISO8601.format(self, offsetSeconds: 0))
    }
}
