import HeapModule
import SLACore

/// Every case's next due instant in one min-heap: the single timer is armed for its top.
///
/// Entries are never removed in place: when a case's next instant changes a new entry is pushed,
/// and stale ones are skipped when they surface (`scheduled` says which entry is current).
struct DeadlineHeap {
    private struct Entry: Comparable {
        let due: Int64
        let caseID: String
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.due, lhs.caseID) < (rhs.due, rhs.caseID)
        }
    }

    private var heap = Heap<Entry>()
    private var scheduled: [String: Int64] = [:]

    var count: Int { scheduled.count }

    /// Records a case's next due instant (nil: nothing to watch).
    mutating func schedule(_ caseID: String, at due: Instant?) {
        guard let due else {
            scheduled[caseID] = nil
            return
        }
        guard scheduled[caseID] != due.millis else { return }
        scheduled[caseID] = due.millis
        heap.insert(Entry(due: due.millis, caseID: caseID))
    }

    /// The earliest scheduled instant, skipping stale entries.
    mutating func earliest() -> Instant? {
        while let top = heap.min {
            if scheduled[top.caseID] == top.due { return Instant(millis: top.due) }
            heap.removeMin()
        }
        return nil
    }

    /// The earliest scheduled instant and its case.
    mutating func earliestEntry() -> (Instant, String)? {
        guard let due = earliest(), let top = heap.min else { return nil }
        return (due, top.caseID)
    }

    /// Removes and returns the cases due at or before `now`, earliest first, at most `limit` of
    /// them; `more` says whether some are left due.
    mutating func popDue(_ now: Instant, limit: Int = .max) -> (ids: [String], more: Bool) {
        var due: [String] = []
        while let top = heap.min, top.due <= now.millis {
            if due.count == limit { return (due, earliest().map { $0 <= now } ?? false) }
            heap.removeMin()
            if scheduled[top.caseID] == top.due {
                scheduled[top.caseID] = nil
                due.append(top.caseID)
            }
        }
        return (due, false)
    }
}
