import Foundation

/// A benchmark failed to run (not a missed target): slabench exits non-zero.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Wall-clock and monotonic time in the units the scenarios use.
enum Time {
    /// Milliseconds since the epoch, with the fraction (what slad's `Instant` floors).
    static func wallMillis() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
    }

    /// Seconds on the monotonic clock.
    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
    }

    static func sleep(until wallMillis: Double) {
        let left = wallMillis - Time.wallMillis()
        if left > 0 { usleep(useconds_t(min(left * 1000, Double(UInt32.max / 2)))) }
    }

    static func sleep(seconds: Double) {
        if seconds > 0 { usleep(useconds_t(seconds * 1_000_000)) }
    }

    /// CPU seconds (user + system) this process has used so far.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}

/// A temporary folder for one slad: its state dir, socket, log and notify socket.
final class Workspace {
    let path: String

    init(_ name: String) throws {
        var template = Array("/tmp/slabench-\(name)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("mkdtemp: \(String(cString: strerror(errno)))") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    var database: String { file("slad.sqlite") }

    /// Removes the folder, unless `SLABENCH_KEEP` is set (to look at slad's log and store after a run).
    func remove() {
        guard ProcessInfo.processInfo.environment["SLABENCH_KEEP"] == nil else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The real slad binary, started as a child on a workspace, with `NOTIFY_SOCKET` pointing at a
/// datagram socket of ours so that we see `READY=1` as systemd would.
final class Daemon {
    let workspace: Workspace
    let socketPath: String
    let logPath: String
    let pid: pid_t
    /// Seconds from spawn to `READY=1`.
    private(set) var readySeconds = 0.0
    private let notifyFD: Int32
    private let spawnedAt: Double
    private var stopped = false
    private let readerStopping = Flag()
    private let readerDone = DispatchSemaphore(value: 0)
    private var readerRunning = false

    /// Starts slad and waits for `READY=1` (up to `timeout` seconds).
    init(binary: String, workspace: Workspace, policy: String, extra: [String] = [], timeout: Double = 300) throws {
        self.workspace = workspace
        socketPath = workspace.file("slad.sock")
        logPath = workspace.file("slad.log")
        let notifyPath = workspace.file("notify.sock")
        unlink(notifyPath)
        notifyFD = try Self.bindDatagram(notifyPath)

        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifyPath
        environment.removeValue(forKey: "LISTEN_FDS")
        environment.removeValue(forKey: "LISTEN_PID")
        environment.removeValue(forKey: "WATCHDOG_USEC")
        let arguments =
            [
                binary, "--policy", policy, "--state-dir", workspace.path, "--socket", socketPath,
                "--log-target", "stderr", "--log-level", "warning",
            ] + extra
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard logFD >= 0 else { throw BenchError("cannot open \(logPath)") }
        defer { close(logFD) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        spawnedAt = Time.monotonic()
        let result = posix_spawn(&child, binary, &actions, nil, argv, envp)
        guard result == 0 else {
            close(notifyFD)
            throw BenchError("cannot start \(binary): \(String(cString: strerror(result)))")
        }
        pid = child
        do {
            try waitReady(timeout: timeout)
        } catch {
            stop()
            throw error
        }
        startNotifyReader()
    }

    /// Keeps reading slad's notify messages after `READY=1`, as systemd does: slad sends `STATUS=`
    /// from its scheduler queue, and a datagram socket nobody reads would block it there.
    private func startNotifyReader() {
        readerRunning = true
        let thread = Thread { [notifyFD, readerStopping, readerDone] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if readerStopping.isSet { break }
                var poller = pollfd(fd: notifyFD, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 100) > 0 { _ = recv(notifyFD, &buffer, buffer.count, 0) }
            }
            readerDone.signal()
        }
        thread.start()
    }

    deinit {
        stop()
    }

    private static func bindDatagram(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw BenchError("bind \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Reads notify datagrams until one says `READY=1`; fails if slad exits first.
    private func waitReady(timeout: Double) throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                close(notifyFD)
                throw BenchError("slad exited during start (status \(status)); its log:\n\(logTail())")
            }
            if Time.monotonic() - spawnedAt > timeout {
                throw BenchError("slad sent no READY=1 within \(Int(timeout)) s; its log:\n\(logTail())")
            }
            var poller = pollfd(fd: notifyFD, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let count = recv(notifyFD, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            if message.split(separator: "\n").contains("READY=1") {
                readySeconds = Time.monotonic() - spawnedAt
                return
            }
        }
    }

    /// The last lines of slad's stderr, for error messages.
    func logTail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A field of /proc/PID/status, in kB (VmRSS, VmHWM).
    func memoryKB(_ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// CPU seconds (user + system, all threads) slad has used so far.
    func cpuSeconds() -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3 of stat, utime 14, stime 15 (1-based).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A new connection to slad's API.
    func connection() -> HTTPConnection { HTTPConnection(socketPath: socketPath) }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns once slad has exited.
    func stop(grace: Double = 60) {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        let began = Time.monotonic()
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Time.monotonic() - began > grace {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        if readerRunning {
            readerStopping.set()
            readerDone.wait()
        }
        close(notifyFD)
    }
}

/// Runs a command to its end (posix_spawn: Foundation's `Process` adds tens of milliseconds per
/// start here, more than the commands being timed); returns its exit status, wall seconds and
/// standard output (sent to /dev/null when `capture` is false).
func runCommand(_ arguments: [String], capture: Bool = true) throws -> (status: Int32, seconds: Double, output: String)
{
    var pipeFDs: [Int32] = [-1, -1]
    if capture { guard pipe(&pipeFDs) == 0 else { throw BenchError("pipe: \(String(cString: strerror(errno)))") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture {
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var child: pid_t = 0
    let began = Time.monotonic()
    let result = posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
    if capture { close(pipeFDs[1]) }
    guard result == 0 else {
        if capture { close(pipeFDs[0]) }
        throw BenchError("cannot run \(arguments[0]): \(String(cString: strerror(result)))")
    }
    var output: [UInt8] = []
    if capture {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(pipeFDs[0], &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(pipeFDs[0])
    }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0, errno == EINTR {}
    let seconds = Time.monotonic() - began
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, seconds, String(decoding: output, as: UTF8.self))
}

/// A flag set once, read from other threads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    func set() { lock.withLock { value = true } }
}
