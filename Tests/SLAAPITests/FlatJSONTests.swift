import Foundation
import SLAAPI
import SLACore
import Testing

/// The fast reader of write bodies reads exactly what `JSONDecoder` reads, or declines.
@Suite struct FlatJSONTests {
    static let read: [String] = [
        #"{"kind":"noted","actor":"bench3"}"#,
        #" { "kind" : "noted" , "at" : "2026-03-01T10:00:00+08:00", "note": "顾客已回电" } "#,
        #"{"kind":"noted","actor":null,"idempotency_key":"k-1"}"#,
        #"{"kind":"soft","store":"S1","amount":-12.5e2,"channel":"phone","opened_at":"2026-01-01T00:00:00Z"}"#,
        #"{"kind":"soft","store":"S1","amount":0,"customer":null,"events":null}"#,
    ]
    static let declined: [String] = [
        #"{"kind":"no\"ted"}"#,  // an escape
        #"{"kind":"noted","kind":"other"}"#,  // a repeated key
        #"{"kind":"soft","store":"S1","customer":{"name":"Li"}}"#,  // nesting
        #"{"kind":"soft","store":"S1","events":[]}"#,  // an array
        #"{"kind":"noted","actor":null,"idempotency_key":"k-1","unknown":true}"#,  // an unknown key
        #"{"kind":"soft","store":"S1","amount":012}"#,  // not JSON's number grammar
        #"{"kind":"soft","store":"S1","amount":1e999}"#,  // not representable
        #"{"kind":"soft","store":"S1","amount":1e-400}"#,  // not zero, but reads as 0
        #"{"kind":"noted"} x"#, #"{"kind":"noted",}"#, #"["kind"]"#, "", "{", #"{"kind":"a"#,
        "{\"kind\":\"tab\there\"}",  // a raw control character
    ]

    @Test(arguments: read)
    func readsWhatTheDecoderReads(_ text: String) throws {
        let flat = try #require(FlatJSONObject(Array(text.utf8)))
        let data = Data(text.utf8)
        if let event = RecordEventRequest(flat: flat) {
            #expect(event == (try JSONDecoder().decode(RecordEventRequest.self, from: data)))
        }
        if let open = OpenCaseRequest(flat: flat) {
            #expect(open == (try JSONDecoder().decode(OpenCaseRequest.self, from: data)))
        }
        #expect(RecordEventRequest(flat: flat) != nil || OpenCaseRequest(flat: flat) != nil)
    }

    @Test(arguments: declined)
    func declinesWhatItDoesNotRead(_ text: String) {
        let flat = FlatJSONObject(Array(text.utf8))
        #expect(flat.flatMap(RecordEventRequest.init(flat:)) == nil)
        #expect(flat.flatMap(OpenCaseRequest.init(flat:)) == nil)
    }

    /// Fields of the wrong type, a missing required field, a bad instant: the decoder's error
    /// message is the answer, so the reader must not accept them.
    @Test(arguments: [
        #"{"kind":1}"#, #"{"actor":"x"}"#, #"{"kind":"noted","at":"yesterday"}"#, #"{"kind":"noted","note":5}"#,
        #"{"kind":null}"#, #"{"kind":"soft","store":"S1","amount":"12"}"#,
        #"{"kind":"soft","store":"S1","customer":"Li"}"#,
    ])
    func leavesErrorsToTheDecoder(_ text: String) throws {
        let flat = try #require(FlatJSONObject(Array(text.utf8)))
        let data = Data(text.utf8)
        if (try? JSONDecoder().decode(RecordEventRequest.self, from: data)) == nil {
            #expect(RecordEventRequest(flat: flat) == nil)
        }
        if (try? JSONDecoder().decode(OpenCaseRequest.self, from: data)) == nil {
            #expect(OpenCaseRequest(flat: flat) == nil)
        }
    }

    /// Every body of one or two fields from the fields' own vocabulary, alone and after a valid
    /// `kind` and `store`: each read must equal the decoder's, and a body with a key neither
    /// request has (`x`, `ammount`) is refused by the decoder and declined by the reader.
    @Test func agreesWithTheDecoderOnEveryBodyOfTheVocabulary() throws {
        let keys = [
            "kind", "store", "at", "opened_at", "actor", "note", "amount", "channel", "idempotency_key", "x", "ammount",
        ]
        let values = [
            #""noted""#, #""S1""#, #""2026-05-01T08:30:00+02:00""#, "null", "true", "1.25", "-0", "3E+2", #""""#,
            #""é""#, "7",
        ]
        let fields = keys.flatMap { key in values.map { "\"\(key)\":\($0)" } }
        var bodies: [String] = []
        for first in fields {
            bodies.append("{\(first)}")
            bodies.append(#"{"kind":"noted","store":"S2","# + first + "}")
            for second in fields { bodies.append("{\(first),\(second)}") }
        }
        var accepted = 0
        var unknown = 0
        for text in bodies {
            let data = Data(text.utf8)
            let hasUnknownKey = text.contains(#""x":"#) || text.contains(#""ammount":"#)
            if hasUnknownKey {
                unknown += 1
                #expect(Self.refusal(RecordEventRequest.self, data)?.code == "unknown_field", "\(text)")
                #expect(Self.refusal(OpenCaseRequest.self, data)?.code == "unknown_field", "\(text)")
            }
            guard let flat = FlatJSONObject(Array(text.utf8)) else { continue }
            if let event = RecordEventRequest(flat: flat) {
                accepted += 1
                #expect(!hasUnknownKey, "\(text)")
                #expect(event == (try? JSONDecoder().decode(RecordEventRequest.self, from: data)), "\(text)")
            }
            if let open = OpenCaseRequest(flat: flat) {
                accepted += 1
                #expect(!hasUnknownKey, "\(text)")
                #expect(open == (try? JSONDecoder().decode(OpenCaseRequest.self, from: data)), "\(text)")
            }
        }
        #expect(accepted > 250)
        #expect(unknown > 4_000)
    }

    /// The decoder's `RequestError`, if it refused `data` with one.
    static func refusal<T: Decodable>(_ type: T.Type, _ data: Data) -> RequestError? {
        do {
            _ = try JSONDecoder().decode(type, from: data)
            return nil
        } catch {
            return error as? RequestError
        }
    }

    /// Unknown keys are refused wherever they are: at the top, in the customer, in an event.
    @Test(arguments: [
        (#"{"kind":"market-complaint","store":"S1","ammount":5000}"#, "ammount"),
        (#"{"kind":"soft","store":"S1","customer":{"name":"Li","fone":"1"}}"#, "customer.fone"),
        (
            #"{"kind":"soft","store":"S1","events":[{"kind":"reacted"},{"kind":"checked","when":"x"}]}"#,
            "events[1].when"
        ),
        (#"{"kind":"soft","store":"S1","ammount":null}"#, "ammount"),
    ])
    func refusesUnknownKeysAtAnyDepth(_ text: String, _ field: String) throws {
        let refusal = try #require(Self.refusal(OpenCaseRequest.self, Data(text.utf8)))
        guard case .unknownField(let named, let known) = refusal else {
            Issue.record("not an unknown field: \(refusal)")
            return
        }
        #expect(named == field)
        #expect(!known.isEmpty && refusal.description.contains(field))
        #expect(FlatJSONObject(Array(text.utf8)).flatMap(OpenCaseRequest.init(flat:)) == nil)
    }
}
