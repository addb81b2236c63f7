import ArgumentParser
import Foundation
import SLACommandLine
import SLACore

extension PolicyCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "What differs between two policy files: tiers, kinds, clocks, calendars and days.",
            discussion: "Exit 0 either way; each difference on its own line (`--json` for a list).")

        @Argument(help: "The policy in force.") var old: String
        @Argument(help: "The policy to compare with it.") var new: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let diff = PolicyDiff(old: try loadPolicy(old), new: try loadPolicy(new))
            if json {
                let lines = diff.lines.map { ["section": $0.section, "subject": $0.subject, "change": $0.change] }
                let data = try JSONSerialization.data(withJSONObject: lines, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if diff.isEmpty { print("no difference that changes a deadline, a clock or a tier") }
            for line in diff.lines { print(line.description) }
        }
    }
}

extension PolicyCommand.Check {
    /// The holiday data horizons as of `today` (the machine's date in the stores' zone, or --today).
    static func horizonWarnings(_ policy: Policy, today text: String?) throws -> [HorizonWarning] {
        let today: CivilDate
        if let text {
            guard let date = CivilDate(iso: text) else {
                throw ValidationError("--today '\(text)' is not a date (YYYY-MM-DD)")
            }
            today = date
        } else {
            let now = Instant(millis: Int64(Date().timeIntervalSince1970 * 1000))
            guard let calendar = policy.storeCalendar else { return [] }
            today = calendar.date(of: now)
        }
        return policy.horizonWarnings(today: today)
    }
}
