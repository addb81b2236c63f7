import ArgumentParser
import Foundation
import SLACommandLine
import SLACore
import SLAPolicyFile

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check or show a policy file.",
        subcommands: [Check.self, Show.self, Diff.self, PolicyParseChild.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a policy file: exit 0 with a summary, or 1 with every error as file:line: key: message."
        )

        @Argument(help: "The policy file (default: /etc/slad/policy.toml, else config/policy.toml).")
        var file: String?
        @Flag(help: "Exit 1 on warnings too (holiday data ending soon, a world-readable contacts file).")
        var strict = false
        @Option(help: "Check as of this date (YYYY-MM-DD) instead of today.") var today: String?

        func run() throws {
            let path = file ?? defaultPolicyPath()
            let policy = try loadPolicy(path)
            print(
                "\(path): ok: \(policy.kinds.count) case kinds, \(policy.clocks.count) clocks, "
                    + "\(policy.calendars.count) calendars, \(policy.tiers.count) tiers")
            let warnings =
                try Self.horizonWarnings(policy, today: today).map(\.description)
                + (policy.delivery.contacts?.warnings ?? [])
            fflush(nil)  // the summary first, then the warnings (stderr is unbuffered)
            for warning in warnings { printError("\(path): warning: \(warning)") }
            if strict, !warnings.isEmpty { throw ExitStatus.refused }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print the clocks of a policy as a table.")

        @Argument(help: "The policy file (default: /etc/slad/policy.toml, else config/policy.toml).")
        var file: String?

        func run() throws {
            let policy = try loadPolicy(file ?? defaultPolicyPath())
            var rows: [[String]] = []
            for kind in policy.kinds.keys.sorted() {
                for clock in policy.clocks where clock.kinds.contains(kind) {
                    var escalation = policy.tiers[clock.escalateTo].id
                    if let every = clock.escalateEvery { escalation += ", then up every \(every)" }
                    var condition = ""
                    if let channels = clock.condition.channels {
                        condition = " (\(channels.sorted().joined(separator: ",")))"
                    }
                    if let below = clock.condition.amountBelow { condition = " (< \(Int(below)))" }
                    if let atLeast = clock.condition.amountAtLeast { condition = " (>= \(Int(atLeast)))" }
                    rows.append([
                        kind + condition, clock.name, clock.target.description, clock.calendar,
                        clock.startsOn.sorted().joined(separator: ","), clock.metBy.sorted().joined(separator: ","),
                        escalation,
                    ])
                }
            }
            print(
                TextTable.render(
                    header: ["KIND", "CLOCK", "TARGET", "CALENDAR", "STARTS ON", "SATISFIED BY", "ESCALATES TO"],
                    rows: rows))
            // A second table, only for the clocks that pause or restart: most do neither.
            let stopping = policy.clocks.filter {
                !($0.pausesOn.isEmpty && $0.resumesOn.isEmpty && $0.restartsOn.isEmpty)
            }
            guard !stopping.isEmpty else { return }
            func events(_ names: Set<String>) -> String { names.isEmpty ? "-" : names.sorted().joined(separator: ",") }
            print("")
            print(
                TextTable.render(
                    header: ["CLOCK", "PAUSES ON", "RESUMES ON", "RESTARTS ON (A NEW CYCLE)"],
                    rows: stopping.sorted { $0.name < $1.name }.map {
                        [$0.name, events($0.pausesOn), events($0.resumesOn), events($0.restartsOn)]
                    }))
        }
    }
}
