import SLAAuth

/// How a listener's connections are authenticated: the authenticator, and who the caller is as
/// the listener knows it (the kernel's credentials on the socket, the address on TCP).
public struct ConnectionAccess: Sendable {
    public let authenticator: Authenticator
    public let caller: Authenticator.Caller

    public init(authenticator: Authenticator, caller: Authenticator.Caller) {
        self.authenticator = authenticator
        self.caller = caller
    }

    /// The API and the metrics page answer nobody without credentials (401 before any route runs);
    /// other paths (the console's pages) decide for themselves, e.g. offer a sign-in.
    static func needsPrincipal(_ uri: String) -> Bool {
        uri.hasPrefix("/v1/") || uri == "/v1" || uri.hasPrefix("/metrics")
    }
}
