import Foundation
import SLACore
import SLAStore

/// A fresh state directory, the fast test policy (2 s target, tiers a second apart) and a fixed
/// instant to write at: what the store's own tests need (the service's are in SLASchedulerTests).
struct Fixture {
    static let policy: Policy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("shell/fixtures/fast.toml").path
        return try! PolicyLoader.load(text: String(contentsOfFile: path, encoding: .utf8), file: path)
    }()

    /// Always the same instant: nothing here depends on today's date.
    struct FixedClock {
        let instant: Instant
        func now() -> Instant { instant }
    }

    let directory = NSTemporaryDirectory() + "slad-test-" + UUID().uuidString
    let clock = FixedClock(instant: ISO8601.parse("2026-11-24T10:00:00Z")!)
}
