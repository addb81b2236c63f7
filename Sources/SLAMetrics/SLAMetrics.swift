import CoreMetrics
import Metrics
import Prometheus

/// Where slad's metrics live: one Prometheus registry behind a swift-metrics factory. Modules
/// record through the small enums of this module (`CommitMetricsSink`, `DeliveryMetrics`, ...)
/// with plain values, so that a call site stays one line and this module knows none of slad's types.
public enum SLAMetrics {
    public static let registry = PrometheusCollectorRegistry()

    /// The factory every metric is made with. Histogram buckets are chosen per metric: what an
    /// operator's alert needs to tell apart (a commit of 2 ms from one of 50, an entry written on
    /// time from one written after downtime).
    public static let factory: PrometheusMetricsFactory = {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fast: [Duration] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
            .map { Duration.nanoseconds(Int64($0 * 1e9)) }
        factory.durationHistogramBuckets = [
            MetricName.groupCommitDuration.rawValue: fast, MetricName.storeSync.rawValue: fast,
        ]
        // Lateness: a few ms in normal running; minutes to days after downtime.
        let lateness: [Double] = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 15, 60, 300, 1800, 3600, 21600, 86400]
        factory.valueHistogramBuckets = [
            MetricName.entryLateness.rawValue: lateness, MetricName.deliveryLateness.rawValue: lateness,
            MetricName.groupCommitWrites.rawValue: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        ]
        return factory
    }()

    /// Makes the same factory swift-metrics' global one, so that libraries that record metrics
    /// report into the same registry. Once per process (slad's start).
    public static func bootstrap(version: String) {
        MetricsSystem.bootstrap(factory)
        gauge(.buildInfo, ["version": version]).record(1)
    }

    static func counter(_ name: MetricName, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name.rawValue, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    static func gauge(_ name: MetricName, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name.rawValue, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    static func recorder(_ name: MetricName, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Recorder {
        CoreMetrics.Recorder(label: name.rawValue, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    static func timer(_ name: MetricName) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name.rawValue, dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
    }

    static func seconds(millis: Int64) -> Double { Double(max(0, millis)) / 1000 }
}
