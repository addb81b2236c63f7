import Metrics
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process metrics every Prometheus client exports (`process_cpu_seconds_total`, memory, file
/// descriptors, start time, threads), read from Linux's /proc/self at each scrape.
/// (swift-system-metrics does this too; it is not among the packages slad can use.)
public enum ProcessMetrics {
    /// Reads /proc/self and sets the metrics; on a system without /proc, sets nothing.
    public static func collect() {
        guard let stat = contents(of: "/proc/self/stat"), let fields = Self.statFields(stat) else { return }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        // Fields after the command (see proc(5)): utime 14, stime 15, threads 20, starttime 22,
        // vsize 23, rss 24; here indexed from state (field 3) as 0.
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let threads = Double(fields[17]), let started = Double(fields[19]), let vsize = Double(fields[20]),
            let rss = Double(fields[21]), ticks > 0
        else { return }
        let cpu = (utime + stime) / ticks
        let added = lastCPU.withLock { last in
            defer { last = max(last, cpu) }
            return max(0, cpu - last)
        }
        if added > 0 { cpuCounter.increment(by: added) }
        SLAMetrics.gauge(.processResident).record(rss * page)
        SLAMetrics.gauge(.processVirtual).record(vsize)
        SLAMetrics.gauge(.processThreads).record(threads)
        if let boot = bootTime() { SLAMetrics.gauge(.processStart).record(boot + started / ticks) }
        if let open = openDescriptors() { SLAMetrics.gauge(.processOpenFDs).record(open) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            SLAMetrics.gauge(.processMaxFDs).record(Double(limit.rlim_cur))
        }
    }

    /// The fields of /proc/self/stat after the command name, which is in parentheses and may
    /// itself hold spaces and parentheses: split after the last ')'.
    static func statFields(_ text: String) -> [Substring]? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static let cpuCounter = FloatingPointCounter(
        label: MetricName.processCPU.rawValue, dimensions: [], factory: SLAMetrics.factory)
    private static let lastCPU = Mutex(0.0)

    private static func bootTime() -> Double? {
        guard let text = contents(of: "/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    private static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count - 3  // ".", ".." and the descriptor reading the folder
    }

    /// A small /proc file, whole (their size is 0 to stat: read until the end).
    private static func contents(of path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
