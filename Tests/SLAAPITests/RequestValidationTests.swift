import Foundation
import SLAAPI
import SLACore
import Testing

/// What `validate()` refuses, whichever JSON reader read the body: ids that could forge a log
/// line, text with control characters, amounts below zero.
@Suite struct RequestValidationTests {
    static func refusedField(_ validate: () throws(RequestError) -> Void) -> String? {
        do {
            try validate()
            return nil
        } catch {
            guard case .badField(let field, _) = error else { return "not bad_field: \(error)" }
            #expect(error.code == "bad_field")
            #expect(error.description.contains("'\(field)'"))
            return field
        }
    }

    static let forgedLine = "S01\n<2>C-1 soft-first-reaction breached, escalated to hq"

    @Test(arguments: ["", "   ", "\u{0}S01", String(repeating: "S", count: 5_000), forgedLine, "S 01", "店01", "S01;"])
    func storesAreCodes(_ store: String) {
        #expect(
            Self.refusedField { () throws(RequestError) in try OpenCaseRequest(kind: "k", store: store).validate() }
                == "store")
    }

    @Test func goodOpensPass() throws {
        let open = OpenCaseRequest(
            kind: "soft-complaint", store: String(repeating: "S", count: 64), category: "product-quality",
            channel: "in-store", amount: 0, externalRef: "POS 2026/11-24 #7 王", actor: "店长 Zhang",
            note: "line one\nline two\tand a tab", idempotencyKey: "till7-8812:{x}",
            events: [InitialEvent(kind: "reacted", actor: String(repeating: "张", count: 128), note: "a\nb")])
        try open.validate()
        try RecordEventRequest(kind: "reacted", actor: "li", note: "\u{0}anything goes in a note").validate()
        try AcknowledgeRequest(actor: "amy").validate()
        try AcknowledgeRequest().validate()
    }

    @Test func eachFieldIsCheckedAndNamed() {
        func open(_ change: (inout OpenCaseRequest) -> Void) -> String? {
            var request = OpenCaseRequest(kind: "k", store: "S1")
            change(&request)
            return Self.refusedField { () throws(RequestError) in try request.validate() }
        }
        #expect(open { $0.category = "product quality" } == "category")
        #expect(open { $0.channel = "" } == "channel")
        #expect(open { $0.externalRef = "ref\r\n" } == "external_ref")
        #expect(open { $0.externalRef = " ref" } == "external_ref")
        #expect(open { $0.externalRef = String(repeating: "r", count: 129) } == "external_ref")
        #expect(open { $0.actor = "li\n<2>forged" } == "actor")
        #expect(open { $0.actor = "\u{202E}nimda" } == "actor")  // a bidirectional override
        #expect(open { $0.actor = "li\u{2028}x" } == "actor")  // a line separator
        #expect(open { $0.actor = "" } == "actor")
        #expect(open { $0.idempotencyKey = "a key" } == "idempotency_key")
        #expect(open { $0.idempotencyKey = "ключ" } == "idempotency_key")
        #expect(open { $0.idempotencyKey = String(repeating: "k", count: 129) } == "idempotency_key")
        #expect(open { $0.amount = -5 } == "amount")
        #expect(open { $0.amount = -0.01 } == "amount")
        #expect(open { $0.amount = .nan } == "amount")
        #expect(open { $0.amount = .infinity } == "amount")
        #expect(
            open { $0.events = [InitialEvent(kind: "a"), InitialEvent(kind: "b", actor: "x\u{7}")] }
                == "events[1].actor")
        #expect(
            Self.refusedField { () throws(RequestError) in
                try RecordEventRequest(kind: "e", actor: "li\nx").validate()
            } == "actor")
        #expect(
            Self.refusedField { () throws(RequestError) in
                try RecordEventRequest(kind: "e", idempotencyKey: "").validate()
            } == "idempotency_key")
        #expect(
            Self.refusedField { () throws(RequestError) in try AcknowledgeRequest(actor: "amy ").validate() }
                == "actor")
    }

    @Test func messagesSayWhatIsWrongAndWhatIsAllowed() {
        let error = RequestError.badField(
            field: "store", problem: FieldRule.store.problem(with: Self.forgedLine) ?? "")
        #expect(
            error.description
                == "field 'store' is refused: U+000A (a control or format character) at character 4 is not allowed; "
                + "it must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
        #expect(FieldRule.store.problem(with: "S 1") == "' ' (U+0020) at character 2 is not allowed")
        #expect(FieldRule.store.problem(with: String(repeating: "S", count: 65)) == "it is 65 characters long, over 64")
        #expect(FieldRule.actor.problem(with: " li") == "it starts or ends with a space")
        #expect(FieldRule.actor.problem(with: "") == "it is empty")
    }
}
