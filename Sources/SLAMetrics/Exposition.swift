/// `GET /metrics`: the registry in Prometheus' text format (version 0.0.4), with a HELP line
/// before each family's TYPE line (swift-metrics has no help text, so the registry writes none).
public enum Exposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Collects the process metrics, then renders every metric (the route sets the scrape-time
    /// gauges of slad's status and store first).
    public static func render() -> [UInt8] {
        ProcessMetrics.collect()
        return withHelp(SLAMetrics.registry.emitToString())
    }

    static func withHelp(_ text: String) -> [UInt8] {
        var output = ""
        output.reserveCapacity(text.utf8.count + 4096)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first,
                let metric = MetricName(rawValue: String(name))
            {
                output += "# HELP \(name) \(metric.help)\n"
            }
            output += line
            output += "\n"
        }
        if output.hasSuffix("\n\n") { output.removeLast() }
        return Array(output.utf8)
    }
}
