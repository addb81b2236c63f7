import Foundation
import SLACore
import SLAStore

/// The policy every scenario runs: one 1-hour clock per case on a 24x7 calendar (so a backdated
/// `opened_at` puts a deadline exactly where a scenario wants it), and an event that touches no
/// clock. One running clock per case: a million clocks are a million cases, the heaviest reading.
enum BenchPolicy {
    static let text = """
        # slabench: a 1-hour clock on a 24x7 calendar, and an event that touches no clock.
        [[tier]]
        id = "desk"
        title = "Service desk"

        [[tier]]
        id = "supervisor"
        title = "Duty supervisor"

        [defaults]
        escalate-to = "supervisor"

        [calendar.always]
        zone = "UTC"

        [calendar.always.hours]
        mon = ["00:00-24:00"]
        tue = ["00:00-24:00"]
        wed = ["00:00-24:00"]
        thu = ["00:00-24:00"]
        fri = ["00:00-24:00"]
        sat = ["00:00-24:00"]
        sun = ["00:00-24:00"]

        [kind.load]
        title = "A case for load measurements"
        events = ["noted", "done"]

        [clock.hour]
        kinds = ["load"]
        starts-on = ["opened"]
        met-by = ["done"]
        target = "1h"
        calendar = "always"

        """

    static let clockMillis: Double = 3_600_000

    /// Writes the policy into `workspace` and returns its path.
    static func write(in workspace: Workspace) throws -> String {
        let path = workspace.file("policy.toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Fills a store slad has created (and migrated) through the store's own batch API
/// (`Store.seed`, the group commit's write path): `Case` values opened by the real engine, their
/// `opened` events and the breach entries of the overdue ones.
struct Seeder {
    let engine: Engine

    init() throws {
        engine = Engine(policy: try PolicyLoader.load(text: BenchPolicy.text, file: "slabench-policy.toml"))
    }

    private struct Made {
        var record: Case
        var escalations: [Escalation]
    }

    /// Inserts cases `C-1` ... `C-count` into the store in `stateDirectory`. Every `overdueEvery`-th
    /// case (if set) was opened two to three hours ago and is breached; the others opened up to 55
    /// minutes ago and run, due at instants spread evenly over 5 to 60 minutes from now (none falls
    /// due while a scenario runs). Returns their deadlines.
    @discardableResult
    func seed(stateDirectory: String, count: Int, overdueEvery: Int? = nil) throws -> [Int64] {
        let now = Instant(millis: Int64(Time.wallMillis()))
        let store = try Store(directory: stateDirectory)
        var deadlines: [Int64] = []
        deadlines.reserveCapacity(count)
        let chunk = 50_000
        var first = 1
        try store.seed {
            guard first <= count else { return nil }
            let made = try make(first...min(count, first + chunk - 1), now: now, overdueEvery: overdueEvery)
            first += chunk
            var batch = WriteBatch(writtenAt: now)
            batch.cases = made.map(\.record)
            batch.events = made.map {
                EventRecord(
                    caseID: $0.record.id, kind: LifecycleEvent.opened, at: $0.record.opening.openedAt,
                    recordedAt: now, actor: "slabench", note: nil, idempotencyKey: nil)
            }
            batch.escalations = made.flatMap(\.escalations)
            deadlines += made.compactMap { $0.record.nextDue?.millis }
            return batch
        }
        return deadlines
    }

    /// Opens the cases of `range` on both cores.
    private func make(_ range: ClosedRange<Int>, now: Instant, overdueEvery: Int?) throws -> [Made] {
        let parts = 2
        let size = (range.count + parts - 1) / parts
        var results = [[Made]](repeating: [], count: parts)
        var failure: Error?
        let lock = NSLock()
        results.withUnsafeMutableBufferPointer { buffer in
            let output = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var generator = SystemRandomNumberGenerator()
                var made: [Made] = []
                let lower = range.lowerBound + part * size
                let upper = min(range.upperBound, lower + size - 1)
                guard lower <= upper else { return }
                made.reserveCapacity(upper - lower + 1)
                do {
                    for number in lower...upper {
                        let overdue = overdueEvery.map { number % $0 == 0 } ?? false
                        let back =
                            overdue
                            ? Int64.random(in: 7_200_000..<10_800_000, using: &generator)
                            : Int64.random(in: 0..<3_300_000, using: &generator)
                        let opening = CaseOpening(
                            id: "C-\(number)", kind: "load", store: "S\(number % 50 + 1)",
                            openedAt: now.adding(millis: -back))
                        let (record, effects) = try engine.open(opening, now: now)
                        made.append(Made(record: record, escalations: effects.compactMap(\.escalation)))
                    }
                } catch {
                    lock.withLock { failure = error }
                }
                output[part] = made
            }
        }
        if let failure { throw failure }
        return results.flatMap { $0 }
    }
}
