import Foundation
import SLACore
import SLAStore
import Testing

@testable import SLAServer

/// The hand-written JSON of the API's answers: valid, escaped, keys sorted, nils left out.
@Suite struct JSONWriterTests {
    static let policy: Policy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try! PolicyLoader.load(
            text: String(contentsOf: root.appendingPathComponent("config/policy.toml"), encoding: .utf8))
    }()

    static func text(_ value: some JSONWritable) -> String {
        var writer = JSONWriter()
        writer.line(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func object(_ value: some JSONWritable) throws -> [String: Any] {
        let data = Data(text(value).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
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

    @Test func aCaseAnswerHasSortedKeysAndLeavesNilsOut() throws {
        let engine = Engine(policy: Self.policy)
        let now = try #require(ISO8601.parse("2026-11-24T10:00:00+08:00"))
        let kind = try #require(Self.policy.kinds.keys.sorted().first)
        let (record, _) = try engine.open(
            CaseOpening(id: "C-7", kind: kind, store: "S01", amount: 12, openedAt: now), now: now)
        let view = CaseView(record, policy: Self.policy, now: now.adding(millis: 60_000), replayed: false)
        let text = Self.text(view)
        #expect(text.hasSuffix("}\n"))
        let object = try Self.object(view)
        #expect(object["id"] as? String == "C-7")
        #expect(object["replayed"] as? Bool == false)
        #expect(object["amount"] as? Int == 12)
        #expect(text.contains(#""amount":12,"#))
        #expect(object["category"] == nil && object["customer"] == nil && object["events"] == nil)
        #expect(object["opened_at"] as? String == "2026-11-24T10:00:00+08:00")
        let clocks = try #require(object["clocks"] as? [[String: Any]])
        #expect(clocks.count == record.clocks.count)
        let running = try #require(clocks.first { $0["status"] as? String == "running" })
        #expect(running["time_left_ms"] is Int)
        // The top-level keys appear in sorted order, as the API has always sent them.
        let keys = object.keys.sorted()
        let positions = keys.map { text.range(of: "\"\($0)\":", options: .backwards)!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func listsAndNumbers() throws {
        let list = ListView(name: "cases", items: [CustomerContact(name: "a"), CustomerContact(phone: "1")])
        #expect(Self.text(list) == #"{"cases":[{"name":"a"},{"phone":"1"}]}"# + "\n")
        #expect(Self.text(ListView<CustomerContact>(name: "entries", items: [])) == #"{"entries":[]}"# + "\n")
        #expect(JSONWriter.number(0.125) == "0.125")
        #expect(JSONWriter.number(-3) == "-3")
        #expect(JSONWriter.number(1e20) == "1e+20")
        #expect(
            try JSONSerialization.jsonObject(with: Data(JSONWriter.number(1e-7).utf8), options: .fragmentsAllowed)
                as? Double == 1e-7)
    }
}

/// Answers about clocks and refusals, read as staff read them.
@Suite struct CaseAnswerTests {
    static let policy = JSONWriterTests.policy

    /// A paused clock has no deadline, but the open time it will resume with: its budget less
    /// what it used before the pause (here 72 h less the 1 h 30 min before it).
    @Test func aPausedClockShowsTheTimeItHasLeft() throws {
        let engine = Engine(policy: Self.policy)
        let opened = try #require(ISO8601.parse("2026-11-24T10:00:00+08:00"))
        var (record, _) = try engine.open(
            CaseOpening(id: "C-1", kind: "repair-request", store: "S01", openedAt: opened), now: opened)
        let paused = opened.adding(millis: 90 * 60_000)
        _ = try engine.record("awaiting-customer", at: paused, on: &record, now: paused)
        let view = CaseView(record, policy: Self.policy, now: paused.adding(millis: 86_400_000))
        let clock = try #require(view.clocks.first { $0.name == "repair-concrete-reply" })
        #expect(clock.status == "paused" && clock.deadline == nil)
        #expect(clock.timeLeftMs == Int64(72 * 60 - 90) * 60_000)
        #expect(clock.lateByMs == nil)
    }

    /// An event dated before the opening is refused with both instants in the stores' zone
    /// (+08:00 here), not in UTC.
    @Test func dateRefusalsAreWrittenInTheStoresZone() throws {
        let opened = try #require(ISO8601.parse("2026-11-24T10:00:00+08:00"))
        let event = try #require(ISO8601.parse("2026-11-24T09:30:00+08:00"))
        let rule = EngineError.eventBeforeOpening(caseID: "C-1", eventAt: event, openedAt: opened)
        let error = APIError(.rule(rule), time: TimeFormatter(policy: Self.policy))
        #expect(error.status == .conflict && error.code == "event_before_opening")
        #expect(
            error.message
                == "event dated 2026-11-24T09:30:00+08:00 is before case 'C-1' was opened (2026-11-24T10:00:00+08:00)")
        let future = APIError(
            .rule(.initialEvent(index: 2, .eventInFuture(eventAt: opened, now: event))),
            time: TimeFormatter(policy: Self.policy))
        #expect(future.status == .unprocessableEntity && future.code == "event_in_future")
        #expect(
            future.message
                == "events[2]: event dated 2026-11-24T10:00:00+08:00 is in the future (now is 2026-11-24T09:30:00+08:00)"
        )
    }
}
