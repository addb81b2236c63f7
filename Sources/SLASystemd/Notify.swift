import CSystemd
import Foundation

/// sd_notify: tells systemd when slad is ready, what it is doing, and that it is alive.
/// Without `$NOTIFY_SOCKET` (run by hand) every call is a no-op, as sd_notify itself makes it.
public enum SystemdNotify {
    /// Sends `KEY=value` lines. Returns false when systemd is not listening.
    @discardableResult
    public static func send(_ fields: [String]) -> Bool {
        sd_notify(0, fields.joined(separator: "\n")) > 0
    }

    public static func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    public static func status(_ text: String) {
        send(["STATUS=\(text)"])
    }

    /// `RELOADING=1` with the monotonic time, as `Type=notify-reload` expects; `READY=1` follows.
    public static func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send(["RELOADING=1", "MONOTONIC_USEC=\(micros)"])
    }

    public static func stopping() {
        send(["STOPPING=1"])
    }

    public static func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// Asks for more start-up time while a long recovery runs.
    public static func extendTimeout(seconds: Double) {
        send(["EXTEND_TIMEOUT_USEC=\(UInt64(seconds * 1_000_000))"])
    }

    public static func failed(errno code: Int32, status: String) {
        send(["ERRNO=\(code)", "STATUS=\(status)"])
    }

    /// The watchdog interval systemd asked for (`WatchdogSec=`), or nil when it asked for none.
    public static func watchdogInterval() -> Double? {
        var micros: UInt64 = 0
        guard sd_watchdog_enabled(0, &micros) > 0, micros > 0 else { return nil }
        return Double(micros) / 1_000_000
    }

    /// Listening sockets passed by socket activation (`sd_listen_fds`), from fd 3 on.
    public static func listenFDs() -> [Int32] {
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        return (0..<count).map { SD_LISTEN_FDS_START + $0 }
    }
}
