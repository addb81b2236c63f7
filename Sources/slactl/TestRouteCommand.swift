import ArgumentParser
import SLACommandLine

/// `slactl escalations test-route NAME`: sends a sample message through one route of the policy
/// and prints what the receiver answered. slad's own senders do it (`slad test-route`), so that
/// slactl does not carry them.
struct TestRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-route",
        abstract: TestRouteHelp.abstract, discussion: TestRouteHelp.discussion)

    @Argument(help: TestRouteHelp.route) var name: String
    @Option(help: TestRouteHelp.policy) var policy: String?

    func run() throws {
        try Sibling.exec("slad", ["test-route", "--", name, policy ?? defaultPolicyPath()])
    }
}
