import Foundation

/// A request as the console reads it: what it needs of the HTTP request, copied out of NIO's
/// types so that pages can be made on any thread and tested without a socket.
public struct ConsoleRequest: Sendable {
    public var method: String
    /// Without the query: `/console/cases/C-1`.
    public var path: String
    /// The first value of each query parameter, percent-decoded.
    public var query: [String: String]
    /// The first value of each cookie.
    public var cookies: [String: String]
    public var acceptLanguage: String?
    public var contentType: String?
    public var body: [UInt8]
    /// The client's IP address, for the sign-in rate limit.
    public var clientAddress: String
    /// The `:name` segments of the route, percent-decoded.
    public var parameters: [String: String]

    public init(
        method: String, path: String, query: [String: String] = [:], cookies: [String: String] = [:],
        acceptLanguage: String? = nil, contentType: String? = nil, body: [UInt8] = [], clientAddress: String = "",
        parameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.cookies = cookies
        self.acceptLanguage = acceptLanguage
        self.contentType = contentType
        self.body = body
        self.clientAddress = clientAddress
        self.parameters = parameters
    }

    /// The language of the answer: the `lang` cookie, else `Accept-Language`.
    public var language: Language {
        Language.choose(cookie: cookies[Cookies.language], acceptLanguage: acceptLanguage)
    }

    /// The body as a form (`application/x-www-form-urlencoded`), or nil when it is something else
    /// or cannot be read.
    public var form: [String: String]? {
        guard let contentType, contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
            return body.isEmpty ? [:] : nil
        }
        return FormBody.parse(body)
    }
}

/// `a=1&b=two+words`: the encoding of HTML forms and of query strings.
public enum FormBody {
    /// The first value of each name; nil when the text is not UTF-8 or a percent escape is broken.
    public static func parse(_ bytes: [UInt8]) -> [String: String]? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return parse(text)
    }

    public static func parse(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for item in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func decode(_ text: Substring) -> String? {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.contains("%") ? spaced.removingPercentEncoding : spaced
    }

    /// A value for a query string or a path segment: everything but letters, digits and `-._~`
    /// percent-encoded.
    public static func encode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// `Cookie: a=1; b=2`.
public enum Cookies {
    /// The session's cookie: its value names a session that slad keeps (SLAAuth).
    public static let session = "slad_session"
    /// A random value set before sign-in, repeated by the sign-in form: a double-submitted token
    /// (another site can make a browser post, but neither read nor set this cookie).
    public static let signIn = "slad_signin"
    /// `en` or `zh`, set by the language switch.
    public static let language = "lang"

    public static func parse(_ header: String?) -> [String: String] {
        guard let header else { return [:] }
        var cookies: [String: String] = [:]
        for item in header.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            if !name.isEmpty, cookies[name] == nil { cookies[name] = value }
        }
        return cookies
    }

    /// A `Set-Cookie` value: always `HttpOnly; Secure; SameSite=Strict` and scoped to the console.
    /// `maxAge` nil: until the browser closes; 0: delete it now.
    public static func set(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var parts = ["\(name)=\(value)", "Path=/console"]
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        parts += ["HttpOnly", "Secure", "SameSite=Strict"]
        return parts.joined(separator: "; ")
    }

    public static func delete(_ name: String) -> String {
        set(name, "", maxAge: 0)
    }
}
