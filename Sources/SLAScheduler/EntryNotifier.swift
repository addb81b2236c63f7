import Foundation
import Synchronization

/// Tells who waits for new queue entries that some were written: `slactl escalations --follow`
/// long-polls at once, after every commit; subscribers (delivery) once the scheduler has written
/// all that fell due. A burst is committed in slices, and each push of delivery is a write that
/// would wait for the store's writer between them.
public final class EntryNotifier: Sendable {
    private struct State {
        var lastID: Int64 = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        var subscribers: [@Sendable () -> Void] = []
        /// Entries were published since the subscribers were last called.
        var subscribersOwed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Calls `body` (on the scheduler's queue: keep it short) whenever entries were written.
    public func subscribe(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.subscribers.append(body) }
    }

    /// Entries up to `id` are committed: long polls return now; subscribers are owed a call.
    func published(upTo id: Int64) {
        let woken = state.withLock { state in
            state.lastID = max(state.lastID, id)
            state.subscribersOwed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Nothing more is due: the subscribers are called if entries were published since last time.
    func settled() {
        let callbacks = state.withLock { state in
            defer { state.subscribersOwed = false }
            return state.subscribersOwed ? state.subscribers : []
        }
        for callback in callbacks { callback() }
    }

    /// The newest entry id published since start (0 before the first).
    public var lastPublishedID: Int64 { state.withLock { $0.lastID } }

    /// Returns when an entry with an id above `afterID` exists, or after `timeout` seconds.
    public func wait(after afterID: Int64, timeout: Double) async {
        let key = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = state.withLock { state in
                guard state.lastID <= afterID else { return false }
                state.waiters[key] = continuation
                return true
            }
            guard waiting else { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
                self?.resume(key)
            }
        }
    }

    private func resume(_ key: UUID) {
        state.withLock { $0.waiters.removeValue(forKey: key) }?.resume()
    }
}
