import Foundation
import SLAProcess

/// Runs an exec hook in a process group of its own, so that a hook that hangs is stopped with
/// everything it started (Foundation's `Process` waits for grandchildren that keep its pipes).
enum HookProcess {
    struct Outcome {
        var status: Int32?
        var timedOut: Bool
        var stderr: String
    }

    static func run(_ argv: [String], environment: [String: String], input: Data, timeout: Double) throws -> Outcome {
        let child = try ChildProcess.spawn(
            argv[0], arguments: argv, environment: environment, captureErrorOutput: true, ownProcessGroup: true)
        // The entry is small (well under a pipe's buffer): written whole at once.
        child.writeInputAndClose(Array(input))
        let errorOutput = child.errorOutput!
        _ = fcntl(errorOutput, F_SETFL, O_NONBLOCK)
        defer { close(errorOutput) }

        var said = Data()
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(errorOutput, &buffer, buffer.count)
                if count <= 0 { return }
                if said.count < 4096 { said.append(contentsOf: buffer[0..<count]) }
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            drain()
            if let ended = child.poll() {
                drain()
                return Outcome(
                    status: ended.shellStatus, timedOut: false, stderr: String(decoding: said, as: UTF8.self))
            }
            usleep(5_000)
        }
        kill(-child.pid, SIGTERM)
        let grace = Date().addingTimeInterval(1)
        while Date() < grace, child.poll() == nil { usleep(10_000) }
        kill(-child.pid, SIGKILL)
        _ = child.wait()
        return Outcome(status: nil, timedOut: true, stderr: String(decoding: said, as: UTF8.self))
    }
}
