import Foundation
import GRDB
import SLACore

/// How big each scenario is: the issue's sizes, or `--quick`'s scaled-down ones.
struct Scale {
    var quick: Bool
    var clients = 32
    var intakeSeconds: Double
    var commitBaselineSeconds: Double
    var sparseClocks: Int
    var sparseWindow: Double
    var burstClocks: Int
    var capacityClocks: Int
    var queryCases: Int
    var queryRuns: Int

    static let full = Scale(
        quick: false, intakeSeconds: 60, commitBaselineSeconds: 10, sparseClocks: 1_000, sparseWindow: 60,
        burstClocks: 10_000, capacityClocks: 1_000_000, queryCases: 100_000, queryRuns: 20)
    static let quick = Scale(
        quick: true, intakeSeconds: 10, commitBaselineSeconds: 3, sparseClocks: 200, sparseWindow: 8,
        burstClocks: 2_000, capacityClocks: 100_000, queryCases: 100_000, queryRuns: 5)
}

/// Runs the scenarios against the real binaries in `binDirectory` and collects the table.
final class Bench {
    let binDirectory: String
    let scale: Scale
    var rows: [ResultRow] = []
    var notes: [String] = []
    /// The intake scenario's rate, for firing under load at half of it.
    var maxIntakeRate: Double?
    /// The sparse scenario's p99, the baseline of firing under load.
    var sparseP99: Double?

    init(binDirectory: String, scale: Scale) {
        self.binDirectory = binDirectory
        self.scale = scale
    }

    var slad: String { (binDirectory as NSString).appendingPathComponent("slad") }
    var slactl: String { (binDirectory as NSString).appendingPathComponent("slactl") }

    private func say(_ text: String) {
        FileHandle.standardError.write(Data("slabench: \(text)\n".utf8))
    }

    /// Starts slad on a new workspace (the caller stops it and removes the workspace).
    private func start(_ name: String, extra: [String] = []) throws -> Daemon {
        let workspace = try Workspace(name)
        let policy = try BenchPolicy.write(in: workspace)
        return try Daemon(binary: slad, workspace: workspace, policy: policy, extra: extra)
    }

    private func readOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    // MARK: Intake

