import NIOHTTP1
import SLAAPI
import SLACore
import SLAScheduler
import SLAStore

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
        case .store(let failure):
            self.init(failure)
        case .idempotencyKeyReused:
            self.init(status: .conflict, code: "idempotency_key_reused", message: error.description)
        case .stopping:
            self.init(status: .serviceUnavailable, code: "stopping", message: error.description)
        }
    }

    /// What may pass is 503, so that clients retry; what will not (a broken rule, a damaged file)
    /// is 500.
    init(_ failure: StoreFailure) {
        let (status, code): (HTTPResponseStatus, String)
        switch failure.kind {
        case .diskFull: (status, code) = (.serviceUnavailable, "disk_full")
        case .io: (status, code) = (.serviceUnavailable, "store_unavailable")
        case .busy: (status, code) = (.serviceUnavailable, "store_busy")
        case .constraint, .other: (status, code) = (.internalServerError, "store_failed")
        case .corrupt: (status, code) = (.internalServerError, "store_corrupt")
        }
        self.init(status: status, code: code, message: failure.message)
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
