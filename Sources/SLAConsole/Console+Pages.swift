import Foundation
import SLAAuth
import SLACore
import SLAReports
import SLAStore

/// The pages that read: the board, the queue, a case, the reports. Each shows only the stores the
/// principal sees; another store's case is "not found", as if it did not exist.
extension Console {
    func board(_ session: ConsoleSession, _ frame: PageFrame) async throws -> ConsoleResponse {
        // The mark is taken before the read: an entry written between the two is shown now, or
        // wakes the page's first poll; never neither.
        let mark = service.notifier.lastPublishedID
        let rows = try await boardRows(for: session.principal)
        let policy = service.policy
        return ConsoleResponse(body: Pages.board(rows, policy: policy, now: clock.now(), mark: mark, frame: frame))
    }

    /// The board's rows once the queue has an entry newer than `after` (or `wait` seconds passed).
    func boardRows(_ request: ConsoleRequest, _ session: ConsoleSession, _ frame: PageFrame) async throws
        -> ConsoleResponse
    {
        let after = request.query["after"].flatMap { Int64($0) } ?? 0
        let wait = min(max(request.query["wait"].flatMap { Double($0) } ?? 0, 0), Self.maxWaitSeconds)
        if wait > 0, service.notifier.lastPublishedID <= after {
            await service.notifier.wait(after: after, timeout: wait)
        }
        let mark = service.notifier.lastPublishedID
        let rows = try await boardRows(for: session.principal)
        var response = ConsoleResponse(body: Pages.boardRows(rows, policy: service.policy, frame: frame))
        response.headers.append(("x-slad-mark", String(mark)))
        response.headers.append(("x-slad-now", String(clock.now().millis)))
        return response
    }

    private func boardRows(for principal: Principal) async throws -> [BoardRow] {
        let stores = Self.stores(of: principal)
        let cases = try await read { [service] in try service.store.boardCases(stores: stores) }
        return Board.rows(cases, policy: service.policy, now: clock.now(), sees: { principal.sees(store: $0) })
    }

    func queue(_ request: ConsoleRequest, _ session: ConsoleSession, _ frame: PageFrame) async throws
        -> ConsoleResponse
    {
        let principal = session.principal
        let policy = service.policy
        let filter = QueueFilter(query: request.query, policy: policy)
        var stores = Self.stores(of: principal)
        if let store = filter.store {
            stores = principal.sees(store: store) ? [store] : []
        }
        let offered = try await offeredStores(principal)
        let entries = try await read { [service, stores] in
            try service.store.consoleEntries(stores: stores, tier: filter.tier, states: filter.show.states)
        }
        let page = Pages.queue(
            entries.filter { principal.sees(store: $0.store) }, filter: filter, stores: offered, policy: policy,
            canAcknowledge: principal.may(.acknowledge), frame: frame)
        return ConsoleResponse(body: page)
    }

    func casePage(_ request: ConsoleRequest, _ session: ConsoleSession, _ frame: PageFrame) async throws
        -> ConsoleResponse
    {
        let record = try await visibleCase(request, session.principal)
        let (events, entries) = try await read { [service] in
            (
                try service.store.events(of: record.id),
                try service.store.entries(EntryFilter(caseID: record.id, limit: 10_000))
            )
        }
        let page = Pages.casePage(
            record, events: events, entries: entries, policy: service.policy, now: clock.now(),
            canRecord: session.principal.may(.recordEvent), frame: frame)
        return ConsoleResponse(body: page)
    }

    /// The case of the path, if the principal sees its store; else 404, as for no case at all.
    func visibleCase(_ request: ConsoleRequest, _ principal: Principal) async throws -> Case {
        guard let id = request.parameters["id"] else { throw ConsoleRefusal(.notFound, .errorNotFound) }
        let record = try await read { [service] in try service.store.caseRecord(id: id) }
        guard let record, principal.sees(store: record.opening.store) else {
            throw ConsoleRefusal(.notFound, .errorNotFound)
        }
        return record
    }

    /// The monthly report: one store's for a manager (of their stores), all stores' or one's for HQ.
    func reports(_ request: ConsoleRequest, _ session: ConsoleSession, _ frame: PageFrame) async throws
        -> ConsoleResponse
    {
        let principal = session.principal
        guard principal.may(.report) else { throw ConsoleRefusal(.forbidden, .reportsNoRight) }
        let policy = service.policy
        guard let calendar = policy.storeCalendar else { throw ConsoleRefusal(.serviceUnavailable, .errorUnavailable) }
        let now = clock.now()
        let today = calendar.date(of: now).components
        let month = request.query["month"] ?? String(format: "%04d-%02d", today.year, today.month)
        let period: ReportPeriod
        do {
            period = try ReportPeriod.parse(month: month, in: calendar)
        } catch {
            throw ConsoleRefusal(.badRequest, .errorBadRequest)
        }
        let offered = try await offeredStores(principal)
        let everyStore: Bool
        if case .all = principal.scope { everyStore = true } else { everyStore = false }
        var store = request.query["store"].flatMap { $0.isEmpty ? nil : $0 }
        if let chosen = store, !principal.sees(store: chosen) { throw ConsoleRefusal(.notFound, .errorNotFound) }
        if store == nil, !everyStore { store = offered.first }
        var html: String?
        if everyStore || store != nil {
            let cases = try await read { [service, store] in
                try service.store.cases(openedFrom: period.from, to: period.to, store: store)
            }
            let entries = try await read { [service] in try service.store.entries(ofCases: cases.map(\.id)) }
            let report = ComplianceReport(
                policy: policy, period: period, store: store, cases: cases, escalations: entries.map(\.escalation),
                now: now)
            html = ReportEmbed.body(of: report.renderHTML())
        }
        let page = Pages.reports(
            reportHTML: html, month: period.label, stores: offered, selected: store, allStores: everyStore,
            frame: frame)
        return ConsoleResponse(body: page)
    }

    /// The stores a principal's filters offer: their own, or (seeing all) those slad knows.
    private func offeredStores(_ principal: Principal) async throws -> [String] {
        switch principal.scope {
        case .only(let stores): return stores.sorted()
        case .all: return try await read { [service] in try service.store.knownStores() }
        }
    }

    /// nil: every store.
    static func stores(of principal: Principal) -> Set<String>? {
        switch principal.scope {
        case .all: return nil
        case .only(let stores): return stores
        }
    }
}
