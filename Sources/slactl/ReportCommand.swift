import ArgumentParser
import Foundation
import SLACommandLine

/// `slactl report`: the compliance report slad computes from its records, passed through as slad
/// renders it (a table, CSV, JSON or one HTML page).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The compliance report of a month, a week or a date range: clocks met and breached, escalations, "
            + "complaints by category, channel and store.",
        discussion: """
            Cases count in the period they were opened in (in the stores' time zone), as they stand now.
            Examples:
              slactl report --month 2026-10
              slactl report --week 2026-W44 --store S01 --format csv
              slactl report --month 2026-10 --format html --output 2026-10.html
              slactl report --from 2026-06-01 --to 2026-11-30    (the half-year review)
              slactl report --hq postgres://hq_reports@hq.example/slad_hq --password-file hq.pw --month 2026-10
                                                                 (every store of the chain, from HQ)
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "A month, e.g. 2026-10.") var month: String?
    @Option(help: "An ISO week, e.g. 2026-W44 (Monday to Sunday).") var week: String?
    @Option(help: "First day of a date range, e.g. 2026-10-01 (with --to).") var from: String?
    @Option(help: "Last day of a date range, included, e.g. 2026-10-31 (with --from).") var to: String?
    @Option(help: "Only this store.") var store: String?
    @Option(help: "table, csv, json or html (default: table; json with --json).") var format: String?
    @Option(help: "Write to this file (replaced whole, never half-written) instead of standard output.")
    var output: String?
    @OptionGroup var atHQ: HQReportOptions

    static let formats = ["table", "csv", "json", "html"]

    var resolvedFormat: String { format ?? (connection.json ? "json" : "table") }

    func validate() throws {
        let forms = [month != nil, week != nil, from != nil || to != nil].filter { $0 }.count
        guard forms == 1 else {
            throw ValidationError("Give one period: --month 2026-10, --week 2026-W44, or --from and --to dates.")
        }
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together.") }
        guard Self.formats.contains(resolvedFormat) else {
            throw ValidationError("--format must be one of: \(Self.formats.joined(separator: ", ")).")
        }
        if connection.json, let format, format != "json" {
            throw ValidationError("--json asks for --format json, not \(format).")
        }
    }

    func run() throws {
        if let url = atHQ.hq { try runAtHQ(url) }
        let path =
            "/v1/reports"
            + query([
                "month": month, "week": week, "from": from, "to": to, "store": store, "format": resolvedFormat,
            ])
        try emit(try connection.fetch(path), to: output)
    }
}
