import Foundation
import SLAAPI
import SLACore
import Testing

/// The answers as the server writes them (`JSONWriter`) and as clients read them
/// (`APIJSON.decode`, slactl's and slabench's only way): every field of every view comes back as
/// it was written, and the writer writes what Foundation's encoder writes.
@Suite struct ViewTests {
    static let clock = ClockView(
        name: "soft-check", title: "Check / verification (核对)", status: "breached", cycle: 2, target: "30m",
        calendar: "store", startedAt: "2026-11-24T10:00:00.214+08:00", deadline: "2026-11-24T10:30:00.214+08:00",
        timeLeftMs: 1_796_000, lateByMs: 86_400_123, used: 0.123, satisfiedAt: "2026-11-25T10:30:00+08:00",
        escalatedTo: "hq", frozen: "the policy lacks its calendar 'store'", provisional: true,
        provisionalReason: "counted past the holiday data of calendar 'office' (it ends 2026-12-31)")
    static let event = EventView(
        seq: 42, kind: "reacted", at: "2026-11-24T10:05:00+08:00", recordedAt: "2026-11-24T10:06:00.5+08:00",
        actor: "amy via uid 0 (root)", note: "apologised \"at the desk\"\nthen called back / 已回电\ttab \\ done")
    /// Every field set: a field the writer leaves out, or writes under another key than the view
    /// decodes, comes back nil.
    static let fullCase = CaseView(
        id: "C-1042", kind: "hard-complaint", store: "S01", category: "product-quality", channel: "in-store",
        amount: 1200.5, externalRef: "POS 2026/11-24 #7 王", openedAt: "2026-11-24T10:00:00.214+08:00",
        status: "resolved", resolvedAt: "2026-11-24T12:00:00+08:00", closedAt: "2026-11-25T09:00:00+08:00",
        overdue: true, nextDue: "2026-11-27T18:00:00+08:00",
        clocks: [clock, ClockView(name: "revisit", status: "pending", cycle: 0)],
        events: [
            event, EventView(kind: "opened", at: "2026-11-24T10:00:00+08:00", recordedAt: "2026-11-24T10:00:00+08:00"),
        ],
        customer: CustomerContact(name: "李女士", phone: "+86 138 0000 0000"), replayed: false)
    static let bareCase = CaseView(
        id: "C-1", kind: "soft-complaint", store: "S02", openedAt: "2026-11-22T10:00:52+08:00", status: "open",
        overdue: false, clocks: [])
    static let fullEntry = EntryView(
        id: 9_007_199_254_740_993, caseId: "C-2", clock: "soft-first-reaction", cycle: 1, tier: "duty-supervisor",
        kind: "breach", store: "S02", caseKind: "soft-complaint", dueAt: "2026-11-22T10:15:52+08:00",
        deadline: "2026-11-22T10:15:52+08:00", writtenAt: "2026-11-24T10:00:00.214+08:00", lateMs: 172_448_000,
        state: "acknowledged", ackedBy: "amy/li via uid 0 (root)", ackedAt: "2026-11-24T10:01:07.902+08:00",
        provisional: true, provisionalReason: "counted past the holiday data of calendar 'office'")
    static let bareEntry = EntryView(
        id: 1, caseId: "C-1", clock: "c", cycle: 0, tier: "t", kind: "warning", store: "S", caseKind: "k",
        dueAt: "2026-11-22T10:15:52Z", deadline: "2026-11-22T10:15:52Z", writtenAt: "2026-11-22T10:15:52Z", lateMs: 0,
        state: "pending")
    static let fullHealth = HealthView(
        status: "degraded", version: "0.9.0", now: "2026-11-24T10:00:00+08:00", activeCases: 3, runningClocks: 7,
        nextDue: "2026-11-24T10:15:00+08:00", nextCase: "C-1", nextClock: "soft-first-reaction", pendingEntries: 4,
        overdueCases: 1, storeError: "disk full: database or disk is full", orphanedCases: 2,
        provisionalCases: ["store": 1, "office": 2],
        calendarWarnings: ["calendar 'office': holiday data ends 2026-12-31"])
    static let bareHealth = HealthView(
        status: "ok", version: "0.9.0", now: "2026-11-24T10:00:00+08:00", activeCases: 0, runningClocks: 0,
        orphanedCases: 0)

    static func written(_ value: some JSONWritable) -> Data {
        var writer = JSONWriter()
        writer.line(value)
        return Data(writer.bytes)
    }

    /// As text, so that a failure shows both.
    static func writtenText(_ value: some JSONWritable) -> String {
        String(decoding: written(value), as: UTF8.self)
    }

    static func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    @Test func everyAnswerComesBackAsWritten() throws {
        for view in [Self.fullCase, Self.bareCase] {
            #expect(try APIJSON.decode(CaseView.self, from: Self.written(view)) == view)
        }
        let list = CaseList(cases: [Self.fullCase, Self.bareCase])
        #expect(try APIJSON.decode(CaseList.self, from: Self.written(list)) == list)
        for entry in [Self.fullEntry, Self.bareEntry] {
            #expect(try APIJSON.decode(EntryView.self, from: Self.written(entry)) == entry)
        }
        let entries = EntryList(entries: [Self.fullEntry, Self.bareEntry])
        #expect(try APIJSON.decode(EntryList.self, from: Self.written(entries)) == entries)
        for health in [Self.fullHealth, Self.bareHealth] {
            #expect(try APIJSON.decode(HealthView.self, from: Self.written(health)) == health)
        }
        let version = VersionView(version: "0.9.0")
        #expect(try APIJSON.decode(VersionView.self, from: Self.written(version)) == version)
        let refusal = ErrorView(code: "unknown_case", message: "no case 'C-9'")
        let read = try APIJSON.decode(ErrorView.self, from: Self.written(refusal))
        #expect(read == refusal && read.code == "unknown_case" && read.message == "no case 'C-9'")
    }

