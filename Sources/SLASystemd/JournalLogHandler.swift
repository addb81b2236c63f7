import CSystemd
import Foundation
import Logging

/// A swift-log handler that writes native journal entries with `sd_journal_sendv`: MESSAGE,
/// PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE/CODE_LINE/CODE_FUNC, and every metadata key as a field
/// in upper case (`sla_case` becomes `SLA_CASE`, `message_id` becomes `MESSAGE_ID`).
///
/// Without a journal (run by hand, in a container, in tests) it writes to stderr with sd-daemon's
/// `<N>` priority prefixes, which journald and systemd also understand on a service's stderr.
public struct JournalLogHandler: LogHandler {
    public enum Target: String, Sendable, CaseIterable {
        case journal, stderr
    }

    public static let journalSocket = "/run/systemd/journal/socket"

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let target: Target
    let identifier: String

    public init(label: String, target: Target, identifier: String = "slad") {
        self.label = label
        self.target = target
        self.identifier = identifier
    }

    /// The journal when systemd started us with one (`$JOURNAL_STREAM`) and its socket is there,
    /// else stderr.
    public static func automaticTarget() -> Target {
        let environment = ProcessInfo.processInfo.environment
        let underSystemd = environment["JOURNAL_STREAM"] != nil || environment["INVOCATION_ID"] != nil
        return underSystemd && FileManager.default.fileExists(atPath: journalSocket) ? .journal : .stderr
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        // The handler's own metadata is usually empty: no merge (a dictionary rebuilt per line).
        let fields = self.metadata.isEmpty ? explicit ?? [:] : self.metadata.merging(explicit ?? [:]) { _, new in new }
        switch target {
        case .journal:
            var entries = [
                "MESSAGE=\(Self.escaped(message: "\(message)"))", "PRIORITY=\(Self.priority(level))",
                "SYSLOG_IDENTIFIER=\(identifier)", "CODE_FILE=\(file)", "CODE_LINE=\(line)", "CODE_FUNC=\(function)",
            ]
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                entries.append("\(Self.fieldName(key))=\(Self.escaped(value: "\(value)", quoting: false))")
            }
            if Self.send(entries) { return }
            fallthrough  // the journal went away: never lose the line
        case .stderr:
            let text = Self.stderrText(priority: Self.priority(level), message: "\(message)", fields: fields)
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// `<N>message key=value`, one line per line of the message, each with the same `<N>`: a
    /// continuation line (policy errors span several) cannot claim another priority. The fields
    /// go on the first line.
    static func stderrText(priority: Int, message: String, fields: Logger.Metadata) -> String {
        let shown = fields.filter { $0.key != "message_id" }.sorted { $0.key < $1.key }
        let suffix = shown.map { " \($0.key)=\(escaped(value: "\($0.value)", quoting: true))" }.joined()
        let text = escaped(message: message)
        if !text.utf8.contains(UInt8(ascii: "\n")) { return "<\(priority)>\(text)\(suffix)\n" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.enumerated().map { "<\(priority)>\($1)" + ($0 == 0 ? suffix : "") + "\n" }.joined()
    }

    /// A message keeps its line breaks and tabs; every other control or format character (a
    /// carriage return, an escape sequence, a bidirectional override) is written as `\u{1B}`.
    static func escaped(message: String) -> String {
        // Printable ASCII, line breaks and tabs stay as they are: most lines are only that, and
        // asking Unicode's tables about each character cost more than the rest of the line.
        if message.utf8.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x0A || $0 == 0x09 }) { return message }
        var text = ""
        for scalar in message.unicodeScalars {
            if scalar == "\n" || scalar == "\t" || !isControl(scalar) {
                text.unicodeScalars.append(scalar)
            } else if scalar == "\r" {
                text += "\\r"
            } else {
                text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return text
    }

    /// A field's value on one line: control and format characters escaped (`\n`, `\u{0}`). For
    /// stderr (`quoting`), a value with a space, quote or backslash is quoted so that it cannot
    /// pass for another `key=value`.
    static func escaped(value: String, quoting: Bool) -> String {
        // Printable ASCII but for a space, quote or backslash: nothing to escape or quote.
        if value.utf8.allSatisfy({ (0x21..<0x7F).contains($0) && $0 != 0x22 && $0 != 0x5C }) { return value }
        var text = ""
        var quote = false
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\"", "\\", " ":
                quote = quote || quoting
                text += scalar == " " || !quoting ? "\(scalar)" : "\\\(scalar)"
            default:
                if isControl(scalar) {
                    text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return quote ? "\"\(text)\"" : text
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Journal field names: upper case letters, digits and underscores, not starting with one.
    static func fieldName(_ key: String) -> String {
        let mapped = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let name = String(mapped).drop { $0 == "_" || $0.isNumber }
        return name.isEmpty ? "SLA_FIELD" : String(name)
    }

    /// syslog priorities, as journald and `<N>` prefixes use them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `sd_journal_sendv` with one iovec per `FIELD=value` (values may hold newlines).
    static func send(_ entries: [String]) -> Bool {
        let buffers = entries.map { entry -> UnsafeMutableRawBufferPointer in
            let bytes = Array(entry.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return sd_journal_sendv(&vectors, Int32(vectors.count)) >= 0
    }
}
