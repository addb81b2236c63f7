import ArgumentParser
import Foundation

/// Exit codes scripts can trust, the same from `slactl` and the programs it runs for it.
public enum ExitStatus {
    public static let refused = ExitCode(1)
    public static let usage = ExitCode(2)
    public static let unreachable = ExitCode(3)
}

/// One line on standard error.
public func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes a body to `output` (replaced whole, never half-written), or to standard output.
public func emit(_ data: Data, to output: String?) throws {
    guard let output else {
        FileHandle.standardOutput.write(data)
        return
    }
    do {
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        printError("slactl: cannot write \(output): \(error.localizedDescription)")
        throw ExitStatus.refused
    }
}

extension ParsableCommand {
    /// Parses and runs the command line; usage errors exit 2 (not ArgumentParser's 64), so
    /// scripts can tell them from refusals. A program's `main` calls it.
    public static func runExitingTwoOnUsage() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Runs a command that another program ran for its own command line (`slactl report --hq` runs
/// `slactl-hq report`): a usage error is said without this program's usage line, which would
/// name a command people never type, and exits 2.
public func reportingUsageErrorsPlainly(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        printError("Error: \(error.message)")
        throw ExitStatus.usage
    }
}
