import Logging
import NIOCore
import PostgresNIO
import SLACore
import SLAStore

/// Where the replicator ships a store's outbox: HQ's PostgreSQL (`PostgresReplicationTarget`).
public protocol ReplicationTarget: Sendable {
    /// HQ's highest confirmed seq for the store (0 when HQ has nothing of it yet).
    func lastSeq(store: String) async throws -> Int64

    /// Applies the changes (ascending seqs) in one transaction, idempotently; returns HQ's highest
    /// confirmed seq for the store after it. With no changes: only says the store is alive.
    func apply(store: String, changes: [OutboxChange]) async throws -> Int64

    /// What the target runs in the background (a connection pool), until the task is cancelled.
    func run() async
}

/// HQ's PostgreSQL through postgres-nio's `PostgresClient` (a small pool that reconnects by
/// itself), on the process's event loop group (NIO's singleton, which slad's listeners use too);
/// the SQL is `HQWriter`'s.
public struct PostgresReplicationTarget: ReplicationTarget {
    let client: PostgresClient
    let logger: Logger

    public init(
        policy: HQPolicy, eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup, logger: Logger
    ) throws {
        self.init(configuration: try HQConfig.client(policy), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    public init(
        configuration: PostgresClient.Configuration,
        eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup, logger: Logger
    ) {
        // The pool's own reconnect attempts stay out of the journal: the replicator logs an
        // outage once.
        var background = logger
        background.logLevel = .critical
        client = PostgresClient(
            configuration: configuration, eventLoopGroup: eventLoopGroup, backgroundLogger: background)
        self.logger = logger
    }

    public func lastSeq(store: String) async throws -> Int64 {
        try await client.withConnection { connection in try await HQWriter.lastSeq(store: store, on: connection) }
    }

    public func apply(store: String, changes: [OutboxChange]) async throws -> Int64 {
        try await client.withConnection { connection in
            try await HQWriter.apply(store: store, changes: changes, on: connection)
        }
    }

    public func run() async {
        await client.run()
    }
}
