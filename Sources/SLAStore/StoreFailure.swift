import GRDB

/// Why the store could not read or write, sorted by what the daemon does about it. A full disk,
/// an I/O error or a lock may pass: the API answers 503 and the scheduler retries. A broken
/// constraint or a damaged file fails the same way however often it is tried: 500, and no retry.
public struct StoreFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// SQLITE_FULL.
        case diskFull
        /// SQLITE_IOERR*, SQLITE_CANTOPEN, SQLITE_READONLY.
        case io
        /// SQLITE_BUSY, SQLITE_LOCKED: another connection or process holds the file.
        case busy
        /// SQLITE_CONSTRAINT*: a write the schema refuses, a bug rather than the disk.
        case constraint
        /// SQLITE_CORRUPT, SQLITE_NOTADB, or a case row that cannot be decoded.
        case corrupt
        case other
    }

    public let kind: Kind
    /// For people; names tables and columns, never a customer's data.
    public let message: String
    /// The statement that failed, on one line, without its arguments (they hold customer data).
    public let statement: String?

    /// Whether trying again later may succeed.
    public var retryable: Bool {
        switch kind {
        case .diskFull, .io, .busy: return true
        case .constraint, .corrupt, .other: return false
        }
    }

    public var description: String { message }

    public init(kind: Kind, message: String, statement: String? = nil) {
        self.kind = kind
        self.message = message
        self.statement = statement
    }

    /// Classifies whatever a store operation threw.
    public init(_ error: any Error) {
        switch error {
        case let failure as StoreFailure:
            self = failure
        case let error as DatabaseError:
            self.init(error)
        case let error as CaseCodec.CorruptState:
            self.init(kind: .corrupt, message: "the store is damaged: \(error)")
        default:
            self.init(kind: .other, message: "the store failed: \(error)")
        }
    }

    /// GRDB's `message` is SQLite's (`UNIQUE constraint failed: cases.id`); its `description`
    /// is not used, as it may carry the statement's arguments.
    public init(_ error: DatabaseError) {
        let kind = Self.kind(of: error.extendedResultCode)
        let detail = error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
        let message: String
        switch kind {
        case .diskFull: message = "the disk holding the store is full"
        case .io: message = "the store cannot be read or written: \(detail)"
        case .busy: message = "the store is locked by another connection: \(detail)"
        case .constraint: message = "a write broke a rule of the store: \(detail)"
        case .corrupt: message = "the store is damaged: \(detail)"
        case .other: message = "the store failed: \(detail)"
        }
        let statement = error.sql.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        self.init(kind: kind, message: message, statement: statement)
    }

    /// The kind of an SQLite result code (primary or extended).
    public static func kind(of code: ResultCode) -> Kind {
        switch code.primaryResultCode {
        case .SQLITE_FULL: return .diskFull
        // Out of memory, interrupted, a lock protocol error: what the moment caused, not the data.
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_NOMEM, .SQLITE_INTERRUPT, .SQLITE_PROTOCOL:
            return .io
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_CONSTRAINT: return .constraint
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt
        default: return .other
        }
    }
}
