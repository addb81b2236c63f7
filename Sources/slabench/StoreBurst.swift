import Foundation
import SLACore
import SLAStore

/// `--only storeburst`: the store's part of a burst, in-process and without slad. Cases all due
/// at the same instant are committed by `Store.commit` in slices, each slice built as the
/// scheduler builds it (the engine brings each case up to the instant; the batch carries the
/// case as committed, the advanced case and its entry), in the order the scheduler takes them.
/// Wall time per due case, and, run under `valgrind --tool=callgrind`, an instruction count per
/// case that a loaded machine does not blur (`StoreBurst.commitSlices` is the function to read).
struct StoreBurst {
    let count: Int
    let sliceSize: Int
    /// As the scheduler commits a burst: every slice's entries first, the cases' rows after
    /// (`WriteBatch.rowsLater`), else each slice's entries and rows together.
    var entriesFirst = true

    struct Result {
        var microsPerCase: Double
        var totalMillis: Double
        /// Until the last entry was committed.
        var entriesMillis: Double
        var slowestSliceMillis: Double
        var entries: Int
    }

    func run() throws -> Result {
        let workspace = try Workspace("storeburst")
        defer { workspace.remove() }
        let seeder = try Seeder()
        let engine = seeder.engine
        let store = try Store(directory: workspace.path)
        store.routing.set { _, _ in [] }  // as slad's deliverer sets it for a policy without routes
        let due = Instant(millis: (Int64(Time.wallMillis()) / 1000 + 600) * 1000)
        let now = due.adding(millis: -60_000)
        var cases: [Case] = []
        cases.reserveCapacity(count)
        for number in 1...count {
            let opening = CaseOpening(
                id: "C-\(number)", kind: "load", store: "S\(number % 50 + 1)",
                openedAt: due.adding(millis: -Int64(BenchPolicy.clockMillis)))
            cases.append(try engine.open(opening, now: now).0)
        }
        var seeded = false
        try store.seed {
            guard !seeded else { return nil }
            seeded = true
            var batch = WriteBatch(writtenAt: now)
            batch.cases = cases
            batch.events = cases.map {
                EventRecord(
                    caseID: $0.id, kind: LifecycleEvent.opened, at: $0.opening.openedAt, recordedAt: now,
                    actor: "slabench", note: nil, idempotencyKey: nil)
            }
            return batch
        }
        // The scheduler's heap takes cases due at the same instant in the order of their ids.
        cases.sort { $0.id < $1.id }
        return try Self.commitSlices(
            cases, engine: engine, store: store, at: due, sliceSize: sliceSize, entriesFirst: entriesFirst)
    }

    /// The measured part: one `Store.commit` per slice.
    @inline(never)
    static func commitSlices(
        _ cases: [Case], engine: Engine, store: Store, at due: Instant, sliceSize: Int, entriesFirst: Bool
    ) throws -> Result {
        var slowest = 0.0
        var entries = 0
        var rowsLater: [WriteBatch] = []
        let began = Time.monotonic()
        for start in stride(from: 0, to: cases.count, by: sliceSize) {
            var batch = WriteBatch(writtenAt: due)
            var rows = WriteBatch(writtenAt: due)
            for record in cases[start..<min(start + sliceSize, cases.count)] {
                var advanced = record
                let effects = engine.advance(&advanced, to: due)
                batch.cases.append(advanced)
                batch.committed[record.id] = record
                batch.escalations += effects.compactMap(\.escalation)
                if entriesFirst {
                    batch.rowsLater.insert(record.id)
                    rows.cases.append(advanced)
                    rows.committed[record.id] = record
                }
            }
            if entriesFirst { rowsLater.append(rows) }
            let sliceBegan = Time.monotonic()
            entries += try store.commit(batch).count
            slowest = max(slowest, Time.monotonic() - sliceBegan)
        }
        let entriesSeconds = Time.monotonic() - began
        for rows in rowsLater {
            let sliceBegan = Time.monotonic()
            try store.commit(rows)
            slowest = max(slowest, Time.monotonic() - sliceBegan)
        }
        let seconds = Time.monotonic() - began
        return Result(
            microsPerCase: seconds * 1e6 / Double(cases.count), totalMillis: seconds * 1000,
            entriesMillis: entriesSeconds * 1000, slowestSliceMillis: slowest * 1000, entries: entries)
    }
}

extension Bench {
    func storeBurst() throws {
        for entriesFirst in [true, false] {
            let burst = StoreBurst(count: scale.burstClocks, sliceSize: 500, entriesFirst: entriesFirst)
            let result = try burst.run()
            guard result.entries == burst.count else {
                throw BenchError("storeburst: \(result.entries) entries written for \(burst.count) cases")
            }
            let how = entriesFirst ? "entries first, rows after" : "entries and rows together"
            rows.append(
                ResultRow(
                    scenario: "store commit, burst",
                    measure:
                        "Store.commit per due case, \(Format.int(Double(burst.count))) due at once, slices of 500, \(how)",
                    result: String(format: "%.1f µs", result.microsPerCase), target: "", met: nil, baseline: "",
                    ratio: ""))
            notes.append(
                "store commit, burst (\(how)): \(Format.int(Double(burst.count))) cases in "
                    + String(
                        format: "%.0f ms, the last entry committed at %.0f ms, slowest slice %.1f ms",
                        result.totalMillis, result.entriesMillis, result.slowestSliceMillis))
        }
    }
}
