import Logging
import SLACore
import SLAMessageIDs
import SLAStore

/// What the scheduler writes to the journal: structured fields (`SLA_CASE=`, `SLA_CLOCK=`, ...)
/// and a `MESSAGE_ID=` per kind of entry, never a customer's name or phone.
struct ServiceLog: Sendable {
    let logger: Logger

    /// What one committed group did, for the journal: the cases it opened, what the engine did,
    /// the entries it wrote (or, with `--bench-no-persist`, would have written).
    struct Commit: Sendable {
        var opened: [Case] = []
        var effects: [Effect] = []
        var written: [QueueEntry] = []
        var unpersisted: [Escalation] = []
        var writtenAt: Instant
        /// The cases as committed, for the fields of each line.
        var cases: [String: Case] = [:]
        /// The policy in force: says which deadlines are provisional.
        var policy: Policy

        init(_ group: GroupCommit, _ policy: Policy, written: [QueueEntry], unpersisted: WriteBatch?) {
            self.policy = policy
            for case .done(let caseID, false) in group.outcomes where group.committed[caseID] == .some(nil) {
                if let record = group.changed[caseID] { opened.append(record) }
            }
            effects = group.effects
            self.written = written
            self.unpersisted = unpersisted?.escalations ?? []
            writtenAt = unpersisted?.writtenAt ?? group.now
            cases = group.changed
        }

        /// Nothing to say (an event that changed no clock, an acknowledgement).
        var isEmpty: Bool { opened.isEmpty && effects.isEmpty && written.isEmpty && unpersisted.isEmpty }
    }

    func committed(_ commit: Commit) {
        for record in commit.opened { opened(record) }
        for effect in commit.effects { self.effect(effect, commit.cases, commit.policy) }
        for entry in commit.written { self.entry(entry, commit.cases[entry.escalation.caseID]) }
        for escalation in commit.unpersisted {
            unpersisted(escalation, at: commit.writtenAt, commit.cases[escalation.caseID])
        }
    }

    /// The journal fields of an entry about a case.
    private func fields(_ caseID: String, _ record: Case?, clock: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["sla_case": "\(caseID)"]
        if let opening = record?.opening {
            metadata["sla_kind"] = "\(opening.kind)"
            metadata["sla_store"] = "\(opening.store)"
        }
        if let clock { metadata["sla_clock"] = "\(clock)" }
        return metadata
    }

    private func opened(_ record: Case) {
        var metadata = fields(record.id, record)
        metadata["message_id"] = "\(MessageID.caseOpened)"
        // A case entered after the fact may have no clock running any more: say what each one is.
        var states: [String] = []
        for status in [ClockStatus.running, .breached, .met, .paused] {
            let names = record.clocks.filter { $0.status == status }.map(\.name)
            if !names.isEmpty { states.append("\(status.rawValue): \(names.joined(separator: ", "))") }
        }
        let clocks = states.isEmpty ? "no clock started" : states.joined(separator: "; ")
        logger.info("\(record.id) opened: \(record.kind) at \(record.opening.store); \(clocks)", metadata: metadata)
    }

    private func effect(_ effect: Effect, _ cases: [String: Case], _ policy: Policy) {
        switch effect {
        case .clockStarted(let caseID, let clock, _, let deadline),
            .clockRestarted(let caseID, let clock, _, let deadline):
            if logger.logLevel <= .debug {
                var metadata = fields(caseID, cases[caseID], clock: clock)
                metadata["sla_due"] = "\(deadline)"
                logger.debug("\(caseID) \(clock) running, due \(deadline)", metadata: metadata)
            }
            provisional(caseID, cases[caseID], clock, deadline, policy)
        case .clockMet(let caseID, let clock, _, let lateBy):
            var metadata = fields(caseID, cases[caseID], clock: clock)
            metadata["message_id"] = "\(MessageID.clockMet)"
            metadata["sla_late_ms"] = "\(lateBy)"
            logger.info("\(caseID) \(clock) met\(lateBy > 0 ? ", \(lateBy / 1000) s late" : "")", metadata: metadata)
        case .clockPaused(let caseID, let clock, _):
            logger.info("\(caseID) \(clock) paused", metadata: fields(caseID, cases[caseID], clock: clock))
        case .clockResumed(let caseID, let clock, let deadline):
            var metadata = fields(caseID, cases[caseID], clock: clock)
            metadata["sla_due"] = "\(deadline)"
            logger.info("\(caseID) \(clock) resumed, due \(deadline)", metadata: metadata)
            provisional(caseID, cases[caseID], clock, deadline, policy)
        case .clockCancelled, .escalation:
            break  // escalations are logged once written, from the queue entry
        }
    }

