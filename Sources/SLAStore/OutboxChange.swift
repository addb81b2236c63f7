import Foundation
import SLACore

/// One change of the store as HQ receives it: a row of the outbox, written in the transaction of
/// the commit it comes from, shipped in `seq` order by the replicator (SLAChain).
///
/// Snapshots, not diffs: a `case` change carries the case's whole state after the commit, an
/// `entry` change the queue entry's whole row after it, an `event` change one (immutable) event.
/// A later change of the same key (a higher `seq`) wins. Customer contact is never in it.
public struct OutboxChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case caseState = "case"
        case event, entry
    }

    /// Per store: ascending, gapless, assigned inside the commit's transaction.
    public var seq: Int64
    public var kind: Kind
    /// The case id (case, event) or the entry id in decimal (entry).
    public var key: String
    /// Milliseconds since 1970: the instant of the commit that made the change.
    public var committedAt: Int64
    /// JSON (see `OutboxCodec`).
    public var payload: Data

    public init(seq: Int64, kind: Kind, key: String, committedAt: Int64, payload: Data) {
        self.seq = seq
        self.kind = kind
        self.key = key
        self.committedAt = committedAt
        self.payload = payload
    }
}

/// The outbox's payloads, both ways, so that HQ reads them with the store's own code.
///
/// All three are JSON (HQ keeps them as JSONB): the types' own `Codable` forms, keys sorted, so
/// the same value always gives the same bytes. A case's JSON is the form `CaseCodec.decode` has
/// always read back (the `state` column's JSON rows), so `decodeCase` is `CaseCodec.decode` (which
/// reads the column's binary form too; the outbox never carries it, since HQ keeps JSONB).
public enum OutboxCodec {
    public static func encode(_ record: Case) -> Data { json(record) }

    /// The event with its `seq`, the store's number for it (HQ's `event_seq`).
    public static func encode(_ event: EventRecord) -> Data { json(event) }

    /// The whole entry: state, acknowledgement (who, when) and delivery outcome (delivered at).
    public static func encode(_ entry: QueueEntry) -> Data { json(entry) }

    public static func decodeCase(_ data: Data) throws -> Case {
        try CaseCodec.decode(data)
    }

    public static func decodeEvent(_ data: Data) throws -> EventRecord {
        try JSONDecoder().decode(EventRecord.self, from: data)
    }

    public static func decodeEntry(_ data: Data) throws -> QueueEntry {
        try JSONDecoder().decode(QueueEntry.self, from: data)
    }

    private static func json<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // These types hold strings, numbers and instants only: encoding them cannot fail.
        return try! encoder.encode(value)
    }
}
