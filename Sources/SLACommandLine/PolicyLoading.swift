import ArgumentParser
import Foundation
import SLACore
import SLAPolicyFile

/// The default policy: the installed one when it exists, else the repository's.
public func defaultPolicyPath() -> String {
    FileManager.default.fileExists(atPath: "/etc/slad/policy.toml") ? "/etc/slad/policy.toml" : "config/policy.toml"
}

/// Reads and validates a policy file; prints every error as `file:line: key: message`. The TOML
/// parse runs in a child of this program, with `childArguments`: by default `policy parse-stdin`
/// (`PolicyParseChild`).
public func loadPolicy(_ path: String, childArguments: [String] = ["policy", "parse-stdin"]) throws -> Policy {
    do {
        return try PolicyFile.load(path, childArguments: childArguments)
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

/// `policy parse-stdin`: the isolated parse of `loadPolicy` (see SLAPolicyFile), not for people.
/// Every program that calls `loadPolicy` lists it under a `policy` command.
public struct PolicyParseChild: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "parse-stdin", shouldDisplay: false)

    public init() {}

    public func run() throws {
        throw ExitCode(PolicyFile.runChild())
    }
}

/// `test-route`'s words, the same from `slactl escalations test-route` and `slad test-route`.
public enum TestRouteHelp {
    public static let abstract = "Send a sample escalation through one delivery route and print the receiver's answer."
    public static let discussion =
        "Run it as the slad user (or root): the route's token and secret files must be readable."
    public static let route: ArgumentHelp = "The route's name in [[delivery.route]]."
    public static let policy: ArgumentHelp =
        "The policy file (default: /etc/slad/policy.toml, else config/policy.toml)."
}
