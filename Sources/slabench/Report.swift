import Foundation

/// Nearest-rank percentiles of a sample.
struct Percentiles {
    let sorted: [Double]

    init(_ values: [Double]) {
        sorted = values.sorted()
    }

    var count: Int { sorted.count }

    /// The value at quantile `q` (0...1), nearest rank.
    func at(_ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(sorted.count - 1, Swift.max(0, rank - 1))]
    }

    var p50: Double { at(0.50) }
    var p99: Double { at(0.99) }
    var max: Double { sorted.last ?? .nan }
}

/// One line of the table.
struct ResultRow {
    var scenario: String
    var measure: String
    var result: String
    var target: String
    /// nil: no target (informational).
    var met: Bool?
    var baseline: String
    var ratio: String
}

/// Number formatting for the table.
enum Format {
    static func int(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let digits = String(Int(value.rounded()))
        var out = ""
        for (index, char) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0, char != "-" { out.append(",") }
            out.append(char)
        }
        return String(out.reversed())
    }

    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "-" }
        return String(format: "%.\(places)f", value)
    }

    /// Milliseconds: whole above 10, one decimal above 1, two below.
    static func ms(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if abs(value) >= 10 { return "\(int(value)) ms" }
        if abs(value) >= 1 { return "\(fixed(value, 1)) ms" }
        return "\(fixed(value, 2)) ms"
    }

    static func ratio(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value >= 10 { return "\(int(value))x" }
        return "\(fixed(value, value >= 1 ? 1 : 2))x"
    }

    static func megabytes(kilobytes: Int) -> String { "\(int(Double(kilobytes) / 1024)) MB" }

    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return value >= 10 ? "\(fixed(value, 1)) s" : "\(fixed(value, 2)) s"
    }

    static func spread(_ values: Percentiles) -> String {
        "\(ms(values.p50)) / \(ms(values.p99)) / \(ms(values.max))"
    }
}

/// The table, as printed and as written to docs/benchmarks.md.
enum Table {
    static let header = ["scenario", "measure", "result", "target", "met?", "baseline", "ratio"]

    static func cells(_ row: ResultRow) -> [String] {
        [
            row.scenario, row.measure, row.result, row.target, row.met.map { $0 ? "yes" : "**NO**" } ?? "-",
            row.baseline, row.ratio,
        ]
    }

    static func markdown(_ rows: [ResultRow]) -> String {
        var lines = ["| " + header.joined(separator: " | ") + " |"]
        lines.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
        for row in rows {
            lines.append(
                "| " + cells(row).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// Aligned columns for the terminal.
    static func text(_ rows: [ResultRow]) -> String {
        let all = [header] + rows.map { cells($0).map { $0.replacingOccurrences(of: "**", with: "") } }
        var widths = [Int](repeating: 0, count: header.count)
        for line in all {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { line in
            line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// What the run was on: for the header of the results.
struct Machine {
    var date: String
    var cpus: Int
    var model: String
    var commit: String
    var load: String
    var kernel: String

    static func describe(root: String) -> Machine {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var commit = "unknown"
        if let result = try? runCommand(["/usr/bin/git", "-C", root, "rev-parse", "--short=12", "HEAD"]),
            result.status == 0
        {
            commit = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if let dirty = try? runCommand([
                "/usr/bin/git", "--no-optional-locks", "-C", root, "status", "--porcelain", "--untracked-files=no",
            ]),
                !dirty.output.isEmpty
            {
                commit += " (with uncommitted changes)"
            }
        }
        let kernel =
            (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        return Machine(
            date: formatter.string(from: Date()), cpus: ProcessInfo.processInfo.activeProcessorCount, model: model,
            commit: commit, load: loadAverage(), kernel: kernel)
    }

    /// `/proc/loadavg`'s three averages.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// Writes the results into docs/benchmarks.md between its markers, keeping the hand-written analysis
/// around them (the file is created with the markers if it does not exist).
enum ResultsFile {
    static let begin = "<!-- slabench:begin (written by `make bench`; edit outside these markers) -->"
    static let end = "<!-- slabench:end -->"

    static func render(
        machine: Machine, mode: String, seconds: Double, loadAfter: String, rows: [ResultRow], notes: [String]
    )
        -> String
    {
        var text = "\(begin)\n"
        text += "Run of \(machine.date), \(mode) mode, \(Format.int(seconds)) s in all. Machine: \(machine.cpus) CPUs "
        text += "(\(machine.model)), Linux \(machine.kernel); load average before the run \(machine.load), "
        text += "after it \(loadAfter). Commit \(machine.commit).\n\n"
        text += Table.markdown(rows) + "\n"
        if !notes.isEmpty {
            text += "\nMeasured alongside:\n\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        text += end
        return text
    }

    static func write(_ block: String, to path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var updated: String
        if let start = existing.range(of: begin), let stop = existing.range(of: end), start.lowerBound < stop.lowerBound
        {
            updated = existing
            updated.replaceSubrange(start.lowerBound..<stop.upperBound, with: block)
        } else {
            updated = "# slad benchmarks\n\n" + block + "\n" + existing
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try updated.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
