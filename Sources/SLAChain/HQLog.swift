import Logging
import Synchronization

/// Loggers for PostgresNIO's own chatter: quiet unless asked.
public enum HQLog {
    /// Errors only: PostgresNIO logs every connection's life at debug and trace.
    public static let quiet: Logger = {
        var logger = Logger(label: "slad.hq")
        logger.logLevel = .error
        return logger
    }()

    private static let connections = Atomic<Int>(0)

    /// An id for each connection this process opens, for PostgresNIO's log metadata.
    static func nextConnectionID() -> Int {
        connections.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
