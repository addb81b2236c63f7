import Foundation
import SLAAPI
import SLACore
import Testing

@testable import SLAServer
@testable import SLAStore

/// The answers the server makes from its records, as slactl reads them back (`APIJSON.decode`).
@Suite struct ServerViewTests {
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

    /// The response body a route sends, read by the client's decoder.
    static func readBack<View: Decodable>(_ response: APIResponse, as type: View.Type) throws -> View {
        try APIJSON.decode(type, from: Data(response.body.readableBytesView))
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

    /// A case that lived (events, a met clock, a breach escalated, a paused one, the customer), its
    /// queue entries, a list and a refusal: what slactl decodes is what the server made.
    @Test func slactlReadsEveryAnswerAsTheServerMadeIt() throws {
        let engine = Engine(policy: Self.policy)
        let opened = try #require(ISO8601.parse("2026-11-24T10:00:00+08:00"))
        var (record, _) = try engine.open(
            CaseOpening(
                id: "C-3", kind: "repair-request", store: "S01", category: "product-quality", channel: "phone",
                amount: 1999.5, externalRef: "POS/7", openedAt: opened), now: opened)
        let later = opened.adding(millis: 90 * 60_000)
        _ = try engine.record("awaiting-customer", at: later, on: &record, now: later)
        let now = opened.adding(millis: 3 * 86_400_000)
        let effects = engine.advance(&record, to: now)
        let events = [
            EventRecord(
                caseID: "C-3", kind: "opened", at: opened, recordedAt: opened, actor: "li via uid 0 (root)",
                note: nil, idempotencyKey: nil),
            EventRecord(
                caseID: "C-3", kind: "awaiting-customer", at: later, recordedAt: later, actor: "amy",
                note: "rang twice / 未接\nleft a message", idempotencyKey: "k-1"),
        ]
        var shown = CaseView(record, policy: Self.policy, now: now, events: events, replayed: true)
        shown.customer = CustomerContact(name: "李", phone: "138")
        #expect(shown.clocks.contains { $0.timeLeftMs != nil } && shown.clocks.contains { $0.lateByMs != nil })
        #expect(try Self.readBack(.json(shown), as: CaseView.self) == shown)
        let list = CaseList(cases: [shown, CaseView(record, policy: Self.policy, now: now)])
        #expect(try Self.readBack(.json(list), as: CaseList.self) == list)

        let escalations = effects.compactMap(\.escalation)
        #expect(!escalations.isEmpty)
        let time = TimeFormatter(policy: Self.policy)
        let entries = escalations.enumerated().map { index, escalation in
            EntryView(
                QueueEntry(
                    id: Int64(index + 1), escalation: escalation, store: "S01", caseKind: "repair-request",
                    writtenAt: now, lateMillis: now - escalation.dueAt, state: index == 0 ? .acknowledged : .pending,
                    ackedBy: index == 0 ? "amy via uid 0 (root)" : nil, ackedAt: index == 0 ? now : nil),
                time: time)
        }
        #expect(try Self.readBack(.json(EntryList(entries: entries)), as: EntryList.self).entries == entries)
        #expect(try Self.readBack(.json(entries[0]), as: EntryView.self) == entries[0])

        let refusal = try Self.readBack(
            .error(APIError(status: .notFound, code: "unknown_case", message: "no case 'C-9'")), as: ErrorView.self)
        #expect(refusal.code == "unknown_case" && refusal.message == "no case 'C-9'")
    }
}

/// Answers about clocks and refusals, read as staff read them.
@Suite struct CaseAnswerTests {
    static let policy = ServerViewTests.policy

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
