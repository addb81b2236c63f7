import Foundation

/// How a client (slactl, slabench) puts requests on the wire and reads the answers, so that both
/// sides agree by construction: requests are the types the server decodes, answers the views it
/// writes.
public enum APIJSON {
    /// A request body, keys sorted. Slashes stay unescaped: an escape sends the body past the
    /// server's fast reader (`FlatJSONObject`), to `JSONDecoder`.
    public static func encode(_ request: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(request)
    }

    /// An answer as its view (`CaseView`, `EntryList`, `ErrorView`...). Fields the view does not
    /// know are passed over, so an older client reads a newer server's answers.
    public static func decode<Answer: Decodable>(_ type: Answer.Type, from data: Data) throws -> Answer {
        try JSONDecoder().decode(type, from: data)
    }
}
