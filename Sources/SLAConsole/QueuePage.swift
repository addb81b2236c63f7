import SLAAuth
import SLACore
import SLAStore

/// The queue's filters, as the page's form sends them.
public struct QueueFilter: Sendable, Hashable {
    /// Which entries: those still waiting for a person, those acknowledged, or all.
    public enum Show: String, Sendable, CaseIterable {
        case open, acknowledged, all

        public var states: Set<DeliveryState>? {
            switch self {
            case .open: return [.pending, .delivered, .failed]
            case .acknowledged: return [.acknowledged]
            case .all: return nil
            }
        }

        var phrase: Phrase {
            switch self {
            case .open: return .statePending
            case .acknowledged: return .stateAcknowledged
            case .all: return .filterAll
            }
        }
    }

    public var store: String?
    public var tier: String?
    public var show: Show = .open

    public init(store: String? = nil, tier: String? = nil, show: Show = .open) {
        self.store = store
        self.tier = tier
        self.show = show
    }

    /// The filters of a query; unknown values are left out (a tier not in the policy, a state
    /// not offered), so a stale link shows more rather than failing.
    public init(query: [String: String], policy: Policy) {
        store = query["store"].flatMap { $0.isEmpty ? nil : $0 }
        tier = query["tier"].flatMap { tier in policy.tiers.contains { $0.id == tier } ? tier : nil }
        show = query["state"].flatMap(Show.init(rawValue:)) ?? .open
    }

    /// The query string that gives these filters back (`?store=S01&state=open`).
    public var query: String {
        var items = ["state=\(show.rawValue)"]
        if let store { items.insert("store=\(FormBody.encode(store))", at: 0) }
        if let tier { items.append("tier=\(FormBody.encode(tier))") }
        return "?" + items.joined(separator: "&")
    }
}

extension Pages {
    /// The queue: `stores` are those offered in the store filter (the principal's own).
    public static func queue(
        _ entries: [QueueEntry], filter: QueueFilter, stores: [String], policy: Policy, canAcknowledge: Bool,
        frame: PageFrame
    ) -> String {
        let titles = PolicyTitles(policy: policy, language: frame.language)
        let time = ConsoleTime(policy: policy, language: frame.language)
        let back = "/console/queue" + filter.query
        let items: [[String: Any]] = entries.map { entry in
            var item: [String: Any] = [
                "id": String(entry.id), "caseID": entry.escalation.caseID,
                "caseHref": FormBody.encode(entry.escalation.caseID), "store": entry.store,
                "clock": titles.clock(entry.escalation.clock), "tier": titles.tier(entry.escalation.tier),
                "kindClass": entry.escalation.kind == .warning ? "risk" : "late",
                "kindLabel": frame.phrase(entry.escalation.kind == .warning ? .entryWarning : .entryBreach),
                "due": time.format(entry.escalation.dueAt), "stateLabel": frame.phrase(phrase(of: entry.state)),
                "ackable": canAcknowledge && entry.state != .acknowledged && entry.state != .skipped,
                "back": back,
            ]
            if let by = entry.ackedBy { item["ackedBy"] = by }
            if let at = entry.ackedAt { item["ackedAt"] = time.format(at) }
            if let note = entry.ackNote, !note.isEmpty { item["ackNote"] = note }
            return item
        }
        let fields: [String: Any] = [
            "entries": items, "hasEntries": !items.isEmpty, "canAck": canAcknowledge,
            "stores": stores.map { ["value": $0, "selected": $0 == filter.store] as [String: Any] },
            "tiers": policy.tiers.map {
                ["value": $0.id, "label": titles.tier($0.id), "selected": $0.id == filter.tier] as [String: Any]
            },
            "states": QueueFilter.Show.allCases.map {
                ["value": $0.rawValue, "label": frame.phrase($0.phrase), "selected": $0 == filter.show] as [String: Any]
            },
        ]
        return render("queue", frame: frame, title: frame.phrase(.queueTitle), section: .queue, fields)
    }

    static func phrase(of state: DeliveryState) -> Phrase {
        switch state {
        case .pending: return .statePending
        case .delivered: return .stateDelivered
        case .failed: return .stateFailed
        case .acknowledged: return .stateAcknowledged
        case .skipped: return .stateSkipped
        }
    }
}
