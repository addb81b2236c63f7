import ArgumentParser
import Foundation
import SLACore

/// Options every daemon command takes.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "slad's socket (default: $SLAD_SOCKET, else /run/slad/slad.sock).")
    var socket: String?

    @Flag(help: "Print the daemon's JSON.")
    var json = false

    var client: UnixHTTPClient {
        UnixHTTPClient(
            socketPath: socket ?? ProcessInfo.processInfo.environment["SLAD_SOCKET"] ?? "/run/slad/slad.sock")
    }

    /// Sends a request; daemon refusals exit 1 with its message, an unreachable daemon exits 3.
    func call(_ method: String, _ path: String, body: [String: Any?]? = nil) throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0.compactMapValues { $0 }) }
        let reply = try send(method, path, body: data)
        if json { print(String(decoding: reply.body, as: UTF8.self), terminator: "") }
        return (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
    }

    /// GETs a body as slad renders it (CSV, HTML, JSON lines), for writing out unchanged.
    func fetch(_ path: String) throws -> Data {
        try send("GET", path, body: nil).body
    }

    /// One request; only 2xx answers come back.
    private func send(_ method: String, _ path: String, body: Data?) throws -> UnixHTTPClient.Reply {
        let reply: UnixHTTPClient.Reply
        do {
            reply = try client.send(method, path, json: body)
        } catch let error as UnixHTTPClient.Unreachable {
            printError("slactl: \(error.description)")
            throw ExitStatus.unreachable
        }
        guard (200..<300).contains(reply.status) else {
            let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            let code = error?["code"] as? String ?? "http_\(reply.status)"
            let message = error?["message"] as? String ?? String(decoding: reply.body, as: UTF8.self)
            if json {
                print(String(decoding: reply.body, as: UTF8.self), terminator: "")
            } else {
                printError("slactl: \(message) [\(code), HTTP \(reply.status)]")
            }
            throw ExitStatus.refused
        }
        return reply
    }
}

/// Writes a body to `output` (replaced whole, never half-written), or to standard output.
func emit(_ data: Data, to output: String?) throws {
    guard let output else {
        FileHandle.standardOutput.write(data)
        return
    }
    do {
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        printError("slactl: cannot write \(output): \(error.localizedDescription)")
        throw ExitStatus.refused
    }
}

func query(_ items: [String: String?]) -> String {
    let pairs = items.compactMap { key, value in
        value.map {
            "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "+", "="])) ?? $0)"
        }
    }.sorted()
    return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
}

