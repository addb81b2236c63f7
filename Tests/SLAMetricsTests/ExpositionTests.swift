import Testing

@testable import SLAMetrics

/// The exposition as a scraper reads it: values parsed back from the text `/metrics` serves.
@Suite(.serialized) struct ExpositionTests {
    /// `name{labels} value` lines of the exposition, by their series (name and labels as written).
    static func samples() -> [String: Double] {
        let text = String(decoding: Exposition.render(), as: UTF8.self)
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func countersAddUpByTheirLabels() {
        let before = Self.samples()
        let series = #"slad_clocks_met_total{kind="test-kind",clock="test-clock"}"#
        for _ in 0..<3 { SchedulerMetrics.clockMet(kind: "test-kind", clock: "test-clock") }
        SchedulerMetrics.clockMet(kind: "test-kind", clock: "other-clock")
        #expect(Self.samples()[series] == (before[series] ?? 0) + 3)
    }

    @Test func aBreachIsCountedOnceWhetherWrittenOrSkipped() {
        let labels = #"{kind="k",clock="c",tier="t"}"#
        let before = Self.samples()
        SchedulerMetrics.entryWritten(.breach, skipped: false, kind: "k", clock: "c", tier: "t", lateMillis: 7_000)
        SchedulerMetrics.entryWritten(.breach, skipped: true, kind: "k", clock: "c", tier: "t", lateMillis: 0)
        SchedulerMetrics.entryWritten(.escalation, skipped: false, kind: "k", clock: "c", tier: "t", lateMillis: 3)
        let after = Self.samples()
        func delta(_ name: String) -> Double { (after[name] ?? 0) - (before[name] ?? 0) }
        #expect(delta("slad_clocks_breached_total" + labels) == 2)
        #expect(delta("slad_entries_skipped_total" + labels) == 1)
        #expect(delta("slad_escalations_total" + labels) == 1)
        #expect(delta("slad_warnings_total" + labels) == 0)
        // The entries' lateness histogram has no labels: other suites in this process record
        // into it too, so it is checked by Tests/shell/85-metrics.sh against a real slad.
    }

    @Test func deliveryOutcomesGoToTheirOwnCountersAndLatenessToItsBuckets() {
        let before = Self.samples()
        DeliveryMetrics.attempted(route: "sms", failed: true, willRetry: true, lateMillis: 0)
        DeliveryMetrics.attempted(route: "sms", failed: true, willRetry: false, lateMillis: 0)
        DeliveryMetrics.attempted(route: "sms", failed: false, willRetry: false, lateMillis: 7_000)
        DeliveryMetrics.attempt("sms", false, false, late: 3)
        let after = Self.samples()
        func delta(_ name: String) -> Double { (after[name] ?? 0) - (before[name] ?? 0) }
        #expect(delta(#"slad_delivery_retries_total{route="sms"}"#) == 1)
        #expect(delta(#"slad_deliveries_failed_total{route="sms"}"#) == 1)
        #expect(delta(#"slad_deliveries_sent_total{route="sms"}"#) == 2)
        // One delivered 7 s late (above the 5 s bucket), one 3 ms late.
        #expect(delta(#"slad_delivery_lateness_seconds_count{route="sms"}"#) == 2)
        #expect(delta(#"slad_delivery_lateness_seconds_bucket{route="sms",le="5.0"}"#) == 1)
        #expect(delta(#"slad_delivery_lateness_seconds_bucket{route="sms",le="15.0"}"#) == 2)
        #expect(abs(delta(#"slad_delivery_lateness_seconds_sum{route="sms"}"#) - 7.003) < 1e-9)
    }

    @Test func everyFamilyHasItsHelpLineBeforeItsType() {
        SchedulerMetrics.groupCommitted(writes: 3, duration: .milliseconds(2))
        let text = String(decoding: Exposition.render(), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
        #expect(!types.isEmpty)
        for index in types {
            let name = lines[index].split(separator: " ")[2]
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "no HELP before \(lines[index])")
        }
        #expect(text.contains("# TYPE slad_group_commit_duration_seconds histogram"))
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
        #expect(Self.samples()["process_resident_memory_bytes"].map { $0 > 1_000_000 } == true)
    }

    @Test func theStatLineIsSplitAfterTheCommandsLastParenthesis() {
        let fields = ProcessMetrics.statFields("42 (sl ad) x) S 1 2 3")
        #expect(fields == ["S", "1", "2", "3"])
    }
}
