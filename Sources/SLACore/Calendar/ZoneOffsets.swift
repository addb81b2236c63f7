import Foundation

/// A time zone's UTC offsets from 1970 to 2100 as a table of transitions, read from `TimeZone`
/// once. `TimeZone`'s own lookup (ICU, behind a lock) took microseconds, and deadline arithmetic
/// and every case answer ask for several offsets per day they walk. Outside the table, `TimeZone`
/// answers.
struct ZoneOffsets: Sendable {
    static let firstSecond: Int64 = 0  // 1970-01-01T00:00:00Z
    static let endSecond: Int64 = 4_102_444_800  // 2100-01-01T00:00:00Z

    let zone: TimeZone
    /// Instants (seconds) at which the offset changes, ascending.
    private let transitions: [Int64]
    /// `offsets[i]` holds before `transitions[i]`; the last holds after the last transition.
    private let offsets: [Int]

    init(_ zone: TimeZone) {
        self.zone = zone
        var transitions: [Int64] = []
        var offsets = [zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(Self.firstSecond)))]
        var after = Date(timeIntervalSince1970: TimeInterval(Self.firstSecond))
        while let next = zone.nextDaylightSavingTimeTransition(after: after),
            next.timeIntervalSince1970 < TimeInterval(Self.endSecond), next > after
        {
            let offset = zone.secondsFromGMT(for: next)
            if offset != offsets.last {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
            }
            after = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    func offset(atSecond second: Int64) -> Int {
        guard second >= Self.firstSecond, second < Self.endSecond else {
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
        }
        // The number of transitions at or before `second`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= second { low = middle + 1 } else { high = middle }
        }
        return offsets[low]
    }
}