func pathComponent(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? text
}

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
    }

    func run() throws {
        var body: [String: Any?] = [
            "kind": kind, "store": store, "category": category, "channel": channel, "amount": amount,
            "external_ref": ref, "opened_at": openedAt, "actor": actor ?? currentUser(), "note": note,
            "idempotency_key": idempotencyKey,
        ]
        if !events.isEmpty {
            body["events"] = events.map { event -> [String: String] in
                let parts = event.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                return parts.count == 2 ? ["kind": parts[0], "at": parts[1]] : ["kind": parts[0]]
            }
        }
        let object = try connection.call("POST", "/v1/cases", body: body)
        if !connection.json { print(object["id"] as? String ?? "") }
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

    func run() throws {
        let body: [String: Any?] = [
            "kind": kind, "at": at, "actor": actor ?? currentUser(), "note": note, "idempotency_key": idempotencyKey,
        ]
        let object = try connection.call("POST", "/v1/cases/\(pathComponent(caseID))/events", body: body)
        if !connection.json { printCase(object) }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a case, its clocks and events.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The case id.") var caseID: String

    func run() throws {
        let object = try connection.call("GET", "/v1/cases/\(pathComponent(caseID))")
        guard !connection.json else { return }
        printCase(object)
        let events = object["events"] as? [[String: Any]] ?? []
        if !events.isEmpty {
            print("")
            print(
                TextTable.render(
                    header: ["EVENT", "AT", "ACTOR", "NOTE"],
                    rows: events.map { [text($0["kind"]), text($0["at"]), text($0["actor"]), text($0["note"])] }))
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
        let object = try connection.call("GET", path)
        guard !connection.json else { return }
        let cases = object["cases"] as? [[String: Any]] ?? []
        print(
            TextTable.render(
                header: ["CASE", "KIND", "STORE", "STATUS", "OVERDUE", "NEXT DUE"],
                rows: cases.map {
                    [
                        text($0["id"]), text($0["kind"]), text($0["store"]), text($0["status"]),
                        ($0["overdue"] as? Bool ?? false) ? "yes" : "no", text($0["next_due"]),
                    ]
                }))
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

    func run() throws {
        var after: Int64 = 0
        var filters: [String: String?] = [
            "tier": tier, "state": failed ? "failed" : pending ? "pending" : nil, "since": since, "case": `case`,
        ]
        if !follow {
            filters["limit"] = "1000"
            let object = try connection.call("GET", "/v1/escalations" + query(filters))
            if !connection.json { printEntries(object["entries"] as? [[String: Any]] ?? [], header: true) }
            return
        }
        var quiet = connection
        quiet.json = false
        var first = true
        while true {
            filters["after"] = "\(after)"
            filters["wait"] = first ? nil : "30"
            let object = try quiet.call("GET", "/v1/escalations" + query(filters))
            let entries = object["entries"] as? [[String: Any]] ?? []
            if connection.json {
                for entry in entries {
                    let data = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                }
            } else {
                printEntries(entries, header: first)
            }
            fflush(nil)  // every C stream: `stdout` itself is a C global Swift 6 keeps out of reach
            after = entries.compactMap { ($0["id"] as? NSNumber)?.int64Value }.max() ?? after
            first = false
        }
    }
}

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an escalation entry.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The entry id.") var id: Int64
    @Option(help: "Who acknowledges (default: $USER).") var actor: String?

    func run() throws {
        let object = try connection.call("POST", "/v1/escalations/\(id)/ack", body: ["actor": actor ?? currentUser()])
        if !connection.json {
            print("entry \(id) acknowledged by \(text(object["acked_by"])) at \(text(object["acked_at"]))")
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
        let object = try connection.call("GET", "/v1/health")
        guard !connection.json else { return }
        for key in object.keys.sorted() { print("\(key): \(text(object[key]))") }
    }
}

// MARK: Printing

func text(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: return "-"
    case let string as String: return string
    case let number as NSNumber: return number.stringValue
    default: return "\(value!)"
    }
}

func printCase(_ object: [String: Any]) {
    print(
        "\(text(object["id"]))  \(text(object["kind"]))  store \(text(object["store"]))  \(text(object["status"]))"
            + ((object["overdue"] as? Bool ?? false) ? "  OVERDUE" : ""))
    let clocks = object["clocks"] as? [[String: Any]] ?? []
    print(
        TextTable.render(
            header: ["CLOCK", "STATUS", "TARGET", "DEADLINE", "LEFT / LATE", "TOLD"],
            rows: clocks.map { clock in
                var left = "-"
                if let ms = (clock["time_left_ms"] as? NSNumber)?.int64Value {
                    // A paused clock's time left does not run down until it resumes.
                    left = duration(ms) + " left" + (text(clock["status"]) == "paused" ? " (paused)" : "")
                }
                if let ms = (clock["late_by_ms"] as? NSNumber)?.int64Value { left = duration(ms) + " late" }
                return [
                    text(clock["name"]), clockStatus(clock), text(clock["target"]), text(clock["deadline"]), left,
                    text(clock["escalated_to"]),
                ]
            }))
    for clock in clocks where clock["provisional"] != nil {
        print("* \(text(clock["name"])): deadline provisional: \(text(clock["provisional_reason"]))")
    }
}

/// A frozen clock (the policy lacks what it uses) says so where staff look first.
func clockStatus(_ clock: [String: Any]) -> String {
    (clock["frozen"] == nil ? text(clock["status"]) : "\(text(clock["status"])) (FROZEN)")
        + (clock["provisional"] == nil ? "" : " *")
}

func printEntries(_ entries: [[String: Any]], header: Bool) {
    let rows = entries.map {
        [
            text($0["id"]), text($0["case_id"]), text($0["clock"]), text($0["tier"]), text($0["kind"]),
            text($0["due_at"]), duration((($0["late_ms"] as? NSNumber)?.int64Value) ?? 0), text($0["state"]),
        ]
    }
    let table = TextTable.render(
        header: ["ID", "CASE", "CLOCK", "TIER", "KIND", "DUE", "WRITTEN LATE", "STATE"], rows: rows)
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
    for line in header ? lines[...] : lines.dropFirst() { print(line) }
}

func duration(_ millis: Int64) -> String {
    let seconds = millis / 1000
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
    if seconds < 86_400 { return "\(seconds / 3600)h\(seconds / 60 % 60)m" }
    return "\(seconds / 86_400)d\(seconds / 3600 % 24)h"
}

func currentUser() -> String? {
    ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"]
}
