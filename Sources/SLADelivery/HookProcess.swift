import Foundation

/// Runs an exec hook in a process group of its own, so that a hook that hangs is stopped with
/// everything it started (Foundation's `Process` waits for grandchildren that keep its pipes).
enum HookProcess {
    struct Outcome {
        var status: Int32?
        var timedOut: Bool
        var stderr: String
    }

    /// A hook that exits without reading its stdin must cost an EPIPE, not the process (SIGPIPE).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func run(_ argv: [String], environment: [String: String], input: Data, timeout: Double) throws -> Outcome {
        _ = ignoreBrokenPipes
        var stdinPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stderrPipe) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        for fd in stdinPipe + stderrPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, variables)
        close(stdinPipe[0])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stderrPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO)
        }
        // The entry is small (well under a pipe's buffer): write it whole, then close stdin.
        input.withUnsafeBytes { _ = write(stdinPipe[1], $0.baseAddress, $0.count) }
        close(stdinPipe[1])
        _ = fcntl(stderrPipe[0], F_SETFL, O_NONBLOCK)
        defer { close(stderrPipe[0]) }

        var said = Data()
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(stderrPipe[0], &buffer, buffer.count)
                if count <= 0 { return }
                if said.count < 4096 { said.append(contentsOf: buffer[0..<count]) }
            }
        }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            drain()
            if waitpid(pid, &status, WNOHANG) == pid {
                drain()
                return Outcome(status: exitCode(status), timedOut: false, stderr: String(decoding: said, as: UTF8.self))
            }
            usleep(5_000)
        }
        kill(-pid, SIGTERM)
        let grace = Date().addingTimeInterval(1)
        while Date() < grace, waitpid(pid, &status, WNOHANG) != pid { usleep(10_000) }
        kill(-pid, SIGKILL)
        waitpid(pid, &status, 0)
        return Outcome(status: nil, timedOut: true, stderr: String(decoding: said, as: UTF8.self))
    }

    /// The exit code, or 128 + the signal that ended it (as shells report it).
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
