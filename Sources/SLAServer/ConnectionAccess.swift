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

    /// The API and the metrics page answer nobody without credentials (401 before any route runs;
    /// every API route checks again); other paths (the console's pages) decide for themselves,
    /// e.g. offer a sign-in. Leading slashes are passed over as the router passes them over.
    static func needsPrincipal(_ uri: String) -> Bool {
        let path = uri.drop { $0 == "/" }
        return path == "v1" || path.hasPrefix("v1/") || path.hasPrefix("v1?") || path.hasPrefix("metrics")
    }
}
