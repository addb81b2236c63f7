import Foundation
import SLACore

/// What the replicator last knew, for health, the status line and /metrics: read from any thread.
///
/// Unchecked: `snapshot` is only read and written under `lock`.
public final class ReplicatorStatus: @unchecked Sendable {
    public enum State: String, Sendable {
        /// Not yet in touch with HQ since slad started.
        case starting
        /// In touch: shipping, or caught up.
        case ok
        /// HQ cannot be reached or refuses the batch: retried with backoff.
        case failing
    }

    public struct Snapshot: Sendable, Hashable {
        public var state: State = .starting
        /// The highest seq HQ confirmed.
        public var shippedSeq: Int64?
        public var lastContact: Instant?
        public var lastError: String?
        public var failingSince: Instant?
        /// Rows HQ confirmed since slad started.
        public var shippedRows = 0
    }

    private let lock = NSLock()
    private var snapshot = Snapshot()

    public init() {}

    public func read() -> Snapshot { lock.withLock { snapshot } }

    func contact(shipped seq: Int64, rows: Int, at now: Instant) {
        lock.withLock {
            snapshot.state = .ok
            snapshot.shippedSeq = seq
            snapshot.lastContact = now
            snapshot.lastError = nil
            snapshot.failingSince = nil
            snapshot.shippedRows += rows
        }
    }

    func failing(_ error: String, since: Instant) {
        lock.withLock {
            snapshot.state = .failing
            snapshot.lastError = error
            snapshot.failingSince = since
        }
    }
}
