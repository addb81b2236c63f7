import Foundation
import SLACore

/// How a `Case` is kept in the `state` column: a small binary record, written at every commit of
/// the case and read back whenever it falls due or comes back into memory.
///
/// JSON did the same job at several times the cost (a keyed container per clock, an ISO 8601
/// string per instant): it was the largest single item of a group commit. Rows that slad wrote
/// as JSON before still read, by their first byte (`{`); they are rewritten in this form at their
/// next commit.
///
/// Layout, version 1: the byte 0x01, then the fields in declaration order. Integers are zigzag
/// varints; strings a varint length and UTF-8; an optional a presence byte (0 or 1) and its
/// value; enums their raw string. `fieldCounts` pins the number of stored properties of each
/// type, so that a field added to `Case` without a place here fails a test instead of vanishing.
public enum CaseCodec {
    static let version: UInt8 = 1
    /// Stored properties of (CaseOpening, Case, ClockState) that the layout writes.
    public static let fieldCounts = (opening: 8, record: 6, clock: 14)

    public static func encode(_ record: Case) -> Data {
        var writer = StateWriter()
        writer.bytes.append(version)
        let opening = record.opening
        writer.put(opening.id)
        writer.put(opening.kind)
        writer.put(opening.store)
        writer.put(opening.category)
        writer.put(opening.channel)
        writer.put(opening.amount)
        writer.put(opening.externalRef)
        writer.put(opening.openedAt)
        writer.put(record.status)
        writer.put(record.resolvedAt)
        writer.put(record.closedAt)
        writer.put(record.lastEventAt)
        writer.put(Int64(record.clocks.count))
        for clock in record.clocks {
            writer.put(clock.name)
            writer.put(clock.status)
            writer.put(Int64(clock.cycle))
            writer.put(clock.startedAt)
            writer.put(clock.deadline)
            writer.put(clock.budgetMillis)
            writer.put(clock.usedMillis)
            writer.put(clock.runningSince)
            writer.put(clock.warnAt)
            writer.put(clock.warned)
            writer.put(clock.pausedAt)
            writer.put(clock.satisfiedAt)
            writer.put(clock.escalatedTier.map(Int64.init))
            writer.put(clock.nextEscalationAt)
        }
        return Data(writer.bytes)
    }

    public static func decode(_ data: Data) throws -> Case {
        guard let first = data.first else { throw CorruptState("an empty state") }
        if first == UInt8(ascii: "{") { return try JSONDecoder().decode(Case.self, from: data) }
        guard first == version else { throw CorruptState("unknown state version \(first)") }
        return try data.withUnsafeBytes { buffer in
            var reader = StateReader(bytes: buffer, position: 1)
            let opening = CaseOpening(
                id: try reader.get(), kind: try reader.get(), store: try reader.get(), category: try reader.get(),
                channel: try reader.get(), amount: try reader.get(), externalRef: try reader.get(),
                openedAt: try reader.get())
            var record = Case(
                opening: opening, status: try reader.get(), resolvedAt: try reader.get(), closedAt: try reader.get(),
                lastEventAt: try reader.get(), clocks: [])
            let count: Int64 = try reader.get()
            guard (0...10_000).contains(count) else { throw CorruptState("\(count) clocks") }
            record.clocks.reserveCapacity(Int(count))
            for _ in 0..<count {
                var clock = ClockState(name: try reader.get())
                clock.status = try reader.get()
                clock.cycle = Int(try reader.get() as Int64)
                clock.startedAt = try reader.get()
                clock.deadline = try reader.get()
                clock.budgetMillis = try reader.get()
                clock.usedMillis = try reader.get()
                clock.runningSince = try reader.get()
                clock.warnAt = try reader.get()
                clock.warned = try reader.get()
                clock.pausedAt = try reader.get()
                clock.satisfiedAt = try reader.get()
                clock.escalatedTier = (try reader.get() as Int64?).map { Int($0) }
                clock.nextEscalationAt = try reader.get()
                record.clocks.append(clock)
            }
            guard reader.position == buffer.count else { throw CorruptState("trailing bytes") }
            return record
        }
    }

