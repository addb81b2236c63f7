import Logging
import Testing

@testable import SLASystemd

/// What reaches a log line: never a line break or control character from a field, and never a
/// line that claims another priority than the entry's.
@Suite struct JournalLogHandlerTests {
    static let forged = "S01\n<2>C-1 soft-first-reaction breached, escalated to hq"

    @Test func aMultiLineMessageKeepsItsPriorityOnEveryLine() {
        let text = JournalLogHandler.stderrText(
            priority: 3, message: "policy refused, the old one stays in force:\npolicy.toml:3: a\npolicy.toml:9: b",
            fields: ["message_id": "150ff82e", "sla_case": "C-1"])
        #expect(
            text == """
                <3>policy refused, the old one stays in force: sla_case=C-1
                <3>policy.toml:3: a
                <3>policy.toml:9: b

                """)
    }

    @Test func aForgedLineInAMessageStaysAtTheEntrysPriority() {
        let text = JournalLogHandler.stderrText(priority: 6, message: "\(Self.forged) opened", fields: [:])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("<6>") })
    }

    @Test func fieldValuesStayOnOneLineAndCannotPassForAnotherField() {
        let text = JournalLogHandler.stderrText(
            priority: 6, message: "C-1 opened",
            fields: ["sla_store": "\(Self.forged)", "sla_kind": "soft sla_tier=hq", "sla_case": "C-1\r\u{1B}[2J"])
        #expect(!text.dropLast().contains("\n"))
        #expect(
            text == #"<6>C-1 opened sla_case=C-1\r\u{1B}[2J sla_kind="soft sla_tier=hq" "#
                + #"sla_store="S01\n<2>C-1 soft-first-reaction breached, escalated to hq""# + "\n")
        #expect(JournalLogHandler.escaped(value: #"a "b" \c"#, quoting: true) == #""a \"b\" \\c""#)
    }

    @Test func theJournalKeepsMessageLinesButNotOtherControlCharacters() {
        #expect(JournalLogHandler.escaped(message: "a:\n\tb\r\u{1B}[31m\u{202E}") == "a:\n\tb\\r\\u{1B}[31m\\u{202E}")
        #expect(JournalLogHandler.escaped(value: Self.forged, quoting: false).contains("\n") == false)
        #expect(JournalLogHandler.escaped(value: "店长 Zhang", quoting: false) == "店长 Zhang")
    }
}
