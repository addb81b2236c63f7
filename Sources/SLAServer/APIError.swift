import NIOHTTP1
import SLACore
import SLAScheduler

/// Every refusal as JSON with a stable code and a human message: `{"error":{"code":..,"message":..}}`.
struct APIError: Error {
    let status: HTTPResponseStatus
    let code: String
    let message: String

    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }

    static let tooLarge = APIError(
        status: .payloadTooLarge, code: "body_too_large", message: "request body over \(Routes.maxBodyBytes) bytes")

    init(status: HTTPResponseStatus, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// A body the API refuses before the service sees it.
    init(_ error: RequestError) {
        self.init(status: .badRequest, code: error.code, message: error.description)
    }

    /// The status each refusal of the service maps to; instants in the message as `time` writes
    /// them (UTC without it).
    init(_ error: ServiceError, time: TimeFormatter? = nil) {
        switch error {
        case .rule(let rule):
            let message = time.map { rule.message(time: $0.format) } ?? rule.description
            self.init(status: Self.status(of: rule), code: rule.code, message: message)
        case .unavailable(let store):
            self.init(
                status: .serviceUnavailable, code: store.diskFull ? "disk_full" : "store_unavailable",
                message: store.message)
        case .idempotencyKeyReused:
            self.init(status: .conflict, code: "idempotency_key_reused", message: error.description)
        case .stopping:
            self.init(status: .serviceUnavailable, code: "stopping", message: error.description)
        }
    }

    static func status(of error: EngineError) -> HTTPResponseStatus {
        switch error {
        case .unknownCase: return .notFound
        case .duplicateCase, .caseClosed, .alreadyResolved, .eventBeforeOpening, .eventOutOfOrder, .pauseAfterBreach:
            return .conflict
        case .unknownCaseKind, .unknownEventKind, .unknownCategory, .unknownChannel, .eventInFuture, .noDeadline:
            return .unprocessableEntity
        case .initialEvent(_, let error): return status(of: error)
        }
    }
}
