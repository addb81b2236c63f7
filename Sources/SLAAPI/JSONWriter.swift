/// JSON written field by field for the answers slad sends most (a case after every write, pages of
/// queue entries for followers): Foundation's `JSONEncoder` spent more on one case answer than the
/// rest of the request (its keyed containers, a key sort per object). Keys are written in sorted
/// order, as the API has always sent them; a nil field is left out. It writes the bytes
/// `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes` (SLAAPITests check it),
/// except that control characters other than line breaks and tabs are written as `\u00XX`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// No comma before the next key or element: just after an opening brace, bracket or a key.
    private var atStart = true

    public init() { bytes.reserveCapacity(1024) }

    /// One value and a newline: a whole answer, or one line of JSON lines.
    public mutating func line(_ value: some JSONWritable) {
        atStart = true
        value.write(to: &self)
        bytes.append(UInt8(ascii: "\n"))
        atStart = true
    }

    public mutating func object(_ fill: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        atStart = true
        fill(&self)
        bytes.append(UInt8(ascii: "}"))
        atStart = false
    }

    public mutating func array<Element>(_ elements: some Sequence<Element>, _ each: (inout JSONWriter, Element) -> Void)
    {
        separate()
        bytes.append(UInt8(ascii: "["))
        atStart = true
        for element in elements { each(&self, element) }
        bytes.append(UInt8(ascii: "]"))
        atStart = false
    }

    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func field(_ name: String, _ value: Int64?) {
        guard let value else { return }
        key(name)
        raw(String(value))
    }

    public mutating func field(_ name: String, _ value: Int?) {
        field(name, value.map(Int64.init))
    }

    public mutating func field(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name)
        raw(value.isFinite ? Self.number(value) : "null")
    }

    public mutating func field(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        raw(value ? "true" : "false")
    }

    public mutating func field(_ name: String, _ value: (some JSONWritable)?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }

    public mutating func field(_ name: String, _ values: [some JSONWritable]?) {
        guard let values else { return }
        key(name)
        array(values) { json, value in value.write(to: &json) }
    }

    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        atStart = true
    }

    private mutating func separate() {
        if !atStart { bytes.append(UInt8(ascii: ",")) }
        atStart = false
    }

    private mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    public mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Nearly every string (keys, ids, times) has nothing to escape: copied in one piece. Byte
        // by byte, each append checked the array's uniqueness: a third of a follower's page.
        var text = text
        let copied = text.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied { escaped(text) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }

    /// Whole numbers without a fraction (`12`, as JSONEncoder writes them), others as Swift prints them.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// A value the API writes with `JSONWriter`.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
}
