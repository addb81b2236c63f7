import Foundation
import GRDB

/// Deadline to a manager's receiver (issue 15): how long after a clock's deadline its breach
/// arrives at a webhook receiver on loopback, next to how long after it slad wrote the entry (the
/// queue write, the same run's baseline); sparse, and a burst with no rate limit (webhooks have
/// none). slad's thread count is sampled throughout: it must not grow with the entries in flight.
extension Bench {
    struct DeliveryRun {
        var delivered: Percentiles
        var written: Percentiles
        var idleThreads: Int
        var mostThreads: Int
        var requests: Int
        var connections: Int
    }

    func delivery() throws {
        let sparseCount = scale.sparseClocks
        let window = scale.sparseWindow
        FileHandle.standardError.write(
            Data("slabench: delivery, sparse: \(sparseCount) clocks over \(Int(window)) s to a webhook\n".utf8))
        let sparse = try deliver(
            "delivery-sparse", offsets: (0..<sparseCount).map { _ in Double.random(in: 0..<(window * 1000)) },
            leadMillis: 2_000 + Double(sparseCount) * 2)
        let burstCount = scale.burstClocks
        FileHandle.standardError.write(
            Data("slabench: delivery, burst: \(burstCount) clocks in one second to a webhook\n".utf8))
        let burst = try deliver(
            "delivery-burst", offsets: (0..<burstCount).map { _ in Double.random(in: 0..<1000) },
            leadMillis: 2_000 + Double(burstCount) * 0.6, wholeSecond: true)
        // The receiver's own ceiling, as many POSTs as the burst over as many connections as slad
        // keeps: the burst is slad's only while it stays well below this.
        let alone = try ReceiverBaseline.run(count: burstCount, connections: 32)
        let ceiling =
            "; the receiver alone takes \(Format.int(alone.perSecond))/s (\(Format.int(Double(alone.requests))) "
            + "POSTs over \(alone.connections) connections in \(Format.ms(alone.seconds * 1000)))"
        for (run, label, target, extra) in [
            (sparse, "\(Format.int(Double(sparseCount))) clocks due at random over \(Int(window)) s", 50.0, ""),
            (burst, "\(Format.int(Double(burstCount))) clocks due in one second, no rate limit", 500.0, ceiling),
        ] {
            rows.append(
                ResultRow(
                    scenario: "deadline to a receiver",
                    measure: "deadline -> request at a loopback webhook receiver, p50 / p99 (\(label))",
                    result: "\(Format.ms(run.delivered.p50)) / \(Format.ms(run.delivered.p99))",
                    target: "p99 <= \(Int(target)) ms", met: run.delivered.p99 <= target,
                    baseline: "queue write \(Format.ms(run.written.p50)) / \(Format.ms(run.written.p99))\(extra)",
                    ratio: Format.ratio(run.delivered.p99 / max(run.written.p99, 1))))
        }
        // Growth with the entries in flight: the burst has thousands in flight, the sparse run one
        // or two; a thread per request would show as hundreds more.
        let growth = burst.mostThreads - sparse.mostThreads
        rows.append(
            ResultRow(
                scenario: "deadline to a receiver",
                measure: "slad's threads during the burst (idle -> most), against the sparse run's most",
                result: "\(burst.idleThreads) -> \(burst.mostThreads)", target: "no growth with entries in flight",
                met: growth <= 4, baseline: "\(sparse.mostThreads) sparse", ratio: ""))
        for (name, run) in [("sparse", sparse), ("burst", burst)] {
            notes.append(
                "deadline to a receiver, \(name): deadline -> receiver p50 / p99 / max \(Format.spread(run.delivered)); "
                    + "queue write (written_at - due_at) \(Format.spread(run.written)); \(run.requests) requests "
                    + "over \(run.connections) connections; slad threads \(run.idleThreads) idle, at most "
                    + "\(run.mostThreads).")
        }
        notes.append(
            "deadline to a receiver, the receiver alone: \(alone.requests) POSTs from a plain client over "
                + "\(alone.connections) keep-alive connections in \(Format.ms(alone.seconds * 1000)) "
                + "(\(Format.int(alone.perSecond)) requests/s).")
    }

    /// Cases whose clocks fall due at `offsets` (ms after a start `leadMillis` from now, rounded up
    /// to a whole second with `wholeSecond`), on a slad with one webhook route to our receiver;
    /// waits until every breach has arrived.
    func deliver(_ name: String, offsets: [Double], leadMillis: Double, wholeSecond: Bool = false) throws
        -> DeliveryRun
    {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let workspace = try Workspace(name)
        defer { workspace.remove() }
        let policy = workspace.file("policy.toml")
        let route = """

            [delivery]
            timeout = "30s"

            [[delivery.route]]
            name = "receiver"
            tiers = ["supervisor"]
            webhook = "\(receiver.url)"

            """
        try (BenchPolicy.text + route).write(toFile: policy, atomically: true, encoding: .utf8)
        let daemon = try Daemon(binary: slad, workspace: workspace, policy: policy)
        Time.sleep(seconds: 0.3)
        let idleThreads = ThreadSampler.threads(of: daemon.pid)
        var origin = (Time.wallMillis() + leadMillis).rounded(.up)
        if wholeSecond { origin = (origin / 1000).rounded(.up) * 1000 }
        let dues = offsets.map { Int64(origin + $0.rounded(.down)) }
        _ = try CaseOpener.open(
            socket: daemon.socketPath, openedAt: dues.map { $0 - Int64(BenchPolicy.clockMillis) }, connections: 16)
        guard Time.wallMillis() < origin - 100 else {
            daemon.stop()
            throw BenchError("\(name): opening \(offsets.count) cases took past the first deadline")
        }
        let sampler = ThreadSampler(pid: daemon.pid)
        sampler.start()
        let giveUp = Double(dues.max() ?? 0) + 120_000
        while receiver.count < offsets.count, Time.wallMillis() < giveUp { Time.sleep(seconds: 0.05) }
        let mostThreads = sampler.stop()
        daemon.stop()
        let arrivals = receiver.arrivalTimes()
        var configuration = Configuration()
        configuration.readonly = true
        let entries = try DatabaseQueue(path: workspace.database, configuration: configuration).read { db in
            try Row.fetchAll(db, sql: "SELECT id, due_at, written_at FROM escalations WHERE kind = 'breach'")
        }
        guard entries.count == offsets.count else {
            throw BenchError("\(name): \(entries.count) entries written for \(offsets.count) clocks")
        }
        var delivered: [Double] = []
        var written: [Double] = []
        for entry in entries {
            let dueAt: Int64 = entry["due_at"]
            written.append(Double((entry["written_at"] as Int64) - dueAt))
            if let at = arrivals[entry["id"]] { delivered.append(at - Double(dueAt)) }
        }
        guard delivered.count == offsets.count else {
            throw BenchError(
                "\(name): \(delivered.count) of \(offsets.count) entries reached the receiver within 2 minutes; "
                    + "slad's log:\n\(daemon.logTail())")
        }
        let traffic = receiver.traffic
        return DeliveryRun(
            delivered: Percentiles(delivered), written: Percentiles(written), idleThreads: idleThreads,
            mostThreads: mostThreads, requests: traffic.requests, connections: traffic.connections)
    }
}
