import ArgumentParser
import Foundation
import PostgresNIO
import SLAChain
import SLACommandLine
import SLACore

/// Where HQ's PostgreSQL is, for the `slactl hq` commands (`report --hq` and `escalations --hq`
/// name it `--hq`, and reach `hqEndpoint` with it).
struct HQOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "HQ's PostgreSQL: postgres://USER@HOST:PORT/DATABASE.")
    var url: String

    @Option(help: "A file whose first line is the password (never on the command line).")
    var passwordFile: String?

    @Option(help: "HQ's CA certificate (PEM): TLS, checked against it.")
    var cacert: String?

    func endpoint() throws -> HQEndpoint {
        try hqEndpoint(url, passwordFile: passwordFile, cacert: cacert)
    }
}

/// HQ's options where `--password-file` is the new login's password (`add-store`, `add-reader`):
/// the admin's own comes from `--admin-password-file`.
struct HQAdminOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "HQ's PostgreSQL: postgres://USER@HOST:PORT/DATABASE (an admin).")
    var url: String

    @Option(help: "A file whose first line is the admin's password.")
    var adminPasswordFile: String?

    @Option(help: "HQ's CA certificate (PEM): TLS, checked against it.")
    var cacert: String?

    func endpoint() throws -> HQEndpoint {
        try hqEndpoint(url, passwordFile: adminPasswordFile, cacert: cacert)
    }
}

/// HQ's PostgreSQL as the options name it; a bad URL or password file is a usage error.
func hqEndpoint(_ url: String, passwordFile: String?, cacert: String?) throws -> HQEndpoint {
    do {
        return try HQEndpoint(url: url, passwordFile: passwordFile, caFile: cacert)
    } catch {
        throw ValidationError(error.description)
    }
}

/// Runs `work` on one connection to HQ; HQ's errors are printed as HQ said them (exit 1), an
/// unreachable HQ exits 3.
func withHQ<T: Sendable>(_ endpoint: HQEndpoint, _ work: @escaping @Sendable (PostgresConnection) async throws -> T)
    throws -> T
{
    let connection: PostgresConnection
    do {
        connection = try runBlocking { try await endpoint.connect() }
    } catch {
        printError("slactl: \(HQError.describe(error))")
        throw ExitStatus.unreachable
    }
    defer { _ = try? runBlocking { try await connection.close() } }
    do {
        return try runBlocking { try await work(connection) }
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("slactl: HQ: \(HQError.describe(error))")
        throw ExitStatus.refused
    }
}

/// `slactl hq`: HQ's side of a chain of stores (PostgreSQL; see docs/chain.md), with
/// `slactl report --hq` and `slactl escalations --hq`. A program of its own, which slactl runs for
/// these commands, so that the store's every `slactl` does not load a PostgreSQL client.
@main
struct HQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slactl hq",
        abstract: "HQ's PostgreSQL for a chain of stores: schema, store logins, replication status.",
        discussion: """
            Examples:
              slactl hq migrate --url postgres://hq_admin@hq.example:5432/slad_hq --password-file /etc/slad/hq-admin.pw
              slactl hq add-store S01 --url ... --admin-password-file admin.pw --password-file s01.pw
              slactl hq stores --url ... --silent-after 15m     (exit 1 when a store is silent)
              slactl hq lag --url ...                           (the same as JSON)
            """,
        version: SLACoreVersion.string,
        subcommands: [
            HQMigrateCommand.self, HQAddStoreCommand.self, HQAddReaderCommand.self, HQStoresCommand.self,
            HQLagCommand.self,
            // What slactl's `report --hq` and `escalations --hq` run, and the policy parse's child.
            HQReportCommand.self, HQEscalationsCommand.self, PolicyChildCommand.self,
        ])

    static func main() {
        runExitingTwoOnUsage()
    }
}

/// `policy parse-stdin`, the child `loadPolicy` runs.
struct PolicyChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", shouldDisplay: false, subcommands: [PolicyParseChild.self])
}

struct HQMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade HQ's schema (tables, roles, row level security); safe with stores connected.")

    @OptionGroup var hq: HQOptions

    func run() throws {
        let applied = try withHQ(try hq.endpoint()) { connection in
            try await HQMigrator.migrate(on: connection).map { "\($0.version) \($0.name)" }
        }
        if applied.isEmpty { print("HQ schema is up to date (\(HQSchema.migrations.count) steps)") }
        for step in applied { print("applied \(step)") }
    }
}

