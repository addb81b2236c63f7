import Foundation
import SLACore
import SLAScheduler
import Testing

/// The fast reader of write bodies reads exactly what `JSONDecoder` reads, or declines.
@Suite struct FlatJSONTests {
    static let read: [String] = [
        #"{"kind":"noted","actor":"bench3"}"#,
        #" { "kind" : "noted" , "at" : "2026-03-01T10:00:00+08:00", "note": "顾客已回电" } "#,
        #"{"kind":"noted","actor":null,"idempotency_key":"k-1","unknown":true}"#,
        #"{"kind":"soft","store":"S1","amount":-12.5e2,"channel":"phone","opened_at":"2026-01-01T00:00:00Z"}"#,
        #"{"kind":"soft","store":"S1","amount":0,"customer":null}"#,
    ]
    static let declined: [String] = [
        #"{"kind":"no\"ted"}"#,  // an escape
        #"{"kind":"noted","kind":"other"}"#,  // a repeated key
        #"{"kind":"soft","store":"S1","customer":{"name":"Li"}}"#,  // nesting
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
    /// `kind` and `store`: each read must equal the decoder's.
    @Test func agreesWithTheDecoderOnEveryBodyOfTheVocabulary() throws {
        let keys = ["kind", "store", "at", "opened_at", "actor", "note", "amount", "channel", "idempotency_key", "x"]
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
        for text in bodies {
            let data = Data(text.utf8)
            guard let flat = FlatJSONObject(Array(text.utf8)) else { continue }
            if let event = RecordEventRequest(flat: flat) {
                accepted += 1
                #expect(event == (try? JSONDecoder().decode(RecordEventRequest.self, from: data)), "\(text)")
            }
            if let open = OpenCaseRequest(flat: flat) {
                accepted += 1
                #expect(open == (try? JSONDecoder().decode(OpenCaseRequest.self, from: data)), "\(text)")
            }
        }
        #expect(accepted > 500)
    }
}
