import ArgumentParser
import Foundation
import SLAAPI
import SLACommandLine
import SLACore

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a case; prints its id.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Case kind (see `slactl policy show`).") var kind: String
    @Option(help: "Store or counter.") var store: String
    @Option(help: "product-quality, service-attitude, facilities or other.") var category: String?
    @Option(help: "phone, in-store, authority, online.") var channel: String?
    @Option(help: "Amount in yuan.") var amount: Double?
    @Option(help: "The store software's own reference.") var ref: String?
    @Option(help: "When it was opened, ISO 8601 (default: now).") var openedAt: String?
    @Option(help: "Who records it (default: $USER).") var actor: String?
    @Option(help: "A note for the audit trail.") var note: String?
    @Option(help: "Makes a retried open safe: the same key opens one case.") var idempotencyKey: String?
    @Option(
        name: .customLong("event"),
        help: ArgumentHelp(
            "An event that already happened, KIND@TIME (ISO 8601; KIND alone: now), recorded with the open; repeatable, in order.",
            valueName: "kind@time"))
    var events: [String] = []

    func validate() throws {
        if events.contains(where: { $0.isEmpty || $0.hasPrefix("@") }) {
            throw ValidationError("--event must be KIND@TIME, such as reacted@2026-11-24T10:05:00+08:00")
        }
        _ = try instant(openedAt, "--opened-at")
        _ = try initialEvents()
    }

    /// `--event` values as the request's events: `reacted@2026-11-24T10:05:00+08:00`, or a kind alone.
    func initialEvents() throws -> [InitialEvent] {
        try events.map { event in
            let parts = event.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return InitialEvent(kind: parts[0], at: try instant(parts.count == 2 ? parts[1] : nil, "--event"))
        }
    }

    func run() throws {
        let events = try initialEvents()
        let request = OpenCaseRequest(
            kind: kind, store: store, category: category, channel: channel, amount: amount, externalRef: ref,
            openedAt: try instant(openedAt, "--opened-at"), actor: actor ?? currentUser(), note: note,
            idempotencyKey: idempotencyKey, events: events.isEmpty ? nil : events)
        if let opened = try connection.call("POST", "/v1/cases", sending: request, answer: CaseView.self) {
            print(opened.id)
        }
    }
}

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Record an event on a case (reacted, first-response, resolved, closed...).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The case id, e.g. C-1042.") var caseID: String
    @Argument(help: "The event kind.") var kind: String
    @Option(help: "When it happened, ISO 8601 (default: now).") var at: String?
    @Option(help: "Who did it (default: $USER).") var actor: String?
    @Option(help: "A note for the audit trail.") var note: String?
    @Option(help: "Makes a retried event safe: the same key records it once.") var idempotencyKey: String?

    func validate() throws {
        _ = try instant(at, "--at")
    }

    func run() throws {
        let request = RecordEventRequest(
            kind: kind, at: try instant(at, "--at"), actor: actor ?? currentUser(), note: note,
            idempotencyKey: idempotencyKey)
        let path = "/v1/cases/\(pathComponent(caseID))/events"
        if let updated = try connection.call("POST", path, sending: request, answer: CaseView.self) {
            printCase(updated)
        }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a case, its clocks and events.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The case id.") var caseID: String

    func run() throws {
        guard let shown = try connection.call("GET", "/v1/cases/\(pathComponent(caseID))", answer: CaseView.self)
        else { return }
        printCase(shown)
        let events = shown.events ?? []
        if !events.isEmpty {
            print("")
            print(
                TextTable.render(
                    header: ["EVENT", "AT", "ACTOR", "NOTE"],
                    rows: events.map { [$0.kind, $0.at, $0.actor ?? "-", $0.note ?? "-"] }))
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List cases.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "open, resolved or closed.") var state: String?
    @Flag(help: "Only cases with an overdue clock.") var overdue = false
    @Option(help: "Only this case kind.") var kind: String?
    @Option(help: "Only this store.") var store: String?
    @Option(help: "At most this many (newest first).") var limit = 100

    func run() throws {
        let path =
            "/v1/cases"
            + query([
                "state": state, "overdue": overdue ? "true" : nil, "kind": kind, "store": store, "limit": "\(limit)",
            ])
        guard let list = try connection.call("GET", path, answer: CaseList.self) else { return }
        print(
            TextTable.render(
                header: ["CASE", "KIND", "STORE", "STATUS", "OVERDUE", "NEXT DUE"],
                rows: list.cases.map {
                    [$0.id, $0.kind, $0.store, $0.status, $0.overdue ? "yes" : "no", $0.nextDue ?? "-"]
                }
            ))
    }
}

struct EscalationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalations", abstract: "List escalation queue entries, or follow new ones as they are written.",
        subcommands: [TestRouteCommand.self])

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only entries for this tier (service-desk, duty-supervisor, store-manager...).") var tier: String?
    @Flag(help: "Only entries not yet acknowledged or delivered.") var pending = false
    @Flag(help: "Only entries whose push delivery gave up (see the journal for why).") var failed = false
    @Option(help: "Only entries written at or after this ISO 8601 time.") var since: String?
    @Option(help: "Only entries of this case.") var `case`: String?
    @Flag(help: "Keep running and print new entries as they are written (one JSON object a line with --json).")
    var follow = false
    @OptionGroup var atHQ: HQEscalationOptions

    func run() throws {
        if let url = atHQ.hq { try runAtHQ(url) }
        var after: Int64 = 0
        var filters: [String: String?] = [
            "tier": tier, "state": failed ? "failed" : pending ? "pending" : nil, "since": since, "case": `case`,
        ]
        if !follow {
            filters["limit"] = "1000"
            if let list = try connection.call("GET", "/v1/escalations" + query(filters), answer: EntryList.self) {
                printEntries(list.entries, header: true)
            }
            return
        }
        var quiet = connection
        quiet.json = false
        // One JSON object a line, keys sorted, as Foundation writes it (slashes escaped).
        let line = JSONEncoder()
        line.outputFormatting = [.sortedKeys]
        var first = true
        // Pages of 1,000: a burst of thousands due at one instant reaches the manager in a few
        // round trips, not one per hundred.
        filters["limit"] = "1000"
        while true {
            filters["after"] = "\(after)"
            filters["wait"] = first ? nil : "30"
            let entries =
                try quiet.call("GET", "/v1/escalations" + query(filters), answer: EntryList.self)?.entries ?? []
            if connection.json {
                for entry in entries { print(String(decoding: try line.encode(entry), as: UTF8.self)) }
            } else {
                printEntries(entries, header: first)
            }
            fflush(nil)  // every C stream: `stdout` itself is a C global Swift 6 keeps out of reach
            after = entries.map(\.id).max() ?? after
            first = false
        }
    }
}

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an escalation entry.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The entry id.") var id: Int64
    @Option(help: "Who acknowledges (default: $USER).") var actor: String?
    @Option(help: "A note kept with the acknowledgement (shown in the console and the API).") var note: String?

    func run() throws {
        let request = AcknowledgeRequest(actor: actor ?? currentUser(), note: note)
        if let entry = try connection.call(
            "POST", "/v1/escalations/\(id)/ack", sending: request, answer: EntryView.self)
        {
            print("entry \(id) acknowledged by \(entry.ackedBy ?? "-") at \(entry.ackedAt ?? "-")")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the cases opened in a period, with their events, as JSON lines (keep them before a purge).")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "First day (2026-01-01) or ISO 8601 time, included.") var from: String
    @Option(help: "Last bound (2026-02-01) or ISO 8601 time, excluded.") var to: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        try emit(try connection.fetch("/v1/export" + query(["from": from, "to": to])), to: output)
    }
}

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Ask slad how it is.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        guard let health = try connection.call("GET", "/v1/health", answer: HealthView.self) else { return }
        // `key: value`, by key, of what the answer holds (warnings as they read, `; ` between
        // them; a map as Swift prints one).
        let fields: [(HealthView.CodingKeys, String?)] = [
            (.activeCases, "\(health.activeCases)"),
            (.calendarWarnings, health.calendarWarnings.map { $0.isEmpty ? "none" : $0.joined(separator: "; ") }),
            (.provisionalCases, health.provisionalCases.map(Self.map)),
            (.nextCase, health.nextCase), (.nextClock, health.nextClock),
            (.nextDue, health.nextDue), (.now, health.now), (.orphanedCases, "\(health.orphanedCases)"),
            (.overdueCases, health.overdueCases.map(String.init)),
            (.pendingEntries, health.pendingEntries.map(String.init)),
            (.runningClocks, "\(health.runningClocks)"), (.status, health.status), (.storeError, health.storeError),
            (.version, health.version),
            (.replication, health.replication.map(Self.replication)),
        ]
        for (key, value) in fields.sorted(by: { $0.0.rawValue < $1.0.rawValue }) {
            if let value { print("\(key.rawValue): \(value)") }
        }
    }

    /// `ok, store S01 at postgres://..., 0 changes behind (lag 0 s), last contact ...`.
    static func replication(_ view: ReplicationView) -> String {
        var text = "\(view.state), store \(view.storeID) at \(view.hq), \(view.backlogRows) changes behind"
        text += " (lag \(Int(view.lagSeconds)) s), last contact \(view.lastContact ?? "none yet")"
        if let error = view.lastError { text += ", last error: \(error)" }
        return text
    }

    /// `["office": 2, "store": 1]`: as Swift prints a dictionary, in key order.
    static func map(_ counts: [String: Int]) -> String {
        "[" + counts.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "]"
    }
}

/// An ISO 8601 option with an offset, as slad reads it; nil when not given. A time slad would
/// refuse is a usage error, named before anything is sent.
func instant(_ text: String?, _ option: String) throws -> Instant? {
    guard let text else { return nil }
    guard let instant = ISO8601.parse(text) else {
        throw ValidationError(
            "\(option): '\(text)' is not an ISO 8601 time with an offset, such as 2026-11-24T10:05:00+08:00")
    }
    return instant
}

func currentUser() -> String? {
    ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"]
}