struct HQAddStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-store",
        abstract: "Register a store and create its login (slad_store_<id>), which may write its own rows only.",
        discussion: "Run again to set a new password. The store's slad logs in with the same password file.")

    @OptionGroup var hq: HQAdminOptions
    @Argument(help: "The store id, as the store's [hq] section names it (e.g. S01).") var store: String
    @Option(help: "A file whose first line is the store's password (its slad logs in with it).")
    var passwordFile: String

    func run() throws {
        let password = try readSecret(passwordFile)
        let store = store
        let outcome = try withHQ(try hq.endpoint()) { connection in
            try await HQRoles.addStore(store, password: password, on: connection)
        }
        print("store \(store): login \(HQRoles.roleName(forStore: store)) \(outcome.rawValue)")
    }
}

struct HQAddReaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-reader",
        abstract: "Create a login that reads every store's rows and writes none (reports, dashboards).")

    @OptionGroup var hq: HQAdminOptions
    @Argument(help: "The login's name (lower case, digits, '_').") var name: String
    @Option(help: "A file whose first line is the login's password.") var passwordFile: String

    func run() throws {
        let password = try readSecret(passwordFile)
        let name = name
        let outcome = try withHQ(try hq.endpoint()) { connection in
            try await HQRoles.addReader(name, password: password, on: connection)
        }
        print("reader \(name) \(outcome.rawValue)")
    }
}

struct HQStoresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stores",
        abstract: "Each store's replication: last seq, newest change, its lag, last contact; silent stores.",
        discussion: "Exits 1 when a store is silent (never heard from, or not within --silent-after): for monitoring.")

    @OptionGroup var hq: HQOptions
    @Option(help: "A store is silent after this long without contact (e.g. 15m, 1h).") var silentAfter = "15m"

    func run() throws {
        let threshold = try parseDuration(silentAfter, option: "--silent-after")
        let stores = try withHQ(try hq.endpoint()) { connection in try await HQStoreStatus.all(on: connection) }
        let rows = stores.map { status -> [String] in
            [
                status.store, "\(status.lastSeq)",
                status.lastCommittedAt.map { ISO8601Text.utc($0) } ?? "-",
                status.arrivalLagMillis.map(lagText) ?? "-",
                status.silenceMillis.map { duration($0) + " ago" } ?? "never",
                status.isSilent(after: threshold) ? "SILENT" : "ok",
            ]
        }
        print(
            TextTable.render(
                header: ["STORE", "LAST SEQ", "NEWEST CHANGE (UTC)", "ITS LAG", "LAST CONTACT", "STATE"], rows: rows))
        let silent = stores.filter { $0.isSilent(after: threshold) }.map(\.store)
        if !silent.isEmpty {
            printError("slactl: \(silent.count) of \(stores.count) stores silent: \(silent.joined(separator: ", "))")
            throw ExitStatus.refused
        }
    }
}

struct HQLagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag", abstract: "Each store's replication status as JSON (one array), for monitoring.")

    @OptionGroup var hq: HQOptions
    @Option(help: "A store is silent after this long without contact.") var silentAfter = "15m"

    struct Line: Encodable {
        let store: String
        let last_seq: Int64
        let last_committed_at: String?
        let arrival_lag_ms: Int64?
        let last_contact_at: String?
        let silence_ms: Int64?
        let silent: Bool
    }

    func run() throws {
        let threshold = try parseDuration(silentAfter, option: "--silent-after")
        let stores = try withHQ(try hq.endpoint()) { connection in try await HQStoreStatus.all(on: connection) }
        let lines = stores.map {
            Line(
                store: $0.store, last_seq: $0.lastSeq, last_committed_at: $0.lastCommittedAt.map(ISO8601Text.utc),
                arrival_lag_ms: $0.arrivalLagMillis, last_contact_at: $0.lastContactAt.map(ISO8601Text.utc),
                silence_ms: $0.silenceMillis, silent: $0.isSilent(after: threshold))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(lines), as: UTF8.self))
    }
}

func lagText(_ millis: Int64) -> String {
    millis < 10_000 ? String(format: "%.1fs", Double(max(0, millis)) / 1000) : duration(millis)
}

/// `30s`, `15m`, `2h`, `1d` as milliseconds.
func parseDuration(_ text: String, option: String) throws -> Int64 {
    let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
    guard let unit = text.last.flatMap({ units[$0] }), let number = Int64(text.dropLast()), number > 0 else {
        throw ValidationError("\(option): bad duration '\(text)': write a whole number and s, m, h or d, such as 15m")
    }
    return number * unit
}

/// The first line of a secret file.
func readSecret(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path),
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first, !line.isEmpty
    else {
        throw ValidationError("cannot read a password from \(path) (its first line)")
    }
    return String(line)
}

enum ISO8601Text {
    static func utc(_ millis: Int64) -> String {
        ISO8601.format(Instant(millis: millis), offsetSeconds: 0)
    }
}
