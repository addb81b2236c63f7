import ArgumentParser
import Foundation
import SLACore
import SLAPolicyFile

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

    /// Usage errors exit 2 (not ArgumentParser's 64), so scripts can tell them from refusals.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes scripts can trust.
enum ExitStatus {
    static let refused = ExitCode(1)
    static let usage = ExitCode(2)
    static let unreachable = ExitCode(3)
}

/// The default policy: the installed one when it exists, else the repository's.
func defaultPolicyPath() -> String {
    FileManager.default.fileExists(atPath: "/etc/slad/policy.toml") ? "/etc/slad/policy.toml" : "config/policy.toml"
}

/// Reads and validates a policy file; prints every error as `file:line: key: message`.
func loadPolicy(_ path: String) throws -> Policy {
    do {
        return try PolicyFile.load(path, childArguments: ["policy", "parse-stdin"])
    } catch let error as PolicyErrors {
        printError(error.description)
    } catch let error as PolicyFile.ParserCrashed {
        printError(error.description)
    } catch let error as PolicyFile.Unreadable {
        printError(error.description)
    } catch {
        printError("\(path): cannot read: \(error.localizedDescription)")
    }
    throw ExitStatus.refused
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
