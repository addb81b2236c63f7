import ArgumentParser
import Foundation
import SLACommandLine
import SLACore

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "What would a policy change have done? Replays recorded cases under the old and the new policy.",
        discussion: """
            The cases opened in the period (from a `slactl export` file, or read from slad through its API) run \
            through the engine under both policies, to the end of the period (or now). Prints, per kind and \
            clock, met and breached before and after; breach entries per tier before and after; and each case \
            whose outcome changes. Nothing is written anywhere.
            Example: slactl simulate --policy new.toml --from 2026-10-01 --to 2026-11-01
            """)

    @Option(help: "The new policy file.") var policy: String
    @Option(help: "The policy in force (default: /etc/slad/policy.toml, else config/policy.toml).") var old: String?
    @Option(help: "A file written by `slactl export` (else the cases are read from slad).") var export: String?
    @Option(help: "First day of the period (YYYY-MM-DD, the stores' zone; default: 30 days ago).") var from: String?
    @Option(help: "Day after the period (YYYY-MM-DD; default: now).") var to: String?
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let oldPolicy = try loadPolicy(old ?? defaultPolicyPath())
        let newPolicy = try loadPolicy(policy)
        let calendar = oldPolicy.storeCalendar ?? BusinessCalendar.alwaysOpen(zone: TimeZone(identifier: "UTC")!)
        let now = Instant(millis: Int64(Date().timeIntervalSince1970 * 1000))
        func instant(_ text: String?, _ option: String) throws -> Instant? {
            guard let text else { return nil }
            guard let date = CivilDate(iso: text) else {
                throw ValidationError("--\(option) '\(text)' is not YYYY-MM-DD")
            }
            return calendar.instant(date, 0)
        }
        let end = try instant(to, "to") ?? now
        let start = try instant(from, "from") ?? calendar.instant(calendar.date(of: end).adding(days: -30), 0)
        let data: Data
        if let export {
            guard let read = FileManager.default.contents(atPath: export) else {
                printError("cannot read \(export)")
                throw ExitStatus.refused
            }
            data = read
        } else {
            let format = { (instant: Instant) in ISO8601.format(instant, offsetSeconds: calendar.offset(at: instant)) }
            data = try connection.fetch("/v1/export" + query(["from": format(start), "to": format(end)]))
        }
        var cases: [RecordedCase] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do {
                let recorded = try RecordedCase.fromExportLine(Array(line), line: index + 1)
                // An export file may hold more than the period: keep the cases opened in it.
                if recorded.opening.openedAt >= start, recorded.opening.openedAt < end { cases.append(recorded) }
            } catch {
                printError("\(export ?? "slad's export"): \(error.location ?? ""): \(error.message)")
                throw ExitStatus.refused
            }
        }
        let simulation = Simulation(cases: cases, old: oldPolicy, new: newPolicy, until: min(end, now))
        connection.json
            ? try printJSON(simulation)
            : printText(simulation, from: calendar.date(of: start), to: calendar.date(of: end))
    }

    func printText(_ simulation: Simulation, from: CivilDate, to: CivilDate) {
        print(
            "\(simulation.cases) cases opened \(from) to \(to) (exclusive), replayed under \(old ?? defaultPolicyPath()) (before) and \(policy) (after)"
        )
        print("")
        func counts(_ value: Simulation.Counts) -> [String] { ["\(value.met)", "\(value.breached)", "\(value.open)"] }
        print(
            TextTable.render(
                header: ["KIND", "CLOCK", "MET", "BREACHED", "OPEN", "MET AFTER", "BREACHED AFTER", "OPEN AFTER"],
                rows: simulation.rows.map { [$0.kind, $0.clock] + counts($0.before) + counts($0.after) }))
        print("")
        print(
            TextTable.render(
                header: ["TIER", "BREACH ENTRIES", "AFTER"],
                rows: simulation.escalations.map { [$0.tier, "\($0.before)", "\($0.after)"] }))
        print("")
        if simulation.changes.isEmpty {
            print("no case's outcome changes")
        } else {
            print(
                TextTable.render(
                    header: ["CASE", "CLOCK", "BEFORE", "AFTER"],
                    rows: simulation.changes.map { [$0.caseID, $0.clock, $0.before, $0.after] }))
        }
        for skipped in simulation.notReplayed {
            printError("\(skipped.caseID): not replayed under the \(skipped.policy) policy: \(skipped.reason)")
        }
    }

    func printJSON(_ simulation: Simulation) throws {
        func counts(_ value: Simulation.Counts) -> [String: Int] {
            ["met": value.met, "breached": value.breached, "open": value.open]
        }
        let object: [String: Any] = [
            "cases": simulation.cases,
            "clocks": simulation.rows.map {
                ["kind": $0.kind, "clock": $0.clock, "before": counts($0.before), "after": counts($0.after)]
                    as [String: Any]
            },
            "escalations": simulation.escalations.map {
                ["tier": $0.tier, "before": $0.before, "after": $0.after] as [String: Any]
            },
            "changes": simulation.changes.map {
                ["case": $0.caseID, "clock": $0.clock, "before": $0.before, "after": $0.after]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
