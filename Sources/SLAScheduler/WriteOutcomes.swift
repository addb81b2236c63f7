import SLAAPI
import SLACore
import SLAStore

/// Why a write was refused.
public enum ServiceError: Error, CustomStringConvertible {
    case rule(EngineError)
    /// The store failed: retryable (503) or not (500), as `StoreFailure.retryable` says.
    case store(StoreFailure)
    case idempotencyKeyReused(String)
    case stopping

    public var description: String {
        switch self {
        case .rule(let error): return error.description
        case .store(let failure): return failure.description
        case .idempotencyKeyReused(let key):
            return "idempotency key '\(key)' was already used for a different request"
        case .stopping: return "slad is shutting down"
        }
    }
}

/// The outcome of a write: the case as committed, and whether it was a replay of an earlier write.
public struct WriteResult: Sendable {
    public var record: Case
    public var replayed: Bool
}

/// What recovery found on start.
public struct RecoveryReport: Sendable {
    public var cases: Int
    public var runningClocks: Int
    public var lateEntries: Int
    public var maxLateMillis: Int64
    /// Open cases that use what the policy lacks: their clocks stay frozen.
    public var orphans: OrphanReport
    /// Deadlines moved by a start on changed rules (or near a calendar's data end).
    public var recomputed = Recomputation()
}

// What an idempotency key is stored with: a retried write with the same key must be the same
// request. Stored in the store, so never change how an existing fingerprint is made.
extension OpenCaseRequest {
    var fingerprint: String {
        var text =
            "open|\(kind)|\(store)|\(category ?? "")|\(channel ?? "")|\(amount.map { "\($0)" } ?? "")|"
            + "\(externalRef ?? "")|\(openedAt?.millis ?? -1)"
        // Only when there are some: keys stored before events existed keep their fingerprints.
        if let events, !events.isEmpty {
            text += "|" + events.map { "\($0.kind)@\($0.at?.millis ?? -1)" }.joined(separator: ",")
        }
        return text
    }
}

extension RecordEventRequest {
    func fingerprint(caseID: String) -> String {
        "event|\(caseID)|\(kind)|\(at?.millis ?? -1)"
    }
}
