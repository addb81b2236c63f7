import SLAAPI
import SLAAuth
import SLACore
import SLAScheduler
import SLAServer
import SLAStore

/// The forms that write: acknowledge a queue entry, record an event on a case. The actor is the
/// signed-in user, never what a form says; the CSRF token was checked before these run.
extension Console {
    func acknowledge(_ request: ConsoleRequest, _ session: ConsoleSession) async throws -> ConsoleResponse {
        let principal = session.principal
        guard principal.may(.acknowledge) else {
            AuditLog(logger: logger).refused(
                "\(principal.actor(claimed: nil)) (\(principal.role.rawValue)) may not acknowledge (console)",
                peer: request.clientAddress)
            throw ConsoleRefusal(.forbidden, .errorForbidden)
        }
        guard let id = request.parameters["id"].flatMap({ Int64($0) }), id > 0 else {
            throw ConsoleRefusal(.notFound, .errorNotFound)
        }
        let form = request.form ?? [:]
        let note = try Self.note(form["note"])
        let entry = try await read { [service] in try service.store.entry(id: id) }
        guard let entry, principal.sees(store: entry.store) else { throw ConsoleRefusal(.notFound, .errorNotFound) }
        do {
            let actor = principal.actor(claimed: nil)
            if let acked = try await service.acknowledge(entry: id, by: actor, note: note), acked.ackedBy == actor {
                AuditLog(logger: logger).acknowledged(
                    entry: id, caseID: acked.escalation.caseID, store: acked.store, by: actor)
            }
        } catch {
            logger.error("console: acknowledging entry \(id) failed: \(error)")
            throw ConsoleRefusal(.serviceUnavailable, .errorUnavailable)
        }
        let back = Self.localTarget(form["back"])
        return .redirect((back.hasPrefix("/console/queue") ? back : "/console/queue") + "#entry-\(id)")
    }

    func recordEvent(_ request: ConsoleRequest, _ session: ConsoleSession, _ frame: PageFrame) async throws
        -> ConsoleResponse
    {
        let principal = session.principal
        guard principal.may(.recordEvent) else { throw ConsoleRefusal(.forbidden, .errorForbidden) }
        let record = try await visibleCase(request, principal)
        let form = request.form ?? [:]
        let policy = service.policy
        guard let kind = form["kind"], Timeline.recordableEvents(kind: record.kind, policy: policy).contains(kind)
        else { throw ConsoleRefusal(.badRequest, .errorBadRequest) }
        let body = RecordEventRequest(
            kind: kind, actor: principal.actor(claimed: nil), note: try Self.note(form["note"]))
        do {
            _ = try await service.record(body, on: record.id)
        } catch let error as ServiceError {
            // A rule refused it (the case closed meanwhile, an event out of order): the case page
            // again, saying why.
            var frame = frame
            frame.back = "/console/cases/\(FormBody.encode(record.id))"
            frame.problem = error.description
            let current = try await visibleCase(request, principal)
            let (events, entries) = try await read { [service] in
                (
                    try service.store.events(of: current.id),
                    try service.store.entries(EntryFilter(caseID: current.id, limit: 10_000))
                )
            }
            var response = ConsoleResponse(
                body: Pages.casePage(
                    current, events: events, entries: entries, policy: policy, now: clock.now(), canRecord: true,
                    frame: frame))
            response.status = .conflict
            return response
        }
        return .redirect("/console/cases/\(FormBody.encode(record.id))")
    }

    /// A note as typed: trimmed, nil when empty, refused when over `maxNoteLength` characters.
    static func note(_ text: String?) throws -> String? {
        guard let text = text?.trimmingSpaces, !text.isEmpty else { return nil }
        guard text.count <= maxNoteLength else { throw ConsoleRefusal(.badRequest, .errorBadRequest) }
        return text
    }
}
