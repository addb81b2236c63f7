import Foundation
import SLACore

// TEMPORARY copy of chain-store's contract (issue 19), so that SLAChain compiles before their
// `MILESTONE outbox` lands; replaced by their file at the merge.

/// One change a store committed, as shipped to HQ.
public struct OutboxChange: Sendable, Hashable {
    public enum Kind: String, Sendable { case caseState = "case", event, entry }
    public var seq: Int64
    public var kind: Kind
    public var key: String
    public var committedAt: Int64
    public var payload: Data

    public init(seq: Int64, kind: Kind, key: String, committedAt: Int64, payload: Data) {
        self.seq = seq
        self.kind = kind
        self.key = key
        self.committedAt = committedAt
        self.payload = payload
    }
}

/// The payloads of outbox changes, both directions.
public enum OutboxCodec {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func encode(_ c: Case) -> Data { (try? encoder().encode(c)) ?? Data() }
    public static func encode(_ e: EventRecord) -> Data { (try? encoder().encode(e)) ?? Data() }
    public static func encode(_ q: QueueEntry) -> Data { (try? encoder().encode(q)) ?? Data() }
    public static func decodeCase(_ d: Data) throws -> Case { try CaseCodec.decode(d) }
    public static func decodeEvent(_ d: Data) throws -> EventRecord {
        try JSONDecoder().decode(EventRecord.self, from: d)
    }
    public static func decodeEntry(_ d: Data) throws -> QueueEntry {
        try JSONDecoder().decode(QueueEntry.self, from: d)
    }
}
