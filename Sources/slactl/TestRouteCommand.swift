import ArgumentParser
import Foundation
import SLACore
import SLADelivery

/// `slactl escalations test-route NAME`: sends a sample message through one route of the policy
/// and prints what the receiver answered (the robot's errcode and errmsg, sendmail's words).
struct TestRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-route",
        abstract: "Send a sample escalation through one delivery route and print the receiver's answer.",
        discussion: "Run it as the slad user (or root): the route's token and secret files must be readable.")

    @Argument(help: "The route's name in [[delivery.route]].") var name: String
    @Option(help: "The policy file (default: /etc/slad/policy.toml, else config/policy.toml).") var policy: String?

    func run() throws {
        let path = policy ?? defaultPolicyPath()
        let loaded = try loadPolicy(path)
        guard let route = loaded.delivery.routes.first(where: { $0.name == name }) else {
            let names = loaded.delivery.routes.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(
                Data("slactl: \(path) has no route '\(name)' (routes: \(names.isEmpty ? "none" : names))\n".utf8))
            throw ExitStatus.refused
        }
        let now = Instant(millis: Int64(Date().timeIntervalSince1970 * 1000))
        let outcome = try RouteTest.run(route, policy: loaded, now: now)
        print(outcome.answer)
        if let error = outcome.error {
            FileHandle.standardError.write(Data("slactl: route \(name): not delivered: \(error)\n".utf8))
            throw ExitStatus.refused
        }
        print("route \(name): delivered")
    }
}