    /// A `state` that cannot be read back: a damaged store (`StoreFailure.Kind.corrupt`).
    public struct CorruptState: Error, CustomStringConvertible {
        public let description: String
        init(_ what: String) { description = "corrupt case state: \(what)" }
    }
}

/// A value the state layout knows how to write and read.
private protocol StateField {
    func write(to writer: inout StateWriter)
    static func read(from reader: inout StateReader) throws -> Self
}

private struct StateWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256) }

    mutating func put<T: StateField>(_ value: T) { value.write(to: &self) }

    mutating func put<T: StateField>(_ value: T?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        value.write(to: &self)
    }
}

private struct StateReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    mutating func get<T: StateField>() throws -> T { try T.read(from: &self) }

    mutating func get<T: StateField>() throws -> T? {
        try Bool.read(from: &self) ? try T.read(from: &self) : nil
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw CaseCodec.CorruptState("truncated") }
        defer { position += 1 }
        return bytes[position]
    }
}

extension Int64: StateField {
    fileprivate func write(to writer: inout StateWriter) {
        var zigzag = UInt64(bitPattern: (self << 1) ^ (self >> 63))
        while zigzag >= 0x80 {
            writer.bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        writer.bytes.append(UInt8(zigzag))
    }

    fileprivate static func read(from reader: inout StateReader) throws -> Int64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try reader.byte()
            guard shift < 64 else { throw CaseCodec.CorruptState("an overlong integer") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
    }
}

extension String: StateField {
    fileprivate func write(to writer: inout StateWriter) {
        var text = self
        text.withUTF8 { utf8 in
            Int64(utf8.count).write(to: &writer)
            writer.bytes.append(contentsOf: utf8)
        }
    }

    fileprivate static func read(from reader: inout StateReader) throws -> String {
        let count = try Int64.read(from: &reader)
        let start = reader.position
        guard count >= 0, count <= reader.bytes.count - start else {
            throw CaseCodec.CorruptState("a truncated string")
        }
        reader.position += Int(count)
        return String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.position]), as: UTF8.self)
    }
}

extension Bool: StateField {
    fileprivate func write(to writer: inout StateWriter) { writer.bytes.append(self ? 1 : 0) }

    fileprivate static func read(from reader: inout StateReader) throws -> Bool {
        switch try reader.byte() {
        case 0: return false
        case 1: return true
        case let other: throw CaseCodec.CorruptState("a flag of \(other)")
        }
    }
}

extension Double: StateField {
    fileprivate func write(to writer: inout StateWriter) { Int64(bitPattern: bitPattern).write(to: &writer) }

    fileprivate static func read(from reader: inout StateReader) throws -> Double {
        Double(bitPattern: UInt64(bitPattern: try Int64.read(from: &reader)))
    }
}

extension Instant: StateField {
    fileprivate func write(to writer: inout StateWriter) { millis.write(to: &writer) }

    fileprivate static func read(from reader: inout StateReader) throws -> Instant {
        Instant(millis: try Int64.read(from: &reader))
    }
}

/// Enums by their raw names, so that reordering their cases cannot change what a stored row means.
private protocol NamedStateField: StateField, RawRepresentable where RawValue == String {}

extension NamedStateField {
    fileprivate func write(to writer: inout StateWriter) { rawValue.write(to: &writer) }

    fileprivate static func read(from reader: inout StateReader) throws -> Self {
        let name = try String.read(from: &reader)
        guard let value = Self(rawValue: name) else {
            throw CaseCodec.CorruptState("an unknown \(Self.self) '\(name)'")
        }
        return value
    }
}

extension CaseStatus: NamedStateField {}
extension ClockStatus: NamedStateField {}