    /// Byte for byte what `JSONEncoder` writes with sorted keys: the hand-written writer and the
    /// views' coding keys name the same fields, in the same order, the same way.
    @Test func theWriterWritesWhatFoundationEncodes() throws {
        #expect(Self.writtenText(Self.fullCase) == (try Self.foundation(Self.fullCase)))
        #expect(Self.writtenText(Self.bareCase) == (try Self.foundation(Self.bareCase)))
        #expect(Self.writtenText(Self.fullEntry) == (try Self.foundation(Self.fullEntry)))
        #expect(Self.writtenText(Self.fullHealth) == (try Self.foundation(Self.fullHealth)))
        #expect(Self.writtenText(Self.bareHealth) == (try Self.foundation(Self.bareHealth)))
        #expect(
            Self.writtenText(EntryList(entries: [Self.bareEntry]))
                == (try Self.foundation(EntryList(entries: [Self.bareEntry]))))
        #expect(
            Self.writtenText(ErrorView(code: "c", message: "m"))
                == (try Self.foundation(ErrorView(code: "c", message: "m"))))
    }

    /// Health leaves out what there is none of, as the server always has.
    @Test func emptyHealthListsAreLeftOut() {
        let health = HealthView(
            status: "ok", version: "1", now: "t", activeCases: 0, runningClocks: 0, orphanedCases: 0,
            provisionalCases: [:], calendarWarnings: [])
        #expect(health.provisionalCases == nil && health.calendarWarnings == nil)
        #expect(!Self.writtenText(health).contains("provisional") && !Self.writtenText(health).contains("calendar"))
    }

    /// A newer slad may add fields: an older client passes over them instead of failing.
    @Test func fieldsAClientDoesNotKnowArePassedOver() throws {
        let text =
            #"{"id":"C-1","kind":"k","store":"S","opened_at":"t","status":"open","overdue":false,"clocks":[],"#
            + #""priority":"high","sla":{"tier":2}}"#
        let read = try APIJSON.decode(CaseView.self, from: Data(text.utf8))
        #expect(read.id == "C-1" && read.clocks.isEmpty && read.events == nil)
    }

    /// What a client reads must be there: an answer without a case's id is refused, not read as "".
    @Test func aMissingFieldIsRefused() {
        let text = #"{"kind":"k","store":"S","opened_at":"t","status":"open","overdue":false,"clocks":[]}"#
        #expect(throws: DecodingError.self) { try APIJSON.decode(CaseView.self, from: Data(text.utf8)) }
    }
}

/// Requests as clients encode them (`APIJSON.encode`) are what the server reads, by either reader.
@Suite struct RequestEncodingTests {
    static let instant = ISO8601.parse("2026-11-24T09:40:00.5+08:00")!

    @Test func flatRequestsTakeTheFastReaderAndReadAsSent() throws {
        let opens = [
            OpenCaseRequest(kind: "soft-complaint", store: "S01"),
            OpenCaseRequest(
                kind: "market-complaint", store: "S01", category: "product-quality", channel: "in-store",
                amount: 1999.5,
                externalRef: "POS 2026/11-24 #7", openedAt: Self.instant, actor: "店长 Zhang", note: "a/b",
                idempotencyKey: "till7-8812"),
        ]
        for open in opens {
            let data = try APIJSON.encode(open)
            let flat = try #require(FlatJSONObject(Array(data)), "\(String(decoding: data, as: UTF8.self))")
            #expect(OpenCaseRequest(flat: flat) == open)
            #expect(try JSONDecoder().decode(OpenCaseRequest.self, from: data) == open)
        }
        let event = RecordEventRequest(
            kind: "reacted", at: Self.instant, actor: "amy", note: "回电", idempotencyKey: "k/1")
        let data = try APIJSON.encode(event)
        #expect(FlatJSONObject(Array(data)).flatMap(RecordEventRequest.init(flat:)) == event)
        #expect(try JSONDecoder().decode(RecordEventRequest.self, from: data) == event)
    }

    @Test func nestedRequestsReadAsSent() throws {
        let open = OpenCaseRequest(
            kind: "soft-complaint", store: "S01", customer: CustomerContact(name: "李", phone: "138"),
            openedAt: Self.instant, actor: "li",
            events: [
                InitialEvent(kind: "reacted", at: Self.instant.adding(millis: 300_000)),
                InitialEvent(kind: "checked", actor: "amy", note: "line\nbreak"),
            ])
        #expect(try JSONDecoder().decode(OpenCaseRequest.self, from: APIJSON.encode(open)) == open)
        let ack = AcknowledgeRequest(actor: "amy")
        #expect(try JSONDecoder().decode(AcknowledgeRequest.self, from: APIJSON.encode(ack)) == ack)
        #expect(String(decoding: try APIJSON.encode(AcknowledgeRequest()), as: UTF8.self) == "{}")
    }
}
