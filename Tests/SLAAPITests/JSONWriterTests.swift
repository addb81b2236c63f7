import Foundation
import SLAAPI
import SLACore
import Testing

/// The hand-written JSON of the API's answers: valid, escaped, keys sorted, nils left out.
@Suite struct JSONWriterTests {
    static func text(_ value: some JSONWritable) -> String {
        var writer = JSONWriter()
        writer.line(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func anyStringSurvivesEscaping() throws {
        var strings = ["", "plain", #"quote " and \ backslash"#, "line\nbreak\r\ttab", "中山店 🧾", "/slash/"]
        strings.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        for string in strings {
            let contact = CustomerContact(name: string, phone: nil)
            let decoded = try JSONDecoder().decode(CustomerContact.self, from: Data(Self.text(contact).utf8))
            #expect(decoded == contact)
        }
    }

    @Test func listsAndNumbers() throws {
        #expect(Self.text(CaseList(cases: [])) == #"{"cases":[]}"# + "\n")
        #expect(Self.text(EntryList(entries: [])) == #"{"entries":[]}"# + "\n")
        #expect(Self.text(VersionView(version: "1.2")) == #"{"version":"1.2"}"# + "\n")
        #expect(
            Self.text(ErrorView(code: "bad_field", message: "no"))
                == #"{"error":{"code":"bad_field","message":"no"}}"# + "\n")
        #expect(JSONWriter.number(0.125) == "0.125")
        #expect(JSONWriter.number(-3) == "-3")
        #expect(JSONWriter.number(1e20) == "1e+20")
        #expect(
            try JSONSerialization.jsonObject(with: Data(JSONWriter.number(1e-7).utf8), options: .fragmentsAllowed)
                as? Double == 1e-7)
    }
}
