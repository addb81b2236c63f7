/// Input that makes no sense for the policy or the case: each has a stable code and a clear message.
public enum EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownCase(String)
    case duplicateCase(String)
    case unknownCaseKind(String, known: [String])
    case unknownEventKind(event: String, caseKind: String, known: [String])
    case unknownCategory(String, known: [String])
    case unknownChannel(String, known: [String])
    case caseClosed(String)
    case alreadyResolved(String)
    case eventBeforeOpening(caseID: String, eventAt: Instant, openedAt: Instant)
    case eventOutOfOrder(caseID: String, eventAt: Instant, lastEventAt: Instant)
    case eventInFuture(eventAt: Instant, now: Instant)
    case noDeadline(clock: String, calendar: String)
    /// A pause dated before a deadline that has since passed and been escalated.
    case pauseAfterBreach(caseID: String, clock: String, eventAt: Instant, deadline: Instant)
    /// One of the events sent with an open (`events[index]`) was refused: the whole open is.
    indirect case initialEvent(index: Int, EngineError)

    /// Stable, machine-readable: scripts and the API rely on these.
    public var code: String {
        switch self {
        case .unknownCase: return "unknown_case"
        case .duplicateCase: return "duplicate_case"
        case .unknownCaseKind: return "unknown_case_kind"
        case .unknownEventKind: return "unknown_event_kind"
        case .unknownCategory: return "unknown_category"
        case .unknownChannel: return "unknown_channel"
        case .caseClosed: return "case_closed"
        case .alreadyResolved: return "already_resolved"
        case .eventBeforeOpening: return "event_before_opening"
        case .eventOutOfOrder: return "event_out_of_order"
        case .eventInFuture: return "event_in_future"
        case .noDeadline: return "no_deadline"
        case .pauseAfterBreach: return "pause_after_breach"
        case .initialEvent(_, let error): return error.code
        }
    }

    /// The message with instants in UTC; `message(time:)` writes them as the client reads them.
    public var description: String {
        message { $0.description }
    }

    /// The message, with each instant written by `time` (the API uses the stores' own offset, so
    /// that an event sent as +08:00 is refused in +08:00).
    public func message(time: (Instant) -> String) -> String {
        switch self {
        case .unknownCase(let id):
            return "no case '\(id)'"
        case .duplicateCase(let id):
            return "case '\(id)' already exists"
        case .unknownCaseKind(let kind, let known):
            return "unknown case kind '\(kind)' (known: \(known.joined(separator: ", ")))"
        case .unknownEventKind(let event, let caseKind, let known):
            return "event '\(event)' is not known for a \(caseKind) case (known: \(known.joined(separator: ", ")))"
        case .unknownCategory(let category, let known):
            return "unknown category '\(category)' (known: \(known.joined(separator: ", ")))"
        case .unknownChannel(let channel, let known):
            return "unknown channel '\(channel)' (known: \(known.joined(separator: ", ")))"
        case .caseClosed(let id):
            return "case '\(id)' is closed: no more events can be recorded on it"
        case .alreadyResolved(let id):
            return "case '\(id)' is already resolved"
        case .eventBeforeOpening(let id, let eventAt, let openedAt):
            return "event dated \(time(eventAt)) is before case '\(id)' was opened (\(time(openedAt)))"
        case .eventOutOfOrder(let id, let eventAt, let lastEventAt):
            return
                "event dated \(time(eventAt)) is before the latest event of case '\(id)' (\(time(lastEventAt))): events are recorded in order"
        case .eventInFuture(let eventAt, let now):
            return "event dated \(time(eventAt)) is in the future (now is \(time(now)))"
        case .noDeadline(let clock, let calendar):
            return "clock '\(clock)' has no deadline: calendar '\(calendar)' is not open in the next ten years"
        case .pauseAfterBreach(let id, let clock, let eventAt, let deadline):
            return "a pause dated \(time(eventAt)) comes after clock '\(clock)' of case '\(id)' breached its deadline "
                + "(\(time(deadline))) and was escalated: a pause can only be recorded before the breach it "
                + "would prevent; record the event that satisfies the clock instead"
        case .initialEvent(let index, let error):
            return "events[\(index)]: \(error.message(time: time))"
        }
    }
}
