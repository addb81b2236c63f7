import Dispatch
import Synchronization

/// Work handed to a serial queue from other threads (the event loops' answers, the hooks'
/// threads) and run there in arrival order, in batches: one wake-up of the queue for however many
/// arrived meanwhile. In a burst of webhook posts, a `queue.async` per answer woke a thread
/// thousands of times a second.
final class QueueInbox: Sendable {
    private let queue: DispatchQueue
    private let pending = Mutex<[@Sendable () -> Void]>([])

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    func submit(_ work: @escaping @Sendable () -> Void) {
        let first = pending.withLock { pending in
            pending.append(work)
            return pending.count == 1
        }
        if first { queue.async { self.drain() } }
    }

    private func drain() {
        let batch = pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
        for work in batch { work() }
    }
}
