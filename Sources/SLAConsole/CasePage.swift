import SLAAuth
import SLACore
import SLAStore

/// One line of a case's timeline: an event recorded, an entry written to the queue, or an
/// entry acknowledged.
public struct TimelineItem: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case event, warning, breach, acknowledgement
    }

    public var at: Instant
    public var kind: Kind
    /// The event's kind, or the entry's clock and tier.
    public var what: String
    public var who: String?
    public var note: String?
}

/// A case's events and queue entries as one list in time order (an event before the entry it
/// caused at the same instant, an entry before its acknowledgement).
public enum Timeline {
    public static func items(
        events: [EventRecord], entries: [QueueEntry], titles: PolicyTitles, language: Language
    ) -> [TimelineItem] {
        var items: [(TimelineItem, Int)] = []
        for event in events {
            items.append(
                (TimelineItem(at: event.at, kind: .event, what: event.kind, who: event.actor, note: event.note), 0))
        }
        for entry in entries {
            let clock = titles.clock(entry.escalation.clock)
            let tier = titles.tier(entry.escalation.tier)
            let warning = entry.escalation.kind == .warning
            let told = (warning ? Phrase.timelineWarning : .timelineBreach).text(language)
            items.append(
                (
                    TimelineItem(
                        at: entry.writtenAt, kind: warning ? .warning : .breach,
                        what: "#\(entry.id) \(told) \(tier): \(clock)"),
                    1
                ))
            if let at = entry.ackedAt {
                let what = "#\(entry.id) \(Phrase.timelineAck.text(language)) (\(tier): \(clock))"
                items.append(
                    (
                        TimelineItem(
                            at: at, kind: .acknowledgement, what: what, who: entry.ackedBy, note: entry.ackNote), 2
                    ))
            }
        }
        return items.enumerated().sorted { left, right in
            (left.element.0.at, left.element.1, left.offset) < (right.element.0.at, right.element.1, right.offset)
        }.map(\.element.0)
    }

    /// What may be recorded on a case of `kind`: the kind's own events, then `resolved` and `closed`.
    public static func recordableEvents(kind: String, policy: Policy) -> [String] {
        let own = (policy.kinds[kind]?.events ?? []).subtracting(["opened", "resolved", "closed"]).sorted()
        return own + ["resolved", "closed"]
    }
}

extension Pages {
    public static func casePage(
        _ record: Case, events: [EventRecord], entries: [QueueEntry], policy: Policy, now: Instant, canRecord: Bool,
        frame: PageFrame
    ) -> String {
        let titles = PolicyTitles(policy: policy, language: frame.language)
        let time = ConsoleTime(policy: policy, language: frame.language)
        let engine = Engine(policy: policy)
        let clocks: [[String: Any]] = record.clocks.sorted { $0.name < $1.name }.map { clock in
            var left = "–"
            var risk = "none"
            if let millis = clock.millisLeft(at: now) {
                left =
                    millis >= 0
                    ? "\(time.duration(millis)) \(frame.phrase(.leftSuffix))"
                    : "\(time.duration(-millis)) \(frame.phrase(.lateSuffix))"
                risk = Board.risk(clock, left: millis, policy: policy, engine: engine, now: now).rawValue
            } else if clock.status == .breached {
                risk = "late"
            } else if clock.status == .met {
                risk = "ok"
            }
            return [
                "title": titles.clock(clock.name), "status": frame.phrase(phrase(of: clock.status)), "risk": risk,
                "target": policy.clock(named: clock.name)?.target.description ?? "",
                "deadline": clock.deadline.map(time.format) ?? "–", "left": left,
                "told": clock.escalatedTier.flatMap { $0 < policy.tiers.count ? titles.tier(policy.tiers[$0].id) : nil }
                    ?? "–",
            ]
        }
        let timeline: [[String: Any]] = Timeline.items(
            events: events, entries: entries, titles: titles, language: frame.language
        ).map { item in
            var fields: [String: Any] = ["at": time.format(item.at), "type": item.kind.rawValue, "what": item.what]
            if let who = item.who { fields["who"] = who }
            if let note = item.note, !note.isEmpty { fields["note"] = note }
            return fields
        }
        let status: Phrase =
            switch record.status {
            case .open: .caseStatusOpen
            case .resolved: .caseStatusResolved
            case .closed: .caseStatusClosed
            }
        let fields: [String: Any] = [
            "caseID": record.id, "caseHref": FormBody.encode(record.id), "store": record.opening.store,
            "kind": titles.kind(record.kind), "status": frame.phrase(status), "overdue": record.isOverdue,
            "clocks": clocks, "timeline": timeline, "canRecord": canRecord && record.status != .closed,
            "eventKinds": Timeline.recordableEvents(kind: record.kind, policy: policy),
        ]
        return render(
            "case", frame: frame, title: "\(frame.phrase(.caseTitle)) \(record.id)", section: .none, fields)
    }

    static func phrase(of status: ClockStatus) -> Phrase {
        switch status {
        case .pending: return .clockPending
        case .running: return .clockRunning
        case .paused: return .clockPaused
        case .met: return .clockMet
        case .breached: return .clockBreached
        case .cancelled: return .clockCancelled
        }
    }
}
