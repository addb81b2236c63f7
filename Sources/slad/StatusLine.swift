import Foundation
import SLAAPI
import SLACore
import SLAScheduler
import SLASystemd

/// `systemctl status slad`: "42 open cases, 97 clocks running, next due 14:32 (C-1042 first-response)".
enum StatusLine {
    static func render(
        _ status: ServiceStatus, pending: Int?, policy: Policy, replication: ReplicationView? = nil
    ) -> String {
        var line = "\(status.activeCases) open cases, \(status.runningClocks) clocks running"
        if let due = status.nextDue, let caseID = status.nextCase, let clock = status.nextClock {
            // In the stores' own zone, as staff read their clocks.
            let offset = policy.storeCalendar?.offset(at: due) ?? 0
            line += ", next due \(ISO8601.format(due, offsetSeconds: offset)) (\(caseID) \(clock))"
        }
        if let pending { line += ", \(pending) entries pending" }
        if status.orphanedCases > 0 { line += "; \(status.orphanedCases) cases frozen: the policy lacks what they use" }
        for (calendar, count) in status.provisionalCases.sorted(by: { $0.key < $1.key }) {
            line += "; \(count) cases PROVISIONAL: calendar \(calendar) lacks holiday data"
        }
        if let failure = status.lastFailure {
            line += status.storeFailed ? "; STORE FAILED: \(failure)" : "; STORE FAILING: \(failure)"
        }
        if let replication { line += "; " + ReplicationReport.statusText(replication) }
        return line
    }
}

/// Sends systemd the status line when it changes. The line's count reads the store: that happens
/// on this queue, not the scheduler's, which only hands over its snapshot (counting a million
/// cases there once a second held every deadline up for about 100 ms).
///
/// Unchecked: `last` is touched only on `queue`, which the compiler cannot see.
final class StatusPublisher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "slad.status", qos: .utility)
    private var last = ""  // owned by `queue`

    func publish(_ render: @escaping @Sendable () -> String) {
        queue.async {
            let line = render()
            guard line != self.last else { return }
            SystemdNotify.status(line)
            self.last = line
        }
    }
}
