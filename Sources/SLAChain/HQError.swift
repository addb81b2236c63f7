import PostgresNIO

/// What went wrong at HQ, said so that an operator can act on it.
public struct HQError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The SQLSTATE of the server error under `error`, if there is one (`42501`: a row level
    /// security policy or a missing privilege refused it; `55P03`: a lock was not obtained in time).
    public static func sqlState(of error: any Error) -> String? {
        serverError(in: error)?.serverInfo?[.sqlState]
    }

    /// PostgresNIO keeps the server's message out of its errors' descriptions (they may carry
    /// data); HQ's tools print it, since it is what tells an operator what was refused and why.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HQError { return error.description }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return describe(inner)
            }
        }
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let info = psql.serverInfo {
            var text = info[.message] ?? "server error"
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        switch psql.code {
        case .connectionError:
            return "cannot connect to HQ's PostgreSQL: \(psql.underlying.map { "\($0)" } ?? "refused")"
        case .serverClosedConnection, .clientClosedConnection: return "the connection to HQ's PostgreSQL was lost"
        case .sslUnsupported: return "HQ's PostgreSQL does not offer TLS"
        case .authMechanismRequiresPassword: return "HQ's PostgreSQL asks for a password: give --password-file"
        default: return "PostgreSQL: \(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")"
        }
    }

    private static func serverError(in error: any Error) -> PSQLError? {
        if let psql = error as? PSQLError { return psql }
        if let transaction = error as? PostgresTransactionError {
            for inner in [transaction.closureError, transaction.beginError, transaction.commitError] {
                if let inner, let found = serverError(in: inner) { return found }
            }
        }
        return nil
    }
}
