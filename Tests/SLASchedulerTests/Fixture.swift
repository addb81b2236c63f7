import Foundation
import Logging
import SLACore
import SLAScheduler
import SLAStore
import Testing

/// A wall clock the test moves by hand: days of deadlines pass in microseconds.
final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant

    init(_ start: Instant) { current = start }

    func now() -> Instant { lock.withLock { current } }

    func advance(seconds: Double) {
        lock.withLock { current = current.adding(millis: Int64(seconds * 1000)) }
    }
}

/// A service on a fresh state directory with the fast test policy (2 s target, tiers a second apart).
struct Fixture {
    static let policy: Policy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("shell/fixtures/fast.toml").path
        return try! PolicyLoader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path)
    }()

    let directory: String
    let clock: ManualClock

    init() {
        directory = NSTemporaryDirectory() + "slad-test-" + UUID().uuidString
        clock = ManualClock(ISO8601.parse("2026-11-24T10:00:00Z")!)
    }

    func service() throws -> SLAService {
        try service(logger: Self.quiet)
    }

    func service(logger: Logger) throws -> SLAService {
        SLAService(policy: Self.policy, store: try Store(directory: directory), clock: clock, logger: logger)
    }

    /// A logger that says only what is critical.
    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    func entries(_ store: Store) throws -> [QueueEntry] {
        try store.entries(EntryFilter(limit: 10_000))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// Keeps what is logged, by level, for a test to read.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    func logger() -> Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    func lines(_ level: Logger.Level) -> [String] {
        lock.withLock { entries.filter { $0.0 == level }.map(\.1) }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) {
        lock.withLock { entries.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append(event.level, "\(event.message)")
        }
    }
}
