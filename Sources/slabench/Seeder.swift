import Foundation
import GRDB
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

/// Fills a store slad has created (and migrated) with cases written exactly as `Store.commit`
/// writes them: `Case` values made by the real engine, encoded into `state` by the store's own `CaseCodec`,
/// the columns beside it, the `opened` event, and the breach entry of each overdue case.
struct Seeder {
    let engine: Engine

    init() throws {
        engine = Engine(policy: try PolicyLoader.load(text: BenchPolicy.text, file: "slabench-policy.toml"))
    }

    private struct Made {
        var record: Case
        var state: Data
        var escalations: [Escalation]
    }

    /// Inserts cases `C-1` ... `C-count`. Every `overdueEvery`-th case (if set) was opened two to
    /// three hours ago and is breached; the others opened up to 55 minutes ago and run, due at
    /// instants spread evenly over 5 to 60 minutes from now (none falls due while a scenario runs).
    /// Returns their deadlines.
    @discardableResult
    func seed(database: String, count: Int, overdueEvery: Int? = nil) throws -> [Int64] {
        let now = Instant(millis: Int64(Time.wallMillis()))
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")  // seeding only; slad reopens with FULL
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        // `running` (clocks counting down) came with a later schema: written when the store has it.
        let columns = try queue.read { db in
            try Row.fetchAll(db, sql: "PRAGMA table_info(cases)").compactMap { $0["name"] as String? }
        }
        let hasRunning = columns.contains("running")
        // Events are chained to their case (schema v6): the case row names its latest event.
        let hasChain = columns.contains("last_event")
        var deadlines: [Int64] = []
        deadlines.reserveCapacity(count)
        let chunk = 50_000
        var first = 1
        while first <= count {
            let last = min(count, first + chunk - 1)
            let made = try make(first...last, now: now, overdueEvery: overdueEvery)
            try queue.write { db in
                let caseRow = try db.makeStatement(
                    sql: """
                        INSERT INTO cases (id, kind, store, category, channel, amount, external_ref, opened_at, status,
                                           resolved_at, closed_at, next_due, overdue, updated_at, state\(hasRunning ? ", running" : ""))
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?\(hasRunning ? ", ?" : ""))
                        """)
                let eventRow = try db.makeStatement(
                    sql: """
                        INSERT INTO events (case_id, kind, at, recorded_at, actor, note, idempotency_key)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                let entryRow = try db.makeStatement(
                    sql: """
                        INSERT OR IGNORE INTO escalations
                            (case_id, clock, cycle, tier, kind, due_at, deadline, written_at, late_ms, store, case_kind)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for item in made {
                    let record = item.record
                    let opening = record.opening
                    var values: [(any DatabaseValueConvertible)?] = [
                        opening.id, opening.kind, opening.store, opening.category, opening.channel, opening.amount,
                        opening.externalRef, opening.openedAt.millis, record.status.rawValue,
                        record.resolvedAt?.millis, record.closedAt?.millis, record.nextDue?.millis,
                        record.isOverdue, now.millis, item.state,
                    ]
                    if hasRunning { values.append(record.clocks.filter { $0.nextDue != nil }.count) }
                    try caseRow.execute(arguments: StatementArguments(values))
                    if let due = record.nextDue { deadlines.append(due.millis) }
                    try eventRow.execute(arguments: [
                        opening.id, LifecycleEvent.opened, opening.openedAt.millis, now.millis, "slabench", nil, nil,
                    ])
                    if hasChain {
                        try db.execute(
                            sql: "UPDATE cases SET last_event = ? WHERE id = ?",
                            arguments: [db.lastInsertedRowID, opening.id])
                    }
                    for entry in item.escalations {
                        try entryRow.execute(arguments: [
                            entry.caseID, entry.clock, entry.cycle, entry.tier, entry.kind.rawValue,
                            entry.dueAt.millis, entry.deadline.millis, now.millis, max(0, now - entry.dueAt),
                            opening.store, opening.kind,
                        ])
                    }
                }
            }
            first = last + 1
        }
        try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return deadlines
    }

    /// Opens and encodes the cases of `range` on both cores.
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
                        made.append(
                            Made(
                                record: record, state: CaseCodec.encode(record),
                                escalations: effects.compactMap(\.escalation)))
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
