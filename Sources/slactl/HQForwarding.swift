import ArgumentParser
import Foundation
import SLACommandLine

// HQ's PostgreSQL is reached by the `slactl-hq` program: `slactl hq ...` runs it as it is,
// `report --hq` and `escalations --hq` with their checked options (Sibling).

/// `slactl hq`: HQ's side of a chain of stores (PostgreSQL; see docs/chain.md).
struct HQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hq",
        abstract: "HQ's PostgreSQL for a chain of stores: schema, store logins, replication status.",
        discussion: "Commands: migrate, add-store, add-reader, stores, lag (slactl hq --help).")

    @Argument(parsing: .captureForPassthrough, help: "The command and its options.") var arguments: [String] = []

    func run() throws {
        try Sibling.exec("slactl-hq", arguments)
    }
}

/// `report --hq URL`: the compliance report over every store of the chain, from HQ's PostgreSQL.
struct HQReportOptions: ParsableArguments {
    @Option(help: "Report from HQ's PostgreSQL over every store (postgres://USER@HOST:PORT/DATABASE).")
    var hq: String?

    @Option(help: "With --hq: a file whose first line is the password.")
    var passwordFile: String?

    // HQ's CA certificate is the connection options' --cacert (one option: a command may not
    // name two the same).

    @Option(help: "With --hq: the policy whose clocks, tiers and calendar the report names (default: slad's).")
    var policy: String?
}

/// `escalations --hq URL`: the chain's queue entries at HQ, with the store of each.
struct HQEscalationOptions: ParsableArguments {
    @Option(help: "List or follow the chain's entries in HQ's PostgreSQL instead (postgres://USER@HOST:PORT/DB).")
    var hq: String?

    @Option(help: "With --hq: a file whose first line is the password.")
    var passwordFile: String?
}

extension ReportCommand {
    func runAtHQ(_ url: String) throws -> Never {
        try Sibling.exec(
            "slactl-hq",
            ["report", "--hq=\(url)", "--format=\(resolvedFormat)"]
                + options([
                    ("--password-file", atHQ.passwordFile), ("--cacert", connection.cacert), ("--policy", atHQ.policy),
                    ("--month", month), ("--week", week), ("--from", from), ("--to", to), ("--store", store),
                    ("--output", output),
                ]))
    }
}

extension EscalationsCommand {
    func runAtHQ(_ url: String) throws -> Never {
        if failed || since != nil || `case` != nil {
            throw ValidationError("with --hq, filter by --tier and --pending only")
        }
        let flags = [("--pending", pending), ("--follow", follow), ("--json", connection.json)]
        try Sibling.exec(
            "slactl-hq",
            ["escalations", "--hq=\(url)"]
                + options([
                    ("--password-file", atHQ.passwordFile), ("--cacert", connection.cacert), ("--tier", tier),
                ]) + flags.filter(\.1).map(\.0))
    }
}

/// `--name=value` for each option that is set (one word: a value may begin with "-").
private func options(_ pairs: [(String, String?)]) -> [String] {
    pairs.compactMap { name, value in value.map { "\(name)=\($0)" } }
}
