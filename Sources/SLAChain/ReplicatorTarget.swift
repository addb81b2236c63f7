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

/// HQ's PostgreSQL on one postgres-nio connection, opened when needed and dropped after any
/// error, so that the next call reconnects; the SQL is `HQWriter`'s. Not `PostgresClient`: its
/// pool hides a failed connect behind its own retries (a lease waits, here 30 s, until the call
/// times out), where the replicator wants the refusal at once, to back off and say so. One
/// store's replicator calls one at a time: a pool would have nothing to share.
public actor PostgresReplicationTarget: ReplicationTarget {
    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var connection: PostgresConnection?
    private var connections = 0

    public init(
        policy: HQPolicy, eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup, logger: Logger
    ) throws {
        self.init(configuration: try HQConfig.connection(policy), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// On the process's event loop group (NIO's singleton, which slad's listeners use too).
    public init(
        configuration: PostgresConnection.Configuration,
        eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        // postgres-nio's own lines stay out of the journal: the replicator logs an outage once.
        var quiet = logger
        quiet.logLevel = .critical
        self.logger = quiet
    }

    public func lastSeq(store: String) async throws -> Int64 {
        try await using { connection in try await HQWriter.lastSeq(store: store, on: connection, logger: self.logger) }
    }

    public func apply(store: String, changes: [OutboxChange]) async throws -> Int64 {
        try await using { connection in
            try await HQWriter.apply(store: store, changes: changes, on: connection, logger: self.logger)
        }
    }

    /// Until cancelled; then the connection is closed.
    public func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        try? await connection?.close()
        connection = nil
    }

    private func using(_ body: (PostgresConnection) async throws -> Int64) async throws -> Int64 {
        let open: PostgresConnection
        if let connection, !connection.isClosed {
            open = connection
        } else {
            connections += 1
            open = try await PostgresConnection.connect(
                on: eventLoopGroup.next(), configuration: configuration, id: connections, logger: logger)
            connection = open
        }
        do {
            return try await body(open)
        } catch {
            connection = nil
            try? await open.close()
            throw error
        }
    }
}
