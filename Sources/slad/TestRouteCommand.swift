import ArgumentParser
import Foundation
import SLACommandLine
import SLACore
import SLADelivery

/// `slad test-route NAME` (also `slactl escalations test-route NAME`): sends a sample message
/// through one route of the policy with the daemon's own senders, and prints what the receiver
/// answered (the robot's errcode and errmsg, sendmail's words).
struct TestRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-route",
        abstract: TestRouteHelp.abstract, discussion: TestRouteHelp.discussion)

    @Argument(help: TestRouteHelp.route) var name: String
    // Not `--policy`: slad's own option of that name would take it.
    @Argument(help: TestRouteHelp.policy) var policy: String?

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let path = policy ?? defaultPolicyPath()
        let loaded = try loadPolicy(path, childArguments: ["--check-policy-stdin"])
        guard let route = loaded.delivery.routes.first(where: { $0.name == name }) else {
            let names = loaded.delivery.routes.map(\.name).joined(separator: ", ")
            printError("slactl: \(path) has no route '\(name)' (routes: \(names.isEmpty ? "none" : names))")
            throw ExitStatus.refused
        }
        let now = Instant(millis: Int64(Date().timeIntervalSince1970 * 1000))
        let outcome = try RouteTest.run(route, policy: loaded, now: now)
        print(outcome.answer)
        if let error = outcome.error {
            printError("slactl: route \(name): not delivered: \(error)")
            throw ExitStatus.refused
        }
        print("route \(name): delivered")
    }
}
