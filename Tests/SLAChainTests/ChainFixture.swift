import Foundation
import PostgresNIO
import SLAChain
import SLACore
import SLAStore

/// A fresh HQ database in the shared test cluster, migrated, with an admin (owner) connection,
/// and small outbox changes made by hand.
struct ChainFixture {
    let cluster: PostgresCluster
    let database: String
    let admin: PostgresConnection
    /// This fixture's mark on the names that are cluster-wide (roles): tests run side by side.
    let tag: String

    /// - Parameter migrations: the schema's steps to apply (an older HQ: the first few).
    static func make(migrations: [HQMigration] = HQSchema.migrations) async throws -> ChainFixture {
        let cluster = try PostgresCluster.started()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let database = "hq_" + tag
        try await cluster.createDatabase(database)
        let admin = try await cluster.connect(database: database)
        try await HQMigrator.migrate(on: admin, migrations: migrations)
        return ChainFixture(cluster: cluster, database: database, admin: admin, tag: tag)
    }

    /// A store id of this fixture's own (`S01_1a2b3c4d`): store logins are cluster-wide roles.
    func store(_ name: String) -> String { name + "_" + tag }

    func connect(as user: String, password: String) async throws -> PostgresConnection {
        try await cluster.connect(user: user, password: password, database: database)
    }

    func close() async {
        try? await admin.close()
    }

    /// Rows of a query, each as text columns joined by `|` (for comparing whole tables).
    func rows(_ sql: String, on connection: PostgresConnection? = nil) async throws -> [String] {
        let sequence = try await (connection ?? admin).query(PostgresQuery(unsafeSQL: sql), logger: HQLog.quiet)
        var result: [String] = []
        for try await row in sequence {
            var fields: [String] = []
            for cell in row {
                fields.append(cell.bytes == nil ? "NULL" : try cell.decode(String.self))
            }
            result.append(fields.joined(separator: "|"))
        }
        return result
    }

    func count(_ table: String, on connection: PostgresConnection? = nil) async throws -> Int {
        Int(try await rows("SELECT count(*)::text FROM \(table)", on: connection)[0])!
    }

    // MARK: Changes

    static let day = Instant(millis: 1_790_000_000_000)  // 2026-09-21

    static func caseChange(
        seq: Int64, id: String, store: String = "S01", status: CaseStatus = .open, at: Instant = day
    ) -> OutboxChange {
        var clock = ClockState(name: "soft-first-reaction")
        clock.status = status == .open ? .running : .met
        clock.cycle = 1
        clock.startedAt = at
        clock.deadline = at.adding(seconds: 900)
        let record = Case(
            opening: CaseOpening(
                id: id, kind: "soft-complaint", store: store, category: "service-attitude", openedAt: at),
            status: status, resolvedAt: status == .open ? nil : at.adding(seconds: 60), lastEventAt: at,
            clocks: [clock])
        return OutboxChange(
            seq: seq, kind: .caseState, key: id, committedAt: at.millis + seq, payload: OutboxCodec.encode(record))
    }

    static func eventChange(seq: Int64, caseID: String, eventSeq: Int64, kind: String, at: Instant = day)
        -> OutboxChange
    {
        var event = EventRecord(
            caseID: caseID, kind: kind, at: at, recordedAt: at, actor: "amy", note: "it's \"fine\"\n",
            idempotencyKey: nil)
        event.seq = eventSeq
        return OutboxChange(
            seq: seq, kind: .event, key: caseID, committedAt: at.millis + seq, payload: OutboxCodec.encode(event))
    }

    static func entryChange(
        seq: Int64, id: Int64, caseID: String, tier: String = "duty-supervisor", state: String = "pending",
        ackedBy: String? = nil, store: String = "S01", at: Instant = day
    ) throws -> OutboxChange {
        let entry = try queueEntry(
            id: id, caseID: caseID, tier: tier, state: state, ackedBy: ackedBy, store: store, at: at)
        return OutboxChange(
            seq: seq, kind: .entry, key: "\(id)", committedAt: at.millis + seq, payload: OutboxCodec.encode(entry))
    }

    /// QueueEntry has no public memberwise initializer: it is read from its Codable form.
    static func queueEntry(
        id: Int64, caseID: String, tier: String, state: String, ackedBy: String?, store: String, at: Instant,
        clock: String = "soft-first-reaction", kind: Escalation.Kind = .breach
    ) throws -> QueueEntry {
        let escalation = Escalation(
            caseID: caseID, clock: clock, cycle: 1, tier: tier, kind: kind,
            dueAt: at.adding(seconds: 900), deadline: at.adding(seconds: 900))
        var object: [String: Any] = [
            "id": id, "escalation": try JSONSerialization.jsonObject(with: JSONEncoder().encode(escalation)),
            "store": store, "caseKind": "soft-complaint", "writtenAt": at.adding(seconds: 901).description,
            "lateMillis": 1000, "state": state,
        ]
        if let ackedBy {
            object["ackedBy"] = ackedBy
            object["ackedAt"] = at.adding(seconds: 1000).description
        }
        return try JSONDecoder().decode(QueueEntry.self, from: JSONSerialization.data(withJSONObject: object))
    }
}

/// What `body` threw, as an operator would read it, and its SQLSTATE; nil if it did not throw.
struct Refusal: CustomStringConvertible {
    let description: String
    let sqlState: String?

    static func of(_ body: () async throws -> Void) async -> Refusal? {
        do {
            try await body()
            return nil
        } catch {
            return Refusal(description: HQError.describe(error), sqlState: HQError.sqlState(of: error))
        }
    }
}
