import NIOHTTP1

/// A console answer: a page, a fragment, a redirect, a static file.
public struct ConsoleResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: String
    /// Extra headers (`Set-Cookie` may repeat), before the ones every answer carries.
    public var headers: [(name: String, value: String)] = []

    public init(status: HTTPResponseStatus = .ok, contentType: String = "text/html; charset=utf-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// 303: the browser GETs `location` (after a form's POST, or to sign in).
    public static func redirect(_ location: String) -> ConsoleResponse {
        var response = ConsoleResponse(status: .seeOther, contentType: "text/plain; charset=utf-8", body: "")
        response.headers.append(("location", location))
        return response
    }

    public mutating func setCookie(_ value: String) {
        headers.append(("set-cookie", value))
    }

    /// The header value for `name`, the first if it repeats.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// What every console answer carries: nothing of it is cached, framed, sent on as a referrer,
    /// or run unless it came from slad itself (no inline script or style, nothing from elsewhere).
    public static let securityHeaders: [(name: String, value: String)] = [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        ),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
    ]
}
