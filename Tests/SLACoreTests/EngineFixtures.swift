import Foundation
import SLACore
import Testing

func opening(
    _ id: String, _ kind: String, at text: String, channel: String? = nil, amount: Double? = nil,
    category: String? = nil
) -> CaseOpening {
    CaseOpening(
        id: id, kind: kind, store: "S001", category: category, channel: channel, amount: amount, openedAt: t(text))
}

extension Case {
    func clock(_ name: String) -> ClockState? {
        clocks.first { $0.name == name }
    }
}

/// The escalation entries among effects, optionally of one clock only.
func escalations(_ effects: [Effect], clock: String? = nil) -> [Escalation] {
    effects.compactMap(\.escalation).filter { clock == nil || $0.clock == clock }
}

/// The engine error a call throws, or nil. (Untyped, so that the closure can sit inside `#expect`.)
func engineError(_ body: () throws -> Void) -> EngineError? {
    do {
        try body()
        return nil
    } catch let error as EngineError {
        return error
    } catch {
        Issue.record("not an EngineError: \(error)")
        return nil
    }
}

/// Drives a case book through virtual time in fixed steps and returns what each step emitted.
func run(_ book: inout CaseBook, from start: Instant, to end: Instant, every step: Int64) -> [(Instant, Effect)] {
    var emitted: [(Instant, Effect)] = []
    var now = start
    while now <= end {
        emitted += book.advance(to: now).map { (now, $0) }
        now = now.adding(millis: step)
    }
    return emitted
}

/// One escalation entry as a test writes it.
func entry(
    _ caseID: String, _ clock: String, cycle: Int = 1, _ tier: String, _ kind: Escalation.Kind, due: String,
    deadline: String
) -> Escalation {
    Escalation(caseID: caseID, clock: clock, cycle: cycle, tier: tier, kind: kind, dueAt: t(due), deadline: t(deadline))
}
