import SLAAPI
import SLACore
import SLAStore
import Synchronization

/// A write taken from the API, waiting for the next group commit, with whom to answer.
enum PendingWrite: Sendable {
    case open(OpenCaseRequest, SLAService.Completion)
    case event(String, RecordEventRequest, SLAService.Completion)
    case ack(Acknowledgement, SLAService.AckCompletion)

    /// Answers it with `error`: nothing of it is written.
    func refuse(_ error: Error) {
        switch self {
        case .open(_, let done), .event(_, _, let done): done(.failure(error))
        case .ack(_, let done): done(.failure(error))
        }
    }
}

/// Where writes wait, from any thread, until the scheduler's queue takes them all for one group
/// commit. It says when a drain must be queued, so that one drain is queued however many writes
/// arrive meanwhile.
final class WriteInbox: Sendable {
    private struct State {
        var pending: [PendingWrite] = []
        var drainQueued = false
        var closed = false
    }

    private let state = Mutex(State())

    enum Admission {
        /// Taken, and no drain is queued yet: the caller queues one.
        case queueDrain
        /// Taken; the drain already queued will take it.
        case taken
        /// Closed (slad stops): nothing was taken.
        case refused
    }

    func submit(_ write: PendingWrite) -> Admission {
        state.withLock { state in
            guard !state.closed else { return .refused }
            state.pending.append(write)
            defer { state.drainQueued = true }
            return state.drainQueued ? .taken : .queueDrain
        }
    }

    /// True when the caller must queue a drain (none is queued): for more work than writes, such
    /// as the rest of a large batch that fell due.
    func requestDrain() -> Bool {
        state.withLock { state in
            defer { state.drainQueued = true }
            return !state.drainQueued
        }
    }

    /// True when writes wait (a drain that took something else first leaves them).
    var hasPending: Bool {
        state.withLock { !$0.pending.isEmpty }
    }

    /// Every write waiting, in arrival order; the next write queues a new drain.
    func take() -> [PendingWrite] {
        state.withLock { state in
            defer {
                state.pending = []
                state.drainQueued = false
            }
            return state.pending
        }
    }

    /// From now on every write is refused; those already taken are still committed.
    func close() {
        state.withLock { $0.closed = true }
    }
}
