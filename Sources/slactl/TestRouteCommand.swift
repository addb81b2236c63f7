import ArgumentParser
import SLACommandLine

/// `slactl escalations test-route NAME`: sends a sample message through one route of the policy
/// and prints what the receiver answered. slad's own senders do it (`slad test-route`), so that
/// slactl does not carry them.
struct TestRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-route",
        abstract: "Send a sample escalation through one delivery route and print the receiver's answer.",
        discussion: "Run it as the slad user (or root): the route's token and secret files must be readable.")

    @Argument(help: "The route's name in [[delivery.route]].") var name: String
    @Option(help: "The policy file (default: /etc/slad/policy.toml, else config/policy.toml).") var policy: String?

    func run() throws {
        try Sibling.exec("slad", ["test-route", "--", name, policy ?? defaultPolicyPath()])
    }
}