    /// A deadline counted past its calendar's holiday data: said at warning, with what to do.
    private func provisional(_ caseID: String, _ record: Case?, _ clock: String, _ deadline: Instant, _ policy: Policy)
    {
        guard let calendar = policy.clock(named: clock).flatMap({ policy.calendars[$0.calendar] }),
            let reason = calendar.provisionalReason(from: deadline, to: deadline)
        else { return }
        var metadata = fields(caseID, record, clock: clock)
        metadata["message_id"] = "\(MessageID.deadlineProvisional)"
        metadata["sla_due"] = "\(deadline)"
        logger.warning(
            "\(caseID) \(clock) due \(deadline) is provisional: \(reason); add the next year's holiday file and reload",
            metadata: metadata)
    }

    private func entry(_ entry: QueueEntry, _ record: Case?) {
        let escalation = entry.escalation
        var metadata = fields(escalation.caseID, record, clock: escalation.clock)
        metadata["sla_kind"] = "\(entry.caseKind)"
        metadata["sla_store"] = "\(entry.store)"
        metadata["sla_tier"] = "\(escalation.tier)"
        metadata["sla_due"] = "\(escalation.dueAt)"
        metadata["sla_late_ms"] = "\(entry.lateMillis)"
        metadata["sla_entry"] = "\(entry.id)"
        let late = entry.lateMillis > 1000 ? " (written \(entry.lateMillis) ms late)" : ""
        let name = "\(escalation.caseID) \(escalation.clock)"
        if entry.state == .skipped {
            logger.info(
                "\(name) \(escalation.kind) to \(escalation.tier) skipped: a higher tier is told (catch-up)\(late)",
                metadata: metadata)
            return
        }
        switch escalation.kind {
        case .warning:
            metadata["message_id"] = "\(MessageID.clockWarning)"
            logger.notice(
                "\(name) warning to \(escalation.tier): due \(escalation.deadline)\(late)", metadata: metadata)
        case .breach where escalation.dueAt == escalation.deadline:
            metadata["message_id"] = "\(MessageID.clockBreached)"
            logger.warning("\(name) breached, escalated to \(escalation.tier)\(late)", metadata: metadata)
        case .breach:
            metadata["message_id"] = "\(MessageID.escalated)"
            logger.warning("\(name) still overdue, escalated to \(escalation.tier)\(late)", metadata: metadata)
        }
    }

    /// `--bench-no-persist`: an escalation that was not written, logged like an entry, with its lateness.
    private func unpersisted(_ escalation: Escalation, at writtenAt: Instant, _ record: Case?) {
        var metadata = fields(escalation.caseID, record, clock: escalation.clock)
        metadata["sla_tier"] = "\(escalation.tier)"
        metadata["sla_due"] = "\(escalation.dueAt)"
        metadata["sla_late_ms"] = "\(max(0, writtenAt - escalation.dueAt))"
        logger.warning(
            "\(escalation.caseID) \(escalation.clock) \(escalation.kind) to \(escalation.tier), not persisted",
            metadata: metadata)
    }

    // MARK: Store failures

    /// The journal fields of every store failure.
    private static func fields(of kind: StoreFailure.Kind) -> Logger.Metadata {
        ["message_id": "\(MessageID.storeFailed)", "sla_store_error": "\(kind.rawValue)"]
    }

    /// A retryable failure at `error`, once while it lasts.
    func retrying(_ failure: StoreFailure) {
        logger.error(
            "store write failed, retrying every \(DeadlineScheduler.retryMillis) ms: \(failure.message)",
            metadata: Self.fields(of: failure.kind))
    }

    /// A failure that a retry does not cure, at `crit`, with its statement (never its arguments:
    /// they hold customer data) and what became of the batch (`outcome`).
    func notRetried(_ failure: StoreFailure, outcome: String) {
        let statement = failure.statement ?? "none"
        logger.critical(
            "store write failed, not retried: \(failure.message) (statement: \(statement)); \(outcome)",
            metadata: Self.fields(of: failure.kind))
    }

    /// A case row or an answer that cannot be read for a reason a retry does not cure.
    func readFailure(_ failure: StoreFailure, caseID: String?) {
        var metadata = Self.fields(of: failure.kind)
        if let caseID { metadata["sla_case"] = "\(caseID)" }
        let what = caseID.map { "\($0) cannot be read, its clocks are not run" } ?? "a write was refused"
        logger.critical("store read failed (\(what)): \(failure.message)", metadata: metadata)
    }

    func recomputeFailed(_ error: Error) {
        logger.error("deadlines not recomputed on the new policy (the next reload or start will): \(error)")
    }

    func unreadableOpenCases(_ ids: [String]) {
        logger.critical(
            "\(ids.count) open cases cannot be read from the store: \(ids.prefix(20).joined(separator: ", "))",
            metadata: Self.fields(of: .corrupt))
    }
}
