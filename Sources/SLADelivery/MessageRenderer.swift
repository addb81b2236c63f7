import Foundation
import Mustache
import SLACore

/// Turns entries into sentences a manager reads, with a route's templates (its own folder's, or
/// the defaults in its language), the policy's titles and the store calendar's time zone.
public struct MessageRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, markdown, html
    }

    public let language: MessageLanguage
    private let templates: [String: MustacheTemplate]
    private let policy: Policy

    /// Templates of `folder` (`breach.text.mustache`, ...) replace the defaults one by one. A
    /// template that does not parse is an error naming its file.
    public init(policy: Policy, language: MessageLanguage, folder: String? = nil) throws {
        self.policy = policy
        self.language = language
        var templates: [String: MustacheTemplate] = [:]
        for name in ["warning", "breach", "escalation", "line", "digest"] {
            for format in Format.allCases {
                let key = "\(name).\(format.rawValue)"
                var source = DefaultTemplates.source(key, language: language)
                if let folder {
                    let path = folder + "/" + key + ".mustache"
                    if FileManager.default.fileExists(atPath: path) {
                        source = try String(contentsOfFile: path, encoding: .utf8)
                    }
                }
                guard let source else { continue }
                // Chat and mail text is not HTML: nothing is escaped but in an HTML part.
                let pragma = format == .html ? "" : "{{% CONTENT_TYPE: TEXT}}"
                do {
                    templates[key] = try MustacheTemplate(string: pragma + source)
                } catch {
                    throw TemplateError(file: (folder ?? "defaults") + "/" + key + ".mustache", reason: "\(error)")
                }
            }
        }
        self.templates = templates
    }

    /// The HTML part of a mail, when the route's folder has an HTML template for this kind.
    public func renderHTML(_ facts: EntryFacts, consoleURL: String?) -> String? {
        let kind = NoticeKind(facts.escalation, policy: policy)
        return templates["\(kind.rawValue).html"].map { $0.render(context(facts, consoleURL: consoleURL)) }
    }

    /// One entry's message.
    public func render(_ facts: EntryFacts, format: Format, consoleURL: String?) -> String {
        let kind = NoticeKind(facts.escalation, policy: policy)
        let template = templates["\(kind.rawValue).\(format.rawValue)"] ?? templates["\(kind.rawValue).text"]!
        return trimmed(template.render(context(facts, consoleURL: consoleURL)))
    }

    /// Several entries in one message, grouped by store; `more` are named in a later message.
    public func renderDigest(
        _ entries: [EntryFacts], format: Format, part: String? = nil, more: Int = 0, consoleURL: String?
    ) -> String {
        var stores: [(String, [EntryFacts])] = []
        for facts in entries {
            if let index = stores.firstIndex(where: { $0.0 == facts.store }) {
                stores[index].1.append(facts)
            } else {
                stores.append((facts.store, [facts]))
            }
        }
        let line = templates["line.text"]!
        var context: [String: Any] = [
            "count": entries.count,
            "stores": stores.map { store, entries -> [String: Any] in
                let warned = entries.filter { $0.escalation.kind == .warning }.count
                let breached = entries.count - warned
                var group: [String: Any] = [
                    "store": store,
                    "lines": entries.map { ["line": trimmed(line.render(self.context($0, consoleURL: consoleURL)))] },
                ]
                if breached > 0 { group["breached"] = breached }
                if warned > 0 { group["warned"] = warned }
                group["breached_s"] = breached == 1 ? "" : "s"  // English plurals
                group["warned_s"] = warned == 1 ? "" : "s"
                if breached > 0, warned > 0 { group["both"] = true }
                return group
            },
        ]
        if let part { context["part"] = part }
        if more > 0 { context["more"] = more }
        let template = templates["digest.\(format.rawValue)"] ?? templates["digest.text"]!
        return trimmed(template.render(context))
    }

    /// What a template may use about one entry.
    func context(_ facts: EntryFacts, consoleURL: String?) -> [String: Any] {
        let escalation = facts.escalation
        let tiers = policy.tiers
        let clock = policy.clock(named: escalation.clock)
        var context: [String: Any] = [
            "entry_id": facts.entryID,
            "store": facts.store,
            "case_id": escalation.caseID,
            "case_kind": policy.kinds[facts.caseKind]?.title ?? facts.caseKind,
            "case_kind_id": facts.caseKind,
            "clock": clock?.title ?? escalation.clock,
            "clock_id": escalation.clock,
            "tier": tiers.first { $0.id == escalation.tier }?.title ?? escalation.tier,
            "tier_id": escalation.tier,
            "deadline": time(escalation.deadline, from: facts.writtenAt),
            "due_at": ISO8601.format(escalation.dueAt, offsetSeconds: offset(escalation.dueAt)),
        ]
        if escalation.kind == .warning {
            context["remaining"] = duration(max(0, escalation.deadline - facts.writtenAt))
        } else {
            context["overdue"] = duration(max(0, facts.writtenAt - escalation.deadline))
        }
        if let next = nextTier(escalation, clock) {
            context["next_tier"] = next.tier.title
            context["next_tier_id"] = next.tier.id
            context["next_at"] = time(next.at, from: facts.writtenAt)
        }
        context["category"] = facts.category
        context["channel"] = facts.channel
        let customer = [facts.customerName, facts.customerPhone].compactMap { $0 }.joined(separator: " ")
        if !customer.isEmpty { context["customer"] = customer }
        if let consoleURL {
            let id =
                escalation.caseID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? escalation.caseID
            context["link"] = consoleURL + "/cases/" + id
        }
        return context
    }

    /// Who is told next and when, if the clock is not met: the breach tier at the deadline after
    /// a warning, the tier above after `escalate-every` after a breach.
    private func nextTier(_ escalation: Escalation, _ clock: ClockDefinition?) -> (tier: Tier, at: Instant)? {
        guard let clock, let calendar = policy.calendars[clock.calendar] else { return nil }
        let tiers = policy.tiers
        if escalation.kind == .warning {
            return (tiers[clock.escalateTo], escalation.deadline)
        }
        guard let index = tiers.firstIndex(where: { $0.id == escalation.tier }), index + 1 < tiers.count,
            let every = clock.escalateEvery, let at = calendar.deadline(from: escalation.dueAt, target: every)
        else { return nil }
        return (tiers[index + 1], at)
    }

    private func offset(_ instant: Instant) -> Int { policy.storeCalendar?.offset(at: instant) ?? 0 }

    /// `10:42` on the day of `reference`, else `12-02 10:42`, in the store's time zone.
    private func time(_ instant: Instant, from reference: Instant) -> String {
        let local = ISO8601.format(instant, offsetSeconds: offset(instant))  // 2026-12-01T10:42:00+08:00
        let sameDay =
            ISO8601.format(reference, offsetSeconds: offset(reference)).prefix(10) == local.prefix(10)
        let clock = local.dropFirst(11).prefix(5)
        return sameDay ? String(clock) : "\(local.dropFirst(5).prefix(5)) \(clock)"
    }

    /// `12 分钟`, `2 小时 5 分钟`, `3 天 2 小时` (English: `12 min`, `2 h 5 min`, `3 d 2 h`), in
    /// whole minutes; under one, `不到 1 分钟` (`under 1 min`).
    func duration(_ millis: Int64) -> String {
        let minutes = Int(millis / 60_000)
        let (day, hour, minute) =
            language == .chinese ? (" 天", " 小时", " 分钟") : (" d", " h", " min")
        if minutes < 1 { return language == .chinese ? "不到 1 分钟" : "under 1 min" }
        if minutes < 60 { return "\(minutes)\(minute)" }
        if minutes < 24 * 60 {
            return minutes % 60 == 0 ? "\(minutes / 60)\(hour)" : "\(minutes / 60)\(hour) \(minutes % 60)\(minute)"
        }
        let hours = minutes / 60
        return hours % 24 == 0 ? "\(hours / 24)\(day)" : "\(hours / 24)\(day) \(hours % 24)\(hour)"
    }

    private func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct TemplateError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "template \(file): \(reason)" }
}
