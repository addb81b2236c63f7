import Foundation

/// JSON text written by hand, for the batches HQWriter sends as one `jsonb` parameter per table:
/// the snapshots already are JSON, and are spliced in without a decode and re-encode.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    mutating func openArray() { value(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func closeArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }
    mutating func openObject() { value(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func closeObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }

    mutating func field(_ name: String, _ text: String?) {
        key(name)
        guard let text else { return bytes.append(contentsOf: Array("null".utf8)) }
        Self.quote(text, into: &bytes)
    }

    mutating func field(_ name: String, _ number: Int64?) {
        key(name)
        bytes.append(contentsOf: Array((number.map(String.init) ?? "null").utf8))
    }

    /// `json` must be one JSON value (checked by the caller's decode).
    mutating func field(_ name: String, json: Data) {
        key(name)
        bytes.append(contentsOf: json)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func key(_ name: String) {
        value()
        Self.quote(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func value() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// PostgreSQL's jsonb refuses `\u0000`: a NUL is written as U+FFFD.
    static func quote(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0: bytes += [0xEF, 0xBF, 0xBD]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
