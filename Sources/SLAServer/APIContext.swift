import Hummingbird

/// The request context of the API: Hummingbird's, plus who is on the other end of the connection.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer as the kernel says (`uid 1000 (amy)` from SO_PEERCRED on the Unix socket), or the
    /// authenticated TCP client's address. Recorded with the actor of every write.
    public var peer: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
