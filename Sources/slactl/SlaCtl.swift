import ArgumentParser
import Foundation
import SLACommandLine
import SLACore

@main
struct SlaCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slactl",
        abstract: "Talk to slad, the SLA deadline scheduler, and check its policy.",
        discussion: "Exit codes: 0 ok, 1 refused by slad or invalid, 2 usage, 3 slad unreachable.",
        version: SLACoreVersion.string,
        // Every command, in the order `slactl --help` lists them: a new command is registered here.
        subcommands: [
            OpenCommand.self, EventCommand.self, ShowCommand.self, ListCommand.self, EscalationsCommand.self,
            AckCommand.self, ExportCommand.self, ReportCommand.self, HealthCommand.self, PolicyCommand.self,
            DeadlineCommand.self, CalendarCommand.self, SimulateCommand.self,
            HQCommand.self,
            // Accounts and access (issue 16).
            UserCommand.self,
        ]
    )

    static func main() {
        runExitingTwoOnUsage()
    }
}
