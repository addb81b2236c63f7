import Foundation

/// A case as it was recorded: how it was opened and the events recorded on it, in order.
public struct RecordedCase: Sendable {
    public let opening: CaseOpening
    public let events: [(kind: String, at: Instant)]

    public init(opening: CaseOpening, events: [(kind: String, at: Instant)]) {
        self.opening = opening
        self.events = events
    }

    /// One line of `slactl export` (`GET /v1/export`): a case with its events.
    public static func fromExportLine(_ bytes: [UInt8], line: Int) throws(HolidayFileError) -> RecordedCase {
        struct Line: Decodable {
            struct Event: Decodable {
                let kind: String
                let at: String
            }
            let id: String
            let kind: String
            let store: String
            let category: String?
            let channel: String?
            let amount: Double?
            let external_ref: String?
            let opened_at: String
            let events: [Event]?
        }
        func refuse(_ message: String) -> HolidayFileError {
            HolidayFileError(file: "export", location: "line \(line)", message: message)
        }
        let decoded: Line
        do {
            decoded = try JSONDecoder().decode(Line.self, from: Data(bytes))
        } catch {
            throw refuse("not a case of slactl export: \(error)")
        }
        guard let openedAt = ISO8601.parse(decoded.opened_at) else { throw refuse("opened_at is not ISO 8601") }
        var events: [(kind: String, at: Instant)] = []
        for event in decoded.events ?? [] where event.kind != LifecycleEvent.opened {
            guard let at = ISO8601.parse(event.at) else { throw refuse("event '\(event.kind)': at is not ISO 8601") }
            events.append((event.kind, at))
        }
        let opening = CaseOpening(
            id: decoded.id, kind: decoded.kind, store: decoded.store, category: decoded.category,
            channel: decoded.channel, amount: decoded.amount, externalRef: decoded.external_ref, openedAt: openedAt)
        return RecordedCase(opening: opening, events: events)
    }
}

/// What-if replay: the recorded cases of a period run through the engine under two policies, and
/// what each would have given. Pure: the cases, the policies and the end instant are passed in.
public struct Simulation: Sendable {
    public struct Counts: Hashable, Sendable {
        public var met = 0
        public var breached = 0
        /// Still counting at the end of the period (running or paused).
        public var open = 0

        public init(met: Int = 0, breached: Int = 0, open: Int = 0) {
            self.met = met
            self.breached = breached
            self.open = open
        }
    }

    public struct ClockRow: Hashable, Sendable {
        public let kind: String
        public let clock: String
        public var before = Counts()
        public var after = Counts()
    }

    /// A case whose outcome differs: a clock met under one policy and breached under the other.
    public struct Change: Hashable, Sendable, CustomStringConvertible {
        public let caseID: String
        public let clock: String
        public let before: String
        public let after: String

        public var description: String { "\(caseID) \(clock): \(before) -> \(after)" }
    }

    public private(set) var rows: [ClockRow] = []
    /// Breach entries per tier (in the new policy's ladder order, then any the old one had).
    public private(set) var escalations: [(tier: String, before: Int, after: Int)] = []
    public private(set) var changes: [Change] = []
    /// Cases one of the policies cannot replay (a kind it lacks...), with why.
    public private(set) var notReplayed: [(caseID: String, policy: String, reason: String)] = []
    public let cases: Int

    public init(cases recorded: [RecordedCase], old: Policy, new: Policy, until: Instant) {
        cases = recorded.count
        var rowIndex: [String: Int] = [:]
        var tiersBefore: [String: Int] = [:]
        var tiersAfter: [String: Int] = [:]
        for recordedCase in recorded {
            let before = Self.replay(recordedCase, Engine(policy: old), until: until)
            let after = Self.replay(recordedCase, Engine(policy: new), until: until)
            if case .failure(let error) = before {
                notReplayed.append((recordedCase.opening.id, "old", error.message))
            }
            if case .failure(let error) = after {
                notReplayed.append((recordedCase.opening.id, "new", error.message))
            }
            let beforeCase = try? before.get()
            let afterCase = try? after.get()
            for (side, outcome) in [(0, beforeCase), (1, afterCase)] {
                guard let (record, entries) = outcome else { continue }
                for clock in record.clocks where clock.status != .pending && clock.status != .cancelled {
                    let key = "\(record.kind)\u{0}\(clock.name)"
                    if rowIndex[key] == nil {
                        rows.append(ClockRow(kind: record.kind, clock: clock.name))
                        rowIndex[key] = rows.count - 1
                    }
                    let index = rowIndex[key]!
                    var counts = side == 0 ? rows[index].before : rows[index].after
                    switch clock.status {
                    case .met: counts.met += 1
                    case .breached: counts.breached += 1
                    default: counts.open += 1
                    }
                    if side == 0 { rows[index].before = counts } else { rows[index].after = counts }
                }
                for entry in entries where entry.kind == .breach {
                    if side == 0 {
                        tiersBefore[entry.tier, default: 0] += 1
                    } else {
                        tiersAfter[entry.tier, default: 0] += 1
                    }
                }
            }
            if let beforeCase, let afterCase {
                let afterClocks = Dictionary(afterCase.0.clocks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                for clock in beforeCase.0.clocks {
                    let then = Self.outcome(clock)
                    let now = afterClocks[clock.name].map(Self.outcome) ?? "not run"
                    if then != now {
                        changes.append(
                            Change(caseID: recordedCase.opening.id, clock: clock.name, before: then, after: now))
                    }
                }
                for clock in afterCase.0.clocks where !beforeCase.0.clocks.contains(where: { $0.name == clock.name }) {
                    changes.append(
                        Change(
                            caseID: recordedCase.opening.id, clock: clock.name, before: "not run",
                            after: Self.outcome(clock)))
                }
            }
        }
        rows.sort { ($0.kind, $0.clock) < ($1.kind, $1.clock) }
        var order = new.tiers.map(\.id)
        order += old.tiers.map(\.id).filter { !order.contains($0) }
        escalations = order.map { ($0, tiersBefore[$0] ?? 0, tiersAfter[$0] ?? 0) }
    }

    /// A clock's outcome in words: met, breached (met late or never), or still open.
    static func outcome(_ clock: ClockState) -> String {
        switch clock.status {
        case .met: return "met"
        case .breached: return clock.satisfiedAt == nil ? "breached" : "met late"
        case .running, .paused: return "open"
        case .pending: return "not started"
        case .cancelled: return "cancelled"
        }
    }

    struct ReplayError: Error {
        let message: String
    }

    /// The case replayed as slad would have run it, with every escalation entry it would have written.
    static func replay(_ recorded: RecordedCase, _ engine: Engine, until: Instant) -> Result<
        (Case, [Escalation]), ReplayError
    > {
        do throws(EngineError) {
            let events = recorded.events.filter { $0.at <= until }
            let (record, effects) = try engine.open(
                recorded.opening, events: events, now: max(until, recorded.opening.openedAt))
            return .success((record, effects.compactMap(\.escalation)))
        } catch {
            return .failure(ReplayError(message: "\(error)"))
        }
    }
}
