/// What a client may put in a field that slad stores, shows and (for ids) logs. A store id, kind
/// or category ends up in log lines and journal fields: a newline there forged a log line of
/// another priority, so ids are plain codes and free text has no control characters. Notes are
/// not checked: they may span lines, and are never logged.
public enum FieldRule: Sendable {
    /// `A-Z a-z 0-9 . _ -`, 1 to `maxLength` characters: stores, categories, channels.
    case code(maxLength: Int)
    /// Visible ASCII (`!` to `~`, no space), 1 to `maxLength` characters: idempotency keys.
    case key(maxLength: Int)
    /// Printable Unicode (names in Chinese), 1 to `maxLength` characters, no control or format
    /// characters (bidirectional overrides, zero-width), no line separators, no space at either end:
    /// actors and external references.
    case text(maxLength: Int)

    public static let store = FieldRule.code(maxLength: 64)
    public static let category = FieldRule.code(maxLength: 64)
    public static let channel = FieldRule.code(maxLength: 64)
    public static let idempotencyKey = FieldRule.key(maxLength: 128)
    public static let actor = FieldRule.text(maxLength: 128)
    public static let externalRef = FieldRule.text(maxLength: 128)

    /// What the field may hold, for error messages and the README.
    public var summary: String {
        switch self {
        case .code(let max): return "1 to \(max) characters of A-Z, a-z, 0-9, '.', '_' and '-'"
        case .key(let max): return "1 to \(max) visible ASCII characters (no space)"
        case .text(let max):
            return "1 to \(max) printable characters, without control or format characters or a space at either end"
        }
    }

    /// Why `value` breaks the rule, or nil when it keeps it. Counts Unicode scalars, so that a
    /// length is the same whatever renders them.
    public func problem(with value: String) -> String? {
        let scalars = value.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "it is empty" }
        switch self {
        case .code(let max), .key(let max), .text(let max):
            if scalars.count > max { return "it is \(scalars.count) characters long, over \(max)" }
        }
        for (offset, scalar) in scalars.enumerated() where !allows(scalar) {
            return "\(Self.name(scalar)) at character \(offset + 1) is not allowed"
        }
        if case .text = self, first.properties.isWhitespace || last.properties.isWhitespace {
            return "it starts or ends with a space"
        }
        return nil
    }

    private func allows(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .code:
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-"
        case .key:
            return (0x21...0x7E).contains(scalar.value)
        case .text:
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse: return false
            default: return true
            }
        }
    }

    /// `U+000A`, and the character itself when it prints (`' ' (U+0020)`).
    static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse:
            return code + " (a control or format character)"
        default:
            return "'\(scalar)' (\(code))"
        }
    }
}
