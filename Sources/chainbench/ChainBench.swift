import ArgumentParser
import Foundation
import Logging
import NIOCore
import PostgresNIO
import SLAChain
import SLACore
import SLAReports
import SLAStore
import Synchronization

/// The chain benchmark (issue 19): many simulated stores push a busy day's peak into one
/// PostgreSQL. Each store is a writer with its own login (its row level security applies) and its
/// own connection, calling `HQWriter.apply` as a store's replicator does, with outboxes made by
/// SLACore's Engine (`SimulatedStore`). Prints a Markdown report.
///
/// Phases: (1) a month of every store loaded through the writer (its size stated) into HQ's first
/// schema, then HQ upgraded to the current one (the report's rows derived); (2) the peak:
/// the busiest hours of a busy day replayed at their own pace, then faster, each store shipping
/// what it committed at once; the lag of each change from its commit to HQ's commit; (3) a
/// catch-up: every store drains a backlog as fast as it can (rows/s), against a bulk COPY of the
/// same rows; (4) HQ's monthly report over every store.
@main
struct ChainBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chainbench", abstract: "Many simulated stores replicating into one PostgreSQL (HQ).")

    @Option(help: "An admin login to the PostgreSQL to use (its database chainbench is dropped and made anew).")
    var url: String
    @Option(help: "The admin's password file.") var passwordFile: String?
    @Option(help: "Simulated stores.") var stores = 500
    @Option(help: "Cases an average store opens a day (the month).") var casesPerDay = 10.0
    @Option(help: "Cases the busy day opens, per store.") var busyDayCases = 40.0
    @Option(help: "The month loaded for the report.") var month = "2026-10"
    @Option(help: "Seconds each peak run lasts.") var seconds = 60
    @Option(help: "Paces of the peak runs, as multiples of real time.") var speedups = "1,10,60"
    @Option(help: "The policy.") var policy = "config/policy.toml"

    func run() async throws {
        let policy = try PolicyLoader.load(
            text: try String(contentsOfFile: self.policy, encoding: .utf8), file: self.policy)
        guard let calendar = policy.storeCalendar else { throw HQError("the policy has no store calendar") }
        let period = try ReportPeriod.month(month, in: calendar)
        let admin = try HQEndpoint(url: url, passwordFile: passwordFile)
        var bench = admin
        bench.database = "chainbench"
        let report = BenchReport()
        report.line(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \(loadAverage()) at start")

        // Setup: a new database, HQ's schema, a login per store.
        let setup = try await admin.connect()
        try await setup.query("DROP DATABASE IF EXISTS chainbench", logger: HQLog.quiet)
        try await setup.query("CREATE DATABASE chainbench", logger: HQLog.quiet)
        try await setup.close()
        let connection = try await bench.connect()
        // The first release's schema: the month is loaded into it, then HQ is upgraded (timed),
        // as an HQ in service would be.
        try await HQMigrator.migrate(on: connection, migrations: Array(HQSchema.migrations.prefix(2)))
        let ids = (1...stores).map { String(format: "S%03d", $0) }
        for id in ids { _ = try await HQRoles.addStore(id, password: "bench-\(id)", on: connection) }
        let serverVersion = try await scalar("SHOW server_version", on: connection)
        let settings = try await scalar(
            "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN "
                + "('max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_wal_size')",
            on: connection)
        report.line("PostgreSQL \(serverVersion) (\(settings)); \(stores) stores, each its own login and connection")

        // (1) The month.
        let monthLoad = try await loadMonth(ids, policy: policy, period: period, bench: bench)
        report.line(
            "month \(month): \(monthLoad.cases) cases, \(monthLoad.entries) queue entries, \(monthLoad.changes) outbox "
                + "changes (\(monthLoad.bytes / 1_048_576) MiB of payload), \(casesPerDay) cases a store a day; "
                + "generated and loaded in \(format(monthLoad.seconds)) s by 8 loaders")
        let upgradeStart = ContinuousClock.now
        let steps = try await HQMigrator.migrate(on: connection)
        report.line(
            "HQ upgraded over the month (schema steps \(steps.map { String($0.version) }.joined(separator: ", ")): "
                + "the report's rows derived, the entries indexed) in \(format(elapsedSeconds(since: upgradeStart))) s, "
                + "load average \(loadAverage())")
        let lastSeqs = try await storeSeqs(on: connection)

        // (2) and (3): the busy day after the month.
        let day = period.to
        let speeds = speedups.split(separator: ",").compactMap { Double($0) }
        let busy = try await busyDay(
            ids, policy: policy, day: day, lastSeqs: lastSeqs, speeds: speeds, bench: bench, report: report)
        _ = busy

        // (4) The report: as the day left the tables, then after a VACUUM (ANALYZE) of them, as
        // autovacuum leaves a month that is over (its pages all-visible: index-only scans).
        try await reportTimes(
            policy: policy, period: period, now: day, label: "as loaded", on: connection, report: report)
        try await connection.query(
            "VACUUM (ANALYZE) hq_case_facts, hq_clocks, hq_entries, hq_cases", logger: HQLog.quiet)
        try await reportTimes(
            policy: policy, period: period, now: day, label: "after VACUUM (ANALYZE)", on: connection, report: report)
        try await explain(HQReportQueries(period: period, store: nil), on: connection)
        report.line("load average at the end: \(loadAverage())")
        try await connection.close()
        report.flush()
    }

    // MARK: Phases

    /// HQ's monthly report over every store, three times: its median and each time.
    func reportTimes(
        policy: Policy, period: ReportPeriod, now: Instant, label: String, on connection: PostgresConnection,
        report: BenchReport
    ) async throws {
        var times: [Double] = []
        var size = (0, 0)
        for _ in 0..<3 {
            let start = ContinuousClock.now
            let result = try await HQReport.make(policy: policy, period: period, now: now, on: connection)
            times.append(elapsedSeconds(since: start))
            size = (result.summary.cases, result.summary.escalations)
        }
        let runs = times.map(format).joined(separator: ", ")
        times.sort()
        report.line(
            "report \(month) over \(stores) stores (\(label)): \(size.0) cases, \(size.1) escalations: "
                + "**\(format(times[1])) s** median of 3 (\(runs)), load average \(loadAverage())")
    }

    /// EXPLAIN (ANALYZE, BUFFERS) of the report's queries, on standard error (the plans behind the time).
    func explain(_ queries: HQReportQueries, on connection: PostgresConnection) async throws {
        for (name, query) in queries.all {
            var explained = query
            explained.sql = "EXPLAIN (ANALYZE, BUFFERS) " + query.sql
            var plan = "---- EXPLAIN (ANALYZE, BUFFERS) of the report's \(name) query\n"
            for try await line in try await connection.query(explained, logger: HQLog.quiet).decode(String.self) {
                plan += line + "\n"
            }
            FileHandle.standardError.write(Data(plan.utf8))
        }
    }

    struct MonthLoad {
        var cases = 0
        var entries = 0
        var changes = 0
        var bytes = 0
        var seconds = 0.0
    }

    /// Every store's month, generated and applied by a few loaders (in batches of 1,000).
    func loadMonth(_ ids: [String], policy: Policy, period: ReportPeriod, bench: HQEndpoint) async throws -> MonthLoad {
        let start = ContinuousClock.now
        let casesPerDay = casesPerDay
        var total = MonthLoad()
        try await withThrowingTaskGroup(of: MonthLoad.self) { group in
            let loaders = 8
            for loader in 0..<loaders {
                group.addTask {
                    var load = MonthLoad()
                    let connection = try await bench.connect()
                    for (index, id) in ids.enumerated() where index % loaders == loader {
                        let outbox = SimulatedStore(
                            storeID: id, policy: policy, seed: UInt64(index + 1), casesPerDay: casesPerDay
                        ).outbox(from: period.from, to: period.to, end: period.to)
                        load.cases += outbox.cases.count
                        load.entries += outbox.entries.count
                        load.changes += outbox.changes.count
                        load.bytes += outbox.changes.reduce(0) { $0 + $1.payload.count }
                        for chunk in stride(from: 0, to: outbox.changes.count, by: 1000) {
                            let end = min(chunk + 1000, outbox.changes.count)
                            try await HQWriter.apply(
                                store: id, changes: Array(outbox.changes[chunk..<end]), on: connection)
                        }
                    }
                    try await connection.close()
                    return load
                }
            }
            for try await load in group {
                total.cases += load.cases
                total.entries += load.entries
                total.changes += load.changes
                total.bytes += load.bytes
            }
        }
        total.seconds = elapsedSeconds(since: start)
        return total
    }

    /// The busy day: its morning applied untimed, then the peak replayed at each pace (each run
    /// takes the next minutes of the peak), then the rest of the day drained as a catch-up.
    func busyDay(
        _ ids: [String], policy: Policy, day: Instant, lastSeqs: [String: Int64], speeds: [Double], bench: HQEndpoint,
        report: BenchReport
    ) async throws -> Bool {
        // `day` is local midnight (the month's end in the store calendar): the peak starts at 11:00.
        let peakStart = day.adding(seconds: 11 * 3600)
        let dayEnd = day.adding(seconds: 86_400)
        let busyDayCases = busyDayCases
        let outboxes: [(String, [OutboxChange])] = ids.enumerated().map { index, id in
            let outbox = SimulatedStore(
                storeID: id, policy: policy, seed: UInt64(10_000 + index), casesPerDay: busyDayCases
            )
            .outbox(from: day, to: dayEnd, end: dayEnd, firstCase: 100_000)
            let base = lastSeqs[id] ?? 0
            return (
                id,
                outbox.changes.map { change in
                    var shifted = change
                    shifted.seq += base
                    return shifted
                }
            )
        }
        let totalChanges = outboxes.reduce(0) { $0 + $1.1.count }
        let peakHour = peakStart.millis..<(peakStart.millis + 3_600_000)
        let peakChanges = outboxes.reduce(0) { $0 + $1.1.filter { peakHour.contains($0.committedAt) }.count }
        report.line(
            "busy day: \(busyDayCases) cases a store, \(totalChanges) outbox changes over \(ids.count) stores; "
                + "its peak hour (11:00-12:00 local): \(peakChanges) changes, \(format(Double(peakChanges) / 3600)) a second "
                + "chain-wide")
        // The morning, untimed.
        try await everyStore(outboxes, bench: bench) { id, changes, connection, _ in
            let morning = changes.filter { $0.committedAt < peakStart.millis }
            for chunk in stride(from: 0, to: morning.count, by: 1000) {
                try await HQWriter.apply(
                    store: id, changes: Array(morning[chunk..<min(chunk + 1000, morning.count)]), on: connection)
            }
            return []
        }
        report.table(
            header:
                "| pace | simulated minutes | changes shipped | chain-wide changes/s | batches | lag p50 | lag p99 | lag max | load avg |"
        )
        var cursor = peakStart.millis
        for speed in speeds {
            let window = Int64(Double(seconds) * speed * 1000)
            let from = cursor
            let to = cursor + window
            cursor = to
            let starts = Shared<Double>(0)
            // Each store's batches of the window, made ready first: a batch is what the store
            // committed at one instant (a replicator woken by the commit ships it), and making it
            // (decoding and laying out the changes) is the store's CPU, not HQ's. What it took
            // here is added to each of its changes' lag (`encode`).
            let prepared = try outboxes.map { id, changes in
                let mine = changes.filter { $0.committedAt >= from && $0.committedAt < to }
                var batches: [(due: Int64, encode: Double, changes: Int, batch: HQPreparedBatch)] = []
                var index = 0
                while index < mine.count {
                    var end = index + 1
                    while end < mine.count, end - index < 500, mine[end].committedAt == mine[index].committedAt {
                        end += 1
                    }
                    let started = ContinuousClock.now
                    let batch = try HQWriter.prepare(store: id, changes: Array(mine[index..<end]))
                    batches.append(
                        (mine[index].committedAt - from, elapsedSeconds(since: started) * 1000, end - index, batch))
                    index = end
                }
                return (id, batches)
            }
            let byStore = Dictionary(prepared) { first, _ in first }
            let lags = try await everyStore(outboxes, bench: bench) { id, _, connection, wallStart in
                starts.value.withLock { $0 = wallStart }
                var lags: [Double] = []
                for batch in byStore[id] ?? [] {
                    // When these changes are committed at the store, on the wall clock.
                    let due = wallStart + Double(batch.due) / speed
                    let now = Date().timeIntervalSince1970 * 1000
                    if due > now { try await Task.sleep(for: .milliseconds(Int(due - now))) }
                    try await HQWriter.apply(batch.batch, on: connection)
                    let visible = Date().timeIntervalSince1970 * 1000
                    lags += Array(repeating: visible - due + batch.encode, count: batch.changes)
                    lags.append(-1)  // a batch marker, counted below
                }
                return lags
            }
            let batches = lags.filter { $0 < 0 }.count
            let sorted = lags.filter { $0 >= 0 }.sorted()
            let elapsed = Date().timeIntervalSince1970 - starts.value.withLock { $0 } / 1000
            report.table(
                row:
                    "| \(format(speed))x | \(format(Double(window) / 60_000)) | \(sorted.count) | \(format(Double(sorted.count) / max(elapsed, 1))) | \(batches) | \(ms(percentile(50, sorted))) | \(ms(percentile(99, sorted))) | \(ms(sorted.last ?? 0)) | \(loadAverage()) |"
            )
        }
        // The catch-up: the rest of the day, every store at once, as fast as it can.
        let rest = outboxes.map { ($0.0, $0.1.filter { $0.committedAt >= cursor }) }
        let restCount = rest.reduce(0) { $0 + $1.1.count }
        let drainStart = Shared<Double>(0)
        try await everyStore(rest, bench: bench) { id, changes, connection, start in
            drainStart.value.withLock { $0 = start }
            let now = Date().timeIntervalSince1970 * 1000
            if start > now { try await Task.sleep(for: .milliseconds(Int(start - now))) }
            for chunk in stride(from: 0, to: changes.count, by: 500) {
                try await HQWriter.apply(
                    store: id, changes: Array(changes[chunk..<min(chunk + 500, changes.count)]), on: connection)
            }
            return []
        }
        let drain = Date().timeIntervalSince1970 - drainStart.value.withLock { $0 } / 1000
        // The baseline: the same rows by one bulk COPY into a table like hq_changes.
        let copy = try await copyBaseline(rest.flatMap { id, changes in changes.map { (id, $0) } }, bench: bench)
        report.line(
            "catch-up: \(restCount) changes (the rest of the day) drained by \(ids.count) stores at once in "
                + "\(format(drain)) s: \(format(Double(restCount) / drain)) changes/s, each change one hq_changes row "
                + "and one snapshot row (\(format(Double(2 * restCount) / drain)) rows/s); bulk COPY of the same "
                + "\(restCount) hq_changes rows: \(format(copy)) s, \(format(Double(restCount) / copy)) rows/s")
        return true
    }

    /// Runs `work` for every store at once, each on its own connection as its own login. Every
    /// store logs in first; `work` gets the wall-clock instant (ms) they all start from.
    @discardableResult
    func everyStore(
        _ outboxes: [(String, [OutboxChange])], bench: HQEndpoint,
        _ work: @escaping @Sendable (String, [OutboxChange], PostgresConnection, Double) async throws -> [Double]
    ) async throws -> [Double] {
        let connections = try await withThrowingTaskGroup(of: (String, PostgresConnection).self) { group in
            for (id, _) in outboxes {
                var login = bench
                login.user = HQRoles.roleName(forStore: id)
                login.password = "bench-\(id)"
                group.addTask {
                    // Logged in and heard from, as a store's replicator is long before a peak (it
                    // ships continuously, and beats when idle): the backend has read its catalogs
                    // and row level security policies, so the timed batches are not a new
                    // backend's first statements.
                    let connection = try await login.connect()
                    try await HQWriter.apply(store: id, changes: [], on: connection)
                    return (id, connection)
                }
            }
            var all: [String: PostgresConnection] = [:]
            for try await (id, connection) in group { all[id] = connection }
            return all
        }
        let start = Date().timeIntervalSince1970 * 1000 + 200
        defer { for connection in connections.values { Task { try? await connection.close() } } }
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for (id, changes) in outboxes {
                let connection = connections[id]!
                group.addTask {
                    do {
                        return try await work(id, changes, connection, start)
                    } catch {
                        throw HQError("store \(id): \(HQError.describe(error))")
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
    }

    /// Seconds for one COPY of these rows into an empty copy of hq_changes (its primary key too).
    func copyBaseline(_ rows: [(String, OutboxChange)], bench: HQEndpoint) async throws -> Double {
        let connection = try await bench.connect()
        try await connection.query("DROP TABLE IF EXISTS bench_copy", logger: HQLog.quiet)
        try await connection.query("CREATE TABLE bench_copy (LIKE hq_changes INCLUDING ALL)", logger: HQLog.quiet)
        var lines: [ByteBuffer] = []
        var buffer = ByteBuffer()
        for (store, change) in rows {
            let committed = ISO8601.format(Instant(millis: change.committedAt), offsetSeconds: 0)
            buffer.writeString(
                "\(store)\t\(change.seq)\t\(change.kind.rawValue)\t\(copyText(change.key))\t\(committed)\t")
            buffer.writeString(ISO8601.format(Instant(millis: change.committedAt), offsetSeconds: 0))
            buffer.writeString("\t")
            buffer.writeString(copyText(String(decoding: change.payload, as: UTF8.self)))
            buffer.writeString("\n")
            if buffer.readableBytes > 1 << 20 {
                lines.append(buffer)
                buffer = ByteBuffer()
            }
        }
        lines.append(buffer)
        let start = ContinuousClock.now
        try await connection.copyFrom(
            table: "bench_copy", columns: ["store_id", "seq", "kind", "key", "committed_at", "received_at", "payload"],
            logger: HQLog.quiet
        ) { writer in
            for chunk in lines { try await writer.write(chunk) }
        }
        let elapsed = elapsedSeconds(since: start)
        try await connection.close()
        return elapsed
    }

    // MARK: Helpers

    func storeSeqs(on connection: PostgresConnection) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for status in try await HQStoreStatus.all(on: connection) { result[status.store] = status.lastSeq }
        return result
    }

    func scalar(_ sql: String, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: HQLog.quiet)
        for try await value in rows.decode(String.self) { return value }
        return ""
    }
}

/// COPY's text format: backslash, tab and newline escaped.
func copyText(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
        switch character {
        case "\\": result += "\\\\"
        case "\t": result += "\\t"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}

func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func percentile(_ p: Double, _ sorted: [Double]) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
    return sorted[min(rank, sorted.count) - 1]
}

func format(_ value: Double) -> String {
    value >= 100
        ? String(format: "%.0f", value) : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
}

func ms(_ millis: Double) -> String { millis >= 1000 ? "\(format(millis / 1000)) s" : "\(format(millis)) ms" }

func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// The Markdown the run prints at its end (and lines as it goes, to follow a long run).
final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }
}

final class BenchReport: Sendable {
    private let lines = Mutex<[String]>([])

    func line(_ text: String) {
        print(text)
        fflush(nil)
        lines.withLock { $0.append("- " + text) }
    }

    func table(header: String) {
        print(header)
        lines.withLock {
            $0 += ["", header, "|" + String(repeating: " --- |", count: header.filter { $0 == "|" }.count - 1)]
        }
    }

    func table(row: String) {
        print(row)
        fflush(nil)
        lines.withLock { $0.append(row) }
    }

    func flush() {
        print("\n---- Markdown\n")
        print(lines.withLock { $0.joined(separator: "\n") })
    }
}
