import Foundation
import SLACore
import SLAStore

/// The entry as exec hooks and webhooks get it, written field by field with its keys in sorted
/// order: `JSONSerialization` (an `Any` dictionary, keys sorted by ICU collation) was a quarter of
/// slad's CPU in a burst of 10,000 webhook deliveries. `id` lets receivers drop duplicates
/// (delivery is at least once).
enum EntryJSON {
    static func body(_ entry: QueueEntry, policy: Policy, contact: CustomerContact? = nil) -> Data {
        let calendar = policy.storeCalendar
        func time(_ instant: Instant) -> String {
            ISO8601.format(instant, offsetSeconds: calendar?.offset(at: instant) ?? 0)
        }
        let escalation = entry.escalation
        var out = Writer()
        out.bytes.append(UInt8(ascii: "{"))
        out.field("case_id", string: escalation.caseID)
        out.field("case_kind", string: entry.caseKind)
        out.field("clock", string: escalation.clock)
        if let contact {
            out.key("customer")
            out.bytes.append(UInt8(ascii: "{"))
            out.first = true
            if let name = contact.name { out.field("name", string: name) }
            if let phone = contact.phone { out.field("phone", string: phone) }
            out.bytes.append(UInt8(ascii: "}"))
            out.first = false
        }
        out.field("cycle", number: Int64(escalation.cycle))
        out.field("deadline", string: time(escalation.deadline))
        out.field("due_at", string: time(escalation.dueAt))
        out.field("id", number: entry.id)
        out.field("kind", string: escalation.kind.rawValue)
        out.field("late_ms", number: entry.lateMillis)
        if let reason = policy.provisionalReason(of: escalation) {
            out.key("provisional")
            out.literal("true")
            out.field("provisional_reason", string: reason)
        }
        out.field("store", string: entry.store)
        out.field("tier", string: escalation.tier)
        out.field("written_at", string: time(entry.writtenAt))
        out.bytes.append(UInt8(ascii: "}"))
        return Data(out.bytes)
    }

    /// Appends in place: no temporary arrays per key or value (`Array("…".utf8)` allocated one
    /// each time, and an entry has a dozen keys).
    private struct Writer {
        var bytes: [UInt8] = []
        var first = true

        init() { bytes.reserveCapacity(400) }

        mutating func literal(_ text: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        mutating func key(_ name: StaticString) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            literal(name)
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func field(_ name: StaticString, string value: String) {
            key(name)
            string(value)
        }

        mutating func field(_ name: StaticString, number value: Int64) {
            key(name)
            bytes.append(contentsOf: String(value).utf8)
        }

        /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
        mutating func string(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            // Nearly every value (ids, names, timestamps) needs no escape: copied whole.
            if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: value.utf8)
                bytes.append(UInt8(ascii: "\""))
                return
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    literal("\\u00")
                    bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