    func intake() throws {
        let clients = scale.clients
        let daemon = try start("intake")
        defer { daemon.workspace.remove() }
        let ids = try CaseOpener.open(socket: daemon.socketPath, openedAt: [Int64?](repeating: nil, count: 64))
        say("intake: \(clients) clients for \(Int(scale.intakeSeconds)) s")
        let cpuBefore = daemon.cpuSeconds()
        let ownBefore = Time.ownCPUSeconds()
        let load = EventLoad.run(
            socket: daemon.socketPath, caseIDs: ids, clients: clients, seconds: scale.intakeSeconds)
        let sladCPU = daemon.cpuSeconds() - cpuBefore
        let ownCPU = Time.ownCPUSeconds() - ownBefore
        guard load.errors == 0 else {
            daemon.stop()
            throw BenchError("intake: \(load.errors) errors, first: \(load.firstError ?? "")")
        }
        let durability = try fsyncCheck(daemon, caseIDs: ids)
        // The ceiling of the HTTP path alone on this machine, with the same clients: an answer
        // that needs no body, no engine and no commit.
        let probeCPUBefore = daemon.cpuSeconds()
        let probe = EventLoad.run(
            socket: daemon.socketPath, caseIDs: ids, clients: clients, seconds: scale.commitBaselineSeconds,
            probe: "/v1/version")
        let probeCPU = daemon.cpuSeconds() - probeCPUBefore
        daemon.stop()
        let (stored, drains) = try readOnly(daemon.workspace.database).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE kind = 'noted' AND actor LIKE 'bench%'")
                    ?? 0,
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(DISTINCT recorded_at) FROM events WHERE kind = 'noted' AND actor LIKE 'bench%'")
                    ?? 0
            )
        }
        guard stored == load.answered else {
            throw BenchError("intake: \(load.answered) events answered but \(stored) stored")
        }
        maxIntakeRate = load.rate
        say("intake: \(Format.int(load.rate)) events/s; baseline: single-row durable commits")
        let baseline = try commitBaseline(seconds: scale.commitBaselineSeconds)
        let normal = try commitBaseline(seconds: scale.commitBaselineSeconds / 2, synchronous: "NORMAL")
        let latency = Percentiles(load.latencies.map { $0 * 1000 })
        let ratio = load.rate / baseline
        rows.append(
            ResultRow(
                scenario: "intake",
                measure: "events/s recorded through the API (each answered after its commit), \(clients) clients, "
                    + "\(Int(scale.intakeSeconds)) s",
                result: "\(Format.int(load.rate))/s", target: ">= 20,000/s", met: load.rate >= 20_000,
                baseline: "\(Format.int(baseline)) single-row commits/s", ratio: Format.ratio(ratio)))
        rows.append(
            ResultRow(
                scenario: "intake", measure: "gain of group commit over single-row commits",
                result: Format.ratio(ratio),
                target: ">= 5x", met: ratio >= 5, baseline: "\(Format.int(baseline))/s", ratio: Format.ratio(ratio)))
        rows.append(
            ResultRow(
                scenario: "intake",
                measure: "ceiling of the HTTP path: the same \(clients) clients asking `GET /v1/version` (no body, "
                    + "no engine, no commit)",
                result: "\(Format.int(probe.rate))/s", target: "", met: nil, baseline: "", ratio: ""))
        notes.append(
            "intake: `GET /v1/version` with the same clients: \(Format.int(probe.rate)) answers/s, "
                + "\(Format.fixed(probeCPU / Double(max(1, probe.answered)) * 1_000_000, 0)) µs of slad CPU each; "
                + "round trip p50 / p99 / max \(Format.spread(Percentiles(probe.latencies.map { $0 * 1000 })))."
        )
        if let durability {
            let perCommit = Double(durability.syncs) / Double(max(1, durability.commits))
            rows.append(
                ResultRow(
                    scenario: "intake",
                    measure: "durability: fsync/fdatasync calls per group commit (strace on slad, 2.5 s more intake)",
                    result: "\(Format.fixed(perCommit, 2)) (\(Format.int(Double(durability.syncs))) for "
                        + "\(Format.int(Double(durability.commits))))",
                    target: ">= 1 (durable)", met: perCommit >= 1, baseline: "1 per commit with synchronous=FULL",
                    ratio: ""))
        } else {
            notes.append("intake: strace is not installed (or may not attach): durability of the commits not checked.")
        }
        notes.append(
            "intake: single-row commits with synchronous=NORMAL (no fsync per commit) reach \(Format.int(normal))/s "
                + "here; the table's baseline is the durable FULL.")
        notes.append(
            "intake: \(Format.int(Double(load.answered))) events answered and stored in "
                + "\(Format.int(Double(drains))) group commits (distinct `recorded_at` ms, so at least that many; "
                + "\(Format.fixed(Double(stored) / Double(max(1, drains)), 1)) events each); request round trip "
                + "p50 / p99 / max \(Format.spread(latency)); slad used \(Format.fixed(sladCPU / load.seconds, 2)) "
                + "of the \(ProcessInfo.processInfo.activeProcessorCount) cores, the \(clients) clients "
                + "\(Format.fixed(ownCPU / load.seconds, 2)); "
                + "\(Format.fixed(sladCPU / Double(max(1, load.answered)) * 1_000_000, 0)) µs of slad CPU per event.")
    }

    /// Whether slad's group commits reach the disk: a few seconds more of intake with strace
    /// counting slad's fsync and fdatasync calls, against the group commits made meanwhile (distinct
    /// `recorded_at`). Nil when strace is not installed (or not allowed to attach).
    func fsyncCheck(_ daemon: Daemon, caseIDs: [String]) throws -> (syncs: Int, commits: Int)? {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else { return nil }
        let output = daemon.workspace.file("strace.txt")
        let traced = Box<Int32?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            traced.value = try? runCommand(
                [
                    "/usr/bin/timeout", "-s", "INT", "4", strace, "-f", "-c", "-o", output, "-e",
                    "trace=fsync,fdatasync", "-p", "\(daemon.pid)",
                ], capture: false
            ).status
            done.signal()
        }.start()
        Time.sleep(seconds: 0.7)  // attached to every thread
        let from = Int64(Time.wallMillis())
        let check = EventLoad.run(
            socket: daemon.socketPath, caseIDs: caseIDs, clients: scale.clients, seconds: 2.5, actor: "fsynccheck")
        let to = Int64(Time.wallMillis())
        done.wait()
        guard check.errors == 0, traced.value != nil, let text = try? String(contentsOfFile: output, encoding: .utf8)
        else { return nil }
        var syncs = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let name = fields.last, name == "fsync" || name == "fdatasync", fields.count >= 5,
                let calls = Int(fields[3])
            else { continue }
            syncs += calls
        }
        let commits = try readOnly(daemon.workspace.database).read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(DISTINCT recorded_at) FROM events
                    WHERE actor LIKE 'fsynccheck%' AND recorded_at BETWEEN ? AND ?
                    """, arguments: [from, to]) ?? 0
        }
        return (syncs, commits)
    }

    /// `--only commits`: the intake baseline alone.
    func commitsOnly() throws {
        for level in ["FULL", "NORMAL"] {
            let rate = try commitBaseline(seconds: scale.commitBaselineSeconds, synchronous: level)
            rows.append(
                ResultRow(
                    scenario: "commit baseline", measure: "single-row commits/s, WAL, synchronous=\(level)",
                    result: "\(Format.int(rate))/s", target: "", met: nil, baseline: "", ratio: ""))
        }
    }

    /// Single-row durable commits a second, in-process with GRDB, with the store's pragmas (WAL,
    /// synchronous=FULL), on a file on the same disk: what slad would do without group commit.
    func commitBaseline(seconds: Double, synchronous: String = "FULL") throws -> Double {
        let workspace = try Workspace("commits")
        defer { workspace.remove() }
        let pool = try Self.durablePool(workspace.file("baseline.sqlite"), synchronous: synchronous)
        var count = 0
        let stop = Time.monotonic() + seconds
        let began = Time.monotonic()
        while Time.monotonic() < stop {
            try Self.commitOneRow(pool, count)
            count += 1
        }
        return Double(count) / (Time.monotonic() - began)
    }

    /// A database configured as slad's store asks (WAL, `synchronous`, foreign keys) with an
    /// events-like table. GRDB's `DatabasePool` sets `synchronous = NORMAL` on its writer after
    /// `prepareDatabase` has run, so the level is set again here, on the writer, and checked.
    static func durablePool(_ path: String, synchronous: String = "FULL") throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            let expected = ["OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3][synchronous]
            guard level == expected else {
                throw BenchError("PRAGMA synchronous is \(level ?? -1), not \(synchronous)")
            }
            try db.execute(
                sql: """
                    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, kind TEXT NOT NULL,
                        at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, actor TEXT, note TEXT, idempotency_key TEXT UNIQUE)
                    """)
        }
        return pool
    }

    static func commitOneRow(_ pool: DatabasePool, _ number: Int) throws {
        let now = Int64(Time.wallMillis())
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO events (case_id, kind, at, recorded_at, actor) VALUES (?, 'noted', ?, ?, ?)",
                arguments: ["C-\(number % 64 + 1)", now, now, "bench\(number % 32)"])
        }
    }

    // MARK: Firing

    /// Lateness of sparse clocks: the daemon's (from the file), the follower's, and how many.
    struct Firing {
        var written: Percentiles
        var followed: Percentiles
        var loadRate: Double?
    }

    /// `clocks` cases whose 1-hour clocks fall due at `offsets` (ms after a start a few seconds
    /// from now), opened through the API with a backdated `opened_at`; with `loadRate`, events are
    /// recorded at that rate meanwhile. Lateness is `written_at - due_at` read from the file.
    func firing(_ name: String, offsets: [Double], window: Double, loadRate: Double?) throws -> Firing {
        let daemon = try start(name)
        defer { daemon.workspace.remove() }
        let result = try fire(on: daemon, name, offsets: offsets, window: window, loadRate: loadRate)
        daemon.stop()
        return result
    }

    /// The firing measurement on a running slad (which it leaves running).
    func fire(
        on daemon: Daemon, _ name: String, offsets: [Double], window: Double, loadRate: Double?,
        leadMillis: Double = 2_000
    ) throws -> Firing {
        let loadIDs =
            loadRate == nil
            ? [] : try CaseOpener.open(socket: daemon.socketPath, openedAt: [Int64?](repeating: nil, count: 64))
        let lead = leadMillis + Double(offsets.count) * 2
        let origin = (Time.wallMillis() + lead).rounded(.up)
        let dues = offsets.map { Int64(origin + $0.rounded(.down)) }
        let ids = try CaseOpener.open(
            socket: daemon.socketPath, openedAt: dues.map { $0 - Int64(BenchPolicy.clockMillis) })
        let ready = Time.wallMillis()
        guard ready < origin - 100 else {
            throw BenchError(
                "\(name): opening \(offsets.count) cases took until \(Int(ready - origin)) ms past the first deadline")
        }
        var due: [String: Int64] = [:]
        for (id, instant) in zip(ids, dues) { due[id] = instant }
        let follower = Follower(socket: daemon.socketPath)
        follower.start()
        let load = Box<LoadResult?>(nil)
        let loadDone = DispatchSemaphore(value: 0)
        if let loadRate {
            let seconds = (origin + window * 1000 + 1000 - Time.wallMillis()) / 1000
            Thread {
                load.value = EventLoad.run(
                    socket: daemon.socketPath, caseIDs: loadIDs, clients: self.scale.clients, seconds: seconds,
                    rate: loadRate)
                loadDone.signal()
            }.start()
        }
        Time.sleep(until: origin + window * 1000 + 1500)
        if loadRate != nil { loadDone.wait() }
        let seen = try follower.stop()
        if let load = load.value, load.errors > 0 {
            throw BenchError("\(name): the load had \(load.errors) errors, first: \(load.firstError ?? "")")
        }
        let entries = try readOnly(daemon.workspace.database).read { db in
            try Row.fetchAll(db, sql: "SELECT id, case_id, due_at, written_at FROM escalations WHERE kind = 'breach'")
        }
        var written: [Double] = []
        var followed: [Double] = []
        var counted: Set<String> = []
        for entry in entries {
            let caseID: String = entry["case_id"]
            guard let expected = due[caseID] else { continue }
            let dueAt: Int64 = entry["due_at"]
            guard dueAt == expected else {
                throw BenchError("\(name): \(caseID) fell due at \(dueAt), not \(expected) as opened")
            }
            guard counted.insert(caseID).inserted else { throw BenchError("\(name): \(caseID) written twice") }
            written.append(Double((entry["written_at"] as Int64) - dueAt))
            if let at = seen[entry["id"]] { followed.append(at - Double(dueAt)) }
        }
        guard counted.count == offsets.count else {
            throw BenchError("\(name): \(counted.count) entries written for \(offsets.count) clocks")
        }
        guard followed.count == offsets.count else {
            throw BenchError("\(name): the follower saw \(followed.count) of \(offsets.count) entries")
        }
        return Firing(written: Percentiles(written), followed: Percentiles(followed), loadRate: load.value?.rate)
    }

    /// Random instants over the window, in ms after its start.
    func instants(_ count: Int, window: Double) -> [Double] {
        (0..<count).map { _ in Double.random(in: 0..<(window * 1000)) }
    }

    func sparse() throws {
        let count = scale.sparseClocks
        let window = scale.sparseWindow
        let offsets = instants(count, window: window)
        say("firing, sparse: \(count) clocks due over \(Int(window)) s")
        let result = try firing("sparse", offsets: offsets, window: window, loadRate: nil)
        say("firing, sparse: baseline, a bare timer at the same instants plus one durable commit")
        let baseline = try timerBaseline(offsets: offsets)
        sparseP99 = result.written.p99
        let label = "\(Format.int(Double(count))) clocks due at random over \(Int(window)) s"
        rows.append(
            ResultRow(
                scenario: "firing, sparse", measure: "lateness written_at - due_at, p99 (\(label))",
                result: Format.ms(result.written.p99), target: "<= 5 ms", met: result.written.p99 <= 5,
                baseline: "\(Format.ms(baseline.total.p99)) timer + commit",
                ratio: Format.ratio(result.written.p99 / baseline.total.p99)))
        rows.append(
            ResultRow(
                scenario: "firing, sparse", measure: "lateness seen by a long-polling follower, p99",
                result: Format.ms(result.followed.p99), target: "", met: nil,
                baseline: Format.ms(baseline.total.p99), ratio: Format.ratio(result.followed.p99 / baseline.total.p99)))
        notes.append(
            "firing, sparse: written_at - due_at p50 / p99 / max \(Format.spread(result.written)) (slad stamps "
                + "written_at in whole ms before its commit); seen by a follower \(Format.spread(result.followed)); "
                + "baseline bare DispatchSourceTimer \(Format.spread(baseline.timer)), one durable single-row "
                + "commit \(Format.spread(baseline.commit)), both together \(Format.spread(baseline.total)).")
    }

    /// A bare wall-clock `DispatchSourceTimer` (one, re-armed, leeway 1 ms as slad's) firing at the
    /// same instants in-process, each followed by one durable single-row commit.
    func timerBaseline(offsets: [Double]) throws -> (timer: Percentiles, commit: Percentiles, total: Percentiles) {
        let workspace = try Workspace("timer")
        defer { workspace.remove() }
        let pool = try Self.durablePool(workspace.file("baseline.sqlite"))
        let origin = (Time.wallMillis() + 1000).rounded(.up)
        let dues = offsets.map { origin + $0.rounded(.down) }.sorted()
        var timerLate: [Double] = []
        var commits: [Double] = []
        var totals: [Double] = []
        var failure: Error?
        let queue = DispatchQueue(label: "slabench.timer", qos: .userInitiated)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let finished = DispatchSemaphore(value: 0)
        var next = 0
        func arm() {
            guard next < dues.count else {
                timer.cancel()
                finished.signal()
                return
            }
            let delay = max(0, dues[next] - Time.wallMillis())
            timer.schedule(wallDeadline: .now() + .microseconds(Int(delay * 1000)), leeway: .milliseconds(1))
        }
        timer.setEventHandler {
            while next < dues.count, case let fired = Time.wallMillis(), dues[next] <= fired {
                do {
                    try Self.commitOneRow(pool, next)
                } catch {
                    failure = error
                }
                let committed = Time.wallMillis()
                timerLate.append(fired - dues[next])
                commits.append(committed - fired)
                totals.append(committed - dues[next])
                next += 1
            }
            arm()
        }
        queue.sync { arm() }
        timer.activate()
        finished.wait()
        if let failure { throw failure }
        return (Percentiles(timerLate), Percentiles(commits), Percentiles(totals))
    }

    func underLoad() throws {
        let count = scale.sparseClocks
        let window = scale.sparseWindow
        var maxRate = maxIntakeRate
        if maxRate == nil {
            say("firing under load: no intake figure yet, measuring the maximum for 5 s")
            let daemon = try start("intake-probe")
            defer { daemon.workspace.remove() }
            let ids = try CaseOpener.open(socket: daemon.socketPath, openedAt: [Int64?](repeating: nil, count: 64))
            maxRate = EventLoad.run(socket: daemon.socketPath, caseIDs: ids, clients: scale.clients, seconds: 5).rate
            daemon.stop()
        }
        let rate = (maxRate ?? 0) / 2
        say("firing under load: \(count) clocks over \(Int(window)) s while \(Format.int(rate)) events/s are recorded")
        let result = try firing("load", offsets: instants(count, window: window), window: window, loadRate: rate)
        let baseline = sparseP99
        rows.append(
            ResultRow(
                scenario: "firing under load",
                measure: "the same p99, while \(Format.int(result.loadRate ?? 0)) events/s are recorded "
                    + "(asked: \(Format.int(rate))/s, half the intake maximum)",
                result: Format.ms(result.written.p99), target: "<= 50 ms", met: result.written.p99 <= 50,
                baseline: baseline.map { "\(Format.ms($0)) sparse" } ?? "-",
                ratio: baseline.map { Format.ratio(result.written.p99 / max($0, 1)) } ?? "-"))
        rows.append(
            ResultRow(
                scenario: "firing under load", measure: "lateness seen by a long-polling follower, p99",
                result: Format.ms(result.followed.p99), target: "", met: nil, baseline: "", ratio: ""))
        notes.append(
            "firing under load: written_at - due_at p50 / p99 / max \(Format.spread(result.written)); seen by a "
                + "follower \(Format.spread(result.followed)); the sparse ratio divides by max(sparse p99, 1 ms), "
                + "the resolution of written_at.")
    }

    // MARK: Burst

    struct Burst {
        var lateness: Percentiles
        var commits: Int
        /// As a long-polling follower saw the entries (with `follow`).
        var followed: Percentiles?
        /// CPU seconds the follower's decoding of its pages took (after the run).
        var followerDecodeSeconds: Double?
    }

    /// `clocks` clocks due at random instants of the same second. With `persist` false, slad runs
    /// with `--bench-no-persist` and lateness comes from its log (`sla_late_ms`, stamped where
    /// `written_at` would have been).
    /// With `sameInstant`, all fall due at the same millisecond; with `follow`, a long-polling
    /// follower notes when each entry reached it.
    func burst(persist: Bool, sameInstant: Bool = false, follow: Bool = false) throws -> Burst {
        let count = scale.burstClocks
        let daemon = try start(persist ? "burst" : "burst-nopersist", extra: persist ? [] : ["--bench-no-persist"])
        defer { daemon.workspace.remove() }
        let lead = 2_000 + Double(count) * 0.6
        let origin = ((Time.wallMillis() + lead) / 1000).rounded(.up) * 1000
        let dues = (0..<count).map { _ in Int64(origin) + (sameInstant ? 0 : Int64.random(in: 0..<1000)) }
        let ids = try CaseOpener.open(
            socket: daemon.socketPath, openedAt: dues.map { $0 - Int64(BenchPolicy.clockMillis) }, connections: 16)
        let ready = Time.wallMillis()
        guard ready < origin - 100 else {
            throw BenchError("burst: opening \(count) cases took until \(Int(ready - origin)) ms past the second")
        }
        var due: [String: Int64] = [:]
        for (id, instant) in zip(ids, dues) { due[id] = instant }
        let follower = follow ? Follower(socket: daemon.socketPath) : nil
        follower?.start()
        Time.sleep(until: origin + 1000)
        let database = daemon.workspace.database
        let giveUp = Time.monotonic() + 120
        var late: [Double] = []
        var followed: [Double]?
        var commits = 0
        while true {
            if persist {
                let rows = try readOnly(database).read { db in
                    try Row.fetchAll(
                        db, sql: "SELECT id, case_id, due_at, written_at FROM escalations WHERE kind = 'breach'")
                }
                if rows.count >= count, follower == nil || follower!.count >= count {
                    let seen = try follower?.stop()
                    var cases: Set<String> = []
                    var stamps: Set<Int64> = []
                    for row in rows {
                        let caseID: String = row["case_id"]
                        let dueAt: Int64 = row["due_at"]
                        let writtenAt: Int64 = row["written_at"]
                        guard due[caseID] == dueAt else {
                            throw BenchError("burst: \(caseID) due at \(dueAt), not as opened")
                        }
                        guard cases.insert(caseID).inserted else { throw BenchError("burst: \(caseID) written twice") }
                        late.append(Double(writtenAt - dueAt))
                        stamps.insert(writtenAt)
                        if let seen {
                            guard let at = seen[row["id"]] else {
                                throw BenchError("burst: the follower missed an entry")
                            }
                            followed = (followed ?? []) + [at - Double(dueAt)]
                        }
                    }
                    commits = stamps.count
                    break
                }
            } else {
                let lines = daemon.log().split(separator: "\n").filter { $0.contains(", not persisted") }
                if lines.count >= count {
                    var cases: Set<Substring> = []
                    for line in lines {
                        guard let caseID = Self.field("sla_case", line), let lateText = Self.field("sla_late_ms", line),
                            let millis = Double(lateText)
                        else { throw BenchError("burst: unreadable log line: \(line)") }
                        guard cases.insert(caseID).inserted else { throw BenchError("burst: \(caseID) logged twice") }
                        late.append(millis)
                    }
                    break
                }
            }
            if Time.monotonic() > giveUp {
                throw BenchError(
                    "burst: not all \(count) entries were written within 2 minutes; log:\n\(daemon.logTail())")
            }
            Time.sleep(seconds: 0.25)
        }
        daemon.stop()
        return Burst(
            lateness: Percentiles(late), commits: commits, followed: followed.map(Percentiles.init),
            followerDecodeSeconds: follower?.decodeSeconds)
    }

    /// `key=value` from one of slad's stderr lines.
    static func field(_ key: String, _ line: Substring) -> Substring? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        return line[range.upperBound...].prefix { $0 != " " }
    }

    func burst() throws {
        let count = scale.burstClocks
        let clocks = Format.int(Double(count))
        say("firing, burst: \(count) clocks due in the same second")
        let durable = try burst(persist: true)
        say("firing, burst: the same with --bench-no-persist")
        let bare = try burst(persist: false)
        say("firing, burst: \(count) clocks due at the same instant, with a follower")
        let instant = try burst(persist: true, sameInstant: true, follow: true)
        rows.append(
            ResultRow(
                scenario: "firing, burst",
                measure: "lateness p99, \(clocks) clocks due at random instants of the same second, each written once",
                result: Format.ms(durable.lateness.p99), target: "<= 100 ms", met: durable.lateness.p99 <= 100,
                baseline: "\(Format.ms(bare.lateness.p99)) not persisted",
                ratio: Format.ratio(durable.lateness.p99 / max(1, bare.lateness.p99))))
        if let followed = instant.followed {
            rows.append(
                ResultRow(
                    scenario: "firing, burst",
                    measure: "\(clocks) due at the same instant: p99 written_at - due_at / seen by a follower",
                    result: "\(Format.ms(instant.lateness.p99)) / \(Format.ms(followed.p99))", target: "", met: nil,
                    baseline: "", ratio: ""))
        }
        notes.append(
            "firing, burst: written_at - due_at p50 / p99 / max \(Format.spread(durable.lateness)) in "
                + "\(durable.commits) group commits; all \(clocks) written exactly once. With --bench-no-persist "
                + "(lateness from slad's log, stamped where written_at would be): \(Format.spread(bare.lateness)); the "
                + "ratio divides by max(that p99, 1 ms). All at the same instant: written_at - due_at "
                + "\(Format.spread(instant.lateness)) in \(instant.commits) commits; a follower (pages of 1,000, as slactl asks) saw "
                + "the first \(instant.followed.map { Format.ms($0.at(0)) } ?? "-") after the deadline (the commit "
                + "had ended), p50 / p99 / max \(instant.followed.map(Format.spread) ?? "-"); it scans each page for "
                + "ids on arrival and decodes the pages into views after the run, as slactl would on the way: "
                + "\(instant.followerDecodeSeconds.map { Format.ms($0 * 1000) } ?? "-") of the client's CPU.")
    }

    // MARK: Capacity and recovery

    func capacity() throws {
        let count = scale.capacityClocks
        say("capacity: slad with no clocks")
        let empty = try start("capacity")
        defer { empty.workspace.remove() }
        Time.sleep(seconds: 1.5)
        let emptyRSS = empty.memoryKB("VmRSS")
        empty.stop()
        say("capacity: seeding \(Format.int(Double(count))) running clocks")
        let seedStart = Time.monotonic()
        let deadlines = try Seeder().seed(stateDirectory: empty.workspace.path, count: count)
        let seedSeconds = Time.monotonic() - seedStart
        let hotHorizon = Int64(Time.wallMillis()) + 600_000
        let hot = deadlines.filter { $0 <= hotHorizon }.count
        let fileBytes =
            (try? FileManager.default.attributesOfItem(atPath: empty.workspace.database)[.size] as? Int) ?? 0
        say("capacity and recovery: starting slad on them")
        let policy = empty.workspace.file("policy.toml")
        let loaded = try Daemon(binary: slad, workspace: empty.workspace, policy: policy)
        let ready = loaded.readySeconds
        Time.sleep(seconds: 1.5)
        let rss = loaded.memoryKB("VmRSS")
        let peak = loaded.memoryKB("VmHWM")
        let idleBefore = loaded.cpuSeconds()
        Time.sleep(seconds: 5)
        let idle = (loaded.cpuSeconds() - idleBefore) / 5
        // Over 60 s in the full run, so that the window holds slad's once-a-minute read-ahead.
        let firingCount = scale.quick ? 100 : 300
        let firingWindow = scale.quick ? 6.0 : 70.0
        say("capacity: \(firingCount) more clocks due over \(Int(firingWindow)) s beside them")
        let atScale = try fire(
            on: loaded, "at-scale", offsets: instants(firingCount, window: firingWindow), window: firingWindow,
            loadRate: nil, leadMillis: 5_000)
        let stopStart = Time.monotonic()
        loaded.stop(grace: 120)
        let stopSeconds = Time.monotonic() - stopStart
        say("recovery: baseline, the same rows read by the sqlite3 CLI")
        let read = try runCommand(
            [
                "/usr/bin/sqlite3", empty.workspace.database, "SELECT * FROM cases WHERE next_due IS NOT NULL",
            ], capture: false)
        guard read.status == 0 else { throw BenchError("sqlite3 failed with status \(read.status)") }
        let clocks = Format.int(Double(count))
        rows.append(
            ResultRow(
                scenario: "capacity",
                measure: "resident memory (VmRSS) with \(clocks) running clocks, due 5 to 60 min ahead",
                result: Format.megabytes(kilobytes: rss), target: "<= 400 MB", met: Double(rss) <= 400 * 1024,
                baseline: "\(Format.megabytes(kilobytes: emptyRSS)) with none",
                ratio: Format.ratio(Double(rss) / Double(max(1, emptyRSS)))))
        rows.append(
            ResultRow(
                scenario: "recovery", measure: "start to READY=1 with \(clocks) running clocks in the store",
                result: Format.seconds(ready), target: "<= 5 s", met: ready <= 5,
                baseline: "\(Format.seconds(read.seconds)) sqlite3 reads the rows",
                ratio: Format.ratio(ready / read.seconds)))
        rows.append(
            ResultRow(
                scenario: "firing at scale",
                measure:
                    "sparse lateness p99 (\(firingCount) clocks over \(Int(firingWindow)) s) beside \(clocks) running "
                    + "clocks (no target in the issue; its promise is \"at any scale\")",
                result: Format.ms(atScale.written.p99), target: "", met: nil,
                baseline: sparseP99.map { "\(Format.ms($0)) sparse" } ?? "",
                ratio: sparseP99.map { Format.ratio(atScale.written.p99 / max($0, 1)) } ?? ""))
        notes.append(
            "firing at scale: written_at - due_at p50 / p99 / max \(Format.spread(atScale.written)); seen by a "
                + "follower \(Format.spread(atScale.followed)).")
        notes.append(
            "capacity: \(Format.int(Double(hot))) of the \(clocks) clocks were due within 10 minutes when slad "
                + "started. \(Format.int(Double(rss - emptyRSS) * 1024 / Double(count))) bytes of RSS per running clock "
                + "above the empty process; peak RSS (VmHWM) \(Format.megabytes(kilobytes: peak)); idle slad with "
                + "them used \(Format.fixed(idle * 100, 1))% of a core; the store file is "
                + "\(Format.megabytes(kilobytes: fileBytes / 1024)), seeded in \(Format.seconds(seedSeconds)); "
                + "SIGTERM to exit took \(Format.seconds(stopSeconds)). In memory a `Case` is "
                + "\(MemoryLayout<Case>.stride) bytes inline and each `ClockState` \(MemoryLayout<ClockState>.stride), "
                + "in a separately allocated array, plus the dictionary's `String` key and the heap's entry.")
    }

    // MARK: Query

    func query() throws {
        let count = scale.queryCases
        let overdueEvery = 10
        say("query: seeding \(Format.int(Double(count))) open cases, one in \(overdueEvery) overdue")
        let empty = try start("query")
        defer { empty.workspace.remove() }
        empty.stop()
        try Seeder().seed(stateDirectory: empty.workspace.path, count: count, overdueEvery: overdueEvery)
        let daemon = try Daemon(
            binary: slad, workspace: empty.workspace, policy: empty.workspace.file("policy.toml"))
        let command = [slactl, "list", "--overdue", "--socket", daemon.socketPath]
        var times: [Double] = []
        for _ in 0..<scale.queryRuns {
            let run = try runCommand(command)
            guard run.status == 0 else { throw BenchError("slactl list --overdue exited \(run.status)") }
            let lines = run.output.split(separator: "\n").count
            guard lines == 101 else { throw BenchError("slactl list --overdue printed \(lines) lines, not 101") }
            times.append(run.seconds * 1000)
        }
        let floor = Percentiles(try (0..<5).map { _ in try runCommand([slactl, "--version"]).seconds * 1000 })
        daemon.stop()
        let sql =
            "SELECT state FROM cases WHERE overdue = 1 AND status != 'closed' ORDER BY seq DESC LIMIT 100"
        let baseline = Percentiles(
            try (0..<5).map { _ in
                try runCommand(["/usr/bin/sqlite3", empty.workspace.database, sql], capture: false).seconds * 1000
            })
        let result = Percentiles(times)
        rows.append(
            ResultRow(
                scenario: "query",
                measure: "`slactl list --overdue` wall time, \(Format.int(Double(count))) open cases "
                    + "(\(Format.int(Double(count / overdueEvery))) overdue, 100 listed), median of \(times.count)",
                result: Format.ms(result.p50), target: "<= 200 ms", met: result.p50 <= 200,
                baseline: "\(Format.ms(baseline.p50)) sqlite3 runs its SELECT",
                ratio: Format.ratio(result.p50 / baseline.p50)))
        notes.append(
            "query: slactl list --overdue p50 / max \(Format.ms(result.p50)) / \(Format.ms(result.max)); "
                + "`slactl --version` alone (process start) \(Format.ms(floor.p50)).")
    }
}

/// A value handed between threads (written before a semaphore is signalled, read after the wait).
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
