import Foundation
import NIOCore
import NIOHTTP1
import SLAScheduler
import SLAStore
import Testing

@testable import SLAServer

/// What the API answers for each kind of store failure: 503 for what may pass, 500 for what will not.
@Suite struct StoreErrorTests {
    @Test(arguments: [
        (StoreFailure.Kind.diskFull, 503, "disk_full"), (.io, 503, "store_unavailable"), (.busy, 503, "store_busy"),
        (.constraint, 500, "store_failed"), (.corrupt, 500, "store_corrupt"), (.other, 500, "store_failed"),
    ])
    func eachKindHasItsStatusAndCode(kind: StoreFailure.Kind, status: Int, code: String) throws {
        let failure = StoreFailure(kind: kind, message: "what happened", statement: "INSERT INTO events VALUES (?)")
        let error = APIError(ServiceError.store(failure))
        #expect(Int(error.status.code) == status)
        #expect(error.code == code)
        #expect(error.message == "what happened")  // the statement stays in the log
    }

    /// A refused write, as a route throws it, answered 500 `store_failed` with the usual error body.
    @Test func aConstraintFailureThroughARouteIs500StoreFailed() throws {
        let router = APIRouter()
        router.post("/v1/cases") { _, _ in
            throw ServiceError.store(
                StoreFailure(kind: .constraint, message: "a write broke a rule of the store: CHECK constraint failed"))
        }
        let answer = try HTTPLayerTests.answer(router, HTTPLayerTests.request(.POST, "/v1/cases", body: "{}"))
        #expect(answer.status == .internalServerError)
        #expect(try HTTPLayerTests.errorCode(answer) == "store_failed")
    }
}
