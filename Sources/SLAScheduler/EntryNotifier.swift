import Foundation

/// Wakes `slactl escalations --follow` long-polls when new queue entries are written.
///
/// Unchecked: every field is behind `lock`.
public final class EntryNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private var lastID: Int64 = 0
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var subscribers: [@Sendable () -> Void] = []

    public init() {}

    /// Calls `body` (on the scheduler's queue: keep it short) whenever entries are written.
    public func subscribe(_ body: @escaping @Sendable () -> Void) {
        lock.withLock { subscribers.append(body) }
    }

    func published(upTo id: Int64) {
        lock.lock()
        lastID = max(lastID, id)
        let woken = waiters
        waiters.removeAll()
        let callbacks = subscribers
        lock.unlock()
        for continuation in woken.values { continuation.resume() }
        for callback in callbacks { callback() }
    }

    /// The newest entry id published since start (0 before the first).
    public var lastPublishedID: Int64 { lock.withLock { lastID } }

    /// Returns when an entry with an id above `afterID` exists, or after `timeout` seconds.
    public func wait(after afterID: Int64, timeout: Double) async {
        let key = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if lastID > afterID {
                lock.unlock()
                continuation.resume()
                return
            }
            waiters[key] = continuation
            lock.unlock()
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
                self?.resume(key)
            }
        }
    }

    private func resume(_ key: UUID) {
        lock.lock()
        let continuation = waiters.removeValue(forKey: key)
        lock.unlock()
        continuation?.resume()
    }
}
