import Dispatch
import Foundation
import SLAProcess

/// Runs an exec hook (or sendmail) in a process group of its own, so that a hook that hangs is
/// stopped with everything it started. The calling thread blocks in `read` and `waitpid` (no
/// polling); a Dispatch timer stops the group when the time is up.
enum HookProcess {
    struct Outcome {
        var status: Int32?
        var timedOut: Bool
        var stderr: String
    }

    static func run(_ argv: [String], environment: [String: String], input: Data, timeout: Double) throws -> Outcome {
        let child = try ChildProcess.spawn(
            argv[0], arguments: argv, environment: environment, captureErrorOutput: true, ownProcessGroup: true)
        let stopper = GroupStopper(pid: child.pid)
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { stopper.stop() }
        timer.activate()
        defer { timer.cancel() }

        // The input (an entry, or a mail of a few kB) is written whole; a child that stopped
        // reading ends the write early, and one that hangs is stopped by the timer.
        child.writeInputAndClose(Array(input))
        let errorOutput = child.errorOutput!
        var said = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {  // until every process of the group closed its stderr
            let count = read(errorOutput, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            if said.count < 4096 { said.append(contentsOf: buffer[0..<count]) }
        }
        close(errorOutput)
        let ended = child.wait()
        stopper.exited()
        let timedOut = stopper.didStop
        return Outcome(
            status: timedOut ? nil : ended.shellStatus, timedOut: timedOut,
            stderr: String(decoding: said, as: UTF8.self))
    }
}

/// Stops a hook's process group: SIGTERM, then SIGKILL a second later if it is still there.
///
/// Unchecked: both flags are behind `lock`.
private final class GroupStopper: @unchecked Sendable {
    private let pid: pid_t
    private let lock = NSLock()
    private var stopped = false
    private var ended = false

    init(pid: pid_t) { self.pid = pid }

    var didStop: Bool { lock.withLock { stopped } }

    func exited() { lock.withLock { ended = true } }

    func stop() {
        let alive = lock.withLock {
            stopped = !ended
            return !ended
        }
        guard alive else { return }
        kill(-pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in
            // Only while the leader is not reaped: until then its group id cannot be reused.
            if !lock.withLock({ ended }) { kill(-pid, SIGKILL) }
        }
    }
}
