import Foundation
import SLACore
import SLAStore

/// A store's batch of outbox changes, checked and laid out as HQWriter's SQL takes it: one JSON
/// array per table. Every payload is decoded with the store's own codec first, so a change HQ
/// could not read back is refused here, with its seq, instead of being stored.
struct HQBatch {
    var changes = JSONText()
    var cases = JSONText()
    var events = JSONText()
    var entries = JSONText()
    var caseCount = 0
    var eventCount = 0
    var entryCount = 0
    /// The highest seq of the batch and its commit instant (ms since 1970).
    var lastSeq: Int64 = 0
    var lastCommittedAt: Int64 = 0

    init(store: String, changes batch: [OutboxChange]) throws(HQError) {
        // Later snapshots of one key win, even inside one batch (one upsert may not touch a row twice).
        var latestCase: [String: (OutboxChange, Case, Data)] = [:]
        var latestEntry: [Int64: (OutboxChange, QueueEntry)] = [:]
        var seenEvents = Set<String>()
        changes.openArray()
        events.openArray()
        for change in batch {
            guard change.seq > 0 else {
                throw HQError("store \(store): change with seq \(change.seq) (seqs start at 1)")
            }
            let json: Data
            switch change.kind {
            case .caseState:
                let record = try Self.decode(change, store: store) { try OutboxCodec.decodeCase($0) }
                json = Self.isJSON(change.payload) ? change.payload : Self.json(record)
                if latestCase[record.id].map({ $0.0.seq < change.seq }) ?? true {
                    latestCase[record.id] = (change, record, json)
                }
            case .event:
                let event = try Self.decode(change, store: store) { try OutboxCodec.decodeEvent($0) }
                json = Self.isJSON(change.payload) ? change.payload : Self.json(event)
                guard let eventSeq = event.seq else {
                    throw HQError("store \(store): change \(change.seq): an event without its seq")
                }
                if seenEvents.insert("\(event.caseID)\u{0}\(eventSeq)").inserted {
                    events.openObject()
                    events.field("case_id", event.caseID)
                    events.field("event_seq", eventSeq)
                    events.field("kind", event.kind)
                    events.field("at", event.at.millis)
                    events.field("actor", event.actor)
                    events.field("note", event.note)
                    events.field("seq", change.seq)
                    events.closeObject()
                    eventCount += 1
                }
            case .entry:
                let entry = try Self.decode(change, store: store) { try OutboxCodec.decodeEntry($0) }
                json = Self.isJSON(change.payload) ? change.payload : Self.json(entry)
                if latestEntry[entry.id].map({ $0.0.seq < change.seq }) ?? true {
                    latestEntry[entry.id] = (change, entry)
                }
            }
            changes.openObject()
            changes.field("seq", change.seq)
            changes.field("kind", change.kind.rawValue)
            changes.field("key", change.key)
            changes.field("committed_at", change.committedAt)
            changes.field("payload", json: json)
            changes.closeObject()
            if change.seq > lastSeq {
                lastSeq = change.seq
                lastCommittedAt = change.committedAt
            }
        }
        changes.closeArray()
        events.closeArray()

        cases.openArray()
        for (change, record, json) in latestCase.values {
            cases.openObject()
            cases.field("case_id", record.id)
            cases.field("kind", record.kind)
            cases.field("opened_at", record.opening.openedAt.millis)
            cases.field("status", record.status.rawValue)
            cases.field("next_due", record.nextDue?.millis)
            cases.field("state", json: json)
            cases.field("state_bin", CaseCodec.encode(record).base64EncodedString())
            cases.field("seq", change.seq)
            cases.closeObject()
        }
        cases.closeArray()
        caseCount = latestCase.count

        entries.openArray()
        for (change, entry) in latestEntry.values {
            entries.openObject()
            entries.field("entry_id", entry.id)
            entries.field("case_id", entry.escalation.caseID)
            entries.field("tier", entry.escalation.tier)
            entries.field("kind", entry.escalation.kind.rawValue)
            entries.field("clock", entry.escalation.clock)
            entries.field("cycle", Int64(entry.escalation.cycle))
            entries.field("state", entry.state.rawValue)
            entries.field("due_at", entry.escalation.dueAt.millis)
            entries.field("deadline", entry.escalation.deadline.millis)
            entries.field("written_at", entry.writtenAt.millis)
            entries.field("acked_by", entry.ackedBy)
            entries.field("acked_at", entry.ackedAt?.millis)
            entries.field("payload", json: Self.isJSON(change.payload) ? change.payload : Self.json(entry))
            entries.field("seq", change.seq)
            entries.closeObject()
        }
        entries.closeArray()
        entryCount = latestEntry.count
    }

    private static func decode<T>(_ change: OutboxChange, store: String, _ decode: (Data) throws -> T) throws(HQError)
        -> T
    {
        do {
            return try decode(change.payload)
        } catch {
            throw HQError(
                "store \(store): change \(change.seq) (\(change.kind.rawValue) \(change.key)) is unreadable: \(error)")
        }
    }

    /// A JSON object: the outbox's payloads are; a store that sent another form is re-encoded.
    private static func isJSON(_ data: Data) -> Bool {
        data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "{")
    }

    private static func json(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field of these types is a string, a number, a flag or an optional of them.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
