import SLACore

/// Decides what goes in each message of a route: one entry (or the entries of one case and tier
/// waiting together) per message, or under a rate limit's pressure digests, split so that none
/// is larger than the vendor accepts.
struct MessageComposer {
    let route: DeliveryRoute
    let renderer: MessageRenderer
    let consoleURL: String?
    /// Who is on duty where, for a route with `on-duty`.
    var contacts: ContactRoster? = nil

    /// One message's worth: the entries it names and its text.
    struct Plan {
        var entries: [EntryFacts]
        var text: String
        var html: String?
        var mentions: [String]
        /// Mail: where it goes (see `recipients(_:)`).
        var recipients: [String] = []
    }

    private var format: MessageRenderer.Format {
        if case .robot(let robot) = route.target, robot.format == .markdown { return .markdown }
        return .text
    }

    /// One message per case and tier (a warning and a breach of one case waiting together go as one).
    func singles(_ entries: [EntryFacts]) -> [Plan] {
        singleGroups(entries).map(addressed)
    }

    private func addressed(_ plan: Plan) -> Plan {
        var plan = plan
        plan.recipients = recipients(plan.entries)
        return plan
    }

    private func singleGroups(_ entries: [EntryFacts]) -> [Plan] {
        var groups: [[EntryFacts]] = []
        for facts in entries {
            if let index = groups.firstIndex(where: {
                $0[0].escalation.caseID == facts.escalation.caseID && $0[0].escalation.tier == facts.escalation.tier
            }) {
                groups[index].append(facts)
            } else {
                groups.append([facts])
            }
        }
        return groups.map { group in
            let mentions = self.mentions(group)
            guard group.count == 1 else {
                return Plan(entries: group, text: shortened(digest(group), mentions), html: nil, mentions: mentions)
            }
            let text = renderer.render(group[0], format: format, consoleURL: consoleURL)
            let html = renderer.renderHTML(group[0], consoleURL: consoleURL)
            return Plan(entries: group, text: shortened(text, mentions), html: html, mentions: mentions)
        }
    }

    /// Digests naming every entry, each within the vendor's size, at most `limit` of them; the
    /// last says how many more will follow, and those are returned to wait.
    func digests(_ entries: [EntryFacts], limit: Int) -> (
        plans: [[EntryFacts]], rendered: [Plan], waiting: [EntryFacts]
    ) {
        var chunks: [[EntryFacts]] = []
        var current: [EntryFacts] = []
        for facts in entries {
            let candidate = current + [facts]
            // Measured with the longest labels it may get: "part 99/99", "and 99999 more".
            if current.isEmpty || fits(digest(candidate, part: "99/99", more: 99_999), mentions(candidate)) {
                current = candidate
            } else {
                chunks.append(current)
                current = [facts]
            }
        }
        if !current.isEmpty { chunks.append(current) }
        let sent = Array(chunks.prefix(max(1, limit)))
        let waiting = Array(chunks.dropFirst(sent.count).joined())
        let plans = sent.enumerated().map { index, chunk in
            let part = sent.count > 1 ? "\(index + 1)/\(sent.count)" : nil
            let more = index == sent.count - 1 ? waiting.count : 0
            let mentions = self.mentions(chunk)
            return Plan(
                entries: chunk, text: shortened(digest(chunk, part: part, more: more), mentions), html: nil,
                mentions: mentions)
        }
        return (sent, plans.map(addressed), waiting)
    }

    private func digest(_ entries: [EntryFacts], part: String? = nil, more: Int = 0) -> String {
        renderer.renderDigest(entries, format: format, part: part, more: more, consoleURL: consoleURL)
    }

    /// Everyone to @-mention for these entries, in order, once each: the route's own list, then
    /// (with `on-duty`) the people on duty, each by the id the vendor needs.
    private func mentions(_ entries: [EntryFacts]) -> [String] {
        guard case .robot(let robot) = route.target else { return [] }
        var people: [String] = []
        for facts in entries {
            var ids = robot.mentioned(tier: facts.escalation.tier, store: facts.store)
            for person in onDuty(facts) {
                if let id = ContactRoster.mention(person, vendor: robot.vendor, format: robot.format) { ids.append(id) }
            }
            for id in ids where !people.contains(id) { people.append(id) }
        }
        return people
    }

    /// The addresses a mail for these entries goes to: the route's own, then (with `on-duty`)
    /// those of the people on duty, once each.
    func recipients(_ entries: [EntryFacts]) -> [String] {
        guard case .email(let email) = route.target else { return [] }
        var addresses = email.to
        for facts in entries {
            for address in onDuty(facts).compactMap(\.email) where !addresses.contains(address) {
                addresses.append(address)
            }
        }
        return addresses
    }

    private func onDuty(_ facts: EntryFacts) -> [ContactRoster.Person] {
        guard route.onDuty, let contacts else { return [] }
        return contacts.onDuty(tier: facts.escalation.tier, store: facts.store)
    }

    private func fits(_ text: String, _ mentions: [String]) -> Bool {
        guard case .robot(let robot) = route.target else { return true }
        return RobotPayload(robot: robot, token: nil, secret: nil).fits(text, mentioning: mentions)
    }

    /// A text cut (between characters) with "…" so that it fits; a template or a single line can
    /// be longer than a robot takes, and a refused message reaches nobody.
    private func shortened(_ text: String, _ mentions: [String]) -> String {
        guard !fits(text, mentions) else { return text }
        var low = 0
        var high = text.count
        while low < high {  // the longest prefix that fits
            let middle = (low + high + 1) / 2
            if fits(String(text.prefix(middle)) + "…", mentions) { low = middle } else { high = middle - 1 }
        }
        return String(text.prefix(low)) + "…"
    }
}
