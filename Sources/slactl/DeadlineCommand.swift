import ArgumentParser
import Foundation
import SLACommandLine
import SLACore

struct DeadlineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadline",
        abstract: "Compute when a clock falls due, on a calendar of the policy.",
        discussion: """
            Either --calendar and --target, or --kind and --clock (the clock's own target and calendar).
            Example: slactl deadline --calendar store --target 15m --start 2026-11-24T21:50:00+08:00
            """)

    @Option(help: "A calendar of the policy (store, office, always...).") var calendar: String?
    @Option(help: "A target: 15m, 3h, 3d, 3wd.") var target: String?
    @Option(help: "A case kind of the policy.") var kind: String?
    @Option(help: "A clock of that kind.") var clock: String?
    @Option(help: "When the clock starts, ISO 8601 with an offset.") var start: String
    @Option(help: "The policy file.") var policy: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if (calendar == nil || target == nil) && (kind == nil || clock == nil) {
            throw ValidationError("give --calendar and --target, or --kind and --clock")
        }
    }

    func run() throws {
        let policy = try loadPolicy(self.policy ?? defaultPolicyPath())
        guard let startInstant = ISO8601.parse(start) else {
            throw ValidationError("--start '\(start)' is not ISO 8601 with an offset, e.g. 2026-11-24T09:00:00+08:00")
        }
        let (calendarName, parsedTarget) = try resolve(policy)
        guard let calendar = policy.calendars[calendarName] else {
            throw ValidationError(
                "unknown calendar '\(calendarName)' (known: \(policy.calendars.keys.sorted().joined(separator: ", ")))")
        }
        guard let due = calendar.deadline(from: startInstant, target: parsedTarget) else {
            printError("calendar '\(calendarName)' is not open in the next ten years")
            throw ExitStatus.refused
        }
        let dueText = ISO8601.format(due, offsetSeconds: calendar.offset(at: due))
        let startText = ISO8601.format(startInstant, offsetSeconds: calendar.offset(at: startInstant))
        let provisional = calendar.provisionalReason(from: startInstant, to: due)
        if json {
            var object: [String: Any] = [
                "start": startText, "due": dueText, "calendar": calendarName, "target": parsedTarget.description,
                "open_seconds": calendar.openMillis(from: startInstant, to: due) / 1000,
            ]
            if let provisional { object["provisional"] = true; object["provisional_reason"] = provisional }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else if let provisional {
            print("\(dueText) (provisional)")
            printError("provisional: \(provisional)")
        } else {
            print(dueText)
        }
    }

    private func resolve(_ policy: Policy) throws -> (String, Target) {
        if let calendar, let target {
            guard let parsed = Target(target) else {
                throw ValidationError("bad duration '\(target)': write a whole number and m, h, d or wd, such as 15m")
            }
            return (calendar, parsed)
        }
        guard let definition = policy.clock(named: clock!), definition.kinds.contains(kind!) else {
            let names = policy.clocks.filter { $0.kinds.contains(kind!) }.map(\.name)
            throw ValidationError(
                "kind '\(kind!)' has no clock '\(clock!)' (its clocks: \(names.joined(separator: ", ")))")
        }
        return (definition.calendar, definition.target)
    }
}
