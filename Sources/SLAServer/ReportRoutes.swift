import Foundation
import NIOCore
import NIOHTTP1
import SLAAuth
import SLACore
import SLAReports
import SLAScheduler
import SLAStore

/// `GET /v1/reports`: the compliance report of a month, an ISO week or a date range, for all
/// stores or one, as JSON (the default), CSV, HTML or a plain-text table.
///
///     /v1/reports?month=2026-10&format=html
///     /v1/reports?week=2026-W44&store=S01&format=csv
///     /v1/reports?from=2026-10-01&to=2026-10-31&format=table
extension Routes {
    /// A principal who does not see every store gets only their stores' cases (and another
    /// store asked for by name is a 404).
    func report(_ request: APIRequest, _ principal: Principal) throws -> APIResponse {
        let query = request.query
        var format = ReportFormat.json
        if let text = query.get("format") {
            guard let parsed = ReportFormat(rawValue: text) else {
                throw APIError.badRequest(
                    "format must be one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = parsed
        }
        let store = query.get("store")
        if let store, store.isEmpty { throw APIError.badRequest("store must not be empty") }
        if let store, !principal.sees(store: store) { throw Self.unknownStore(store) }
        let policy = service.policy
        guard let calendar = policy.storeCalendar else {
            throw APIError(status: .internalServerError, code: "no_calendar", message: "the policy has no calendar")
        }
        let period: ReportPeriod
        do {
            period = try ReportPeriod.parse(
                month: query.get("month"), week: query.get("week"), from: query.get("from"), to: query.get("to"),
                in: calendar)
        } catch {
            throw APIError(status: .badRequest, code: "bad_period", message: error.message)
        }
        let now = clock.now()
        let cases = try read { try service.store.cases(openedFrom: period.from, to: period.to, store: store) }
            .filter { principal.sees(store: $0.opening.store) }
        let entries = try read { try service.store.entries(ofCases: cases.map(\.id)) }
        let report = ComplianceReport(
            policy: policy, period: period, store: store, cases: cases, escalations: entries.map(\.escalation),
            now: now)
        var response = APIResponse(
            status: .ok, contentType: format.contentType, body: ByteBuffer(string: report.render(format)))
        if format == .csv || format == .html {
            let name = "complaints-\(period.label)\(store.map { "-\($0)" } ?? "").\(format.fileExtension)"
            let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) ? $0 : "_" })
            response.headers.add(name: "content-disposition", value: "inline; filename=\"\(safe)\"")
        }
        return response
    }
}
