import Dispatch
import Foundation
import SLACore

/// `slactl escalations test-route NAME`: a sample breach sent through one route now, as admins
/// expect of a "send test notification" button, with what the receiver answered.
public enum RouteTest {
    /// The sample entry: a made-up case of the policy's first clock, 12 minutes overdue.
    public static func sample(for route: DeliveryRoute, policy: Policy, now: Instant) -> EntryFacts {
        let clock = policy.clocks.first
        let tier = policy.tiers.first { route.tiers.contains($0.id) }?.id ?? policy.tiers[0].id
        let deadline = now.adding(seconds: -12 * 60)
        return EntryFacts(
            entryID: 0,
            escalation: Escalation(
                caseID: "TEST-0001", clock: clock?.name ?? "test", cycle: 0, tier: tier, kind: .breach,
                dueAt: deadline, deadline: deadline),
            store: route.stores?.sorted().first ?? "TEST", caseKind: clock?.kinds.sorted().first ?? "test",
            writtenAt: now, category: policy.categories.first, channel: policy.channels.first)
    }

    /// Sends the sample and waits for the answer (a command-line tool may block).
    public static func run(_ route: DeliveryRoute, policy: Policy, now: Instant) throws -> SendOutcome {
        let facts = sample(for: route, policy: policy, now: now)
        let sender = RouteSender()
        let box = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let timeout = policy.delivery.timeoutMillis
        switch route.target {
        case .robot, .email:
            let renderer = try MessageRenderer(policy: policy, language: route.language, folder: route.templates)
            let plan = MessageComposer(
                route: route, renderer: renderer, consoleURL: policy.delivery.consoleURL,
                contacts: policy.delivery.contacts
            )
            .singles([facts])[0]
            let message = RenderedMessage(
                id: "\(route.name)/test-\(now.millis)", text: plan.text, html: plan.html, mentions: plan.mentions,
                recipients: plan.recipients, entryIDs: [0])
            sender.send(message, via: route, timeoutMillis: timeout, now: now) {
                box.value = $0
                done.signal()
            }
        case .webhook(let url, let headers):
            let body = Data(
                """
                {"id":0,"case_id":"TEST-0001","test":true,"store":"\(facts.store)","tier":"\(facts.escalation.tier)"}
                """.utf8)
            let all = [("X-Slad-Entry", "0")] + headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            sender.http.post(url, headers: all, body: body, timeoutMillis: timeout) { result in
                switch result {
                case .success(let (status, body)):
                    let said = "HTTP \(status) " + String(decoding: body.prefix(500), as: UTF8.self)
                    box.value = SendOutcome(
                        error: (200..<300).contains(status) ? nil : "HTTP \(status)", vendorCode: nil, answer: said)
                case .failure(let error):
                    box.value = SendOutcome(error: "\(error)", vendorCode: nil, answer: "\(error)")
                }
                done.signal()
            }
        case .exec(let argv):
            let body = Data(#"{"id":0,"case_id":"TEST-0001","test":true}"#.utf8)
            let outcome = try HookProcess.run(
                argv, environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "SLA_CASE": "TEST-0001", "SLA_ENTRY": "0"],
                input: body, timeout: Double(timeout) / 1000)
            let ok = !outcome.timedOut && outcome.status == 0
            let said = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return SendOutcome(
                error: ok ? nil : outcome.timedOut ? "timed out" : "exited with \(outcome.status ?? -1)",
                vendorCode: nil,
                answer: said.isEmpty ? "exit \(outcome.status ?? -1)" : said)
        }
        done.wait()
        return box.value!
    }
}

/// Unchecked: written once before the semaphore is signalled, read after the wait.
private final class OutcomeBox: @unchecked Sendable {
    var value: SendOutcome?
}
