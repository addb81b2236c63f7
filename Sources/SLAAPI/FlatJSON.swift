import SLACore

/// A reader for the shape nearly every write body has: one JSON object whose values are strings
/// without escapes, numbers, booleans or nulls. Foundation's `JSONDecoder` cost more per event
/// than the engine did. Anything else (escapes, nesting, a repeated key, a malformed document)
/// reads as nil, and the caller decodes with `JSONDecoder`, whose answer and error message stay
/// the reference: this reader never refuses a body, it only declines to read it.
public struct FlatJSONObject {
    public enum Value: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    private(set) var fields: [(key: String, value: Value)] = []

    public subscript(key: String) -> Value? {
        fields.first { $0.key == key }?.value
    }

    public init?(_ bytes: some Collection<UInt8>) {
        let read = bytes.withContiguousStorageIfAvailable(Self.read) ?? Array(bytes).withUnsafeBufferPointer(Self.read)
        guard let fields = read else { return nil }
        self.fields = fields
    }

    private static func read(_ buffer: UnsafeBufferPointer<UInt8>) -> [(key: String, value: Value)]? {
        var reader = Reader(bytes: buffer)
        return reader.object()
    }

    /// True when every key is one of `known`: an unknown key is the decoder's to refuse.
    func hasOnly(_ known: Set<String>) -> Bool {
        fields.allSatisfy { known.contains($0.key) }
    }

    /// A required string: nil when missing or of another type (the decoder then says which).
    func string(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }

    /// An optional field: `.some(nil)` when absent or null, nil when present with another type.
    func optional<T>(_ key: String, _ read: (Value) -> T?) -> T?? {
        guard let value = self[key], value != .null else { return .some(nil) }
        return read(value).map { .some($0) }
    }

    func optionalString(_ key: String) -> String?? {
        optional(key) { if case .string(let text) = $0 { return text } else { return nil } }
    }

    func optionalInstant(_ key: String) -> Instant?? {
        optional(key) { if case .string(let text) = $0 { return ISO8601.parse(text) } else { return nil } }
    }

    func optionalNumber(_ key: String) -> Double?? {
        optional(key) { if case .number(let number) = $0 { return number } else { return nil } }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func object() -> [(key: String, value: Value)]? {
            var fields: [(key: String, value: Value)] = []
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                repeat {
                    skipSpace()
                    guard let key = string() else { return nil }
                    guard !fields.contains(where: { $0.key == key }) else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    guard let value = value() else { return nil }
                    fields.append((key, value))
                    skipSpace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            return index == bytes.count ? fields : nil
        }

        private mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return word("null") ? .null : nil
            default: return number().map(Value.number)
            }
        }

        /// A string without escapes or control characters, in valid UTF-8.
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// JSON's number grammar exactly (no leading zeros, no '+', digits after '.' and 'e').
        private mutating func number() -> Double? {
            let start = index
            _ = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                if index < bytes.count, isDigit(bytes[index]) { return nil }
            } else {
                guard digits() else { return nil }
            }
            if take(UInt8(ascii: ".")) { guard digits() else { return nil } }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
                guard digits() else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let number = Double(text), number.isFinite else { return nil }
            // A non-zero literal too small for a Double (1e-400) reads as 0 here; JSONDecoder
            // refuses it.
            if number == 0, text.prefix(while: { $0 != "e" && $0 != "E" }).contains(where: { ("1"..."9").contains($0) })
            {
                return nil
            }
            return number
        }

        private mutating func digits() -> Bool {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index > start
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private mutating func word(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
                default: return
                }
            }
        }
    }
}

/// A request that can be read from a flat object without `JSONDecoder`; nil means "decode it"
/// (so a field of the wrong type or an unknown key is refused by the decoder, with its message).
public protocol FlatJSONReadable {
    init?(flat: FlatJSONObject)
}

extension RecordEventRequest: FlatJSONReadable {
    public init?(flat: FlatJSONObject) {
        guard flat.hasOnly(Self.fieldNames), let kind = flat.string("kind"), let at = flat.optionalInstant("at"),
            let actor = flat.optionalString("actor"), let note = flat.optionalString("note"),
            let key = flat.optionalString("idempotency_key")
        else { return nil }
        self.init(kind: kind, at: at, actor: actor, note: note, idempotencyKey: key)
    }
}

extension OpenCaseRequest: FlatJSONReadable {
    public init?(flat: FlatJSONObject) {
        // A customer is an object and events an array: such a body goes to the decoder.
        guard flat.hasOnly(Self.fieldNames), flat["customer"] == nil || flat["customer"] == .null,
            flat["events"] == nil || flat["events"] == .null,
            let kind = flat.string("kind"), let store = flat.string("store"),
            let category = flat.optionalString("category"), let channel = flat.optionalString("channel"),
            let amount = flat.optionalNumber("amount"), let externalRef = flat.optionalString("external_ref"),
            let openedAt = flat.optionalInstant("opened_at"), let actor = flat.optionalString("actor"),
            let note = flat.optionalString("note"), let key = flat.optionalString("idempotency_key")
        else { return nil }
        self.init(
            kind: kind, store: store, category: category, channel: channel, amount: amount, externalRef: externalRef,
            openedAt: openedAt, actor: actor, note: note, idempotencyKey: key)
    }
}
