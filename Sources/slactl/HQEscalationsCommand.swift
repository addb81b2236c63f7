import ArgumentParser
import Foundation
import SLAChain
import SLACore

/// `escalations --hq URL`: the chain's queue entries at HQ, with the store of each.
struct HQEscalationOptions: ParsableArguments {
    @Option(help: "List or follow the chain's entries in HQ's PostgreSQL instead (postgres://USER@HOST:PORT/DB).")
    var hq: String?

    @Option(help: "With --hq: a file whose first line is the password.")
    var passwordFile: String?

    // HQ's CA certificate is the connection options' --cacert (one option: a command may not
    // name two the same).
}

extension EscalationsCommand {
    func runAtHQ(_ url: String) throws {
        let endpoint: HQEndpoint
        do {
            endpoint = try HQEndpoint(url: url, passwordFile: atHQ.passwordFile, caFile: connection.cacert)
        } catch {
            throw ValidationError(error.description)
        }
        if failed || since != nil || `case` != nil {
            throw ValidationError("with --hq, filter by --tier and --pending only")
        }
        let json = connection.json
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
