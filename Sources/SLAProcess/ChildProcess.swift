import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`: its stdin is a pipe the
/// parent writes, its stderr optionally a pipe the parent reads, its stdout /dev/null.
///
/// Written by hand, not with Foundation's `Process`: on Linux that waits for its children through
/// CoreFoundation's run-loop machinery (a CFSocket wakeup pair and a run loop on the waiting
/// thread), which slad.service's sandbox breaks, and `systemctl reload` then waited for ever for a
/// child that had long exited.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    /// The write end of the child's stdin; closed by `closeInput`.
    public let input: Int32
    /// The read end of the child's stderr, when it was asked for.
    public let errorOutput: Int32?

    /// How a child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)

        /// The exit code, or 128 + the signal (as shells report it).
        public var shellStatus: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
    }

    /// A child that closes its stdin early costs the writer an EPIPE, not its life (SIGPIPE).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A pipe and its close-on-exec flag are two steps (Glibc's module has no `pipe2`): spawns go
    /// one at a time, so that no child started by another thread inherits this one's pipe ends.
    private static let spawning = Mutex(())

    /// Starts `path` with `arguments` (argv[0] included) and exactly `environment`.
    public static func spawn(
        _ path: String, arguments: [String], environment: [String: String], captureErrorOutput: Bool,
        ownProcessGroup: Bool
    ) throws(SpawnError) -> ChildProcess {
        try spawning.withLock { _ throws(SpawnError) in
            try spawnAlone(
                path, arguments: arguments, environment: environment, captureErrorOutput: captureErrorOutput,
                ownProcessGroup: ownProcessGroup)
        }
    }

    private static func spawnAlone(
        _ path: String, arguments: [String], environment: [String: String], captureErrorOutput: Bool,
        ownProcessGroup: Bool
    ) throws(SpawnError) -> ChildProcess {
        _ = ignoreBrokenPipes
        var stdinPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0 else { throw SpawnError(path: path, code: errno) }
        if captureErrorOutput, pipe(&stderrPipe) != 0 {
            let code = errno
            stdinPipe.forEach { _ = close($0) }
            throw SpawnError(path: path, code: code)
        }
        // The parent's ends must not leak into later children.
        for fd in [stdinPipe[1], stderrPipe[0]] where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        if captureErrorOutput {
            posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        for fd in stdinPipe + stderrPipe where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A child starts with no signal blocked and the usual actions for those slad ignores or
        // blocks itself (SIGPIPE, SIGHUP, SIGTERM, SIGINT): a hook stopped with SIGTERM stops.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGPIPE, SIGHUP, SIGTERM, SIGINT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        _ = close(stdinPipe[0])
        if stderrPipe[1] >= 0 { _ = close(stderrPipe[1]) }
        guard spawned == 0 else {
            _ = close(stdinPipe[1])
            if stderrPipe[0] >= 0 { _ = close(stderrPipe[0]) }
            throw SpawnError(path: path, code: spawned)
        }
        return ChildProcess(pid: pid, input: stdinPipe[1], errorOutput: captureErrorOutput ? stderrPipe[0] : nil)
    }

    /// Writes all of `bytes` to the child's stdin (blocking while the pipe is full), then closes
    /// it. A child that stopped reading ends the write early.
    public func writeInputAndClose(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        _ = close(input)
    }

    /// Waits for the child to end.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .exited(-1) }
        }
        return Self.termination(status)
    }

    /// Waits up to `seconds` for the child to end; then kills it (SIGKILL) and says nil.
    public func wait(seconds: Double) -> Termination? {
        var waited = 0.0
        while waited < seconds {
            if let ended = poll() { return ended }
            usleep(5_000)
            waited += 0.005
        }
        kill(pid, SIGKILL)
        _ = wait()
        return nil
    }

    /// Nil while the child runs.
    public func poll() -> Termination? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? Self.termination(status) : nil
    }

    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

/// posix_spawn or pipe failed: the errno and the program.
public struct SpawnError: Error, CustomStringConvertible {
    public let path: String
    public let code: Int32

    public var description: String { String(cString: strerror(code)) }
}
