import ArgumentParser
import Foundation
import SLAChain
import SLACommandLine
import SLACore

/// `slactl escalations --hq URL`: the chain's queue entries at HQ, with the store of each. slactl
/// checks the filters and runs this with the options HQ's feed takes.
struct HQEscalationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "escalations", shouldDisplay: false)

    @Option(help: "HQ's PostgreSQL (postgres://USER@HOST:PORT/DB).") var hq: String
    @Option(help: "A file whose first line is the password.") var passwordFile: String?
    @Option(help: "HQ's CA certificate (PEM).") var cacert: String?
    @Option(help: "Only entries for this tier.") var tier: String?
    @Flag(help: "Only entries not yet acknowledged or delivered.") var pending = false
    @Flag(help: "Keep running and print the HQ tier's new entries as HQ announces them.") var follow = false
    @Flag(help: "One JSON object a line.") var json = false

    func run() throws {
        try reportingUsageErrorsPlainly {
            let endpoint = try hqEndpoint(hq, passwordFile: passwordFile, cacert: cacert)
            let json = json
            if !follow {
                let tier = tier
                let pending = pending
                let entries = try withHQ(endpoint) { connection in
                    try await HQEntryFeed.list(tier: tier, pending: pending, on: connection)
                }
                printHQEntries(entries, header: true, json: json)
                return
            }
            let tier = tier ?? "hq"
            guard tier == "hq" else {
                throw ValidationError(
                    "--follow with --hq follows the HQ tier (--tier hq): HQ announces that tier's entries")
            }
            let header = Shared(true)
            do {
                try runBlocking {
                    try await HQEntryFeed.follow(
                        endpoint: endpoint, tier: tier, onTrouble: { printError("slactl: \($0)") },
                        deliver: { entries in
                            let first = header.value.withLock { first in
                                defer { first = false }
                                return first
                            }
                            if entries.isEmpty && !first { return }
                            printHQEntries(entries, header: first, json: json)
                            fflush(nil)
                        })
                }
            } catch {
                printError("slactl: HQ: \(HQError.describe(error))")
                throw ExitStatus.refused
            }
        }
    }
}

func printHQEntries(_ entries: [HQEntry], header: Bool, json: Bool) {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for entry in entries {
            if let line = try? encoder.encode(entry) { print(String(decoding: line, as: UTF8.self)) }
        }
        return
    }
    let offset = TimeZone.current.secondsFromGMT()
    let rows = entries.map {
        [
            $0.store, "\($0.id)", $0.caseID, $0.clock, $0.tier, $0.kind,
            ISO8601.format(Instant(millis: $0.dueAt), offsetSeconds: offset), $0.state,
        ]
    }
    let table = TextTable.render(header: ["STORE", "ID", "CASE", "CLOCK", "TIER", "KIND", "DUE", "STATE"], rows: rows)
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
    for line in header ? lines[...] : lines.dropFirst() { print(line) }
}
